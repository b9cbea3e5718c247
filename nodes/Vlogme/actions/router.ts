import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { toNodeError } from '../helpers/nodeErrors';
import * as accountGet from './account/get.operation';
import * as voiceGetAll from './voice/getAll.operation';

type Operation = (this: IExecuteFunctions, itemIndex: number) => Promise<INodeExecutionData[]>;

// Keys are `resource.operation`; the values are the internal names saved in workflows.
const operations: Record<string, Operation> = {
	'account.get': accountGet.execute,
	'voice.getAll': voiceGetAll.execute,
};

/** Runs each input item through its operation, keeping input order; Continue On Fail makes an error item. */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const returnData: INodeExecutionData[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		const resource = this.getNodeParameter('resource', itemIndex) as string;
		const operation = this.getNodeParameter('operation', itemIndex) as string;
		const run = operations[`${resource}.${operation}`];
		try {
			if (!run) {
				throw new NodeOperationError(this.getNode(), `The operation "${operation}" of "${resource}" is not supported`, {
					itemIndex,
				});
			}
			returnData.push(...(await run.call(this, itemIndex)));
		} catch (error) {
			if (this.continueOnFail()) {
				returnData.push({ json: { error: (error as Error).message }, pairedItem: { item: itemIndex } });
				continue;
			}
			throw toNodeError(this.getNode(), error, itemIndex);
		}
	}
	return [returnData];
}
