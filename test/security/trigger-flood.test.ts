/**
 * The Vlogme Trigger under a flood and under hostile bodies, through n8n's webhook steps and
 * WorkflowExecute (built dist/), over real HTTP on 127.0.0.1.
 */
import * as crypto from 'node:crypto';
import fc from 'fast-check';

import { SANDBOX_TOKENS, startSandbox, type Sandbox } from '../../sandbox/server';
import { useBinaryDataMode } from '../harness/engine';
import { triggerWorkflow } from '../harness/parameters';
import { ActiveWebhookWorkflow, WebhookServer } from '../harness/webhook';

const SEED = 1_000_1;
const TOKEN = SANDBOX_TOKENS.pro;
const derivedKey = crypto.createHash('sha256').update(TOKEN, 'utf8').digest('hex');
const sign = (key: string, raw: string | Buffer) => 'sha256=' + crypto.createHmac('sha256', key).update(raw).digest('hex');

let sandbox: Sandbox;
let server: WebhookServer;
let hook = 0;
const figures: Record<string, unknown> = {};

beforeAll(async () => {
	await useBinaryDataMode('default');
	sandbox = await startSandbox({ quiet: true, renderTimeMs: 600_000 });
	server = await WebhookServer.start();
});
afterAll(async () => {
	console.log(`trigger flood figures: ${JSON.stringify(figures)}`);
	await server.close();
	await sandbox.close();
});

async function activeTrigger(): Promise<ActiveWebhookWorkflow> {
	const workflow = triggerWorkflow({
		id: `wf-flood-${++hook}`,
		webhookId: `flood-${hook}`,
		parameters: { events: ['video.completed', 'video.failed'] },
	});
	const trigger = await ActiveWebhookWorkflow.create({ workflow, server, credentials: { vlogmeApi: { apiToken: TOKEN, baseUrl: sandbox.baseUrl } } });
	await trigger.activate();
	return trigger;
}

async function post(url: string, raw: string | Buffer, headers: Record<string, string> = {}): Promise<number> {
	const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: raw });
	await res.arrayBuffer();
	return res.status;
}

type Delivery = { kind: 'genuine' | 'repeat' | 'forged-key' | 'forged-none' | 'forged-tampered'; raw: string; signature?: string };

test('1,000 deliveries: 10% forged, 10% repeats, the rest genuine and distinct → exactly one execution per genuine distinct delivery', async () => {
	const trigger = await activeTrigger();
	const genuine: Delivery[] = [];
	for (let i = 0; i < 800; i++) {
		const event = i % 5 === 0 ? 'video.failed' : 'video.completed';
		const raw = JSON.stringify({ event, video: { id: `vid_flood_${i}`, status: event === 'video.failed' ? 'failed' : 'completed', video_url: `https://files.example/${i}.mp4` } });
		// Both key variants, as Vlogme may sign either way.
		genuine.push({ kind: 'genuine', raw, signature: sign(i % 2 === 0 ? derivedKey : TOKEN, raw) });
	}
	const forged: Delivery[] = [];
	for (let i = 0; i < 100; i++) {
		const raw = JSON.stringify({ event: 'video.completed', video: { id: `vid_forged_${i}`, status: 'completed', video_url: `https://evil.example/${i}.mp4` } });
		if (i % 3 === 0) forged.push({ kind: 'forged-key', raw, signature: sign(crypto.createHash('sha256').update('vlm_live_wrong').digest('hex'), raw) });
		else if (i % 3 === 1) forged.push({ kind: 'forged-none', raw });
		else {
			// A genuine signature over another body: the id was changed after signing.
			const original = genuine[i].raw;
			forged.push({ kind: 'forged-tampered', raw: original.replace(/vid_flood_(\d+)/, 'vid_flood_$1x'), signature: genuine[i].signature });
		}
	}
	const order = fc.sample(fc.shuffledSubarray([...genuine, ...forged], { minLength: 900, maxLength: 900 }), { seed: SEED, numRuns: 1 })[0];
	// Repeats of genuine deliveries, each placed somewhere after its original.
	const repeats = fc.sample(fc.tuple(fc.nat(799), fc.nat()), { seed: SEED + 1, numRuns: 100 });
	const sequence = [...order];
	for (const [which, where] of repeats) {
		const original = genuine[which];
		const after = sequence.indexOf(original);
		const at = after + 1 + (where % (sequence.length - after));
		sequence.splice(at, 0, { ...original, kind: 'repeat' });
	}
	expect(sequence).toHaveLength(1000);

	const statuses: Record<string, Record<number, number>> = {};
	const started = Date.now();
	for (const delivery of sequence) {
		const status = await post(trigger.url, delivery.raw, delivery.signature ? { 'X-Vlogme-Signature': delivery.signature } : {});
		statuses[delivery.kind] ??= {};
		statuses[delivery.kind][status] = (statuses[delivery.kind][status] ?? 0) + 1;
	}
	await trigger.idle();
	const elapsed = Date.now() - started;

	expect(statuses.genuine).toEqual({ 200: 800 });
	expect(statuses.repeat).toEqual({ 200: 100 });
	for (const kind of ['forged-key', 'forged-none', 'forged-tampered']) expect(Object.keys(statuses[kind])).toEqual(['401']);
	expect(trigger.executionCount).toBe(800);
	expect(trigger.webhookErrors).toEqual([]);
	const ids = (await trigger.results()).map((r) => (r.output('Vlogme Trigger')[0].json.video as { id: string }).id);
	expect(new Set(ids).size).toBe(800);
	expect(ids.every((id) => /^vid_flood_\d+$/.test(id))).toBe(true);
	// Nothing a forged delivery named was fetched (no download was asked for: no API request at all).
	expect(sandbox.requests.filter((r) => r.route.startsWith('/videos'))).toHaveLength(0);
	Object.assign(figures, { deliveries: sequence.length, statuses, executions: trigger.executionCount, floodMs: elapsed });
}, 120_000);

describe('hostile bodies are refused without an execution and without exhausting memory', () => {
	const MB = 1024 * 1024;
	const nested = (levels: number) => '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);
	const deepArray = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);

	test('20 MB bodies, unsigned or signed, and 100k-level nesting', async () => {
		const trigger = await activeTrigger();
		const rssBefore = process.memoryUsage().rss;
		let rssPeak = rssBefore;
		const sample = () => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss));
		const big = Buffer.from(JSON.stringify({ event: 'video.completed', video: { id: 'vid_big', status: 'completed', pad: 'x'.repeat(20 * MB) } }));
		const results: Record<string, number> = {};

		results['20 MB unsigned'] = await post(trigger.url, big);
		sample();
		results['20 MB forged'] = await post(trigger.url, big, { 'X-Vlogme-Signature': 'sha256=' + '0'.repeat(64) });
		sample();
		results['20 MB genuinely signed'] = await post(trigger.url, big, { 'X-Vlogme-Signature': sign(derivedKey, big) });
		sample();
		const deep = nested(100_000);
		const deepCompleted = `{"event":"video.completed","video":{"id":"vid_deep","status":"completed","meta":${deepArray(100_000)}}}`;
		results['100k-level object, unsigned'] = await post(trigger.url, deep);
		results['100k-level object, signed'] = await post(trigger.url, deep, { 'X-Vlogme-Signature': sign(derivedKey, deep) });
		results['100k-level array in a completed event, unsigned'] = await post(trigger.url, deepCompleted);
		sample();
		await trigger.idle();

		expect(results['20 MB unsigned']).toBeGreaterThanOrEqual(400);
		expect(results['20 MB unsigned']).toBeLessThan(500);
		expect(results['20 MB forged']).toBeGreaterThanOrEqual(400);
		expect(results['20 MB forged']).toBeLessThan(500);
		// Over the 1 MiB limit: refused before hashing or parsing, even with a valid signature.
		expect(results['20 MB genuinely signed']).toBe(413);
		expect(results['100k-level object, unsigned']).toBe(401);
		expect(results['100k-level array in a completed event, unsigned']).toBe(401);
		// Signed by the token holder but not a delivery: acknowledged or refused, never a crash, never an execution.
		expect(results['100k-level object, signed']).toBeLessThan(500);
		expect(trigger.executionCount).toBe(0);
		expect(trigger.webhookErrors).toEqual([]);
		const growthMb = Math.round((rssPeak - rssBefore) / MB);
		// The test and its server (like n8n's body parser) hold each 20 MB body themselves, and
		// garbage collection runs when it likes: the bound only has to show nothing grows with the
		// body's size or depth beyond that (an unbounded parse of 60 MB of input would be far more).
		expect(growthMb).toBeLessThan(400);
		Object.assign(figures, { hostile: results, rssGrowthMb: growthMb });
	}, 60_000);
});
