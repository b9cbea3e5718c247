import type { INodeProperties } from 'n8n-workflow';

import { returnAllAndLimit } from './common';

export const voiceOperations: INodeProperties = {
	displayName: 'Operation',
	name: 'operation',
	type: 'options',
	noDataExpression: true,
	displayOptions: { show: { resource: ['voice'] } },
	options: [
		{
			name: 'Get Many',
			value: 'getAll',
			action: 'Get many voices',
			description: 'List the voices a script can be spoken with; use a voice’s ID as Voice in Generate',
		},
	],
	default: 'getAll',
};

export const voiceFields: INodeProperties[] = [...returnAllAndLimit('voice')];
