import type { INodeProperties } from 'n8n-workflow';

export const accountOperations: INodeProperties = {
	displayName: 'Operation',
	name: 'operation',
	type: 'options',
	noDataExpression: true,
	displayOptions: { show: { resource: ['account'] } },
	options: [
		{
			name: 'Get',
			value: 'get',
			action: 'Get plan and credit balance',
			description: 'Get the account’s plan and current credit balance (GET /me)',
		},
	],
	default: 'get',
};

export const accountFields: INodeProperties[] = [];
