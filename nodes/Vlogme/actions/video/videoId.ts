import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

/** The Video ID parameter, trimmed; an empty one is the user's mistake, said before any request. */
export function requireVideoId(this: IExecuteFunctions, itemIndex: number): string {
	const videoId = String(this.getNodeParameter('videoId', itemIndex, '') ?? '').trim();
	if (videoId === '') {
		throw new NodeOperationError(this.getNode(), `Video ID is empty [item ${itemIndex}, field "Video ID"]`, {
			itemIndex,
			description: 'Map the id of a video from Generate or Get Many, for example {{ $json.id }}.',
		});
	}
	return videoId;
}
