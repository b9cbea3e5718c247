import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SANDBOX_TOKENS, startSandbox, type Sandbox } from '../../sandbox/server';
import { makeMp3Stub, makePng, makeWav, NOT_MEDIA, PNG_BASE64, readFixture } from '../fixtures/media';
import { api, createVideo, expectError, startReceiver, videoBody, type Receiver } from './helpers';

let sb: Sandbox;
let assets: Receiver;

beforeAll(async () => {
	sb = await startSandbox({ renderTimeMs: 60000 });
	// serves assets for portrait_url/audio_url on 127.0.0.1
	assets = await startReceiver(undefined, (req, res) => {
		const files: Record<string, [string, Buffer]> = {
			'/face.png': ['image/png', makePng()],
			'/face.jpg': ['image/jpeg', readFixture('portrait.jpg')],
			'/voice.wav': ['audio/wav', makeWav(42)],
			'/text.txt': ['text/plain', NOT_MEDIA],
		};
		const file = files[(req.url ?? '').split('?')[0]];
		if (file) {
			res.writeHead(200, { 'Content-Type': file[0], 'Content-Length': file[1].length });
			res.end(file[1]);
		} else {
			res.writeHead(404);
			res.end('nope');
		}
		return true;
	});
});
afterAll(async () => {
	await sb.close();
	await assets.close();
});

describe('tokens and base URL', () => {
	it('exposes fixed tokens of the documented form and the exact base URL', () => {
		for (const token of Object.values(SANDBOX_TOKENS)) expect(token).toMatch(/^vlm_live_[A-Za-z0-9]{34}$/);
		expect(SANDBOX_TOKENS.pro).toBe('vlm_live_sandboxpro000000000000000000000000');
		expect(sb.baseUrl).toBe(`http://127.0.0.1:${sb.port}/api/public/v1`);
		expect(sb.filesBaseUrl).toBe(`http://127.0.0.1:${sb.filesPort}`);
		expect(sb.filesPort).not.toBe(sb.port);
	});
	it('addAccount makes a new token with its own plan and credits', async () => {
		const token = sb.addAccount({ plan: 'pro', credits: 77 });
		expect(token).toMatch(/^vlm_live_[A-Za-z0-9]{34}$/);
		expect(sb.getAccount(token)).toMatchObject({ plan: 'pro', credits: 77 });
		const me = await api(sb, 'GET', '/me', { token });
		expect(me.json).toMatchObject({ plan: 'pro', credits: 77 });
		expect(sb.getAccount('vlm_live_nope')).toBeUndefined();
	});
});

describe('authentication', () => {
	const endpoints: Array<[string, string]> = [
		['GET', '/me'],
		['GET', '/voices'],
		['GET', '/videos'],
		['POST', '/videos'],
		['GET', '/videos/vid_x'],
		['DELETE', '/videos/vid_x'],
	];
	it.each(endpoints)('%s %s: missing token -> 401 missing_token', async (method, path) => {
		expectError(await api(sb, method, path, { token: null, body: method === 'POST' ? videoBody() : undefined }), 401, 'missing_token');
	});
	it.each(endpoints)('%s %s: unknown token -> 401 invalid_token', async (method, path) => {
		const res = await api(sb, method, path, { token: 'vlm_live_' + 'x'.repeat(34) });
		expectError(res, 401, 'invalid_token');
		expect(res.text).not.toContain('xxxxxxxx');
	});
	it.each(endpoints)('%s %s: free plan -> 403 plan_required', async (method, path) => {
		expectError(await api(sb, method, path, { token: SANDBOX_TOKENS.free, body: method === 'POST' ? videoBody() : undefined }), 403, 'plan_required');
	});
	it('a non-Bearer scheme is invalid_token, an empty Bearer is missing_token', async () => {
		expectError(await api(sb, 'GET', '/me', { token: null, headers: { Authorization: `Basic ${SANDBOX_TOKENS.pro}` } }), 401, 'invalid_token');
		expectError(await api(sb, 'GET', '/me', { token: null, headers: { Authorization: 'Bearer ' } }), 401, 'missing_token');
	});
	it('accepts a lowercase bearer scheme', async () => {
		const res = await api(sb, 'GET', '/me', { token: null, headers: { Authorization: `bearer ${SANDBOX_TOKENS.basic}` } });
		expect(res.status).toBe(200);
	});
});

describe('GET /me and GET /voices', () => {
	it('/me returns user id, email, plan and credits', async () => {
		const res = await api(sb, 'GET', '/me', { token: SANDBOX_TOKENS.basic });
		expect(res.status).toBe(200);
		expect(res.headers.get('content-type')).toMatch(/^application\/json/);
		expect(res.json).toEqual({ user_id: 'usr_sandbox_basic', email: expect.any(String), plan: 'basic', credits: 1000 });
		const broke = await api(sb, 'GET', '/me', { token: SANDBOX_TOKENS.broke });
		expect(broke.json).toMatchObject({ plan: 'basic', credits: 5 });
	});
	it('/voices lists about 8 voices in several languages', async () => {
		const res = await api(sb, 'GET', '/voices');
		expect(res.status).toBe(200);
		expect(res.json.voices.length).toBe(8);
		expect(res.json.voices).toContainEqual({ id: 'en-US-aria', name: 'Aria', language: 'en-US', gender: 'female' });
		expect(new Set(res.json.voices.map((v: any) => v.language)).size).toBeGreaterThan(3);
	});
});

describe('routes', () => {
	it('unknown routes are 404 not_found (inside and outside the base path)', async () => {
		expectError(await api(sb, 'GET', '/nope'), 404, 'not_found');
		expectError(await api(sb, 'PUT', '/videos'), 404, 'not_found');
		const outside = await fetch(`http://127.0.0.1:${sb.port}/api/public/v2/me`);
		expect(outside.status).toBe(404);
		expect(((await outside.json()) as any).error.code).toBe('not_found');
	});
	it('an unknown video id is 404 not_found naming the id', async () => {
		const res = await api(sb, 'GET', '/videos/vid_doesnotexist');
		expectError(res, 404, 'not_found');
		expect(res.json.error.message).toContain('vid_doesnotexist');
		expectError(await api(sb, 'DELETE', '/videos/vid_doesnotexist'), 404, 'not_found');
	});
	it("another account's video is 404 not_found", async () => {
		const video = await createVideo(sb, {}, SANDBOX_TOKENS.pro);
		expectError(await api(sb, 'GET', `/videos/${video.id}`, { token: SANDBOX_TOKENS.basic }), 404, 'not_found');
		expectError(await api(sb, 'DELETE', `/videos/${video.id}`, { token: SANDBOX_TOKENS.basic }), 404, 'not_found');
		expect((await api(sb, 'GET', `/videos/${video.id}`)).status).toBe(200);
	});
});

describe('POST /videos: success', () => {
	it('answers 201 with the video object in status preparing', async () => {
		const res = await api(sb, 'POST', '/videos', {
			body: videoBody({ title: 'My clip', emotion_preset: 'calm', live_subtitles: false, face_restore: 0.5, watermark_text: 'w', video_prompt: 'p', video_negative_prompt: 'n' }),
		});
		expect(res.status).toBe(201);
		const v = res.json;
		expect(v).toEqual({
			id: expect.stringMatching(/^vid_[0-9a-f]+$/),
			status: 'preparing',
			title: 'My clip',
			created_at: expect.any(String),
			updated_at: expect.any(String),
			credits_charged: 10,
			duration_seconds: 1.2,
			voice_id: 'en-US-aria',
			script: 'Hello from Vlogme',
			portrait_url: null,
			audio_url: null,
			emotion_preset: 'calm',
			live_subtitles: false,
			video_url: null,
			error_message: null,
			expires_at: null,
		});
		expect(new Date(v.created_at).toISOString()).toBe(v.created_at);
	});
	it('defaults: title null, emotion natural, subtitles on', async () => {
		const v = await createVideo(sb);
		expect(v).toMatchObject({ title: null, emotion_preset: 'natural', live_subtitles: true });
	});
	it('accepts a JPEG portrait, a 127.0.0.1 portrait_url and an external portrait_url (not fetched)', async () => {
		const jpeg = readFixture('portrait.jpg').toString('base64');
		expect((await api(sb, 'POST', '/videos', { body: videoBody({ portrait_base64: jpeg }) })).status).toBe(201);
		const local = { ...videoBody(), portrait_base64: undefined, portrait_url: `${assets.url}/face.jpg` };
		expect((await api(sb, 'POST', '/videos', { body: local })).status).toBe(201);
		const ext = { ...videoBody(), portrait_base64: undefined, portrait_url: 'https://example.invalid/face.png' };
		expect((await api(sb, 'POST', '/videos', { body: ext })).status).toBe(201);
	});
	it('accepts base64 with line breaks (MIME style)', async () => {
		const wrapped = PNG_BASE64.replace(/(.{20})/g, '$1\n');
		expect((await api(sb, 'POST', '/videos', { body: videoBody({ portrait_base64: wrapped }) })).status).toBe(201);
	});
});

describe('POST /videos: credits', () => {
	const script = (words: number) => Array.from({ length: words }, (_, i) => `w${i}`).join(' ');
	it('charges at least 10 credits', async () => {
		const token = sb.addAccount({ plan: 'basic', credits: 100 });
		const v = await createVideo(sb, { script: 'Hi' }, token);
		expect(v.credits_charged).toBe(10);
		expect(sb.getAccount(token)?.credits).toBe(90);
	});
	it('charges ceil(seconds) at 150 words per minute', async () => {
		const token = sb.addAccount({ plan: 'basic', credits: 1000 });
		const v = await createVideo(sb, { script: script(300) }, token); // 120 s
		expect(v).toMatchObject({ credits_charged: 120, duration_seconds: 120 });
		const w = await createVideo(sb, { script: `  ${script(26)}\n\t` }, token); // 10.4 s
		expect(w).toMatchObject({ credits_charged: 11, duration_seconds: 10.4 });
		expect(sb.getAccount(token)?.credits).toBe(1000 - 120 - 11);
	});
	it('charges the real duration of WAV audio (base64, committed fixture, and 127.0.0.1 URL)', async () => {
		const token = sb.addAccount({ plan: 'basic', credits: 1000 });
		const body = { portrait_base64: PNG_BASE64, audio_base64: makeWav(61.5).toString('base64') };
		const res = await api(sb, 'POST', '/videos', { body, token });
		expect(res.status).toBe(201);
		expect(res.json).toMatchObject({ credits_charged: 62, duration_seconds: 61.5, voice_id: null });
		const fixture = await api(sb, 'POST', '/videos', { body: { portrait_base64: PNG_BASE64, audio_base64: readFixture('narration-2s.wav').toString('base64') }, token });
		expect(fixture.json).toMatchObject({ credits_charged: 10, duration_seconds: 2 });
		const byUrl = await api(sb, 'POST', '/videos', { body: { portrait_base64: PNG_BASE64, audio_url: `${assets.url}/voice.wav?x=1` }, token });
		expect(byUrl.json).toMatchObject({ credits_charged: 42, duration_seconds: 42 });
		expect(assets.received.length).toBe(0); // served by the custom handler, not recorded
	});
	it('assumes 30 s for non-WAV audio and external audio URLs', async () => {
		const mp3 = await api(sb, 'POST', '/videos', { body: { portrait_base64: PNG_BASE64, audio_base64: makeMp3Stub().toString('base64') } });
		expect(mp3.json).toMatchObject({ credits_charged: 30, duration_seconds: 30 });
		const ext = await api(sb, 'POST', '/videos', { body: { portrait_base64: PNG_BASE64, audio_url: 'https://cdn.example.invalid/a.mp3' } });
		expect(ext.json).toMatchObject({ credits_charged: 30 });
	});
	it('402 insufficient_credits says needed and available, charges nothing', async () => {
		const res = await api(sb, 'POST', '/videos', { body: videoBody(), token: SANDBOX_TOKENS.broke });
		expectError(res, 402, 'insufficient_credits');
		expect(res.json.error.message).toMatch(/10/);
		expect(res.json.error.message).toMatch(/5/);
		expect(sb.getAccount(SANDBOX_TOKENS.broke)?.credits).toBe(5);
		const token = sb.addAccount({ plan: 'basic', credits: 50 });
		expectError(await api(sb, 'POST', '/videos', { body: videoBody({ script: script(300) }), token }), 402, 'insufficient_credits');
		expect(sb.getAccount(token)?.credits).toBe(50);
	});
});

describe('POST /videos: invalid_json and invalid_input', () => {
	it('a body that is not JSON is 400 invalid_json', async () => {
		expectError(await api(sb, 'POST', '/videos', { raw: '{"portrait_url": ' }), 400, 'invalid_json');
		expectError(await api(sb, 'POST', '/videos', { raw: '' }), 400, 'invalid_json');
		expectError(await api(sb, 'POST', '/videos', { raw: 'portrait_url=x' }), 400, 'invalid_json');
	});
	const cases: Array<[string, Record<string, unknown>, RegExp]> = [
		['body is an array', [] as unknown as Record<string, unknown>, /object/],
		['no portrait', { portrait_base64: undefined }, /portrait/],
		['both portraits', { portrait_url: 'https://x.test/a.png' }, /portrait/],
		['no speech source', { script: undefined, voice_id: undefined }, /script/],
		['script and audio_url', { audio_url: 'https://x.test/a.mp3' }, /only one/],
		['audio_url and audio_base64', { script: undefined, voice_id: undefined, audio_url: 'https://x.test/a.mp3', audio_base64: 'AAAA' }, /only one/],
		['empty script', { script: '   ' }, /script/],
		['script over 30000 chars', { script: 'a'.repeat(30001) }, /30000/],
		['script without voice_id', { voice_id: undefined }, /voice_id/],
		['unknown voice_id', { voice_id: 'xx-XX-nobody' }, /xx-XX-nobody/],
		['bad emotion_preset', { emotion_preset: 'angry' }, /emotion_preset/],
		['live_subtitles not boolean', { live_subtitles: 'yes' }, /live_subtitles/],
		['face_restore above 1', { face_restore: 1.5 }, /face_restore/],
		['face_restore negative', { face_restore: -0.1 }, /face_restore/],
		['face_restore not a number', { face_restore: '0.5' }, /face_restore/],
		['portrait_url not a URL', { portrait_base64: undefined, portrait_url: 'not a url' }, /portrait_url/],
		['portrait_url ftp', { portrait_base64: undefined, portrait_url: 'ftp://x.test/a.png' }, /portrait_url/],
		['audio_url not http', { script: undefined, voice_id: undefined, audio_url: 'file:///etc/passwd' }, /audio_url/],
		['webhook_url not http', { webhook_url: 'javascript:alert(1)' }, /webhook_url/],
		['title not a string', { title: 42 }, /title/],
		['watermark_text not a string', { watermark_text: true }, /watermark_text/],
		['video_prompt not a string', { video_prompt: {} }, /video_prompt/],
		['video_negative_prompt not a string', { video_negative_prompt: [] }, /video_negative_prompt/],
		['script not a string', { script: 5 }, /script/],
		['unknown field', { resolution: '4k' }, /resolution/],
	];
	it.each(cases)('%s -> 400 invalid_input', async (_name, patch, message) => {
		const body = Array.isArray(patch) ? patch : JSON.parse(JSON.stringify({ ...videoBody(), ...patch }));
		const before = sb.getAccount(SANDBOX_TOKENS.pro)?.credits;
		const res = await api(sb, 'POST', '/videos', { body });
		expectError(res, 400, 'invalid_input');
		expect(res.json.error.message).toMatch(message);
		expect(sb.getAccount(SANDBOX_TOKENS.pro)?.credits).toBe(before);
	});
	it('a script of exactly 30000 characters is accepted', async () => {
		const res = await api(sb, 'POST', '/videos', { body: videoBody({ script: 'word '.repeat(6000).slice(0, 30000) }) });
		expect(res.status).toBe(201);
	});
});

describe('POST /videos: invalid_asset', () => {
	const cases: Array<[string, Record<string, unknown>, RegExp]> = [
		['portrait base64 that does not decode', { portrait_base64: 'iVBORw0KGgo!!!' }, /portrait_base64/],
		['portrait base64 without padding', { portrait_base64: PNG_BASE64.replace(/=+$/, '') + 'A' }, /portrait_base64/],
		['portrait as a data: URL', { portrait_base64: 'data:image/png;base64,' + PNG_BASE64 }, /data:/],
		['portrait that is not an image', { portrait_base64: NOT_MEDIA.toString('base64') }, /portrait_base64/],
		['portrait that is audio', { portrait_base64: makeWav(1).toString('base64') }, /portrait_base64/],
		['audio that is not audio', { script: undefined, voice_id: undefined, audio_base64: NOT_MEDIA.toString('base64') }, /audio_base64/],
		['audio that is an image', { script: undefined, voice_id: undefined, audio_base64: PNG_BASE64 }, /audio_base64/],
		['audio base64 that does not decode', { script: undefined, voice_id: undefined, audio_base64: '%%%%' }, /audio_base64/],
	];
	it.each(cases)('%s -> 400 invalid_asset', async (_name, patch, message) => {
		const res = await api(sb, 'POST', '/videos', { body: { ...videoBody(), ...patch } });
		expectError(res, 400, 'invalid_asset');
		expect(res.json.error.message).toMatch(message);
	});
	it('127.0.0.1 URLs are fetched: 404, unreachable, or not an image/audio -> invalid_asset', async () => {
		const closed = http.createServer();
		await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
		const deadPort = (closed.address() as AddressInfo).port;
		await new Promise<void>((r) => closed.close(() => r()));
		const noPortrait = { ...videoBody(), portrait_base64: undefined };
		for (const url of [`${assets.url}/missing.png`, `http://127.0.0.1:${deadPort}/face.png`, `${assets.url}/text.txt`, `http://localhost:${deadPort}/x.png`]) {
			const res = await api(sb, 'POST', '/videos', { body: { ...noPortrait, portrait_url: url } });
			expectError(res, 400, 'invalid_asset');
			expect(res.json.error.message).toMatch(/portrait_url/);
		}
		const audio = await api(sb, 'POST', '/videos', { body: { portrait_base64: PNG_BASE64, audio_url: `${assets.url}/face.png` } });
		expectError(audio, 400, 'invalid_asset');
		expect(audio.json.error.message).toMatch(/audio_url/);
	});
});
