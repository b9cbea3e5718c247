import * as http from 'node:http';
import { SANDBOX_TOKENS, startSandbox, type Sandbox } from '../../sandbox/server';
import { api, createVideo, expectError, videoBody } from './helpers';

describe('GET /videos pagination', () => {
	let sb: Sandbox;
	let token: string;
	const created: string[] = [];
	beforeAll(async () => {
		sb = await startSandbox({ renderTimeMs: 600000 });
		token = sb.addAccount({ plan: 'pro', credits: 10000 });
		for (let i = 0; i < 250; i++) created.push((await createVideo(sb, { title: `n${i}` }, token)).id);
		await createVideo(sb, {}, SANDBOX_TOKENS.pro); // someone else's
	});
	afterAll(() => sb.close());

	it('pages 250 videos with limit 100: 3 pages, newest first, no duplicates', async () => {
		const seen: string[] = [];
		let cursor: string | null = null;
		const sizes: number[] = [];
		do {
			const q: string = cursor ? `?limit=100&cursor=${encodeURIComponent(cursor)}` : '?limit=100';
			const res = await api(sb, 'GET', `/videos${q}`, { token });
			expect(res.status).toBe(200);
			expect(Object.keys(res.json).sort()).toEqual(['next_cursor', 'videos']);
			sizes.push(res.json.videos.length);
			seen.push(...res.json.videos.map((v: any) => v.id));
			cursor = res.json.next_cursor;
		} while (cursor);
		expect(sizes).toEqual([100, 100, 50]);
		expect(new Set(seen).size).toBe(250);
		expect(seen).toEqual([...created].reverse());
	});

	it('defaults to 20 and a cursor string; the last page has next_cursor null', async () => {
		const res = await api(sb, 'GET', '/videos', { token });
		expect(res.json.videos.length).toBe(20);
		expect(typeof res.json.next_cursor).toBe('string');
		expect(res.json.videos[0]).toMatchObject({ id: created[249], title: 'n249', status: 'preparing' });
		const mine = await api(sb, 'GET', '/videos?limit=100', { token: SANDBOX_TOKENS.basic });
		expect(mine.json).toEqual({ videos: [], next_cursor: null });
	});

	it.each(['0', '101', '1.5', 'abc', '-1', ''])('limit=%s -> 400 invalid_input', async (limit) => {
		expectError(await api(sb, 'GET', `/videos?limit=${limit}`, { token }), 400, 'invalid_input');
	});

	it('accepts limit 1 and 100; rejects a forged cursor', async () => {
		expect((await api(sb, 'GET', '/videos?limit=1', { token })).json.videos.length).toBe(1);
		expect((await api(sb, 'GET', '/videos?limit=100', { token })).json.videos.length).toBe(100);
		expectError(await api(sb, 'GET', '/videos?cursor=not-a-cursor', { token }), 400, 'invalid_input');
		expectError(await api(sb, 'GET', '/videos?cursor=%25%25', { token }), 400, 'invalid_input');
	});

	it('listShape variants for /videos and /voices', async () => {
		sb.setListShape({ key: 'data', cursorKey: 'nextCursor' });
		let res = await api(sb, 'GET', '/videos?limit=2', { token });
		expect(Object.keys(res.json).sort()).toEqual(['data', 'nextCursor']);
		const page2 = await api(sb, 'GET', `/videos?limit=2&cursor=${res.json.nextCursor}`, { token });
		expect(page2.json.data[0].id).toBe(created[247]);
		expect(Object.keys((await api(sb, 'GET', '/voices')).json)).toEqual(['data']);

		sb.setListShape({ key: 'items', cursorKey: 'cursor' });
		res = await api(sb, 'GET', '/videos?limit=2', { token });
		expect(Object.keys(res.json).sort()).toEqual(['cursor', 'items']);
		expect(Object.keys((await api(sb, 'GET', '/voices')).json)).toEqual(['items']);

		sb.setListShape({ key: null });
		res = await api(sb, 'GET', '/videos?limit=2', { token });
		expect(Array.isArray(res.json)).toBe(true);
		expect(res.json.length).toBe(2);
		const voices = await api(sb, 'GET', '/voices');
		expect(Array.isArray(voices.json)).toBe(true);
		expect(voices.json.length).toBe(8);

		sb.setListShape({});
		expect(Object.keys((await api(sb, 'GET', '/voices')).json)).toEqual(['voices']);
	});

	it('the listShape option applies from the start', async () => {
		const bare = await startSandbox({ listShape: { key: null } });
		try {
			expect(Array.isArray((await api(bare, 'GET', '/videos')).json)).toBe(true);
		} finally {
			await bare.close();
		}
	});
});

describe('fault injection, request log, latency', () => {
	let sb: Sandbox;
	beforeEach(async () => {
		sb = await startSandbox({ renderTimeMs: 60000, seed: 1 });
	});
	afterEach(() => sb.close());

	it('rate_limit: 429 rate_limited with Retry-After, only `times` times', async () => {
		sb.injectFault({ kind: 'rate_limit', path: '/me', times: 2, retryAfterSeconds: 3 });
		const a = await api(sb, 'GET', '/me');
		expectError(a, 429, 'rate_limited');
		expect(a.headers.get('retry-after')).toBe('3');
		expect((await api(sb, 'GET', '/voices')).status).toBe(200); // other path untouched
		expect((await api(sb, 'GET', '/me')).status).toBe(429);
		expect((await api(sb, 'GET', '/me')).status).toBe(200);
		sb.injectFault({ kind: 'rate_limit' });
		const b = await api(sb, 'GET', '/voices');
		expect(b.status).toBe(429);
		expect(b.headers.get('retry-after')).toBeNull();
	});

	it('server_error and db_error: 500 with the JSON error shape', async () => {
		sb.injectFault({ kind: 'server_error', method: 'GET', path: '/videos' });
		expectError(await api(sb, 'GET', '/videos'), 500, 'internal_error');
		sb.injectFault({ kind: 'db_error', method: 'POST', path: /^\/videos$/ });
		expect((await api(sb, 'GET', '/videos')).status).toBe(200); // method did not match
		expectError(await api(sb, 'POST', '/videos', { body: videoBody() }), 500, 'db_error');
		expect(sb.count('POST', '/videos')).toBe(1);
		expect(sb.getAccount(SANDBOX_TOKENS.pro)?.credits).toBe(100000); // nothing was created
	});

	it('html_502: 502 with an HTML body', async () => {
		sb.injectFault({ kind: 'html_502' });
		const res = await api(sb, 'GET', '/me');
		expect(res.status).toBe(502);
		expect(res.headers.get('content-type')).toMatch(/^text\/html/);
		expect(res.text).toMatch(/<html>/);
		expect(res.json).toBeUndefined();
	});

	it('drop: the socket is destroyed, nothing happens, logged with status 0', async () => {
		sb.injectFault({ kind: 'drop', method: 'POST' });
		await expect(api(sb, 'POST', '/videos', { body: videoBody() })).rejects.toThrow();
		expect(sb.getAccount(SANDBOX_TOKENS.pro)?.credits).toBe(100000);
		expect(sb.requests).toEqual([expect.objectContaining({ method: 'POST', path: '/api/public/v1/videos', status: 0, fault: 'drop' })]);
		const list = await api(sb, 'GET', '/videos');
		expect(list.json.videos).toEqual([]);
	});

	it('drop_after: the POST creates and charges the video, then the socket is destroyed', async () => {
		sb.injectFault({ kind: 'drop_after', method: 'POST', path: '/videos' });
		await expect(api(sb, 'POST', '/videos', { body: videoBody({ title: 'ambiguous' }) })).rejects.toThrow();
		expect(sb.getAccount(SANDBOX_TOKENS.pro)?.credits).toBe(100000 - 10);
		const list = await api(sb, 'GET', '/videos');
		expect(list.json.videos).toEqual([expect.objectContaining({ title: 'ambiguous', status: 'preparing' })]);
		expect(sb.requests[0]).toMatchObject({ status: 0, fault: 'drop_after' });
	});

	it('truncate (file host): Content-Length is announced, half of it arrives, then the socket closes', async () => {
		const big = await startSandbox({ renderTimeMs: 60000, videoSizeBytes: 2_000_000 });
		try {
			const v = await createVideo(big);
			const url = big.completeNow(v.id).video_url!;
			big.injectFault({ kind: 'truncate' });
			const result = await new Promise<{ length: number; received: number; aborted: boolean }>((resolve) => {
				http.get(url, (res) => {
					let received = 0;
					res.on('data', (c: Buffer) => (received += c.length));
					const finish = (aborted: boolean) => resolve({ length: Number(res.headers['content-length']), received, aborted });
					res.on('aborted', () => finish(true));
					res.on('error', () => finish(true));
					res.on('end', () => finish(false));
				});
			});
			expect(result.length).toBe(2_000_000);
			expect(result.aborted).toBe(true);
			expect(result.received).toBe(1_000_000);
			// the next download is whole again
			const whole = Buffer.from(await (await fetch(url)).arrayBuffer());
			expect(whole.length).toBe(2_000_000);
			const files = big.requests.filter((r) => r.server === 'files');
			expect(files.map((r) => r.fault)).toEqual(['truncate', undefined]);
		} finally {
			await big.close();
		}
	});

	it('probability is seeded and times may be Infinity; clearFaults removes them', async () => {
		sb.injectFault({ kind: 'server_error', path: '/voices', times: Infinity, probability: 0.5 });
		const statuses: number[] = [];
		for (let i = 0; i < 30; i++) statuses.push((await api(sb, 'GET', '/voices')).status);
		const failed = statuses.filter((s) => s === 500).length;
		expect(failed).toBeGreaterThan(5);
		expect(failed).toBeLessThan(25);
		sb.clearFaults();
		expect((await api(sb, 'GET', '/voices')).status).toBe(200);
	});

	it('logs every request: method, path, query, headers, authorized, summarised body, status', async () => {
		await api(sb, 'POST', '/videos?dry=1', { body: videoBody(), headers: { 'X-Trace': 'abc' } });
		await api(sb, 'GET', '/me', { token: null });
		await api(sb, 'POST', '/videos', { raw: 'not json' });
		const [create, me, bad] = sb.requests;
		expect(create).toMatchObject({
			method: 'POST',
			path: '/api/public/v1/videos',
			route: '/videos',
			query: { dry: '1' },
			authorized: true,
			status: 201,
			server: 'api',
			at: expect.any(Number),
		});
		expect(create.headers.authorization).toBe(`Bearer ${SANDBOX_TOKENS.pro}`);
		expect(create.headers['x-trace']).toBe('abc');
		expect(create.headers['content-type']).toBe('application/json');
		expect(create.body).toMatchObject({ script: 'Hello from Vlogme', voice_id: 'en-US-aria' });
		expect((create.body as any).portrait_base64).toMatch(/^<base64 \d+ bytes>$/);
		expect(me).toMatchObject({ method: 'GET', authorized: false, status: 401, body: null });
		expect(bad).toMatchObject({ body: 'not json', status: 400 });
		expect(sb.count('POST', '/videos')).toBe(2);
		expect(sb.count('GET', /^\/me$/)).toBe(1);
		expect(sb.count('*')).toBe(3);
		sb.clearLog();
		expect(sb.requests).toEqual([]);
	});

	it('latencyMs delays every API response', async () => {
		sb.setLatency(1200);
		const t0 = Date.now();
		expect((await api(sb, 'GET', '/me')).status).toBe(200);
		expect(Date.now() - t0).toBeGreaterThanOrEqual(1190);
		sb.setLatency(0);
		const t1 = Date.now();
		await api(sb, 'GET', '/me');
		// Generous bound: only "no added delay" is asserted, not the speed of a busy CI machine.
		expect(Date.now() - t1).toBeLessThan(1000);
		const slow = await startSandbox({ latencyMs: 80 });
		try {
			const t2 = Date.now();
			expectError(await api(slow, 'GET', '/me', { token: null }), 401, 'missing_token');
			expect(Date.now() - t2).toBeGreaterThanOrEqual(70);
		} finally {
			await slow.close();
		}
	});

	it('close() is idempotent and frees the ports', async () => {
		const other = await startSandbox();
		const { port } = other;
		await other.close();
		await other.close();
		await expect(fetch(`http://127.0.0.1:${port}/api/public/v1/me`)).rejects.toThrow();
	});
});
