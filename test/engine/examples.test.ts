import { readdirSync } from 'node:fs';
import path from 'node:path';

import type { IDataObject, IWorkflowBase } from 'n8n-workflow';

import { SANDBOX_TOKENS, startSandbox, type Sandbox } from '../../sandbox/server';
import { PACKAGE_ROOT, readWorkflowFile, runWorkflow, useBinaryDataMode } from '../harness/engine';
import { WaitingExecutions } from '../harness/resume';

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

test('generate-wait-webhook: waits on n8n’s resume URL, refuses a forged call, resumes with the video and its MP4', async () => {
	// renders here never finish by themselves: the test finishes it after the forged calls
	const slow = await startSandbox({ quiet: true, renderTimeMs: 3_600_000 });
	const waiting = await WaitingExecutions.start();
	try {
		const workflow = load('generate-wait-webhook.json');
		// n8n's Webhook node has no stand-in here: the harness's start node, under the same name, emits
		// the one item it would (a POST with a JSON body), so the execution runs exactly as after a call.
		const webhook = workflow.nodes.find((n) => n.type === 'n8n-nodes-base.webhook')!;
		expect(webhook.parameters).toMatchObject({ httpMethod: 'POST', path: 'vlogme-generate', responseMode: 'onReceived' });
		const received = { headers: { 'content-type': 'application/json' }, params: {}, query: {}, body: { from: 'test' }, webhookUrl: 'http://127.0.0.1:5678/webhook/vlogme-generate', executionMode: 'production' };
		Object.assign(webhook, { type: 'test.start', typeVersion: 1, parameters: { items: JSON.stringify([{ json: received }]) } });
		const vlogme = workflow.nodes.find((n) => n.type === 'n8n-nodes-vlogme.vlogme')!;
		expect(vlogme.parameters).toMatchObject({ waitForCompletion: 'webhook', options: { downloadVideo: true, maxWait: 10 } });

		const started = await waiting.run(workflow, { credentials: { vlogmeApi: { apiToken: SANDBOX_TOKENS.pro, baseUrl: slow.baseUrl } } });
		expect(started.first.run.status).toBe('waiting');
		expect(started.first.run.waitTill!.getTime()).toBeGreaterThan(Date.now() + 9 * 60_000);
		const posts = slow.requests.filter((r) => r.method === 'POST' && r.route === '/videos');
		expect(posts).toHaveLength(1);
		const webhookUrl = String((posts[0].body as IDataObject).webhook_url);
		expect(webhookUrl.startsWith(`${waiting.server.baseUrl}/webhook-waiting/`)).toBe(true);
		const listed = (await (await fetch(`${slow.baseUrl}/videos`, { headers: { Authorization: `Bearer ${SANDBOX_TOKENS.pro}` } })).json()) as { videos: IDataObject[] };
		const videoId = String(listed.videos.find((v) => slow.getVideo(String(v.id))!.webhookUrl === webhookUrl)!.id);

		const claimed = { event: 'video.completed', video: { ...slow.getVideo(videoId)!.video, status: 'completed' } };
		expect((await slow.deliverWebhook(webhookUrl, claimed, { sign: 'none' })).status).toBe(401);
		expect((await slow.deliverWebhook(webhookUrl, claimed, { sign: { secret: 'not-the-key' } })).status).toBe(401);
		expect(started.calls).toEqual([
			{ status: 401, resumed: false },
			{ status: 401, resumed: false },
		]);

		slow.completeNow(videoId); // the sandbox sends the genuine signed callback
		const resumed = await started.resumed;
		expect(resumed.run.status).toBe('success');
		const out = resumed.output('Generate and wait for the webhook');
		expect(out).toHaveLength(1);
		expect(out[0].json).toMatchObject({ id: videoId, status: 'completed', title: 'Hello from n8n' });
		expect(out[0].binary!.data).toMatchObject({ mimeType: 'video/mp4', fileName: 'Hello from n8n.mp4' });
		const expected = Buffer.from(await (await fetch(slow.signFileUrl(videoId))).arrayBuffer());
		expect((await resumed.binaryBuffer(out[0])).equals(expected)).toBe(true);
		expect(started.calls.filter((c) => c.resumed)).toHaveLength(1);
		expect(slow.deliveries.filter((d) => d.url === webhookUrl && d.status === 200).map((d) => d.videoId)).toEqual([videoId]);
	} finally {
		await waiting.close();
		await slow.close();
	}
});
