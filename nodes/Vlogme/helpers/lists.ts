import type { IDataObject } from 'n8n-workflow';

// The API documentation does not give the shape of its lists, so every known shape is read:
// a bare array, or an array under one of these keys, with the next cursor under one of these.
// `__list` is where the request helper keeps a bare-array answer.
const LIST_KEYS = ['__list', 'videos', 'voices', 'data', 'items', 'results'];
const CURSOR_KEYS = ['next_cursor', 'nextCursor', 'cursor'];

export interface ListPage {
	items: IDataObject[];
	nextCursor?: string;
}

export function readListPage(body: unknown): ListPage {
	if (Array.isArray(body)) return { items: body as IDataObject[] };
	if (typeof body !== 'object' || body === null) return { items: [] };
	const record = body as IDataObject;
	let items: IDataObject[] = [];
	for (const key of LIST_KEYS) {
		if (Array.isArray(record[key])) {
			items = record[key] as IDataObject[];
			break;
		}
	}
	let nextCursor: string | undefined;
	for (const key of CURSOR_KEYS) {
		const value = record[key];
		if (typeof value === 'string' && value !== '') {
			nextCursor = value;
			break;
		}
		if (typeof value === 'number') {
			nextCursor = String(value);
			break;
		}
	}
	return { items, nextCursor };
}
