import type {
	IHookFunctions,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

export class VlogmeTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Vlogme Trigger',
		// Stable internal name: saved workflows reference it as `n8n-nodes-vlogme.vlogmeTrigger`.
		name: 'vlogmeTrigger',
		icon: { light: 'file:vlogme.svg', dark: 'file:vlogme.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '=Video finished',
		description: 'Starts the workflow when a Vlogme render finishes',
		defaults: { name: 'Vlogme Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'vlogmeApi', required: true }],
		webhooks: [{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', path: 'webhook' }],
		properties: [],
	};

	webhookMethods = {
		default: {
			async checkExists(this: IHookFunctions): Promise<boolean> {
				return false;
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
		const body = this.getBodyData();
		return { workflowData: [[{ json: body }]] };
	}
}
