import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { vlogmeApiRequestAllItems } from '../../transport';

/** Video → Get Many: follows the cursor (pages of at most 100) until the limit or the end. */
export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const returnAll = this.getNodeParameter('returnAll', itemIndex, false) as boolean;
	const limit = returnAll ? undefined : (this.getNodeParameter('limit', itemIndex, 50) as number);
	const videos = await vlogmeApiRequestAllItems.call(this, '/videos', limit, itemIndex);
	return videos.map((video) => ({ json: video, pairedItem: { item: itemIndex } }));
}
