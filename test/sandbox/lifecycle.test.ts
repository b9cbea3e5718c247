import { SANDBOX_TOKENS, startSandbox, type Sandbox } from '../../sandbox/server';
import { sampleMp4, topLevelBoxes } from '../../sandbox/mp4';
import { api, createVideo, expectError, sleep, until } from './helpers';

const RENDER_MS = 300;

async function download(url: string): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
	const res = await fetch(url);
	return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

describe('render lifecycle', () => {
	let sb: Sandbox;
	beforeAll(async () => {
		sb = await startSandbox({ renderTimeMs: RENDER_MS });
	});
	afterAll(() => sb.close());

	it('goes preparing -> processing -> completed on its own, with a signed MP4 link', async () => {
		const v = await createVideo(sb);
		expect(v.status).toBe('preparing');
		const seen = new Set<string>();
		const final = await until(async () => {
			const res = await api(sb, 'GET', `/videos/${v.id}`);
			expect(res.status).toBe(200);
			seen.add(res.json.status);
			return res.json.status === 'completed' ? res.json : undefined;
		}, 3000, 15);
		expect([...seen]).toEqual(expect.arrayContaining(['processing', 'completed']));
		expect(final.video_url).toMatch(new RegExp(`^${sb.filesBaseUrl}/files/${v.id}\\.mp4\\?expires=\\d+&signature=[0-9a-f]{64}$`));
		expect(final.error_message).toBeNull();
		expect(Date.parse(final.expires_at) - Date.now()).toBeGreaterThan(3500 * 1000 - 60000);
		expect(Date.parse(final.updated_at)).toBeGreaterThanOrEqual(Date.parse(final.created_at) + RENDER_MS);
	});

	it('reports processing after a third of the render time (lazily, from timestamps)', async () => {
		const slow = await startSandbox({ renderTimeMs: 600 });
		try {
			const v = await createVideo(slow);
			expect((await api(slow, 'GET', `/videos/${v.id}`)).json.status).toBe('preparing');
			await sleep(250);
			const mid = await api(slow, 'GET', `/videos/${v.id}`);
			expect(mid.json.status).toBe('processing');
			expect(mid.json.video_url).toBeNull();
		} finally {
			await slow.close();
		}
	});

	it('hands out a freshly signed URL on every GET', async () => {
		const v = await createVideo(sb);
		sb.completeNow(v.id);
		const a = (await api(sb, 'GET', `/videos/${v.id}`)).json.video_url;
		await sleep(5);
		const b = (await api(sb, 'GET', `/videos/${v.id}`)).json.video_url;
		expect(a).not.toBe(b);
	});

	it('the fail marker in the script fails the render and refunds the credits', async () => {
		const token = sb.addAccount({ plan: 'basic', credits: 100 });
		const v = await createVideo(sb, { script: 'please sandbox:fail now' }, token);
		expect(sb.getAccount(token)?.credits).toBe(90);
		const final = await until(async () => {
			const res = await api(sb, 'GET', `/videos/${v.id}`, { token });
			return res.json.status === 'failed' ? res.json : undefined;
		}, 3000, 20);
		expect(final.error_message).toBe('No face detected in portrait (sandbox:fail)');
		expect(final.video_url).toBeNull();
		expect(sb.getAccount(token)?.credits).toBe(100);
		expect(sb.getVideo(v.id)).toMatchObject({ refunded: true, creditsRefunded: 10, willFail: true });
	});

	it('the fail marker in the title works too; failNow sets a custom message', async () => {
		const token = sb.addAccount({ plan: 'basic', credits: 100 });
		const v = await createVideo(sb, { title: 'x sandbox:fail' }, token);
		await until(() => sb.getVideo(v.id)?.video.status === 'failed', 3000);
		const w = await createVideo(sb, {}, token);
		const failed = sb.failNow(w.id, 'Portrait too dark');
		expect(failed).toMatchObject({ status: 'failed', error_message: 'Portrait too dark' });
		expect(sb.getAccount(token)?.credits).toBe(100);
		// a failed render was already refunded: deleting it refunds nothing
		const del = await api(sb, 'DELETE', `/videos/${w.id}`, { token });
		expect(del.json).toEqual({ id: w.id, deleted: true, refunded: false, credits_refunded: 0 });
		expect(sb.getAccount(token)?.credits).toBe(100);
	});

	it('DELETE of an unfinished render refunds it; later GET is 404 and no completion happens', async () => {
		const token = sb.addAccount({ plan: 'basic', credits: 100 });
		const v = await createVideo(sb, {}, token);
		expect(sb.getAccount(token)?.credits).toBe(90);
		const del = await api(sb, 'DELETE', `/videos/${v.id}`, { token });
		expect(del.status).toBe(200);
		expect(del.json).toEqual({ id: v.id, deleted: true, refunded: true, credits_refunded: 10 });
		expect(sb.getAccount(token)?.credits).toBe(100);
		expectError(await api(sb, 'GET', `/videos/${v.id}`, { token }), 404, 'not_found');
		expectError(await api(sb, 'DELETE', `/videos/${v.id}`, { token }), 404, 'not_found');
		await sleep(RENDER_MS + 50);
		expect(sb.getVideo(v.id)).toMatchObject({ deleted: true, settledAtMs: null });
		expect(sb.getAccount(token)?.credits).toBe(100);
	});

	it('DELETE of a completed render refunds nothing', async () => {
		const token = sb.addAccount({ plan: 'basic', credits: 100 });
		const v = await createVideo(sb, {}, token);
		sb.completeNow(v.id);
		const del = await api(sb, 'DELETE', `/videos/${v.id}`, { token });
		expect(del.json).toEqual({ id: v.id, deleted: true, refunded: false, credits_refunded: 0 });
		expect(sb.getAccount(token)?.credits).toBe(90);
	});

	it('completeNow settles at once even if the render was marked to fail; helpers reject unknown ids', async () => {
		const v = await createVideo(sb, { title: 'sandbox:fail' });
		expect(sb.completeNow(v.id).status).toBe('completed');
		expect(() => sb.completeNow('vid_nope')).toThrow(/vid_nope/);
		expect(() => sb.failNow('vid_nope')).toThrow(/vid_nope/);
		expect(sb.getVideo('vid_nope')).toBeUndefined();
	});

	it('getVideo exposes internal state with the request body summarised', async () => {
		const v = await createVideo(sb, { webhook_url: 'https://example.invalid/hook' });
		const state = sb.getVideo(v.id)!;
		expect(state).toMatchObject({ id: v.id, token: SANDBOX_TOKENS.pro, creditsCharged: 10, deleted: false, webhookUrl: 'https://example.invalid/hook' });
		expect(state.request.portrait_base64).toMatch(/^<base64 \d+ bytes>$/);
		expect(state.video.id).toBe(v.id);
	});

	it('failRate fails renders at random (seeded) and refunds them', async () => {
		const flaky = await startSandbox({ renderTimeMs: 60000, failRate: 0.5, seed: 7 });
		try {
			const outcomes: boolean[] = [];
			for (let i = 0; i < 20; i++) outcomes.push(flaky.getVideo((await createVideo(flaky)).id)!.willFail);
			const failures = outcomes.filter(Boolean).length;
			expect(failures).toBeGreaterThan(2);
			expect(failures).toBeLessThan(18);
		} finally {
			await flaky.close();
		}
	});
});

describe('signed file URLs', () => {
	let sb: Sandbox;
	beforeAll(async () => {
		sb = await startSandbox({ renderTimeMs: 60000, urlTtlMs: 150 });
	});
	afterAll(() => sb.close());

	it('serves a real MP4 (ftyp then moov and mdat) from another origin', async () => {
		const v = await createVideo(sb);
		const done = sb.completeNow(v.id);
		expect(new URL(done.video_url!).origin).not.toBe(new URL(sb.baseUrl).origin);
		const file = await download(done.video_url!);
		expect(file.status).toBe(200);
		expect(file.headers.get('content-type')).toBe('video/mp4');
		expect(Number(file.headers.get('content-length'))).toBe(file.bytes.length);
		expect(file.bytes.toString('latin1', 4, 8)).toBe('ftyp');
		const types = topLevelBoxes(file.bytes).map((b) => b.type);
		expect(types).toEqual(expect.arrayContaining(['ftyp', 'moov', 'mdat']));
		expect(file.bytes.equals(sampleMp4())).toBe(true);
		const log = sb.requests.filter((r) => r.server === 'files');
		expect(log[log.length - 1]).toMatchObject({ method: 'GET', status: 200, path: `/files/${v.id}.mp4` });
	});

	it('expires after urlTtlMs with a 403 "Request has expired"', async () => {
		const v = await createVideo(sb);
		const url = sb.completeNow(v.id).video_url!;
		await sleep(200);
		const file = await download(url);
		expect(file.status).toBe(403);
		expect(file.bytes.toString()).toContain('Request has expired');
	});

	it('a bad or missing signature is 403; an unknown or deleted video is 404', async () => {
		const v = await createVideo(sb);
		const url = sb.completeNow(v.id).video_url!;
		const bad = await download(url.replace(/signature=([0-9a-f])/, (_m, c) => `signature=${c === 'a' ? 'b' : 'a'}`));
		expect(bad.status).toBe(403);
		expect(bad.bytes.toString()).toContain('SignatureDoesNotMatch');
		const tampered = await download(url.replace(/expires=\d+/, 'expires=99999999999999'));
		expect(tampered.status).toBe(403);
		expect((await download(url.split('?')[0])).status).toBe(403);
		const fresh = sb.signFileUrl(v.id, 60000);
		expect((await download(fresh)).status).toBe(200);
		await api(sb, 'DELETE', `/videos/${v.id}`);
		expect((await download(fresh)).status).toBe(404);
		expect((await download(`${sb.filesBaseUrl}/nothing`)).status).toBe(404);
	});
});

describe('videoSizeBytes padding', () => {
	it('pads with a free box to the exact size and streams it', async () => {
		const size = 3 * 1024 * 1024 + 17;
		const sb = await startSandbox({ renderTimeMs: 60000, videoSizeBytes: size });
		try {
			const v = await createVideo(sb);
			const file = await download(sb.completeNow(v.id).video_url!);
			expect(file.status).toBe(200);
			expect(Number(file.headers.get('content-length'))).toBe(size);
			expect(file.bytes.length).toBe(size);
			const boxes = topLevelBoxes(file.bytes);
			expect(boxes.map((b) => b.type)).toEqual([...topLevelBoxes(sampleMp4()).map((b) => b.type), 'free']);
			expect(boxes[boxes.length - 1].offset + boxes[boxes.length - 1].size).toBe(size);
			expect(file.bytes.subarray(0, sampleMp4().length).equals(sampleMp4())).toBe(true);
		} finally {
			await sb.close();
		}
	});

	it('truncateDownloads cuts the body after half of Content-Length', async () => {
		const size = 1024 * 1024;
		const sb = await startSandbox({ renderTimeMs: 60000, videoSizeBytes: size, truncateDownloads: true });
		try {
			const v = await createVideo(sb);
			const res = await fetch(sb.completeNow(v.id).video_url!);
			expect(res.status).toBe(200);
			expect(Number(res.headers.get('content-length'))).toBe(size);
			await expect(res.arrayBuffer()).rejects.toThrow();
		} finally {
			await sb.close();
		}
	});
});
