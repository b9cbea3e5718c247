import type { IDataObject, INodeParameters, IWorkflowBase } from 'n8n-workflow';

import { TRIGGER_TYPE } from './engine';

/**
 * Parameters of a Vlogme node running Video → Generate, as the editor saves them: a portrait URL
 * (the sandbox accepts non-local URLs without fetching them), the item's `script`, a known voice.
 */
export function generateParameters(overrides: INodeParameters = {}): INodeParameters {
	return {
		resource: 'video',
		operation: 'generate',
		portraitSource: 'url',
		portraitUrl: 'https://example.com/portrait.jpg',
		speechSource: 'script',
		script: '={{ $json.script }}',
		voice: { __rl: true, mode: 'id', value: 'en-US-aria' },
		...overrides,
	};
}

/** A workflow holding one Vlogme Trigger node (named "Vlogme Trigger"), as the editor saves it. */
export function triggerWorkflow(options: { id: string; webhookId: string; parameters: IDataObject }): IWorkflowBase {
	return {
		id: options.id,
		name: options.id,
		active: true,
		isArchived: false,
		createdAt: new Date(),
		updatedAt: new Date(),
		connections: {},
		nodes: [
			{
				id: 'trigger',
				name: 'Vlogme Trigger',
				type: TRIGGER_TYPE,
				typeVersion: 1,
				position: [0, 0],
				webhookId: options.webhookId,
				credentials: { vlogmeApi: { id: '1', name: 'Vlogme account' } },
				parameters: options.parameters as INodeParameters,
			},
		],
	} as unknown as IWorkflowBase;
}
