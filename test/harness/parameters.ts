import type { INodeParameters } from 'n8n-workflow';

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
