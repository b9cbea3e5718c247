import * as crypto from 'node:crypto';
import { SANDBOX_TOKENS, startSandbox, type Sandbox } from '../../sandbox/server';
import { createVideo, startReceiver, until, type Receiver } from './helpers';

/** Independent reference implementation of the documented signature. */
function expectedSignature(token: string, raw: Buffer, derived = true): string {
	const key = derived ? crypto.createHash('sha256').update(token).digest('hex') : token;
	return 'sha256=' + crypto.createHmac('sha256', key).update(raw).digest('hex');
}

describe('webhooks', () => {
	let sb: Sandbox;
	let rx: Receiver;
	beforeEach(async () => {
		sb = await startSandbox({ renderTimeMs: 60000, webhookRetryBaseMs: 40 });
		rx = await startReceiver();
	});
	afterEach(async () => {
		await sb.close();
		await rx.close();
	});

	it('POSTs video.completed once, signed with hex(sha256(token)) over the exact raw body', async () => {
		const token = sb.addAccount({ plan: 'basic', credits: 100 });
		const v = await createVideo(sb, { webhook_url: `${rx.url}/hook` }, token);
		sb.completeNow(v.id);
		const [req] = await rx.waitFor(1);
		expect(req.method).toBe('POST');
		expect(req.url).toBe('/hook');
		expect(req.headers['content-type']).toBe('application/json');
		expect(req.headers['user-agent']).toBe('Vlogme-Webhooks/1.0');
		expect(req.headers['x-vlogme-event']).toBe('video.completed');
		expect(req.headers['x-vlogme-delivery']).toMatch(/^dlv_[0-9a-f]+$/);
		expect(req.headers['x-vlogme-signature']).toBe(expectedSignature(token, req.raw));
		expect(req.headers['x-vlogme-signature']).not.toBe(expectedSignature(token, req.raw, false));
		const body = JSON.parse(req.raw.toString('utf8'));
		expect(body.event).toBe('video.completed');
		expect(body.video).toMatchObject({ id: v.id, status: 'completed', error_message: null });
		expect(body.video.video_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/files\//);
		expect((await fetch(body.video.video_url)).status).toBe(200);
		expect(sb.deliveries).toEqual([
			{ url: `${rx.url}/hook`, event: 'video.completed', videoId: v.id, deliveryId: req.headers['x-vlogme-delivery'], attempt: 1, status: 200, at: expect.any(Number) },
		]);
		await new Promise((r) => setTimeout(r, 100));
		expect(rx.received.length).toBe(1);
	});

	it('fires on its own when the render time is up', async () => {
		const quick = await startSandbox({ renderTimeMs: 150 });
		try {
			const t0 = Date.now();
			await createVideo(quick, { webhook_url: rx.url + '/auto' });
			const [req] = await rx.waitFor(1, 3000);
			expect(req.at - t0).toBeGreaterThanOrEqual(140);
			expect(JSON.parse(req.raw.toString()).video.status).toBe('completed');
		} finally {
			await quick.close();
		}
	});

	it('POSTs video.failed with error_message for a failed render', async () => {
		const v = await createVideo(sb, { webhook_url: rx.url, script: 'sandbox:fail' });
		sb.failNow(v.id);
		const [req] = await rx.waitFor(1);
		expect(req.url).toBe('/');
		expect(req.headers['x-vlogme-event']).toBe('video.failed');
		const body = JSON.parse(req.raw.toString());
		expect(body).toMatchObject({ event: 'video.failed', video: { id: v.id, status: 'failed', video_url: null } });
		expect(body.video.error_message).toContain('sandbox:fail');
	});

	it("keeps n8n's resume URL query string exactly", async () => {
		const path = '/webhook-waiting/123?signature=abc%2Fdef&x=a+b&empty=&dup=1&dup=2';
		const v = await createVideo(sb, { webhook_url: `http://localhost:${new URL(rx.url).port}${path}` });
		sb.completeNow(v.id);
		const [req] = await rx.waitFor(1);
		expect(req.url).toBe(path);
		expect(req.headers.host).toBe(`localhost:${new URL(rx.url).port}`);
	});

	it('retries after 500, 500 with growing gaps, then stops at the 200', async () => {
		rx.respond = (n) => (n <= 2 ? 500 : 200);
		const v = await createVideo(sb, { webhook_url: `${rx.url}/retry` });
		sb.completeNow(v.id);
		const got = await rx.waitFor(3, 3000);
		const gap1 = got[1].at - got[0].at;
		const gap2 = got[2].at - got[1].at;
		expect(gap1).toBeGreaterThanOrEqual(35);
		// Lower bounds only: timers never fire early, but a busy machine can make any gap longer.
		expect(gap2).toBeGreaterThanOrEqual(75);
		// the same delivery, byte for byte
		expect(got[1].raw.equals(got[0].raw)).toBe(true);
		expect(got[2].headers['x-vlogme-delivery']).toBe(got[0].headers['x-vlogme-delivery']);
		expect(got[2].headers['x-vlogme-signature']).toBe(got[0].headers['x-vlogme-signature']);
		await until(() => sb.deliveries.length === 3);
		expect(sb.deliveries.map((d) => [d.attempt, d.status])).toEqual([[1, 500], [2, 500], [3, 200]]);
		await new Promise((r) => setTimeout(r, 250));
		expect(rx.received.length).toBe(3);
	});

	it('gives up after webhookMaxAttempts, and retries network errors (status 0)', async () => {
		const capped = await startSandbox({ renderTimeMs: 60000, webhookRetryBaseMs: 5, webhookMaxAttempts: 3 });
		try {
			rx.respond = () => 503;
			const v = await createVideo(capped, { webhook_url: rx.url });
			capped.completeNow(v.id);
			await rx.waitFor(3);
			await new Promise((r) => setTimeout(r, 100));
			expect(rx.received.length).toBe(3);
			await rx.close();
			const w = await createVideo(capped, { webhook_url: rx.url });
			capped.completeNow(w.id);
			await until(() => capped.deliveries.filter((d) => d.videoId === w.id).length === 3);
			expect(capped.deliveries.filter((d) => d.videoId === w.id).map((d) => d.status)).toEqual([0, 0, 0]);
		} finally {
			await capped.close();
		}
	});

	it('stops retrying once the retry window is used up', async () => {
		const windowed = await startSandbox({ renderTimeMs: 60000, webhookRetryBaseMs: 20, webhookRetryWindowMs: 100 });
		try {
			rx.respond = () => 500;
			const v = await createVideo(windowed, { webhook_url: rx.url });
			windowed.completeNow(v.id);
			// delays 20, 40, 80 -> elapsed 60 + 80 > 100: three attempts
			await rx.waitFor(3);
			await new Promise((r) => setTimeout(r, 250));
			expect(rx.received.length).toBe(3);
		} finally {
			await windowed.close();
		}
	});

	it('deleting a render cancels its pending retries', async () => {
		rx.respond = () => 500;
		const slowRetry = await startSandbox({ renderTimeMs: 60000, webhookRetryBaseMs: 200 });
		try {
			const v = await createVideo(slowRetry, { webhook_url: rx.url });
			slowRetry.completeNow(v.id);
			await rx.waitFor(1);
			await fetch(`${slowRetry.baseUrl}/videos/${v.id}`, { method: 'DELETE', headers: { Authorization: `Bearer ${SANDBOX_TOKENS.pro}` } });
			await new Promise((r) => setTimeout(r, 350));
			expect(rx.received.length).toBe(1);
		} finally {
			await slowRetry.close();
		}
	});

	it('does not contact other hosts: a non-local webhook_url is logged as not delivered', async () => {
		const v = await createVideo(sb, { webhook_url: 'https://hooks.example.invalid/x' });
		sb.completeNow(v.id);
		expect(sb.deliveries).toEqual([expect.objectContaining({ videoId: v.id, status: 0, error: expect.stringContaining('127.0.0.1') })]);
	});

	it('deliverWebhook sends genuine (derived or raw-token key), forged and unsigned deliveries', async () => {
		const body = { event: 'video.completed', video: { id: 'vid_manual', status: 'completed' } };
		const res = await sb.deliverWebhook(`${rx.url}/m?a=1`, body);
		expect(res.status).toBe(200);
		expect(JSON.parse(res.body)).toEqual({ ok: true });
		await sb.deliverWebhook(`${rx.url}/m`, body, { sign: 'raw', token: SANDBOX_TOKENS.basic });
		await sb.deliverWebhook(`${rx.url}/m`, '{"event":"video.completed"}', { sign: { secret: 'attacker' } });
		await sb.deliverWebhook(`${rx.url}/m`, body, { sign: 'none', headers: { 'X-Extra': 'yes', 'user-agent': 'Forger/1' } });
		const got = await rx.waitFor(4);
		expect(got[0].url).toBe('/m?a=1');
		expect(got[0].raw.toString()).toBe(JSON.stringify(body));
		expect(got[0].headers['x-vlogme-signature']).toBe(expectedSignature(SANDBOX_TOKENS.pro, got[0].raw));
		expect(got[1].headers['x-vlogme-signature']).toBe(expectedSignature(SANDBOX_TOKENS.basic, got[1].raw, false));
		expect(got[2].headers['x-vlogme-signature']).toBe('sha256=' + crypto.createHmac('sha256', 'attacker').update(got[2].raw).digest('hex'));
		expect(got[2].headers['x-vlogme-signature']).not.toBe(expectedSignature(SANDBOX_TOKENS.pro, got[2].raw));
		expect(got[3].headers['x-vlogme-signature']).toBeUndefined();
		expect(got[3].headers['x-extra']).toBe('yes');
		expect(got[3].headers['user-agent']).toBe('Forger/1');
		expect(sb.deliveries.map((d) => d.videoId)).toEqual(['vid_manual', 'vid_manual', null, 'vid_manual']);
		await expect(sb.deliverWebhook('https://example.com/hook', body)).rejects.toThrow(/127\.0\.0\.1/);
	});
});
