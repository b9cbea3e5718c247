import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { vlogmeApiRequest } from '../../transport';

/** Account → Get: the plan and credit balance, passed through as the API returns them. */
export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const account = await vlogmeApiRequest.call(this, { method: 'GET', path: '/me', itemIndex });
	return [{ json: account, pairedItem: { item: itemIndex } }];
}
