import type { INode, IWorkflowBase } from 'n8n-workflow';

import { SANDBOX_TOKENS, startSandbox, type Sandbox } from '../../sandbox/server';
import { loadPackage, runWorkflow } from '../harness/engine';

let sandbox: Sandbox;

beforeAll(async () => {
	sandbox = await startSandbox({ quiet: true, renderTimeMs: 60_000 });
});
afterAll(async () => {
	await sandbox.close();
});


function toolNode(name: string, parameters: INode['parameters']): INode {
	return {
		id: name,
		name,
		type: 'n8n-nodes-vlogme.vlogmeTool',
		typeVersion: 1,
		position: [0, 300],
		parameters,
		credentials: { vlogmeApi: { id: '1', name: 'Vlogme' } },
	};
}

describe('the Vlogme node as an AI Agent tool', () => {
	test('n8n derives a tool variant from the node', async () => {
		const pkg = await loadPackage();
		const tool = pkg.nodeTypes.getByNameAndVersion('n8n-nodes-vlogme.vlogmeTool');
		expect(tool.description.outputs).toEqual(['ai_tool']);
		const operation = pkg.nodeTypes
			.getByNameAndVersion('n8n-nodes-vlogme.vlogme')
			.description.properties.find((p) => p.name === 'operation' && p.displayOptions?.show?.resource?.[0] === 'video');
		for (const option of (operation!.options ?? []) as Array<{ action?: string; description?: string }>) {
			expect(option.action).toBeTruthy();
			expect(option.description!.length).toBeGreaterThan(20);
		}
	});

	test('an agent gets the five capabilities of Vlogme’s MCP server, with $fromAI parameters filled and run', async () => {
		// Two renders exist before the agent runs, so list_my_videos can return two whatever the call order.
		const create = () => fetch(`${sandbox.baseUrl}/videos`, {
			method: 'POST',
			headers: { Authorization: `Bearer ${SANDBOX_TOKENS.pro}`, 'Content-Type': 'application/json' },
			body: JSON.stringify({ portrait_url: 'https://example.com/p.jpg', script: 'earlier', voice_id: 'en-US-aria' }),
		}).then(async (r) => (await r.json()) as { id: string });
		await create();
		const existing = await create();
		sandbox.clearLog();

		const tools: INode[] = [
			toolNode('list_voices', { resource: 'voice', operation: 'getAll', returnAll: true }),
			toolNode('get_balance', { resource: 'account', operation: 'get' }),
			toolNode('generate_video', {
				resource: 'video',
				operation: 'generate',
				portraitSource: 'url',
				portraitUrl: "={{ $fromAI('portrait_url', 'Public link to the portrait photo', 'string') }}",
				speechSource: 'script',
				script: "={{ $fromAI('script', 'What the avatar says', 'string') }}",
				voice: { __rl: true, mode: 'id', value: "={{ $fromAI('voice_id', 'A voice id from list_voices', 'string') }}" },
			}),
			toolNode('get_video', { resource: 'video', operation: 'get', videoId: "={{ $fromAI('video_id', 'The video id', 'string') }}" }),
			toolNode('list_my_videos', {
				resource: 'video',
				operation: 'getAll',
				returnAll: false,
				limit: "={{ $fromAI('limit', 'How many videos', 'number') }}",
			}),
		];
		const calls = {
			list_voices: {},
			get_balance: {},
			generate_video: { portrait_url: 'https://example.com/agent.jpg', script: 'Made by an agent.', voice_id: 'en-GB-sonia' },
			get_video: { video_id: existing.id },
			list_my_videos: { limit: 2 },
		};
		const workflow = {
			id: 'wf-agent',
			name: 'agent',
			nodes: [
				{ id: 'start', name: 'Start', type: 'test.start', typeVersion: 1, position: [0, 0], parameters: { items: '[{}]' } },
				{ id: 'agent', name: 'Agent', type: 'test.agent', typeVersion: 1, position: [200, 0], parameters: { calls: JSON.stringify(calls) } },
				...tools,
			],
			connections: {
				Start: { main: [[{ node: 'Agent', type: 'main', index: 0 }]] },
				...Object.fromEntries(tools.map((t) => [t.name, { ai_tool: [[{ node: 'Agent', type: 'ai_tool', index: 0 }]] }])),
			},
		} as unknown as IWorkflowBase;

		const result = await runWorkflow(workflow, { credentials: { vlogmeApi: { apiToken: SANDBOX_TOKENS.pro, baseUrl: sandbox.baseUrl } } });
		expect(result.executionError).toBeUndefined();
		// n8n hands the agent each tool's output items as a JSON array.
		const byTool = Object.fromEntries(result.output('Agent').map((item) => [item.json.tool, item.json]));
		const first = (name: string) => (byTool[name].response as unknown[])[0];
		expect(Object.keys(byTool).sort()).toEqual(['generate_video', 'get_balance', 'get_video', 'list_my_videos', 'list_voices']);

		expect((byTool.generate_video.schemaKeys as string[]).sort()).toEqual(['portrait_url', 'script', 'voice_id']);
		expect(first('generate_video')).toMatchObject({ status: 'preparing' });
		const post = sandbox.requests.find((r) => r.method === 'POST');
		expect(post!.body).toMatchObject({ portrait_url: 'https://example.com/agent.jpg', script: 'Made by an agent.', voice_id: 'en-GB-sonia' });

		expect(first('get_balance')).toMatchObject({ plan: 'pro' });
		expect(JSON.stringify(byTool.list_voices.response)).toContain('en-US-aria');
		expect(first('get_video')).toMatchObject({ id: existing.id });
		expect(byTool.list_my_videos.schemaKeys).toEqual(['limit']);
		expect(byTool.list_my_videos.response).toHaveLength(2);
		expect((byTool.list_voices.response as unknown[]).length).toBeGreaterThan(3);
	});
});
