import type { IDataObject, INodeExecutionData, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import { EVENT_FAILED, readFinishedRender } from '../../../VlogmeTrigger/delivery';
import { MAX_DELIVERY_BYTES, verifyVlogmeSignature } from '../../helpers/signature';
import { CREDENTIAL_NAME, vlogmeApiRequest } from '../../transport';
import { downloadVideo } from '../../transport/download';

/**
 * Generate in Webhook mode: Vlogme calls the execution's resume URL when the render finishes.
 *
 * The signature is checked on the raw body before anything else: a forged or unsigned call gets
 * 401 and the execution keeps waiting. A signed call that is not a finished render is acknowledged
 * and changes nothing. A finished render resumes the execution with the video as the node's output.
 */
export async function resumeFromCallback(this: IWebhookFunctions): Promise<IWebhookResponseData> {
	const request = this.getRequestObject();
	const response = this.getResponseObject();
	const credentials = await this.getCredentials(CREDENTIAL_NAME);
	const rawBody = (request as unknown as { rawBody?: Buffer }).rawBody;
	if (rawBody && rawBody.length > MAX_DELIVERY_BYTES) {
		response.status(413).json({ message: 'payload too large' });
		return { noWebhookResponse: true };
	}
	const signature = request.headers['x-vlogme-signature'];
	if (!rawBody || !verifyVlogmeSignature(rawBody, signature, String(credentials.apiToken ?? ''))) {
		response.status(401).json({ message: 'invalid signature' });
		return { noWebhookResponse: true };
	}
	let payload: unknown;
	try {
		payload = JSON.parse(rawBody.toString('utf8'));
	} catch {
		response.status(400).json({ message: 'body is not JSON' });
		return { noWebhookResponse: true };
	}
	const finished = readFinishedRender(payload);
	if (!finished) return { webhookResponse: { received: true } };
	return { workflowData: [[await outputFor.call(this, finished.kind === EVENT_FAILED, finished.video)]] };
}

async function outputFor(this: IWebhookFunctions, failed: boolean, video: IDataObject): Promise<INodeExecutionData> {
	if (failed) {
		// n8n cannot fail a node from a callback, so a failed render arrives as an item carrying `error`.
		const reason = typeof video.error_message === 'string' && video.error_message ? video.error_message : 'no reason given';
		return {
			json: { ...video, error: `Render ${String(video.id)} failed: ${reason}. Vlogme refunded its credits.` },
			pairedItem: { item: 0 },
		};
	}
	const download = this.getNodeParameter('options.downloadVideo', false) as boolean;
	if (!download) return { json: video, pairedItem: { item: 0 } };
	// The callback is signed, but the MP4 link is still read fresh from the API rather than trusted.
	const id = String(video.id);
	const fresh = await vlogmeApiRequest.call(this, { method: 'GET', path: `/videos/${encodeURIComponent(id)}`, context: { videoId: id } });
	const property = ((this.getNodeParameter('options.binaryPropertyName', 'data') as string) || 'data').trim() || 'data';
	return { json: fresh, binary: { [property]: await downloadVideo.call(this, fresh, 0) }, pairedItem: { item: 0 } };
}
