import type {
	IExecuteFunctions,
	IHookFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { router } from './actions/router';
import { resumeFromCallback } from './actions/video/resume.webhook';
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
		// Generate → Wait for Completion → Webhook: Vlogme calls this execution's resume URL.
		webhooks: [{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', path: '', restartWebhook: true }],
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

	// The resume webhook needs no registration: its URL goes to Vlogme with each render (as
	// webhook_url), and n8n serves it only while that execution waits. So there is nothing to
	// check, create or delete at activation; these say so explicitly.
	webhookMethods = {
		default: {
			async checkExists(this: IHookFunctions): Promise<boolean> {
				return true;
			},
			async create(this: IHookFunctions): Promise<boolean> {
				return true;
			},
			async delete(this: IHookFunctions): Promise<boolean> {
				return true;
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return await resumeFromCallback.call(this);
	}

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
