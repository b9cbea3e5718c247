import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { vlogmeApiRequest } from '../../transport';
import { requireVideoId } from './videoId';

/** Video → Delete: says whether the render was deleted; unfinished renders are refunded by Vlogme. */
export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const videoId = requireVideoId.call(this, itemIndex);
	const response = await vlogmeApiRequest.call(this, {
		method: 'DELETE',
		path: `/videos/${encodeURIComponent(videoId)}`,
		itemIndex,
		context: { videoId },
	});
	return [
		{
			json: {
				id: videoId,
				deleted: true,
				...response,
				note: 'Renders deleted before they finished are refunded; finished ones are not.',
			},
			pairedItem: { item: itemIndex },
		},
	];
}
