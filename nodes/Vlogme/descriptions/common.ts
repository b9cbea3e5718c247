import type { INodeProperties } from 'n8n-workflow';

// Resource order follows how a user meets them: make a video, pick a voice, check credits.
export const resourceProperty: INodeProperties = {
	displayName: 'Resource',
	name: 'resource',
	type: 'options',
	noDataExpression: true,
	options: [
		{ name: 'Video', value: 'video' },
		{ name: 'Voice', value: 'voice' },
		{ name: 'Account', value: 'account' },
	],
	default: 'video',
};

/** Return All + Limit, shown for one resource's `getAll`. */
export function returnAllAndLimit(resource: string): INodeProperties[] {
	return [
		{
			displayName: 'Return All',
			name: 'returnAll',
			type: 'boolean',
			default: false,
			description: 'Whether to return all results or only up to a given limit',
			displayOptions: { show: { resource: [resource], operation: ['getAll'] } },
		},
		{
			displayName: 'Limit',
			name: 'limit',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: 50,
			description: 'Max number of results to return',
			displayOptions: { show: { resource: [resource], operation: ['getAll'], returnAll: [false] } },
		},
	];
}
