import type { IBinaryData, IDataObject, IExecuteFunctions, IWebhookFunctions, JsonObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

/** The stream type prepareBinaryData takes, named without importing `stream` (not allowed in nodes). */
type BinaryStream = Parameters<IExecuteFunctions['helpers']['prepareBinaryData']>[0];

/**
 * Streams a finished render's MP4 into n8n's binary-data storage.
 *
 * The signed `video_url` lives on another host than the API, so this deliberately uses the plain
 * `httpRequest` helper: the API token is never attached. The body is a stream handed straight to
 * `prepareBinaryData`, so a 50 MB video is never held in memory whole (in filesystem mode).
 */
export async function downloadVideo(
	this: IExecuteFunctions | IWebhookFunctions,
	video: IDataObject,
	itemIndex: number,
): Promise<IBinaryData> {
	const id = String(video.id ?? '');
	if (video.status !== 'completed') {
		throw new NodeOperationError(
			this.getNode(),
			`Video ${id} is not finished yet (status: ${String(video.status)}), so there is no MP4 to download`,
			{
				itemIndex,
				description:
					'Turn off Download Video, or wait for the render to finish first (Generate with Wait for Completion, or the Vlogme Trigger).',
			},
		);
	}
	const url = typeof video.video_url === 'string' ? video.video_url : '';
	if (!/^https?:\/\//i.test(url)) {
		throw new NodeOperationError(this.getNode(), `Video ${id} is completed but has no downloadable video_url`, {
			itemIndex,
		});
	}

	let response: { body: BinaryStream; headers: IDataObject; statusCode: number };
	try {
		response = await this.helpers.httpRequest({
			method: 'GET',
			url,
			encoding: 'stream',
			returnFullResponse: true,
		});
	} catch (error) {
		const status = (error as { httpCode?: string; response?: { status?: number } }).response?.status;
		throw new NodeApiError(this.getNode(), { message: (error as Error).message } as JsonObject, {
			itemIndex,
			message: `Could not download the MP4 of video ${id}${status ? ` (HTTP ${status})` : ''}`,
			description:
				'Signed video links expire after an hour. Run Video → Get again for a fresh link, then download.',
		});
	}

	const expectedBytes = Number(response.headers['content-length']);
	let binary: IBinaryData;
	try {
		binary = await this.helpers.prepareBinaryData(response.body, fileNameFor(video), 'video/mp4');
	} catch (error) {
		throw new NodeOperationError(this.getNode(), `The download of video ${id} broke off before the end`, {
			itemIndex,
			description: `The partial file was not added to the item (${(error as Error).message}). Run the node again to download the video once more.`,
		});
	}
	// A connection cut mid-way must not pass for a complete video.
	if (Number.isFinite(expectedBytes) && expectedBytes > 0 && binary.bytes !== undefined && binary.bytes !== expectedBytes) {
		throw new NodeOperationError(
			this.getNode(),
			`The download of video ${id} was cut off (${binary.bytes} of ${expectedBytes} bytes)`,
			{ itemIndex, description: 'Run the node again to download the video once more.' },
		);
	}
	return binary;
}

/** `<title>.mp4` with characters that are unsafe in file names replaced, or `<id>.mp4`. */
export function fileNameFor(video: IDataObject): string {
	const title = typeof video.title === 'string' ? video.title.trim() : '';
	const base = title !== '' ? title : String(video.id ?? 'video');
	const safe = base
		.replace(/[\\/:*?"<>|\u0000-\u001f]+/g, '_')
		.replace(/\s+/g, ' ')
		.slice(0, 120)
		.trim();
	return `${safe || 'video'}.mp4`;
}
