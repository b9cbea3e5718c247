import type {
	IDataObject,
	IHookFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
	JsonObject,
} from 'n8n-workflow';
import { NodeApiError, NodeConnectionTypes } from 'n8n-workflow';

import { toNodeError } from '../Vlogme/helpers/nodeErrors';
import { MAX_DELIVERY_BYTES, verifyVlogmeSignature } from '../Vlogme/helpers/signature';
import { CREDENTIAL_NAME, vlogmeApiRequest } from '../Vlogme/transport';
import { downloadVideo } from '../Vlogme/transport/download';
import {
	claimInProcess,
	deliveryKey,
	EVENT_COMPLETED,
	EVENT_FAILED,
	readFinishedRender,
	rememberDelivery,
	releaseInProcess,
} from './delivery';

/** What this node keeps in the workflow's static data: ids and times only, never the token. */
interface TriggerStaticData extends IDataObject {
	/** Set on activation: the URL deliveries are expected at, and when it was activated. */
	registration?: { webhookUrl: string; registeredAt: string };
	/** `<event>:<video id>` of the most recent deliveries, oldest first. */
	seen?: string[];
}

const SIGNATURE_HEADER = 'x-vlogme-signature';

export class VlogmeTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Vlogme Trigger',
		// Stable internal name: saved workflows reference it as `n8n-nodes-vlogme.vlogmeTrigger`.
		name: 'vlogmeTrigger',
		icon: { light: 'file:vlogme.svg', dark: 'file:vlogme.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{($parameter["events"] || []).join(", ")}}',
		description:
			'Starts the workflow when a Vlogme render finishes. Copy this node’s Production URL into the Webhook URL field of the Vlogme node’s Generate operation.',
		defaults: { name: 'Vlogme Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'vlogmeApi', required: true }],
		webhooks: [{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', path: 'webhook' }],
		properties: [
			{
				displayName:
					'Copy the Production URL above (under Webhook URLs) into the "Webhook URL" field of the Vlogme node’s Video → Generate (Additional Fields), then publish this workflow. Each finished render then starts one execution. Use the same Vlogme credential as the node that starts the render: deliveries are signed with its token.',
				name: 'notice',
				type: 'notice',
				default: '',
			},
			{
				displayName: 'Events',
				name: 'events',
				type: 'multiOptions',
				required: true,
				default: [EVENT_COMPLETED],
				options: [
					{
						name: 'Video Completed',
						value: EVENT_COMPLETED,
						description: 'A render finished and its MP4 is ready',
					},
					{
						name: 'Video Failed',
						value: EVENT_FAILED,
						description: 'A render failed; the video carries error_message and its credits are refunded',
					},
				],
				description: 'Which finished renders start the workflow. Other deliveries are acknowledged and ignored.',
			},
			{
				displayName: 'Download Video',
				name: 'downloadVideo',
				type: 'boolean',
				default: false,
				description:
					'Whether to download the MP4 of completed renders into binary data. The video is fetched fresh by its ID (a link in a delivery may be close to expiry). Failed renders have no video.',
			},
			{
				displayName: 'Put Output File in Field',
				name: 'binaryPropertyName',
				type: 'string',
				default: 'data',
				required: true,
				displayOptions: { show: { downloadVideo: [true] } },
				hint: 'The name of the output binary field to put the MP4 in',
			},
		],
	};

	webhookMethods = {
		default: {
			// Vlogme has no API to register webhooks: the URL is given per render. So activation
			// checks the credential and records the URL here instead.
			async checkExists(this: IHookFunctions): Promise<boolean> {
				const data = this.getWorkflowStaticData('node') as TriggerStaticData;
				const webhookUrl = this.getNodeWebhookUrl('default');
				return data.registration !== undefined && data.registration.webhookUrl === webhookUrl;
			},

			async create(this: IHookFunctions): Promise<boolean> {
				let account: IDataObject;
				try {
					account = await vlogmeApiRequest.call(this, { method: 'GET', path: '/me' });
				} catch (error) {
					throw activationError(this, error as NodeApiError);
				}
				if (typeof account.plan === 'string' && account.plan.toLowerCase() === 'free') {
					throw activationError(this, undefined, 403);
				}
				const data = this.getWorkflowStaticData('node') as TriggerStaticData;
				data.registration = {
					webhookUrl: this.getNodeWebhookUrl('default') ?? '',
					registeredAt: new Date().toISOString(),
				};
				return true;
			},

			async delete(this: IHookFunctions): Promise<boolean> {
				const data = this.getWorkflowStaticData('node') as TriggerStaticData;
				// Only the registration goes: remembered deliveries still stop retries after a re-publish.
				delete data.registration;
				return true;
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const request = this.getRequestObject();
		const response = this.getResponseObject();
		const credentials = await this.getCredentials(CREDENTIAL_NAME);
		const token = typeof credentials.apiToken === 'string' ? credentials.apiToken : '';

		// The signature covers the bytes as sent, so it is checked on the raw body, before parsing.
		const rawBody = toBuffer((request as { rawBody?: unknown }).rawBody);
		if (rawBody.length > MAX_DELIVERY_BYTES) {
			response.status(413).json({ message: 'payload too large' });
			return { noWebhookResponse: true };
		}
		const signature = this.getHeaderData()[SIGNATURE_HEADER];
		if (!verifyVlogmeSignature(rawBody, signature, token)) {
			response.status(401).json({ message: 'invalid signature' });
			return { noWebhookResponse: true };
		}

		const payload = parseJsonObject(rawBody);
		if (payload === undefined) {
			response.status(400).json({ message: 'body is not a JSON object' });
			return { noWebhookResponse: true };
		}

		const render = readFinishedRender(payload);
		const events = this.getNodeParameter('events', []) as string[];
		// Anything else is acknowledged (2xx) so Vlogme does not retry it, and starts nothing.
		if (render === undefined || !events.includes(render.kind)) return {};

		const data = this.getWorkflowStaticData('node') as TriggerStaticData;
		const key = deliveryKey(render);
		if (Array.isArray(data.seen) && data.seen.includes(key)) return {};
		// Claimed before any await, so two copies of one delivery arriving together start one execution.
		const node = this.getNode();
		const trigger = `${this.getWorkflow().id ?? ''}:${node.webhookId ?? node.id}`;
		if (!claimInProcess(trigger, key)) return {};

		const item: INodeExecutionData = { json: { event: render.event, video: render.video } };
		const download = this.getNodeParameter('downloadVideo', false) as boolean;
		if (download && render.kind === EVENT_COMPLETED) {
			try {
				// Never fetch a URL taken from the payload: ask the API for the video by id.
				const fresh = await vlogmeApiRequest.call(this, {
					method: 'GET',
					path: `/videos/${encodeURIComponent(render.videoId)}`,
					context: { videoId: render.videoId },
				});
				const property = (this.getNodeParameter('binaryPropertyName', 'data') as string).trim() || 'data';
				item.binary = { [property]: await downloadVideo.call(this, fresh, 0) };
			} catch (error) {
				// Not remembered: the error answer makes Vlogme retry, and the retry can still start it.
				releaseInProcess(trigger, key);
				throw toNodeError(node, error, 0);
			}
		}

		const remembered = rememberDelivery(data.seen, key);
		if (remembered !== undefined) data.seen = remembered;
		return { workflowData: [[item]] };
	}
}

function toBuffer(raw: unknown): Buffer {
	if (Buffer.isBuffer(raw)) return raw;
	if (typeof raw === 'string') return Buffer.from(raw, 'utf8');
	// No raw body kept (n8n keeps one for every webhook body): verify against no bytes, so a
	// signature made over a real body cannot match.
	return Buffer.alloc(0);
}

function parseJsonObject(raw: Buffer): IDataObject | undefined {
	const text = raw.toString('utf8');
	if (text.trim() === '') return undefined;
	let parsed: unknown;
	try {
		parsed = JSON.parse(text);
	} catch {
		return undefined;
	}
	return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as IDataObject) : undefined;
}

/** A plain activation message per cause; the API's own message and code stay in the details. */
function activationError(context: IHookFunctions, error?: NodeApiError, status?: number): NodeApiError {
	const httpCode = status ?? Number(error?.httpCode);
	let message = `Could not check the Vlogme credential: ${error?.message ?? 'unknown error'}`;
	let description = 'Check the Vlogme API credential and its Base URL, then publish the workflow again.';
	if (httpCode === 401) {
		message = 'Vlogme rejected the API token of this trigger’s credential, so no delivery could be verified';
		description =
			'Deliveries are signed with the token that started the render. Fix the token in the Vlogme API credential (Vlogme → Settings → API), then publish again.';
	} else if (httpCode === 403) {
		message = 'This Vlogme account is on the Free plan: the API and its webhooks need Basic or higher';
		description = 'Upgrade the account in Vlogme, then publish the workflow again.';
	}
	return new NodeApiError(
		context.getNode(),
		{ message, code: String(httpCode) } as JsonObject,
		{ message, description, httpCode: Number.isFinite(httpCode) ? String(httpCode) : undefined },
	);
}
