/**
 * What n8n does with a `usableAsTool` node, for tests: the `…Tool` variant of the node type (as
 * n8n's loader derives it), and a stand-in AI Agent that asks n8n-core for its connected tools
 * (n8n-core wraps our node with createNodeAsTool, builds the schema from the $fromAI() calls and
 * runs the node's execute() with the tool call's arguments) and invokes them.
 */
import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
	IVersionedNodeType,
} from 'n8n-workflow';
import { NodeConnectionTypes, NodeHelpers } from 'n8n-workflow';

/** The tool variant n8n lists as `<package>.<name>Tool`: same execute, AI-tool output, tool description. */
export function toolVariant(nodeType: INodeType | IVersionedNodeType): INodeType {
	const base = NodeHelpers.getVersionedNodeType(nodeType);
	const description: INodeTypeDescription = {
		...base.description,
		name: `${base.description.name}Tool`,
		displayName: `${base.description.displayName} Tool`,
		inputs: [],
		outputs: [NodeConnectionTypes.AiTool],
		properties: [
			{ displayName: 'Description', name: 'toolDescription', type: 'string', default: base.description.description },
			...base.description.properties,
		],
	};
	delete description.usableAsTool;
	const variant = Object.create(base) as INodeType;
	variant.description = description;
	return variant;
}

interface ToolLike {
	name: string;
	description: string;
	schema: { shape?: Record<string, unknown> };
	invoke(args: IDataObject): Promise<string>;
}

/** An AI Agent stand-in: calls each connected tool once with the arguments in its `calls` parameter. */
export class AgentStandIn implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Agent Stand-in',
		name: 'agent',
		group: ['transform'],
		version: 1,
		description: 'Invokes its tools with fixed arguments',
		defaults: { name: 'Agent' },
		inputs: [NodeConnectionTypes.Main, { type: NodeConnectionTypes.AiTool, displayName: 'Tools' }],
		outputs: [NodeConnectionTypes.Main],
		properties: [{ displayName: 'Calls', name: 'calls', type: 'json', default: '{}' }],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const calls = JSON.parse(this.getNodeParameter('calls', 0) as string) as Record<string, IDataObject>;
		const connected = (await this.getInputConnectionData(NodeConnectionTypes.AiTool, 0)) as ToolLike | ToolLike[];
		const tools = Array.isArray(connected) ? connected : [connected];
		const out: INodeExecutionData[] = [];
		for (const tool of tools) {
			const args = calls[tool.name] ?? {};
			const response = await tool.invoke(args);
			out.push({
				json: {
					tool: tool.name,
					toolDescription: tool.description,
					schemaKeys: Object.keys(tool.schema.shape ?? {}),
					response: JSON.parse(response) as IDataObject,
				},
				pairedItem: { item: 0 },
			});
		}
		return [out];
	}
}
