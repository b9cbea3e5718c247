import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { downloadVideo } from '../../transport/download';
import { vlogmeApiRequest } from '../../transport';
import { requireVideoId } from './videoId';

/** Video → Get: the render as the API returns it, optionally with its MP4 as binary data. */
export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const videoId = requireVideoId.call(this, itemIndex);
	const video = await vlogmeApiRequest.call(this, {
		method: 'GET',
		path: `/videos/${encodeURIComponent(videoId)}`,
		itemIndex,
		context: { videoId },
	});
	const item: INodeExecutionData = { json: video, pairedItem: { item: itemIndex } };
	if (this.getNodeParameter('options.downloadVideo', itemIndex, false) as boolean) {
		const property = (this.getNodeParameter('options.binaryPropertyName', itemIndex, 'data') as string).trim() || 'data';
		item.binary = { [property]: await downloadVideo.call(this, video, itemIndex) };
	}
	return [item];
}
