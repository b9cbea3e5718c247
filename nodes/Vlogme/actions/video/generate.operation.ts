import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import {
	buildGenerateBody,
	estimateCredits,
	GenerateInputError,
	type GenerateInput,
	type PortraitSource,
	type SpeechSource,
} from '../../helpers/generateRequest';
import { maxWaitMs, pollIntervalMs } from '../../helpers/polling';
import { callbackUnreachable } from '../../helpers/reachability';
import { toNodeError } from '../../helpers/nodeErrors';
import { findCandidates } from '../../helpers/recovery';
import { readListPage } from '../../helpers/lists';
import { getBaseUrl, outcomeUnknown, pause, vlogmeApiRequest } from '../../transport';
import { failedRenderError, waitForRenders, type RenderOutcome, type WaitSettings } from './waitForRenders';

export type WaitMode = 'none' | 'poll' | 'webhook';

export interface PreparedGenerate {
	body: IDataObject;
	waitMode: WaitMode;
	/** Body fields (`portrait_base64`, `audio_base64`) to fill from these input binary properties. */
	binaries: Array<{ field: string; property: string; label: string }>;
}

/**
 * Checks an input binary property (present, the right kind of MIME type, not empty) from its
 * metadata alone. The bytes are read only when the item is sent, so a large batch does not hold
 * every portrait and narration in memory at once.
 */
function checkBinary(this: IExecuteFunctions, itemIndex: number, field: string, propertyName: string, kind: 'image' | 'audio'): string {
	const name = propertyName.trim();
	const binary = this.getInputData()[itemIndex]?.binary?.[name];
	if (!binary) {
		const available = Object.keys(this.getInputData()[itemIndex]?.binary ?? {});
		throw new GenerateInputError(
			field,
			`Item ${itemIndex} has no binary field "${name}"`,
			available.length
				? `Binary fields on this item: ${available.join(', ')}. Set ${field} to one of them.`
				: 'This item has no binary data at all. Add a node before this one that loads the file (for example HTTP Request with Response Format: File).',
		);
	}
	const mimeType = String(binary.mimeType ?? '');
	if (!mimeType.toLowerCase().startsWith(`${kind}/`)) {
		throw new GenerateInputError(
			field,
			`The binary field "${name}" of item ${itemIndex} is ${mimeType || 'of unknown type'}, not ${kind === 'image' ? 'an image' : 'audio'}`,
		);
	}
	if (binary.bytes === 0 || (!binary.id && binary.data === '')) {
		throw new GenerateInputError(field, `The binary field "${name}" of item ${itemIndex} is empty`);
	}
	return name;
}

/** Stands in the checked body for a binary asset until the item is sent. */
const BINARY_PLACEHOLDER = '<binary>';

/** Every check of Generate, run for all items before the first render is created. */
export async function prepare(this: IExecuteFunctions, itemIndex: number): Promise<PreparedGenerate> {
	try {
		const portraitSource = this.getNodeParameter('portraitSource', itemIndex, 'url') as PortraitSource;
		const speechSource = this.getNodeParameter('speechSource', itemIndex, 'script') as SpeechSource;
		const additional = this.getNodeParameter('additionalFields', itemIndex, {}) as IDataObject;
		const input: GenerateInput = {
			portraitSource,
			speechSource,
			emotionPreset: this.getNodeParameter('emotionPreset', itemIndex, 'natural') as string,
			liveSubtitles: this.getNodeParameter('liveSubtitles', itemIndex, true) as boolean,
			title: additional.title as string | undefined,
			faceRestore: additional.faceRestore as number | undefined,
			watermarkText: additional.watermarkText as string | undefined,
			videoPrompt: additional.videoPrompt as string | undefined,
			videoNegativePrompt: additional.videoNegativePrompt as string | undefined,
			webhookUrl: additional.webhookUrl as string | undefined,
		};
		const binaries: PreparedGenerate['binaries'] = [];
		if (portraitSource === 'url') {
			input.portraitUrl = this.getNodeParameter('portraitUrl', itemIndex, '') as string;
		} else {
			const label = 'Input Binary Field';
			const property = checkBinary.call(this, itemIndex, label, this.getNodeParameter('portraitBinaryProperty', itemIndex, 'data') as string, 'image');
			binaries.push({ field: 'portrait_base64', property, label });
			input.portraitBase64 = BINARY_PLACEHOLDER;
		}
		if (speechSource === 'script') {
			input.script = this.getNodeParameter('script', itemIndex, '') as string;
			input.voiceId = this.getNodeParameter('voice', itemIndex, '', { extractValue: true }) as string;
		} else if (speechSource === 'audioUrl') {
			input.audioUrl = this.getNodeParameter('audioUrl', itemIndex, '') as string;
		} else {
			const label = 'Input Audio Binary Field';
			const property = checkBinary.call(this, itemIndex, label, this.getNodeParameter('audioBinaryProperty', itemIndex, 'audio') as string, 'audio');
			binaries.push({ field: 'audio_base64', property, label });
			input.audioBase64 = BINARY_PLACEHOLDER;
		}
		const waitMode = this.getNodeParameter('waitForCompletion', itemIndex, 'none') as WaitMode;
		const body = buildGenerateBody(input);
		if (waitMode === 'webhook') body.webhook_url = await resumeUrlFor.call(this, itemIndex, body);
		return { body, waitMode, binaries };
	} catch (error) {
		throw inputError(this, error, itemIndex);
	}
}

/** A check that failed before anything was sent: says so, naming the item and the field. */
function inputError(context: IExecuteFunctions, error: unknown, itemIndex: number): NodeOperationError {
	if (error instanceof GenerateInputError) {
		return new NodeOperationError(context.getNode(), `${error.message} [item ${itemIndex}, field "${error.field}"]`, {
			itemIndex,
			description: `${error.hint ? error.hint + ' ' : ''}Nothing was sent to Vlogme and no credits were used.`,
		});
	}
	return new NodeOperationError(context.getNode(), error as Error, { itemIndex });
}

/** The body to send: the checked one, with the binary assets read now (in any binary-data mode). */
async function bodyToSend(this: IExecuteFunctions, itemIndex: number, prepared: PreparedGenerate): Promise<IDataObject> {
	const body = { ...prepared.body };
	for (const { field, property, label } of prepared.binaries) {
		const buffer = await this.helpers.getBinaryDataBuffer(itemIndex, property);
		if (buffer.length === 0) {
			throw inputError(this, new GenerateInputError(label, `The binary field "${property}" of item ${itemIndex} is empty`), itemIndex);
		}
		body[field] = buffer.toString('base64');
	}
	return body;
}

/**
 * Webhook mode: Vlogme calls n8n's own resume URL of this execution (passed on exactly as n8n
 * gives it, its signature query included). One execution resumes once, so only one item can wait
 * this way; checked before anything is sent.
 */
async function resumeUrlFor(this: IExecuteFunctions, itemIndex: number, body: IDataObject): Promise<string> {
	const itemCount = this.getInputData().length;
	if (itemCount > 1) {
		throw new GenerateInputError(
			'Wait for Completion',
			`Webhook waiting handles one item per execution, and this node got ${itemCount} items`,
			'Use Poll (it checks many renders with few requests), or split the items with Loop Over Items (batch size 1), or set a Vlogme Trigger’s URL as Webhook URL and choose Don’t Wait.',
		);
	}
	if (body.webhook_url !== undefined) {
		throw new GenerateInputError(
			'Webhook URL',
			'Webhook URL cannot be set while waiting by webhook: the node uses n8n’s resume URL for it',
			'Remove Webhook URL, or choose Don’t Wait to send renders to your own URL.',
		);
	}
	const resumeUrl = String(this.getWorkflowDataProxy(itemIndex).$execution.resumeUrl ?? '');
	const apiBaseUrl = await getBaseUrl.call(this);
	if (callbackUnreachable(resumeUrl, apiBaseUrl)) {
		throw new GenerateInputError(
			'Wait for Completion',
			`Vlogme cannot reach this n8n to resume the execution: its URL (${new URL(resumeUrl).origin}) is on localhost or a private network`,
			'Set n8n’s WEBHOOK_URL environment variable to the public address of this n8n, or choose Poll, which needs no incoming connection.',
		);
	}
	return resumeUrl;
}

// Renders created by each node run, so that recovering one item's render never claims another's.
const createdByRun = new WeakMap<object, Set<string>>();

function createdIn(context: IExecuteFunctions): Set<string> {
	let ids = createdByRun.get(context);
	if (!ids) createdByRun.set(context, (ids = new Set()));
	return ids;
}

/** Video → Generate: one POST /videos, never repeated (credits are charged when it succeeds). */
export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	prepared: PreparedGenerate,
): Promise<INodeExecutionData[]> {
	const body = await bodyToSend.call(this, itemIndex, prepared);
	const startedAt = Date.now();
	let video: IDataObject;
	try {
		video = await vlogmeApiRequest.call(this, {
			method: 'POST',
			path: '/videos',
			body,
			itemIndex,
			context: { creditsNeeded: estimateCredits(prepared.body) },
		});
	} catch (error) {
		if (!outcomeUnknown(error)) throw toNodeError(this.getNode(), error, itemIndex);
		video = await recoverRender.call(this, itemIndex, prepared.body, startedAt, error as NodeOperationError);
	}
	createdIn(this).add(String(video.id));
	return [{ json: video, pairedItem: { item: itemIndex } }];
}

/**
 * The create's answer was lost (connection broken after sending, gateway timeout). Sending it again
 * could charge twice, so instead look among the newest renders for the one it made. Exactly one
 * match is returned, marked `recovered`; otherwise the error says the render may exist.
 */
async function recoverRender(
	this: IExecuteFunctions,
	itemIndex: number,
	body: IDataObject,
	startedAt: number,
	original: NodeOperationError,
): Promise<IDataObject> {
	let candidates: IDataObject[] = [];
	for (let attempt = 0; attempt < 2; attempt++) {
		if (attempt > 0) await pause(1000, this.getExecutionCancelSignal());
		try {
			const list = await vlogmeApiRequest.call(this, { method: 'GET', path: '/videos', qs: { limit: 100 }, itemIndex });
			candidates = findCandidates(body, readListPage(list).items, startedAt, createdIn(this));
		} catch {
			candidates = [];
		}
		if (candidates.length === 1) return { ...candidates[0], recovered: true };
		if (candidates.length > 1) break;
	}
	const seen = candidates.length > 1 ? ` Possible matches: ${candidates.map((c) => String(c.id)).join(', ')}.` : '';
	original.description =
		`The connection to Vlogme broke after the render was requested, so it may have been created and charged.${seen} ` +
		'It was not sent again, to avoid paying twice. Check Video → Get Many (newest first) before running this item again.';
	throw original;
}

/**
 * After every render was created: Poll mode waits for all of them together; Webhook mode pauses
 * the execution (bounded by Max Wait) until Vlogme calls the resume URL, see the node's webhook().
 */
export async function settle(
	this: IExecuteFunctions,
	created: Array<{ itemIndex: number; item: INodeExecutionData; prepared: PreparedGenerate }>,
): Promise<Map<number, RenderOutcome>> {
	const outcomes = new Map<number, RenderOutcome>();
	if (created.length === 0) return outcomes;
	const waitMode = created[0].prepared.waitMode;
	if (waitMode === 'none') return outcomes;
	const settings: WaitSettings = {
		intervalMs: pollIntervalMs(this.getNodeParameter('options.pollInterval', 0, 10)),
		maxWaitMs: maxWaitMs(this.getNodeParameter('options.maxWait', 0, 10)),
		deleteOnTimeout: this.getNodeParameter('options.deleteOnTimeout', 0, false) as boolean,
		download: this.getNodeParameter('options.downloadVideo', 0, false) as boolean,
		binaryPropertyName: ((this.getNodeParameter('options.binaryPropertyName', 0, 'data') as string) || 'data').trim() || 'data',
		concurrency: this.getNodeParameter('options.concurrency', 0, 5) as number,
	};
	if (waitMode === 'webhook') {
		await this.putExecutionToWait(new Date(Date.now() + settings.maxWaitMs));
		return outcomes;
	}
	const renders = [];
	for (const { itemIndex, item } of created) {
		// A render can fail at once; it needs no polling.
		if (item.json.status === 'failed') outcomes.set(itemIndex, { error: failedRenderError(this, item.json, itemIndex) });
		else renders.push({ itemIndex, id: String(item.json.id) });
	}
	const recovered = new Set(created.filter(({ item }) => item.json.recovered === true).map(({ itemIndex }) => itemIndex));
	for (const [itemIndex, outcome] of await waitForRenders.call(this, renders, settings)) {
		// Keep saying that this render was found again after its create answer was lost.
		if ('item' in outcome && recovered.has(itemIndex)) outcome.item.json = { ...outcome.item.json, recovered: true };
		outcomes.set(itemIndex, outcome);
	}
	return outcomes;
}
