import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { readListPage } from '../../helpers/lists';
import { vlogmeApiRequest } from '../../transport';

/** Voice → Get Many: one item per voice. */
export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const returnAll = this.getNodeParameter('returnAll', itemIndex, false) as boolean;
	const limit = returnAll ? undefined : (this.getNodeParameter('limit', itemIndex, 50) as number);
	// The voices list is short and not documented as paginated: one request, cut to the limit here.
	const body = await vlogmeApiRequest.call(this, { method: 'GET', path: '/voices', itemIndex });
	const voices = readListPage(body).items;
	const selected = limit === undefined ? voices : voices.slice(0, limit);
	return selected.map((voice) => ({ json: voice, pairedItem: { item: itemIndex } }));
}
