import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { toNodeError } from '../helpers/nodeErrors';
import { runPool } from '../helpers/pool';
import * as accountGet from './account/get.operation';
import * as videoDelete from './video/delete.operation';
import * as videoGenerate from './video/generate.operation';
import * as videoGet from './video/get.operation';
import * as videoGetAll from './video/getAll.operation';
import * as voiceGetAll from './voice/getAll.operation';

interface Operation {
	/** Checks and reads everything for one item before ANY item's request is sent. */
	prepare?: (this: IExecuteFunctions, itemIndex: number) => Promise<unknown>;
	execute: (this: IExecuteFunctions, itemIndex: number, prepared: never) => Promise<INodeExecutionData[]>;
}

// Keys are `resource.operation`, the internal names saved in workflows: never rename them.
const operations: Record<string, Operation> = {
	'video.generate': videoGenerate,
	'video.get': videoGet,
	'video.getAll': videoGetAll,
	'video.delete': videoDelete,
	'voice.getAll': voiceGetAll,
	'account.get': accountGet,
};

const DEFAULT_CONCURRENCY = 5;

function errorItem(error: Error & { description?: unknown }, itemIndex: number): INodeExecutionData {
	const json: IDataObject = { error: error.message };
	if (typeof error.description === 'string' && error.description) json.description = error.description;
	return { json, pairedItem: { item: itemIndex } };
}

/**
 * Runs every input item through its operation.
 *
 * 1. Every item is checked first (`prepare`), so bad input anywhere fails the node before a single
 *    credit is spent. Under Continue On Fail a bad item becomes an error item instead.
 * 2. Items then run with bounded concurrency; the output keeps input order.
 * 3. Without Continue On Fail, the first failure stops new work, waits for what is in flight, and
 *    fails the node naming the renders already created, so none is lost from view.
 */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const continueOnFail = this.continueOnFail();
	const operationOf: Operation[] = [];
	const prepared: unknown[] = [];
	const results: Array<INodeExecutionData[] | undefined> = new Array(items.length);

	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const resource = this.getNodeParameter('resource', itemIndex) as string;
			const operation = this.getNodeParameter('operation', itemIndex) as string;
			const found = operations[`${resource}.${operation}`];
			if (!found) {
				throw new NodeOperationError(this.getNode(), `The operation "${operation}" of "${resource}" is not supported`, {
					itemIndex,
				});
			}
			operationOf[itemIndex] = found;
			prepared[itemIndex] = found.prepare ? await found.prepare.call(this, itemIndex) : undefined;
		} catch (error) {
			if (!continueOnFail) throw toNodeError(this.getNode(), error, itemIndex);
			results[itemIndex] = [errorItem(error as Error, itemIndex)];
		}
	}

	const concurrency = this.getNodeParameter('options.concurrency', 0, DEFAULT_CONCURRENCY) as number;
	let firstFailure: { itemIndex: number; error: unknown } | undefined;
	await runPool(
		items.length,
		concurrency,
		async (itemIndex) => {
			if (results[itemIndex] !== undefined) return;
			try {
				results[itemIndex] = await operationOf[itemIndex].execute.call(this, itemIndex, prepared[itemIndex] as never);
			} catch (error) {
				if (continueOnFail) {
					results[itemIndex] = [errorItem(error as Error, itemIndex)];
				} else if (!firstFailure || itemIndex < firstFailure.itemIndex) {
					firstFailure = { itemIndex, error };
				}
			}
		},
		() => firstFailure !== undefined,
	);

	// Generate's waiting (Poll / Webhook) runs once for all renders created above, unless the node
	// is about to fail anyway.
	if (!firstFailure) {
		const created = [];
		for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
			const item = results[itemIndex]?.[0];
			if (operationOf[itemIndex] === videoGenerate && item && item.json.error === undefined) {
				created.push({ itemIndex, item, prepared: prepared[itemIndex] as videoGenerate.PreparedGenerate });
			}
		}
		for (const [itemIndex, outcome] of await videoGenerate.settle.call(this, created)) {
			if ('item' in outcome) {
				results[itemIndex] = [outcome.item];
			} else if (continueOnFail) {
				results[itemIndex] = [errorItem(outcome.error, itemIndex)];
			} else if (!firstFailure || itemIndex < firstFailure.itemIndex) {
				firstFailure = { itemIndex, error: outcome.error };
			}
		}
	}

	if (firstFailure) {
		const nodeError = toNodeError(this.getNode(), firstFailure.error, firstFailure.itemIndex);
		const created = results
			.map((result, index) => ({ index, id: result?.[0]?.json?.id, status: result?.[0]?.json?.status }))
			.filter((entry) => operationOf[entry.index] === videoGenerate && typeof entry.id === 'string' && entry.index !== firstFailure!.itemIndex);
		if (created.length > 0) {
			const list = created.map((entry) => `item ${entry.index} → ${String(entry.id)} (${String(entry.status)})`).join(', ');
			nodeError.description = `${nodeError.description ?? ''}\nOther renders created by this run (charged): ${list}. Use Video → Get or Delete with these IDs; turn on Continue On Fail to get them as output next time.`.trim();
		}
		throw nodeError;
	}
	return [results.flatMap((result) => result ?? [])];
}
