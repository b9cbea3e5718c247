import type { IDataObject } from 'n8n-workflow';

/** Event values of the Events option; also the values saved in workflows, so keep them stable. */
export const EVENT_COMPLETED = 'video.completed';
export const EVENT_FAILED = 'video.failed';

/** How many recent deliveries are remembered to drop retries (Vlogme retries for up to 24 hours). */
export const MAX_REMEMBERED_DELIVERIES = 1000;

export interface FinishedRender {
	/** `video.completed` or `video.failed`: what the delivery means, whatever its exact event name. */
	kind: typeof EVENT_COMPLETED | typeof EVENT_FAILED;
	/** The event name as sent. */
	event: string;
	video: IDataObject;
	videoId: string;
}

function isObject(value: unknown): value is IDataObject {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads a delivery as a finished render, or undefined for anything else (other events, no video).
 *
 * The documentation names `video.completed` but not the failure event, so besides the two known
 * names any `video.*` event whose video carries a final status counts as that outcome.
 */
export function readFinishedRender(payload: unknown): FinishedRender | undefined {
	if (!isObject(payload) || typeof payload.event !== 'string' || !isObject(payload.video)) return undefined;
	const { event, video } = payload;
	const videoId = typeof video.id === 'string' || typeof video.id === 'number' ? String(video.id) : '';
	if (videoId === '') return undefined;
	let kind: FinishedRender['kind'] | undefined;
	if (event === EVENT_COMPLETED || event === EVENT_FAILED) {
		kind = event;
	} else if (event.startsWith('video.')) {
		if (video.status === 'completed') kind = EVENT_COMPLETED;
		else if (video.status === 'failed') kind = EVENT_FAILED;
	}
	return kind === undefined ? undefined : { kind, event, video, videoId };
}

/** The identity of a delivery for deduplication: only ids and event names, never anything secret. */
export function deliveryKey(render: FinishedRender): string {
	return `${render.kind}:${render.videoId}`;
}

/**
 * Adds a key to the remembered list, keeping only the most recent `max`.
 * Returns a new array (so n8n notices the static data changed) or undefined when already seen.
 */
export function rememberDelivery(
	seen: unknown,
	key: string,
	max = MAX_REMEMBERED_DELIVERIES,
): string[] | undefined {
	const list = Array.isArray(seen) ? seen.filter((entry): entry is string => typeof entry === 'string') : [];
	if (list.includes(key)) return undefined;
	list.push(key);
	return list.length > max ? list.slice(list.length - max) : list;
}
