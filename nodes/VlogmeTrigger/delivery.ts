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

/**
 * The same memory, kept in this n8n process as well.
 *
 * n8n 2.41 does not save static data that webhook() changed when that call starts an execution
 * (building the execution's workflow resets the "changed" flag before the save), so static data
 * alone forgets every delivery that started one. Memory here still drops retries that reach the
 * same n8n process, which is where Vlogme's retries land unless n8n restarts or runs several
 * webhook processes. Bounded: the most recent deliveries of the most recently used triggers.
 */
const MAX_TRIGGERS_REMEMBERED = 200;
const inProcess = new Map<string, string[]>();

/** Claims `key` for this trigger: false when it was seen (or is being handled) already. */
export function claimInProcess(trigger: string, key: string): boolean {
	const list = inProcess.get(trigger) ?? [];
	if (list.includes(key)) return false;
	list.push(key);
	if (list.length > MAX_REMEMBERED_DELIVERIES) list.splice(0, list.length - MAX_REMEMBERED_DELIVERIES);
	inProcess.delete(trigger);
	inProcess.set(trigger, list);
	if (inProcess.size > MAX_TRIGGERS_REMEMBERED) inProcess.delete(inProcess.keys().next().value as string);
	return true;
}

/** Gives a claim back, when the delivery could not be handled and Vlogme should retry it. */
export function releaseInProcess(trigger: string, key: string): void {
	const list = inProcess.get(trigger);
	const at = list?.indexOf(key) ?? -1;
	if (list && at >= 0) list.splice(at, 1);
}
