/**
 * Token hygiene across a representative run against the sandbox: Generate (Poll + Download Video),
 * Video → Get with Download Video, and trigger deliveries with Download Video, genuine and forged.
 */
import * as crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { SANDBOX_TOKENS, startSandbox, type Sandbox } from '../../sandbox/server';
import { runWorkflow, singleNodeWorkflow, useBinaryDataMode } from '../harness/engine';
import { triggerWorkflow } from '../harness/parameters';
import { ActiveWebhookWorkflow, WebhookServer } from '../harness/webhook';

const TOKEN = SANDBOX_TOKENS.pro;
const TOKEN_HASH = crypto.createHash('sha256').update(TOKEN, 'utf8').digest('hex');

let sandbox: Sandbox;
let server: WebhookServer;
let bait: http.Server;
let baitUrl = '';
const baitHits: string[] = [];

beforeAll(async () => {
	await useBinaryDataMode('filesystem');
	sandbox = await startSandbox({ quiet: true, renderTimeMs: 300 });
	server = await WebhookServer.start();
	// A second host that records every hit: forged deliveries point their video_url here.
	bait = http.createServer((req, res) => {
		baitHits.push(`${req.method} ${req.url} auth=${req.headers.authorization ?? ''}`);
		res.writeHead(200, { 'Content-Type': 'video/mp4' });
		res.end(Buffer.alloc(1024));
	});
	await new Promise<void>((resolve) => bait.listen(0, '127.0.0.1', resolve));
	baitUrl = `http://127.0.0.1:${(bait.address() as AddressInfo).port}`;
});
afterAll(async () => {
	await server.close();
	await sandbox.close();
	bait.closeAllConnections();
	await new Promise<void>((resolve) => bait.close(() => resolve()));
});

const credentials = { vlogmeApi: { apiToken: TOKEN, baseUrl: '' } };

test('the token goes only to the API host; downloads, static data and forged deliveries never see it', async () => {
	credentials.vlogmeApi.baseUrl = sandbox.baseUrl;
	sandbox.clearLog();

	// 1. Generate, poll until done, download.
	const generated = await runWorkflow(
		singleNodeWorkflow({
			parameters: {
				resource: 'video',
				operation: 'generate',
				portraitSource: 'url',
				portraitUrl: 'https://example.com/p.jpg',
				speechSource: 'script',
				script: 'Token hygiene check.',
				voice: { __rl: true, mode: 'id', value: 'en-US-aria' },
				waitForCompletion: 'poll',
				options: { pollInterval: 1, maxWait: 1, downloadVideo: true },
			},
		}),
		{ credentials },
	);
	expect(generated.executionError).toBeUndefined();
	const [video] = generated.output('Vlogme');
	expect(video.json.status).toBe('completed');
	expect(video.binary?.data).toBeDefined();
	const id = String(video.json.id);

	// 2. Get with Download Video.
	const got = await runWorkflow(
		singleNodeWorkflow({ parameters: { resource: 'video', operation: 'get', videoId: id, options: { downloadVideo: true } } }),
		{ credentials },
	);
	expect(got.executionError).toBeUndefined();
	expect(got.output('Vlogme')[0].binary?.data).toBeDefined();

	// 3. A trigger with Download Video: a genuine delivery from the sandbox, and forged ones.
	const workflow = triggerWorkflow({
		id: 'wf-token',
		webhookId: 'token-hook',
		parameters: { events: ['video.completed'], downloadVideo: true },
	});
	const trigger = await ActiveWebhookWorkflow.create({ workflow, server, credentials });
	await trigger.activate();
	const genuine = await sandbox.deliverWebhook(trigger.url, { event: 'video.completed', video: { ...(video.json as object), video_url: `${baitUrl}/genuine.mp4` } });
	expect(genuine.status).toBe(200);
	await trigger.idle();
	expect(trigger.executionCount).toBe(1);
	expect((await trigger.results())[0].output('Vlogme Trigger')[0].binary?.data).toBeDefined();

	const apiRequestsBeforeForgeries = sandbox.requests.length;
	const forgedBody = (n: number) => ({ event: 'video.completed', video: { id: `vid_forged_${n}`, status: 'completed', video_url: `${baitUrl}/forged-${n}.mp4` } });
	const forgedStatuses = [
		(await sandbox.deliverWebhook(trigger.url, forgedBody(1), { sign: 'none' })).status,
		(await sandbox.deliverWebhook(trigger.url, forgedBody(2), { token: SANDBOX_TOKENS.basic })).status,
		(await sandbox.deliverWebhook(trigger.url, forgedBody(3), { sign: { secret: 'guess' } })).status,
		// A forged delivery naming a real video: still nothing fetched for it.
		(await sandbox.deliverWebhook(trigger.url, { event: 'video.completed', video: { id, status: 'completed', video_url: `${baitUrl}/forged-real.mp4` } }, { sign: 'raw', token: SANDBOX_TOKENS.basic })).status,
	];
	await trigger.idle();
	expect(forgedStatuses).toEqual([401, 401, 401, 401]);
	expect(trigger.executionCount).toBe(1);
	// No URL from any delivery was fetched: the link in a delivery is never trusted, forged or not.
	expect(baitHits).toEqual([]);
	expect(sandbox.requests.length).toBe(apiRequestsBeforeForgeries);

	// The Authorization header went only to the API listener, and always with this token.
	const api = sandbox.requests.filter((r) => r.server === 'api');
	const files = sandbox.requests.filter((r) => r.server === 'files');
	expect(api.length).toBeGreaterThan(3);
	expect(files.length).toBeGreaterThanOrEqual(3); // Generate's, Get's and the trigger's downloads
	for (const r of api) expect(r.headers.authorization).toBe(`Bearer ${TOKEN}`);
	for (const r of files) {
		expect(r.authorized).toBe(false);
		expect(JSON.stringify(r.headers)).not.toContain(TOKEN);
		expect(JSON.stringify(r.headers)).not.toContain(TOKEN_HASH);
	}

	// Static data holds ids only: neither the token nor its hash (the signing key).
	const stored = JSON.stringify(trigger.staticData);
	expect(stored).not.toContain(TOKEN);
	expect(stored).not.toContain(TOKEN_HASH);
	expect(stored).toContain(id);

	// Nor does any output.
	for (const text of [JSON.stringify(generated.run), JSON.stringify(got.run), JSON.stringify((await trigger.results())[0].run)]) {
		expect(text).not.toContain(TOKEN);
		expect(text).not.toContain(TOKEN_HASH);
	}
	await trigger.deactivate();
	console.log(`token hygiene figures: ${JSON.stringify({ apiRequests: api.length, fileRequests: files.length, forgedDeliveries: forgedStatuses.length, baitHits: baitHits.length })}`);
}, 60_000);
