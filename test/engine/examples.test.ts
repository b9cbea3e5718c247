import { readdirSync } from 'node:fs';
import path from 'node:path';

import type { IDataObject, IWorkflowBase } from 'n8n-workflow';

import { SANDBOX_TOKENS, startSandbox, type Sandbox } from '../../sandbox/server';
import { PACKAGE_ROOT, readWorkflowFile, runWorkflow, useBinaryDataMode } from '../harness/engine';

let sandbox: Sandbox;

beforeAll(async () => {
	await useBinaryDataMode('filesystem');
	sandbox = await startSandbox({ quiet: true, renderTimeMs: 800 });
});
afterAll(async () => {
	await sandbox.close();
});

const examplesDir = path.join(PACKAGE_ROOT, 'examples');
const load = (file: string): IWorkflowBase => readWorkflowFile(path.join(examplesDir, file));
const credentials = () => ({ vlogmeApi: { apiToken: SANDBOX_TOKENS.pro, baseUrl: sandbox.baseUrl } });

test('every example is importable n8n workflow JSON with a sticky note and the sandbox credential', () => {
	const files = readdirSync(examplesDir).filter((f) => f.endsWith('.json'));
	expect(files.length).toBeGreaterThanOrEqual(5);
	for (const file of files) {
		const workflow = load(file);
		expect(typeof workflow.name).toBe('string');
		expect(workflow.nodes.some((n) => n.type === 'n8n-nodes-base.stickyNote')).toBe(true);
		for (const node of workflow.nodes.filter((n) => n.type.startsWith('n8n-nodes-vlogme.'))) {
			expect(node.credentials).toEqual({ vlogmeApi: { id: 'vlogme-sandbox', name: 'Vlogme sandbox' } });
		}
		for (const [from, outputs] of Object.entries(workflow.connections)) {
			expect(workflow.nodes.some((n) => n.name === from)).toBe(true);
			for (const target of outputs.main?.flat() ?? []) expect(workflow.nodes.some((n) => n.name === target!.node)).toBe(true);
		}
	}
});

test('account-and-voices: plan, credits and every voice', async () => {
	const result = await runWorkflow(load('account-and-voices.json'), { credentials: credentials() });
	expect(result.output('Get plan and credits')[0].json).toMatchObject({ plan: 'pro' });
	expect(result.output('List voices').length).toBe(sandbox.voices.length);
});

test('generate-and-wait: a finished render with its MP4 as binary', async () => {
	const workflow = load('generate-and-wait.json');
	((workflow.nodes.find((n) => n.name === 'Generate and wait')!.parameters.options) as IDataObject).pollInterval = 1;
	const result = await runWorkflow(workflow, { credentials: credentials() });
	const [video] = result.output('Generate and wait');
	expect(video.json).toMatchObject({ status: 'completed', title: 'Hello from n8n' });
	const mp4 = await result.binaryBuffer(video);
	expect(mp4.subarray(4, 8).toString('latin1')).toBe('ftyp');
	expect(video.binary!.data.fileName).toBe('Hello from n8n.mp4');
});

test('manage-videos: start, get, delete with refund, list', async () => {
	const before = sandbox.getAccount(SANDBOX_TOKENS.pro)!.credits;
	const result = await runWorkflow(load('manage-videos.json'), { credentials: credentials() });
	const started = result.output('Start a render')[0].json;
	expect(result.output('Check its status')[0].json.id).toBe(started.id);
	expect(result.output('Delete it (refunded)')[0].json).toMatchObject({ id: started.id, deleted: true, refunded: true });
	expect(sandbox.getAccount(SANDBOX_TOKENS.pro)!.credits).toBe(before);
	const listed = result.output('List recent videos').map((i) => i.json.id);
	expect(listed.length).toBeLessThanOrEqual(5);
	expect(listed).not.toContain(started.id);
});
