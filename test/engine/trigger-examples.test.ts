/** The example workflow pair in examples/, as saved, through the engine against the sandbox. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { IDataObject, IWorkflowBase } from 'n8n-workflow';

import { SANDBOX_TOKENS, startSandbox, type Sandbox } from '../../sandbox/server';
import { PACKAGE_ROOT, readWorkflowFile, runWorkflow, useBinaryDataMode } from '../harness/engine';
import { ActiveWebhookWorkflow, WebhookServer } from '../harness/webhook';
import { createVideo, until } from '../sandbox/helpers';

const TOKEN = SANDBOX_TOKENS.pro;
const example = (name: string) => readWorkflowFile(path.join(PACKAGE_ROOT, 'examples', name));

let sandbox: Sandbox;
let server: WebhookServer;
let outDir: string;

beforeAll(async () => {
	await useBinaryDataMode('default');
	sandbox = await startSandbox({ quiet: true, renderTimeMs: 60_000 });
	server = await WebhookServer.start();
	outDir = mkdtempSync(path.join(tmpdir(), 'vlogme-example-'));
});
afterAll(async () => {
	await server.close();
	await sandbox.close();
});

/** The saved trigger example, writing below a temp folder instead of /tmp/vlogme/. */
function saveMp4Workflow(): IWorkflowBase {
	const workflow = example('vlogme-trigger-save-mp4.json');
	const save = workflow.nodes.find((n) => n.type === 'n8n-nodes-base.readWriteFile')!;
	expect(save.parameters.fileName).toBe('=/tmp/vlogme/{{ $json.video.id }}.mp4');
	save.parameters.fileName = String(save.parameters.fileName).replace('/tmp/vlogme/', outDir + '/');
	return workflow;
}

async function publish(workflow: IWorkflowBase): Promise<ActiveWebhookWorkflow> {
	const trigger = await ActiveWebhookWorkflow.create({
		workflow,
		server,
		credentials: { vlogmeApi: { apiToken: TOKEN, baseUrl: sandbox.baseUrl } },
	});
	await trigger.activate();
	return trigger;
}

const mp4Of = async (id: string) => Buffer.from(await (await fetch(sandbox.signFileUrl(id))).arrayBuffer());

test('examples/vlogme-trigger-save-mp4.json: a finished render is written to disk with the sandbox MP4 bytes', async () => {
	const trigger = await publish(saveMp4Workflow());
	try {
		expect(trigger.url).toMatch(/\/webhook\/8d2f6c1a-3b4e-4f5a-9c7d-1e2f3a4b5c6d\/webhook$/);
		const video = await createVideo(sandbox, { webhook_url: trigger.url }, TOKEN);
		sandbox.completeNow(video.id);
		await until(() => trigger.executionCount === 1, 5000);
		const [result] = await trigger.results();
		expect(result.executionError).toBeUndefined();
		const file = path.join(outDir, `${video.id}.mp4`);
		expect(result.output('Save MP4 to disk')[0].json.fileName).toBe(file);
		const written = readFileSync(file);
		expect(written.length).toBeGreaterThan(100);
		expect(written.equals(await mp4Of(video.id))).toBe(true);
		for (const request of sandbox.requests.filter((r) => r.server === 'files')) expect(request.authorized).toBe(false);
	} finally {
		await trigger.idle();
		await trigger.deactivate();
	}
});

test('examples/generate-with-trigger-webhook.json with the trigger URL pasted: the render calls the trigger, which saves the MP4', async () => {
	const trigger = await publish(saveMp4Workflow());
	try {
		const generate = example('generate-with-trigger-webhook.json');
		const node = generate.nodes.find((n) => n.type === 'n8n-nodes-vlogme.vlogme')!;
		const fields = node.parameters.additionalFields as IDataObject;
		expect(fields.webhookUrl).toBe('<paste the trigger production URL>');
		fields.webhookUrl = trigger.url;

		const run = await runWorkflow(generate, { credentials: { vlogmeApi: { apiToken: TOKEN, baseUrl: sandbox.baseUrl } } });
		expect(run.executionError).toBeUndefined();
		const created = run.output('Generate video')[0].json;
		const id = String(created.id ?? (created.video as IDataObject | undefined)?.id);
		expect(sandbox.getVideo(id)?.webhookUrl).toBe(trigger.url);
		expect(trigger.executionCount).toBe(0);

		sandbox.completeNow(id);
		await until(() => trigger.executionCount === 1, 5000);
		const [result] = await trigger.results();
		expect(result.output('Vlogme Trigger')[0].json).toMatchObject({ event: 'video.completed', video: { id, title: 'Hello from n8n' } });
		expect(readFileSync(path.join(outDir, `${id}.mp4`)).equals(await mp4Of(id))).toBe(true);
	} finally {
		await trigger.idle();
		await trigger.deactivate();
	}
});
