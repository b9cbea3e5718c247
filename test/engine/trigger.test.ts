/**
 * Vlogme Trigger through n8n's own webhook steps and WorkflowExecute (built dist/), with deliveries
 * sent by the sandbox over HTTP.
 */
import * as crypto from 'node:crypto';
import type { IDataObject, IWorkflowBase } from 'n8n-workflow';

import { SANDBOX_TOKENS, startSandbox, type Sandbox } from '../../sandbox/server';
import { useBinaryDataMode } from '../harness/engine';
import { triggerWorkflow as sharedTriggerWorkflow } from '../harness/parameters';
import { ActiveWebhookWorkflow, WebhookServer } from '../harness/webhook';
import { createVideo, until } from '../sandbox/helpers';

const TOKEN = SANDBOX_TOKENS.pro;
const NODE_NAME = 'Vlogme Trigger';

// The documented signature, computed here independently of the node's helper.
const derivedKey = (token: string) => crypto.createHash('sha256').update(token, 'utf8').digest('hex');
const signWith = (key: string, raw: string | Buffer) =>
	'sha256=' + crypto.createHmac('sha256', key).update(raw).digest('hex');

let sandbox: Sandbox;
let server: WebhookServer;
const opened: ActiveWebhookWorkflow[] = [];
let hookCounter = 0;

beforeAll(async () => {
	await useBinaryDataMode('default');
	sandbox = await startSandbox({ quiet: true, renderTimeMs: 60_000 });
	server = await WebhookServer.start();
});
afterEach(async () => {
	for (const trigger of opened.splice(0)) {
		await trigger.idle();
		if (trigger.active) await trigger.deactivate();
	}
});
afterAll(async () => {
	await server.close();
	await sandbox.close();
});

function triggerWorkflow(parameters: IDataObject): IWorkflowBase {
	return sharedTriggerWorkflow({ id: 'wf-trigger', webhookId: `hook-${++hookCounter}`, parameters });
}

async function activeTrigger(parameters: IDataObject = {}, token: string = TOKEN): Promise<ActiveWebhookWorkflow> {
	const trigger = await ActiveWebhookWorkflow.create({
		workflow: triggerWorkflow(parameters),
		server,
		credentials: { vlogmeApi: { apiToken: token, baseUrl: sandbox.baseUrl } },
	});
	opened.push(trigger);
	await trigger.activate();
	return trigger;
}

/** Sends raw bytes with the given signature header (or none), as any HTTP client could. */
async function post(url: string, raw: string | Buffer, signature?: string): Promise<{ status: number; body: string }> {
	const headers: Record<string, string> = { 'Content-Type': 'application/json' };
	if (signature !== undefined) headers['X-Vlogme-Signature'] = signature;
	const res = await fetch(url, { method: 'POST', headers, body: raw });
	return { status: res.status, body: await res.text() };
}

function completedBody(id = 'vid_' + crypto.randomBytes(4).toString('hex'), extra: IDataObject = {}): IDataObject {
	return {
		event: 'video.completed',
		video: { id, status: 'completed', title: 'Hello', video_url: 'https://files.example/x.mp4', error_message: null, ...extra },
	};
}

describe('a genuine delivery', () => {
	test('a render finishing in the sandbox starts one execution with the event and the video as sent', async () => {
		const trigger = await activeTrigger();
		sandbox.clearLog();
		const video = await createVideo(sandbox, { webhook_url: trigger.url, title: 'From the sandbox' }, TOKEN);
		sandbox.completeNow(video.id);
		await until(() => sandbox.deliveries.some((d) => d.videoId === video.id && d.status > 0), 5000);
		const [delivery] = sandbox.deliveries.filter((d) => d.videoId === video.id);
		expect(delivery).toMatchObject({ url: trigger.url, event: 'video.completed', attempt: 1, status: 200 });
		expect(server.served.at(-1)).toMatchObject({ status: 200, body: JSON.stringify({ message: 'Workflow was started' }) });

		expect(trigger.executionCount).toBe(1);
		const [result] = await trigger.results();
		expect(result.executionError).toBeUndefined();
		const items = result.output(NODE_NAME);
		expect(items).toHaveLength(1);
		expect(items[0].json.event).toBe('video.completed');
		const sent = items[0].json.video as IDataObject;
		expect(sent).toMatchObject({ id: video.id, status: 'completed', title: 'From the sandbox', error_message: null });
		expect(String(sent.video_url)).toContain(`${sandbox.filesBaseUrl}/files/${video.id}.mp4?`);
		expect(items[0].binary).toBeUndefined();
		expect(JSON.stringify(result.run)).not.toContain(TOKEN);
		expect(JSON.stringify(trigger.staticData)).not.toContain(TOKEN);
	});

	test('signatures keyed with hex(sha256(token)) and with the raw token both start an execution', async () => {
		const trigger = await activeTrigger();
		const derived = JSON.stringify(completedBody('vid_derived'));
		const raw = JSON.stringify(completedBody('vid_raw'));
		// The vectors the test sends are computed here, and they match what the sandbox signs.
		expect((await sandbox.deliverWebhook(trigger.url, derived, { sign: { secret: derivedKey(TOKEN) } })).status).toBe(200);
		expect((await post(trigger.url, raw, signWith(TOKEN, raw))).status).toBe(200);
		expect(trigger.executionCount).toBe(2);
		const ids = (await trigger.results()).map((r) => (r.output(NODE_NAME)[0].json.video as IDataObject).id);
		expect(ids).toEqual(['vid_derived', 'vid_raw']);
	});

	test('bytes that differ from JSON.stringify(JSON.parse(body)) still verify, and the item keeps the values', async () => {
		const trigger = await activeTrigger();
		const raw = '{ "event" : "video.completed",\n  "video" : { "id" : "vid_spaced", "status" : "completed", "title" : "Caf\\u00e9 \\u2615" } }';
		expect(JSON.stringify(JSON.parse(raw))).not.toBe(raw);
		const res = await post(trigger.url, raw, signWith(derivedKey(TOKEN), raw));
		expect(res.status).toBe(200);
		expect(trigger.executionCount).toBe(1);
		const [result] = await trigger.results();
		expect(result.output(NODE_NAME)[0].json.video).toEqual({ id: 'vid_spaced', status: 'completed', title: 'Café ☕' });
	});
});

describe('rejected deliveries start nothing', () => {
	const body = JSON.stringify(completedBody('vid_reject'));
	const good = () => signWith(derivedKey(TOKEN), body);
	const flip = (header: string) => header.slice(0, -1) + (header.endsWith('0') ? '1' : '0');
	const cases: Array<[string, () => Promise<{ status: number; body: string }>, number]> = [];
	let url = '';
	cases.push(['tampered body', () => post(url, body.replace('vid_reject', 'vid_rejecX'), good()), 401]);
	cases.push(['tampered header', () => post(url, body, flip(good())), 401]);
	cases.push(['signed with another token', () => sandbox.deliverWebhook(url, body, { token: SANDBOX_TOKENS.basic }), 401]);
	cases.push(['signed with another token, raw key', () => sandbox.deliverWebhook(url, body, { sign: 'raw', token: SANDBOX_TOKENS.basic }), 401]);
	cases.push(['missing header', () => sandbox.deliverWebhook(url, body, { sign: 'none' }), 401]);
	cases.push(['header without sha256=', () => post(url, body, good().slice('sha256='.length)), 401]);
	cases.push(['empty body, unsigned', () => post(url, ''), 401]);
	cases.push(['empty body, signed over no bytes', () => post(url, '', signWith(derivedKey(TOKEN), '')), 400]);
	cases.push(['non-JSON body, signed', () => post(url, 'event=video.completed', signWith(derivedKey(TOKEN), 'event=video.completed')), 400]);
	cases.push(['JSON that is not an object, signed', () => post(url, '[1,2]', signWith(derivedKey(TOKEN), '[1,2]')), 400]);

	test.each(cases)('%s', async (_name, send, status) => {
		const trigger = await activeTrigger();
		url = trigger.url;
		const res = await send();
		expect(res.status).toBe(status);
		if (status === 401) expect(JSON.parse(res.body)).toEqual({ message: 'invalid signature' });
		else expect(res.body).not.toContain('signature');
		expect(trigger.executionCount).toBe(0);
		expect(trigger.webhookErrors).toEqual([]);
		// A rejected delivery leaves no trace that could block the genuine one later.
		expect((await sandbox.deliverWebhook(url, body)).status).toBe(200);
		expect(trigger.executionCount).toBe(1);
	});
});

describe('retries and events', () => {
	test('the same delivery sent three times starts one execution, and every attempt gets 2xx', async () => {
		const trigger = await activeTrigger();
		const body = completedBody('vid_retry');
		const statuses = [];
		for (let i = 0; i < 3; i++) statuses.push((await sandbox.deliverWebhook(trigger.url, body)).status);
		expect(statuses).toEqual([200, 200, 200]);
		expect(trigger.executionCount).toBe(1);
		// A different video, and the same video's failure, are different deliveries.
		await sandbox.deliverWebhook(trigger.url, completedBody('vid_retry_2'));
		expect(trigger.executionCount).toBe(2);
		expect(trigger.staticData['node:' + NODE_NAME]).toMatchObject({
			seen: ['video.completed:vid_retry', 'video.completed:vid_retry_2'],
		});
	});

	test('retries are still dropped when n8n loses the static data webhook() wrote (n8n 2.41 does)', async () => {
		const trigger = await activeTrigger();
		const body = completedBody('vid_lost_static');
		expect((await sandbox.deliverWebhook(trigger.url, body)).status).toBe(200);
		trigger.resetStaticData();
		expect((await sandbox.deliverWebhook(trigger.url, body)).status).toBe(200);
		trigger.resetStaticData();
		expect((await sandbox.deliverWebhook(trigger.url, body)).status).toBe(200);
		expect(trigger.executionCount).toBe(1);
	});

	test('two copies of one delivery arriving at the same moment start one execution', async () => {
		const trigger = await activeTrigger({ downloadVideo: true });
		const video = await createVideo(sandbox, {}, TOKEN);
		const body = { event: 'video.completed', video: sandbox.completeNow(video.id) };
		const statuses = await Promise.all([0, 1, 2].map(() => sandbox.deliverWebhook(trigger.url, body).then((r) => r.status)));
		expect(statuses).toEqual([200, 200, 200]);
		await trigger.idle();
		expect(trigger.executionCount).toBe(1);
	});

	test('the memory of deliveries is bounded to the most recent 1,000', async () => {
		const seen = Array.from({ length: 1000 }, (_, i) => `video.completed:vid_old_${i}`);
		const trigger = await ActiveWebhookWorkflow.create({
			workflow: triggerWorkflow({}),
			server,
			credentials: { vlogmeApi: { apiToken: TOKEN, baseUrl: sandbox.baseUrl } },
			staticData: { ['node:' + NODE_NAME]: { seen } },
		});
		opened.push(trigger);
		await trigger.activate();
		await sandbox.deliverWebhook(trigger.url, completedBody('vid_new'));
		expect(trigger.executionCount).toBe(1);
		const kept = (trigger.staticData['node:' + NODE_NAME] as IDataObject).seen as string[];
		expect(kept).toHaveLength(1000);
		expect(kept[0]).toBe('video.completed:vid_old_1');
		expect(kept.at(-1)).toBe('video.completed:vid_new');
		// The oldest was forgotten; the second-oldest is still a duplicate.
		await sandbox.deliverWebhook(trigger.url, completedBody('vid_old_1'));
		expect(trigger.executionCount).toBe(1);
	});

	test('a failed render is dropped with the default Events, acknowledged with 2xx', async () => {
		const trigger = await activeTrigger();
		const video = await createVideo(sandbox, { webhook_url: trigger.url }, TOKEN);
		sandbox.failNow(video.id, 'No face detected');
		await until(() => sandbox.deliveries.some((d) => d.videoId === video.id && d.status > 0), 5000);
		expect(sandbox.deliveries.filter((d) => d.videoId === video.id).map((d) => d.status)).toEqual([200]);
		expect(trigger.executionCount).toBe(0);
	});

	test('a failed render is emitted when Video Failed is selected, with error_message', async () => {
		const trigger = await activeTrigger({ events: ['video.completed', 'video.failed'] });
		const video = await createVideo(sandbox, { webhook_url: trigger.url }, TOKEN);
		sandbox.failNow(video.id, 'No face detected');
		await until(() => trigger.executionCount === 1, 5000);
		const [result] = await trigger.results();
		const item = result.output(NODE_NAME)[0];
		expect(item.json.event).toBe('video.failed');
		expect(item.json.video).toMatchObject({ id: video.id, status: 'failed', error_message: 'No face detected', video_url: null });
	});

	test('Video Failed only: completed renders are dropped; other video.* events follow their final status', async () => {
		const trigger = await activeTrigger({ events: ['video.failed'] });
		expect((await sandbox.deliverWebhook(trigger.url, completedBody('vid_c'))).status).toBe(200);
		expect(trigger.executionCount).toBe(0);
		const updated = { event: 'video.updated', video: { id: 'vid_u', status: 'failed', error_message: 'x' } };
		expect((await sandbox.deliverWebhook(trigger.url, updated)).status).toBe(200);
		expect(trigger.executionCount).toBe(1);
		const [result] = await trigger.results();
		expect(result.output(NODE_NAME)[0].json).toEqual(updated);
	});

	test('events that are not finished renders are acknowledged and start nothing', async () => {
		const trigger = await activeTrigger({ events: ['video.completed', 'video.failed'] });
		const others = [
			{ event: 'video.processing', video: { id: 'vid_p', status: 'processing' } },
			{ event: 'account.updated', account: { plan: 'pro' } },
			{ event: 'video.completed' },
			{ hello: 'world' },
		];
		for (const other of others) expect((await sandbox.deliverWebhook(trigger.url, other)).status).toBe(200);
		expect(trigger.executionCount).toBe(0);
	});
});

describe('activation', () => {
	test('records the registration for this URL; checkExists follows it; deactivation clears it', async () => {
		sandbox.clearLog();
		const trigger = await activeTrigger();
		expect(sandbox.count('GET', '/me')).toBe(1);
		const registration = (trigger.staticData['node:' + NODE_NAME] as IDataObject).registration as IDataObject;
		expect(registration.webhookUrl).toBe(trigger.url);
		expect(Number.isNaN(Date.parse(String(registration.registeredAt)))).toBe(false);
		expect(await trigger.runWebhookMethod('checkExists')).toBe(true);
		await trigger.deactivate();
		expect(await trigger.runWebhookMethod('checkExists')).toBe(false);
		expect((await post(trigger.url, '{}', 'sha256=' + '0'.repeat(64))).status).toBe(404);
	});

	test('a wrong token fails activation with a plain message, and nothing is served', async () => {
		const bad = 'vlm_live_' + 'z'.repeat(34);
		const trigger = await ActiveWebhookWorkflow.create({
			workflow: triggerWorkflow({}),
			server,
			credentials: { vlogmeApi: { apiToken: bad, baseUrl: sandbox.baseUrl } },
		});
		opened.push(trigger);
		const error = await trigger.activate().then(() => undefined, (e: Error) => e);
		expect(error).toBeDefined();
		expect(error!.constructor.name).toBe('NodeApiError');
		expect(error!.message).toMatch(/rejected the API token/);
		expect(JSON.stringify({ ...error, message: error!.message, description: (error as unknown as IDataObject).description })).not.toContain(bad);
		expect(trigger.active).toBe(false);
		expect(await trigger.runWebhookMethod('checkExists')).toBe(false);
	});

	test('a Free plan fails activation with its own message', async () => {
		const trigger = await ActiveWebhookWorkflow.create({
			workflow: triggerWorkflow({}),
			server,
			credentials: { vlogmeApi: { apiToken: SANDBOX_TOKENS.free, baseUrl: sandbox.baseUrl } },
		});
		opened.push(trigger);
		await expect(trigger.activate()).rejects.toThrow(/Free plan/);
		expect(trigger.active).toBe(false);
	});
});

describe('Download Video', () => {
	test('yields the sandbox MP4 byte for byte, fetched fresh by id; the file host never sees Authorization', async () => {
		const trigger = await activeTrigger({ downloadVideo: true, binaryPropertyName: 'mp4' });
		const video = await createVideo(sandbox, { webhook_url: trigger.url, title: 'Download me' }, TOKEN);
		sandbox.clearLog();
		sandbox.completeNow(video.id);
		await until(() => trigger.executionCount === 1, 5000);
		const [result] = await trigger.results();
		expect(result.executionError).toBeUndefined();
		const item = result.output(NODE_NAME)[0];
		expect(item.binary?.mp4).toMatchObject({ mimeType: 'video/mp4', fileName: 'Download me.mp4' });
		const expected = Buffer.from(await (await fetch(sandbox.signFileUrl(video.id))).arrayBuffer());
		expect(expected.length).toBeGreaterThan(100);
		expect((await result.binaryBuffer(item, 'mp4')).equals(expected)).toBe(true);

		expect(sandbox.requests.filter((r) => r.server === 'api' && r.method === 'GET' && r.route === `/videos/${video.id}`)).toHaveLength(1);
		const files = sandbox.requests.filter((r) => r.server === 'files');
		expect(files.length).toBeGreaterThanOrEqual(1);
		for (const request of files) {
			expect(request.authorized).toBe(false);
			expect(request.headers.authorization).toBeUndefined();
		}
	});

	test('never fetches the URL from the payload', async () => {
		const trigger = await activeTrigger({ downloadVideo: true });
		const video = await createVideo(sandbox, {}, TOKEN);
		sandbox.completeNow(video.id);
		sandbox.clearLog();
		const forgedUrl = `${sandbox.filesBaseUrl}/files/elsewhere.mp4?expires=1&signature=x`;
		const body = completedBody(video.id, { video_url: forgedUrl });
		expect((await sandbox.deliverWebhook(trigger.url, body)).status).toBe(200);
		const [result] = await trigger.results();
		expect(result.output(NODE_NAME)[0].binary?.data).toBeDefined();
		const fileRequests = sandbox.requests.filter((r) => r.server === 'files');
		expect(fileRequests.map((r) => r.route)).toEqual([`/files/${video.id}.mp4`]);
	});

	test('failed renders are emitted without a download', async () => {
		const trigger = await activeTrigger({ downloadVideo: true, events: ['video.failed'] });
		sandbox.clearLog();
		await sandbox.deliverWebhook(trigger.url, { event: 'video.failed', video: { id: 'vid_f', status: 'failed', error_message: 'x' } });
		const [result] = await trigger.results();
		expect(result.output(NODE_NAME)[0].binary).toBeUndefined();
		expect(sandbox.requests.filter((r) => r.server === 'files' || r.route.startsWith('/videos'))).toEqual([]);
	});
});
