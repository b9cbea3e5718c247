import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { router } from './actions/router';
import { accountFields, accountOperations } from './descriptions/AccountDescription';
import { resourceProperty } from './descriptions/common';
import { videoFields, videoOperations } from './descriptions/VideoDescription';
import { voiceFields, voiceOperations } from './descriptions/VoiceDescription';
import { searchVoices } from './methods/listSearch';

export class Vlogme implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Vlogme',
		// Stable internal name: saved workflows reference the node as `n8n-nodes-vlogme.vlogme`.
		name: 'vlogme',
		icon: { light: 'file:vlogme.svg', dark: 'file:vlogme.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		description: 'Turn a portrait and a script into a talking-avatar video with Vlogme',
		defaults: { name: 'Vlogme' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'vlogmeApi', required: true }],
		properties: [
			resourceProperty,
			videoOperations,
			...videoFields,
			voiceOperations,
			...voiceFields,
			accountOperations,
			...accountFields,
		],
	};

	methods = {
		listSearch: { searchVoices },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
