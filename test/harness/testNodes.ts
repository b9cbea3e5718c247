/**
 * Nodes that exist only in tests, standing in for n8n-nodes-base (not installed here): a start
 * node that emits items (with binary data stored through n8n's own binary-data service, as any
 * earlier node would), so our nodes see input exactly as they would in n8n.
 */
import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';

export interface StartItem {
	json?: IDataObject;
	/** property name → { base64 data, mimeType, fileName } */
	binary?: Record<string, { data: string; mimeType: string; fileName?: string }>;
}

export class TestStart implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Test Start',
		name: 'start',
		group: ['input'],
		version: 1,
		description: 'Emits the items given in its parameter',
		defaults: { name: 'Start' },
		inputs: ['main'],
		outputs: ['main'],
		properties: [{ displayName: 'Items', name: 'items', type: 'json', default: '[{}]' }],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const raw = this.getNodeParameter('items', 0) as string | StartItem[];
		const items = (typeof raw === 'string' ? JSON.parse(raw) : raw) as StartItem[];
		const out: INodeExecutionData[] = [];
		for (let i = 0; i < items.length; i++) {
			const item: INodeExecutionData = { json: items[i].json ?? {}, pairedItem: { item: 0 } };
			if (items[i].binary) {
				item.binary = {};
				for (const [name, file] of Object.entries(items[i].binary!)) {
					item.binary[name] = await this.helpers.prepareBinaryData(
						Buffer.from(file.data, 'base64'),
						file.fileName,
						file.mimeType,
					);
				}
			}
			out.push(item);
		}
		return [out];
	}
}

/** Stand-in for n8n-nodes-base.manualTrigger (not installed here): one empty item, as in n8n. */
export class ManualTriggerStandIn implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'When clicking ‘Execute workflow’',
		name: 'manualTrigger',
		group: ['trigger'],
		version: 1,
		description: 'Runs the flow on clicking a button in n8n',
		defaults: { name: 'When clicking ‘Execute workflow’' },
		inputs: [],
		outputs: ['main'],
		properties: [],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return [[{ json: {} }]];
	}
}

/** Stand-in for n8n-nodes-base.stickyNote: never executed, only has to exist as a type. */
export class StickyNoteStandIn implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Sticky Note',
		name: 'stickyNote',
		group: ['input'],
		version: [1, 2],
		description: 'A note on the canvas',
		defaults: { name: 'Sticky Note' },
		inputs: [],
		outputs: [],
		properties: [{ displayName: 'Content', name: 'content', type: 'string', default: '' }],
	};
}

export const TEST_NODE_TYPES: Record<string, INodeType> = {
	'test.start': new TestStart(),
	'n8n-nodes-base.manualTrigger': new ManualTriggerStandIn(),
	'n8n-nodes-base.stickyNote': new StickyNoteStandIn(),
};

/**
 * Stand-in for n8n-nodes-base.readWriteFile, operation Write only: writes an item's binary field
 * to `fileName` and passes the item on with `fileName` added, as n8n's node does.
 */
export class ReadWriteFileStandIn implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Read/Write Files from Disk',
		name: 'readWriteFile',
		group: ['input'],
		version: 1,
		description: 'Read or write files from the computer that runs n8n',
		defaults: { name: 'Read/Write Files from Disk' },
		inputs: ['main'],
		outputs: ['main'],
		properties: [
			{ displayName: 'Operation', name: 'operation', type: 'options', options: [{ name: 'Write', value: 'write' }], default: 'write' },
			{ displayName: 'File Path and Name', name: 'fileName', type: 'string', default: '' },
			{ displayName: 'Input Binary Field', name: 'dataPropertyName', type: 'string', default: 'data' },
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const { mkdir, writeFile } = await import('node:fs/promises');
		const { dirname } = await import('node:path');
		const items = this.getInputData();
		const out: INodeExecutionData[] = [];
		for (let i = 0; i < items.length; i++) {
			if (this.getNodeParameter('operation', i) !== 'write') throw new Error('The stand-in only writes files');
			const fileName = this.getNodeParameter('fileName', i) as string;
			const property = this.getNodeParameter('dataPropertyName', i) as string;
			const bytes = await this.helpers.getBinaryDataBuffer(i, property);
			await mkdir(dirname(fileName), { recursive: true });
			await writeFile(fileName, bytes);
			out.push({ json: { ...items[i].json, fileName }, binary: items[i].binary, pairedItem: { item: i } });
		}
		return [out];
	}
}

TEST_NODE_TYPES['n8n-nodes-base.readWriteFile'] = new ReadWriteFileStandIn();
