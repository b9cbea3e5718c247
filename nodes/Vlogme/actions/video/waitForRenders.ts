import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { readListPage } from '../../helpers/lists';
import { runPool } from '../../helpers/pool';
import { isFinalStatus, listPagesFor, LIST_PAGE_SIZE, MAX_FAILED_ROUNDS } from '../../helpers/polling';
import { pause, vlogmeApiRequest } from '../../transport';
import { downloadVideo } from '../../transport/download';

export interface WaitSettings {
	intervalMs: number;
	maxWaitMs: number;
	deleteOnTimeout: boolean;
	download: boolean;
	binaryPropertyName: string;
	/** How many finished renders to download at the same time. */
	concurrency: number;
}

export interface PendingRender {
	itemIndex: number;
	id: string;
}

/** Final outcome per item: the output item, or the error for that item. */
export type RenderOutcome = { item: INodeExecutionData } | { error: NodeOperationError };

/**
 * Waits until every render is `completed` or `failed`, polling in rounds.
 *
 * Many renders are settled together: one `GET /videos` page shows up to 100 of them, so a round
 * costs about ceil(pending / 100) requests instead of one per render. A render the list does not
 * show is read by id. Stops at Max Wait (optionally deleting unfinished renders, which refunds
 * them) and as soon as the execution is cancelled.
 */
export async function waitForRenders(
	this: IExecuteFunctions,
	renders: PendingRender[],
	settings: WaitSettings,
): Promise<Map<number, RenderOutcome>> {
	const outcomes = new Map<number, RenderOutcome>();
	const pending = new Map<string, PendingRender>(renders.map((render) => [render.id, render]));
	const signal = this.getExecutionCancelSignal();
	const deadline = Date.now() + settings.maxWaitMs;
	let failedRounds = 0;

	while (pending.size > 0) {
		const remaining = deadline - Date.now();
		if (remaining <= 0) break;
		await pause(Math.min(settings.intervalMs, remaining), signal);
		if (signal?.aborted) {
			throw new NodeOperationError(this.getNode(), 'The execution was cancelled while waiting for Vlogme renders', {
				description: `Renders still in progress: ${[...pending.keys()].join(', ')}. They keep rendering; delete them with Video → Delete to get their credits back.`,
			});
		}
		let settled: IDataObject[];
		try {
			settled = await readStatuses.call(this, [...pending.values()], signal);
			failedRounds = 0;
		} catch (error) {
			if (++failedRounds < MAX_FAILED_ROUNDS) continue;
			for (const render of pending.values()) {
				outcomes.set(render.itemIndex, {
					error: new NodeOperationError(this.getNode(), error as Error, {
						itemIndex: render.itemIndex,
						description: `Checking render ${render.id} failed ${MAX_FAILED_ROUNDS} times in a row. It may still finish: check it later with Video → Get.`,
					}),
				});
			}
			return outcomes;
		}
		const finished: Array<{ render: PendingRender; video: IDataObject }> = [];
		for (const video of settled) {
			const render = pending.get(String(video.id));
			if (!render || !isFinalStatus(video.status)) continue;
			pending.delete(render.id);
			finished.push({ render, video });
		}
		// Renders that finished together are downloaded side by side, as many at once as Concurrency.
		await runPool(finished.length, settings.concurrency, async (index) => {
			const { render, video } = finished[index];
			outcomes.set(render.itemIndex, await finish.call(this, render, video, settings));
		});
	}

	for (const render of pending.values()) {
		outcomes.set(render.itemIndex, { error: await timedOut.call(this, render, settings) });
	}
	return outcomes;
}

/** One poll round: list pages for many renders, then by id for any the list did not show. */
async function readStatuses(this: IExecuteFunctions, renders: PendingRender[], signal?: AbortSignal): Promise<IDataObject[]> {
	const wanted = new Set(renders.map((render) => render.id));
	const found: IDataObject[] = [];
	let cursor: string | undefined;
	for (let page = 0; page < listPagesFor(renders.length) && wanted.size > 0; page++) {
		const qs: IDataObject = { limit: LIST_PAGE_SIZE };
		if (cursor) qs.cursor = cursor;
		const body = await vlogmeApiRequest.call(this, { method: 'GET', path: '/videos', qs, abortSignal: signal });
		const { items, nextCursor } = readListPage(body);
		for (const video of items) {
			if (wanted.delete(String(video.id))) found.push(video);
		}
		if (!nextCursor || items.length === 0) break;
		cursor = nextCursor;
	}
	for (const id of wanted) {
		found.push(
			await vlogmeApiRequest.call(this, {
				method: 'GET',
				path: `/videos/${encodeURIComponent(id)}`,
				context: { videoId: id },
				abortSignal: signal,
			}),
		);
	}
	return found;
}

async function finish(
	this: IExecuteFunctions,
	render: PendingRender,
	video: IDataObject,
	settings: WaitSettings,
): Promise<RenderOutcome> {
	if (video.status === 'failed') {
		return { error: failedRenderError(this, video, render.itemIndex) };
	}
	const item: INodeExecutionData = { json: video, pairedItem: { item: render.itemIndex } };
	if (settings.download) {
		try {
			// A listed video may come without a signed link: read it by id for a fresh one.
			const fresh =
				typeof video.video_url === 'string' && video.video_url !== ''
					? video
					: await vlogmeApiRequest.call(this, { method: 'GET', path: `/videos/${encodeURIComponent(render.id)}`, itemIndex: render.itemIndex });
			item.json = fresh;
			item.binary = { [settings.binaryPropertyName]: await downloadVideo.call(this, fresh, render.itemIndex) };
		} catch (error) {
			return { error: new NodeOperationError(this.getNode(), error as Error, { itemIndex: render.itemIndex }) };
		}
	}
	return { item };
}

export function failedRenderError(context: IExecuteFunctions, video: IDataObject, itemIndex: number): NodeOperationError {
	const reason = typeof video.error_message === 'string' && video.error_message ? video.error_message : 'no reason given';
	return new NodeOperationError(context.getNode(), `Render ${String(video.id)} failed: ${reason}`, {
		itemIndex,
		description: 'Vlogme refunds the credits of failed renders automatically. Check the portrait (one clear face) and the script or audio, then try again.',
	});
}

async function timedOut(this: IExecuteFunctions, render: PendingRender, settings: WaitSettings): Promise<NodeOperationError> {
	const minutes = Math.round((settings.maxWaitMs / 60_000) * 10) / 10;
	if (settings.deleteOnTimeout) {
		try {
			const response = await vlogmeApiRequest.call(this, {
				method: 'DELETE',
				path: `/videos/${encodeURIComponent(render.id)}`,
				itemIndex: render.itemIndex,
				context: { videoId: render.id },
			});
			return new NodeOperationError(this.getNode(), `Render ${render.id} did not finish within ${minutes} min, so it was deleted`, {
				itemIndex: render.itemIndex,
				description: `Its credits were refunded${typeof response.credits_refunded === 'number' ? ` (${response.credits_refunded})` : ''}. Raise Max Wait to give renders more time.`,
			});
		} catch (error) {
			return new NodeOperationError(this.getNode(), `Render ${render.id} did not finish within ${minutes} min, and deleting it failed`, {
				itemIndex: render.itemIndex,
				description: `${(error as Error).message}. Delete it with Video → Delete to get its credits back, or fetch it later with Video → Get.`,
			});
		}
	}
	return new NodeOperationError(this.getNode(), `Render ${render.id} did not finish within ${minutes} min`, {
		itemIndex: render.itemIndex,
		description: `It is still rendering and was charged. Fetch it later with Video → Get (ID ${render.id}), raise Max Wait, or turn on Delete on Timeout to have unfinished renders deleted and refunded.`,
	});
}
