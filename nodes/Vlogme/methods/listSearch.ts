import type { ILoadOptionsFunctions, INodeListSearchItems, INodeListSearchResult } from 'n8n-workflow';

import { readListPage } from '../helpers/lists';
import { vlogmeApiRequest } from '../transport';

/** Voices for the Voice picker: "Name (language)", filtered by what the user types. */
export async function searchVoices(this: ILoadOptionsFunctions, filter?: string): Promise<INodeListSearchResult> {
	const body = await vlogmeApiRequest.call(this, { method: 'GET', path: '/voices' });
	const needle = (filter ?? '').trim().toLowerCase();
	const results: INodeListSearchItems[] = [];
	for (const voice of readListPage(body).items) {
		const id = String(voice.id ?? voice.voice_id ?? '');
		if (!id) continue;
		const details = [voice.language, voice.gender].filter((part) => typeof part === 'string' && part !== '');
		const name = `${String(voice.name ?? id)}${details.length ? ` (${details.join(', ')})` : ''}`;
		if (needle && !`${name} ${id}`.toLowerCase().includes(needle)) continue;
		results.push({ name, value: id });
	}
	return { results };
}
