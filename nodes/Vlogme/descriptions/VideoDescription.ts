import type { INodeProperties } from 'n8n-workflow';

import { returnAllAndLimit } from './common';

const show = (operation: string[], extra: Record<string, unknown[]> = {}) => ({
	show: { resource: ['video'], operation, ...extra },
});

export const videoOperations: INodeProperties = {
	displayName: 'Operation',
	name: 'operation',
	type: 'options',
	noDataExpression: true,
	displayOptions: { show: { resource: ['video'] } },
	// The descriptions double as what an AI Agent reads when it uses this node as a tool.
	options: [
		{
			name: 'Delete',
			value: 'delete',
			action: 'Delete a video',
			description: 'Delete a render; a render deleted before it finished gets its credits refunded',
		},
		{
			name: 'Generate',
			value: 'generate',
			action: 'Generate a talking avatar video',
			description:
				'Start a render from a portrait photo and a script spoken by a voice (or narration audio). Costs about 1 credit per second of video, at least 10.',
		},
		{
			name: 'Get',
			value: 'get',
			action: 'Get a video',
			description: 'Get a render’s status; once completed it has a video_url valid for one hour',
		},
		{
			name: 'Get Many',
			value: 'getAll',
			action: 'Get many videos',
			description: 'List recent renders, newest first',
		},
	],
	default: 'generate',
};

/** The same Concurrency option in each operation's Options: items run at most this many at once. */
const concurrencyOption = (verb: string, noun: string): INodeProperties => ({
	displayName: 'Concurrency',
	name: 'concurrency',
	type: 'number',
	typeOptions: { minValue: 1, maxValue: 20 },
	default: 5,
	description: `How many ${noun} to ${verb} at the same time when the node gets many items`,
});

const videoId = (operation: string): INodeProperties => ({
	displayName: 'Video ID',
	name: 'videoId',
	type: 'string',
	required: true,
	default: '',
	placeholder: 'e.g. vid_8f2c…',
	description: 'The ID of the render, as returned by Generate or Get Many',
	displayOptions: show([operation]),
});

const generateFields: INodeProperties[] = [
	{
		displayName: 'Portrait Source',
		name: 'portraitSource',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'URL', value: 'url', description: 'A public link to the photo' },
			{ name: 'Binary File', value: 'binary', description: 'An image in a binary property of the input item' },
		],
		default: 'url',
		description: 'Where the portrait photo comes from: a clear photo with exactly one face; 9:16 or square works best',
		displayOptions: show(['generate']),
	},
	{
		displayName: 'Portrait URL',
		name: 'portraitUrl',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'https://example.com/portrait.jpg',
		description: 'Public http(s) link to the portrait photo',
		displayOptions: show(['generate'], { portraitSource: ['url'] }),
	},
	{
		displayName: 'Input Binary Field',
		name: 'portraitBinaryProperty',
		type: 'string',
		required: true,
		default: 'data',
		hint: 'The name of the input binary field that holds the portrait image',
		displayOptions: show(['generate'], { portraitSource: ['binary'] }),
	},
	{
		displayName: 'Speech Source',
		name: 'speechSource',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'Script and Voice', value: 'script', description: 'Text spoken by a Vlogme voice' },
			{ name: 'Audio URL', value: 'audioUrl', description: 'A public link to ready narration audio' },
			{ name: 'Audio Binary File', value: 'audioBinary', description: 'Narration audio in a binary property of the input item' },
		],
		default: 'script',
		description: 'What the avatar says',
		displayOptions: show(['generate']),
	},
	{
		displayName: 'Script',
		name: 'script',
		type: 'string',
		typeOptions: { rows: 5 },
		required: true,
		default: '',
		description: 'The text to speak, at most 30,000 characters. Scripts under about 150 words render fastest.',
		displayOptions: show(['generate'], { speechSource: ['script'] }),
	},
	{
		displayName: 'Voice',
		name: 'voice',
		type: 'resourceLocator',
		required: true,
		default: { mode: 'list', value: '' },
		description: 'The voice that speaks the script',
		displayOptions: show(['generate'], { speechSource: ['script'] }),
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				typeOptions: { searchListMethod: 'searchVoices', searchable: true },
			},
			{
				displayName: 'ID',
				name: 'id',
				type: 'string',
				placeholder: 'e.g. en-US-aria',
			},
		],
	},
	{
		displayName: 'Audio URL',
		name: 'audioUrl',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'https://example.com/narration.mp3',
		description: 'Public http(s) link to the narration audio',
		displayOptions: show(['generate'], { speechSource: ['audioUrl'] }),
	},
	{
		displayName: 'Input Audio Binary Field',
		name: 'audioBinaryProperty',
		type: 'string',
		required: true,
		default: 'audio',
		hint: 'The name of the input binary field that holds the narration audio',
		displayOptions: show(['generate'], { speechSource: ['audioBinary'] }),
	},
	{
		displayName: 'Emotion Preset',
		name: 'emotionPreset',
		type: 'options',
		options: [
			{ name: 'Calm', value: 'calm' },
			{ name: 'Expressive', value: 'expressive' },
			{ name: 'Natural', value: 'natural' },
			{ name: 'Sad', value: 'sad' },
		],
		default: 'natural',
		description: 'How the avatar’s face moves while speaking',
		displayOptions: show(['generate']),
	},
	{
		displayName: 'Live Subtitles',
		name: 'liveSubtitles',
		type: 'boolean',
		default: true,
		description: 'Whether to burn subtitles into the video',
		displayOptions: show(['generate']),
	},
	{
		displayName: 'Wait for Completion',
		name: 'waitForCompletion',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Don’t Wait',
				value: 'none',
				description: 'Return the new render at once (status: preparing)',
			},
			{
				name: 'Poll',
				value: 'poll',
				description: 'Check until every render is finished; many renders are checked together',
			},
			{
				name: 'Webhook (No Polling)',
				value: 'webhook',
				description: 'Pause the execution until Vlogme calls back; one item per execution, and Vlogme must be able to reach this n8n',
			},
		],
		default: 'none',
		description: 'Whether the node waits for the finished video (renders take 1–3 minutes)',
		displayOptions: show(['generate']),
	},
	{
		displayName:
			'The execution pauses until Vlogme calls n8n back, so n8n must be reachable from the internet (n8n’s WEBHOOK_URL setting). It handles one item per execution: for many items use Poll.',
		name: 'webhookNotice',
		type: 'notice',
		default: '',
		displayOptions: show(['generate'], { waitForCompletion: ['webhook'] }),
	},
	{
		displayName: 'Additional Fields',
		name: 'additionalFields',
		type: 'collection',
		placeholder: 'Add Field',
		default: {},
		displayOptions: show(['generate']),
		options: [
			{
				displayName: 'Face Restore',
				name: 'faceRestore',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 1, numberPrecision: 2 },
				default: 0.5,
				description: 'How strongly to restore facial detail, from 0 to 1',
			},
			{
				displayName: 'Title',
				name: 'title',
				type: 'string',
				default: '',
				description: 'A name for the video; also the downloaded file’s name',
			},
			{
				displayName: 'Video Negative Prompt',
				name: 'videoNegativePrompt',
				type: 'string',
				default: '',
				description: 'What the video should avoid',
			},
			{
				displayName: 'Video Prompt',
				name: 'videoPrompt',
				type: 'string',
				default: '',
				description: 'Extra direction for the video',
			},
			{
				displayName: 'Watermark Text',
				name: 'watermarkText',
				type: 'string',
				default: '',
				description: 'Text shown as a watermark on the video',
			},
			{
				displayName: 'Webhook URL',
				name: 'webhookUrl',
				type: 'string',
				default: '',
				placeholder: 'https://your-n8n.example.com/webhook/…',
				description:
					'Where Vlogme POSTs once the render finishes. Paste the Production URL of a Vlogme Trigger node here to start that workflow with the finished video.',
			},
		],
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: show(['generate']),
		options: [
			concurrencyOption('submit', 'renders'),
			{
				displayName: 'Delete on Timeout',
				name: 'deleteOnTimeout',
				type: 'boolean',
				default: false,
				description: 'Whether to delete a render that is not finished by Max Wait, which refunds its credits',
				displayOptions: { show: { '/waitForCompletion': ['poll'] } },
			},
			{
				displayName: 'Download Video',
				name: 'downloadVideo',
				type: 'boolean',
				default: false,
				description: 'Whether to add the finished MP4 to the output item as binary data',
				displayOptions: { show: { '/waitForCompletion': ['poll', 'webhook'] } },
			},
			{
				displayName: 'Max Wait (Minutes)',
				name: 'maxWait',
				type: 'number',
				typeOptions: { minValue: 0.1, numberPrecision: 1 },
				default: 10,
				description: 'How long to wait for renders to finish before giving up',
				displayOptions: { show: { '/waitForCompletion': ['poll', 'webhook'] } },
			},
			{
				displayName: 'Poll Interval (Seconds)',
				name: 'pollInterval',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 10,
				description: 'How often to check the renders; Vlogme suggests every 10 seconds',
				displayOptions: { show: { '/waitForCompletion': ['poll'] } },
			},
			{
				displayName: 'Put Output File in Field',
				name: 'binaryPropertyName',
				type: 'string',
				default: 'data',
				hint: 'The name of the output binary field to put the MP4 in',
				displayOptions: { show: { '/waitForCompletion': ['poll', 'webhook'] } },
			},
		],
	},
];

const getFields: INodeProperties[] = [
	videoId('get'),
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: show(['get']),
		options: [
			concurrencyOption('fetch', 'videos'),
			{
				displayName: 'Download Video',
				name: 'downloadVideo',
				type: 'boolean',
				default: false,
				description: 'Whether to add the finished MP4 to the output item as binary data (completed videos only)',
			},
			{
				displayName: 'Put Output File in Field',
				name: 'binaryPropertyName',
				type: 'string',
				default: 'data',
				hint: 'The name of the output binary field to put the MP4 in',
			},
		],
	},
];

const deleteFields: INodeProperties[] = [
	videoId('delete'),
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: show(['delete']),
		options: [
			concurrencyOption('delete', 'videos'),
		],
	},
];

export const videoFields: INodeProperties[] = [
	...generateFields,
	...getFields,
	...returnAllAndLimit('video'),
	...deleteFields,
];
