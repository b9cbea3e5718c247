import type { INode, JsonObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

/** Keeps n8n's own errors as they are (they carry HTTP context); wraps anything else for the item. */
export function toNodeError(node: INode, error: unknown, itemIndex: number): NodeApiError | NodeOperationError {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) {
		if (error.context && error.context.itemIndex === undefined) error.context.itemIndex = itemIndex;
		return error;
	}
	if (error instanceof Error) return new NodeOperationError(node, error, { itemIndex });
	return new NodeOperationError(node, JSON.stringify(error as JsonObject), { itemIndex });
}
