import { redact, summarizeApiError } from '../../nodes/Vlogme/helpers/apiErrors';
import { buildGenerateBody, estimateCredits, GenerateInputError, type GenerateInput } from '../../nodes/Vlogme/helpers/generateRequest';
import { readListPage } from '../../nodes/Vlogme/helpers/lists';
import { runPool } from '../../nodes/Vlogme/helpers/pool';
import { isRetryableNetworkError, isRetryableStatus, parseRetryAfter, retryDelayMs } from '../../nodes/Vlogme/helpers/retry';
import { fileNameFor } from '../../nodes/Vlogme/transport/download';

const base: GenerateInput = {
	portraitSource: 'url',
	portraitUrl: 'https://example.com/p.jpg',
	speechSource: 'script',
	script: 'Hello',
	voiceId: 'en-US-aria',
};

function fieldOf(input: GenerateInput): string | undefined {
	try {
		buildGenerateBody(input);
		return undefined;
	} catch (error) {
		expect(error).toBeInstanceOf(GenerateInputError);
		return (error as GenerateInputError).field;
	}
}

describe('buildGenerateBody', () => {
	test('builds only the documented fields, leaving unset options out', () => {
		expect(buildGenerateBody(base)).toEqual({ portrait_url: 'https://example.com/p.jpg', script: 'Hello', voice_id: 'en-US-aria' });
		expect(buildGenerateBody({ ...base, speechSource: 'audioUrl', audioUrl: 'http://x.test/a.mp3' })).toEqual({
			portrait_url: 'https://example.com/p.jpg',
			audio_url: 'http://x.test/a.mp3',
		});
	});

	test('script length: 30,000 UTF-16 units pass, 30,001 fail (emoji count as two)', () => {
		expect(fieldOf({ ...base, script: 'a'.repeat(30_000) })).toBeUndefined();
		expect(fieldOf({ ...base, script: 'a'.repeat(30_001) })).toBe('Script');
		expect(fieldOf({ ...base, script: '😀'.repeat(15_000) })).toBeUndefined();
		expect(fieldOf({ ...base, script: '😀'.repeat(15_000) + 'a' })).toBe('Script');
		expect(fieldOf({ ...base, script: 'مرحبا بالعالم' })).toBeUndefined();
	});

	test.each([
		[{ portraitUrl: '' }, 'Portrait URL'],
		[{ portraitUrl: 'javascript:alert(1)' }, 'Portrait URL'],
		[{ portraitUrl: 'https://' }, 'Portrait URL'],
		[{ portraitSource: 'binary' as const, portraitBase64: '' }, 'Portrait Binary Property'],
		[{ script: '' }, 'Script'],
		[{ script: ' \n\t ' }, 'Script'],
		[{ voiceId: '' }, 'Voice'],
		[{ speechSource: 'audioUrl' as const, audioUrl: 'nope' }, 'Audio URL'],
		[{ speechSource: 'audioBinary' as const }, 'Audio Binary Property'],
		[{ emotionPreset: 'angry' }, 'Emotion Preset'],
		[{ faceRestore: 1.0001 }, 'Face Restore'],
		[{ faceRestore: -0.0001 }, 'Face Restore'],
		[{ faceRestore: Number.NaN }, 'Face Restore'],
		[{ webhookUrl: 'ftp://x.test' }, 'Webhook URL'],
	])('rejects %j naming %s', (change, field) => {
		expect(fieldOf({ ...base, ...change })).toBe(field);
	});

	test('face restore at the edges 0 and 1 is accepted', () => {
		expect(buildGenerateBody({ ...base, faceRestore: 0 }).face_restore).toBe(0);
		expect(buildGenerateBody({ ...base, faceRestore: 1 }).face_restore).toBe(1);
	});

	test('estimateCredits: 150 words a minute, at least 10', () => {
		expect(estimateCredits({ script: 'one two three' })).toBe(10);
		expect(estimateCredits({ script: Array(150).fill('w').join(' ') })).toBe(60);
		expect(estimateCredits({ audio_url: 'https://x' })).toBeUndefined();
	});
});

describe('summarizeApiError', () => {
	test('keeps the API code and message and adds what to do', () => {
		const summary = summarizeApiError(402, { error: { code: 'insufficient_credits', message: 'Need 24, have 5' } }, { creditsNeeded: 24 });
		expect(summary).toMatchObject({ code: 'insufficient_credits', httpCode: 402 });
		expect(summary.message).toBe('Need 24, have 5 [insufficient_credits]');
		expect(summary.description).toMatch(/needs about 24 credits.*Top up/);
		expect(summarizeApiError(404, { error: { code: 'not_found', message: 'x' } }, { videoId: 'vid_1' }).description).toMatch(/vid_1/);
	});

	test('HTML, empty, truncated and odd bodies still give a readable message', () => {
		expect(summarizeApiError(502, '<html><body>Bad gateway</body></html>').message).toMatch(/HTML page instead of JSON/);
		expect(summarizeApiError(500, '').message).toMatch(/HTTP 500/);
		expect(summarizeApiError(500, '{"error": {"code": "internal').message).toMatch(/HTTP 500/);
		expect(summarizeApiError(429, undefined).code).toBe('rate_limited');
		expect(summarizeApiError(400, { error: 'plain string' }).message).toBe('plain string [http_400]');
	});

	test('redact removes the secret everywhere', () => {
		expect(redact('a SECRET b SECRET', 'SECRET')).toBe('a [redacted] b [redacted]');
		expect(redact('abc', undefined)).toBe('abc');
	});
});

describe('readListPage', () => {
	test.each([
		[[{ id: 1 }], [{ id: 1 }], undefined],
		[{ videos: [{ id: 1 }], next_cursor: 'c1' }, [{ id: 1 }], 'c1'],
		[{ data: [{ id: 2 }], nextCursor: 'c2' }, [{ id: 2 }], 'c2'],
		[{ items: [{ id: 3 }], cursor: 'c3' }, [{ id: 3 }], 'c3'],
		[{ voices: [{ id: 4 }], next_cursor: null }, [{ id: 4 }], undefined],
		[{ __list: [{ id: 5 }] }, [{ id: 5 }], undefined],
		[{ nothing: true }, [], undefined],
		['text', [], undefined],
	])('%j', (body, items, cursor) => {
		expect(readListPage(body)).toEqual({ items, nextCursor: cursor });
	});
});

describe('retry schedule', () => {
	test('what is retried', () => {
		expect([429, 500, 502, 503].every(isRetryableStatus)).toBe(true);
		expect([400, 401, 402, 403, 404].some(isRetryableStatus)).toBe(false);
		expect(isRetryableNetworkError({ code: 'ECONNRESET' })).toBe(true);
		expect(isRetryableNetworkError({ message: 'x', cause: { cause: { code: 'ECONNREFUSED' } } })).toBe(true);
		expect(isRetryableNetworkError({ code: 'ERR_INVALID_URL' })).toBe(false);
	});

	test('Retry-After in seconds or as a date, capped; otherwise exponential and capped', () => {
		expect(parseRetryAfter('3')).toBe(3000);
		expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
		expect(parseRetryAfter('soon')).toBeUndefined();
		expect(retryDelayMs(1, 3000)).toBe(3000);
		expect(retryDelayMs(1, 3_600_000)).toBe(60_000);
		expect([1, 2, 3, 4, 5, 6].map((n) => retryDelayMs(n))).toEqual([500, 1000, 2000, 4000, 8000, 8000]);
	});
});

describe('runPool', () => {
	test('keeps order, never runs more than the limit at once, stops starting work when asked', async () => {
		let running = 0;
		let peak = 0;
		const results = await runPool(10, 3, async (i) => {
			running++;
			peak = Math.max(peak, running);
			await new Promise((resolve) => setTimeout(resolve, 5 * ((i * 7) % 4)));
			running--;
			return i * 2;
		});
		expect(results).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
		expect(peak).toBe(3);
		let started = 0;
		await runPool(10, 2, async () => {
			started++;
		}, () => started >= 4);
		expect(started).toBe(4);
	});
});

test('fileNameFor: title, else id; unsafe characters replaced', () => {
	expect(fileNameFor({ id: 'vid_1', title: 'My: video/1?' })).toBe('My_ video_1_.mp4');
	expect(fileNameFor({ id: 'vid_1', title: '  ' })).toBe('vid_1.mp4');
});

describe('findCandidates (ambiguous-create recovery)', () => {
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const { findCandidates } = require('../../nodes/Vlogme/helpers/recovery') as typeof import('../../nodes/Vlogme/helpers/recovery');
	const now = Date.parse('2026-12-04T12:00:00Z');
	const body = { portrait_url: 'https://x/p.jpg', script: 'Hello', voice_id: 'v1' };
	const video = (extra: Record<string, unknown>) => ({ id: 'vid_a', created_at: '2026-12-04T12:00:01Z', voice_id: 'v1', script: 'Hello', portrait_url: 'https://x/p.jpg', ...extra });

	test('a render made after the request with the same script, portrait and voice matches', () => {
		expect(findCandidates(body, [video({})], now, new Set())).toHaveLength(1);
	});
	test('older renders, other scripts, other voices and renders already claimed do not', () => {
		expect(findCandidates(body, [video({ created_at: '2026-12-04T11:58:00Z' })], now, new Set())).toHaveLength(0);
		expect(findCandidates(body, [video({ script: 'Other' })], now, new Set())).toHaveLength(0);
		expect(findCandidates(body, [video({ voice_id: 'v2' })], now, new Set())).toHaveLength(0);
		expect(findCandidates(body, [video({})], now, new Set(['vid_a']))).toHaveLength(0);
	});
	test('without any specific field in common (only voice), nothing is claimed', () => {
		expect(findCandidates(body, [{ id: 'vid_b', created_at: '2026-12-04T12:00:01Z', voice_id: 'v1' }], now, new Set())).toHaveLength(0);
	});
});

describe('polling schedule', () => {
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const polling = require('../../nodes/Vlogme/helpers/polling') as typeof import('../../nodes/Vlogme/helpers/polling');

	test('list pages per round grow with ceil(pending / 100), one render is read by id', () => {
		expect([1, 2, 100, 101, 150, 500].map(polling.listPagesFor)).toEqual([0, 2, 2, 3, 3, 6]);
	});
	test('interval never below 1 s, defaults 10 s and 10 minutes', () => {
		expect(polling.pollIntervalMs(0)).toBe(1000);
		expect(polling.pollIntervalMs('abc')).toBe(10_000);
		expect(polling.pollIntervalMs(2.5)).toBe(2500);
		expect(polling.maxWaitMs(undefined)).toBe(600_000);
		expect(polling.maxWaitMs(0.5)).toBe(30_000);
	});
	test('only completed and failed are final', () => {
		expect(['completed', 'failed'].every(polling.isFinalStatus)).toBe(true);
		expect(['preparing', 'processing', 'rendering', undefined].some(polling.isFinalStatus)).toBe(false);
	});
});

describe('callback reachability', () => {
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const { callbackUnreachable, isPrivateOrLocalHost } = require('../../nodes/Vlogme/helpers/reachability') as typeof import('../../nodes/Vlogme/helpers/reachability');

	test.each(['localhost', '127.0.0.1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.10', '169.254.1.1', '[::1]', 'n8n', 'box.local', 'fd00::1'])('%s is private or local', (host) => {
		expect(isPrivateOrLocalHost(host)).toBe(true);
	});
	test.each(['n8n.example.com', '8.8.8.8', '172.32.0.1', '193.168.1.1'])('%s is public', (host) => {
		expect(isPrivateOrLocalHost(host)).toBe(false);
	});
	test('a local n8n cannot be called back by the public API, but by a local sandbox it can', () => {
		expect(callbackUnreachable('http://localhost:5678/webhook-waiting/1', 'https://vlogme.ai/api/public/v1')).toBe(true);
		expect(callbackUnreachable('http://localhost:5678/webhook-waiting/1', 'http://127.0.0.1:4010/api/public/v1')).toBe(false);
		expect(callbackUnreachable('https://n8n.example.com/webhook-waiting/1', 'https://vlogme.ai/api/public/v1')).toBe(false);
	});
});

describe('pause', () => {
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const { pause } = require('../../nodes/Vlogme/transport') as typeof import('../../nodes/Vlogme/transport');
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const { getEventListeners } = require('node:events') as typeof import('node:events');

	test('ends promptly when the execution is cancelled', async () => {
		const controller = new AbortController();
		const started = Date.now();
		setTimeout(() => controller.abort(), 50);
		await pause(10_000, controller.signal);
		expect(Date.now() - started).toBeLessThan(1000);
	});

	test('leaves no listener behind on the signal, however many rounds wait on it', async () => {
		const controller = new AbortController();
		for (let i = 0; i < 20; i++) await pause(1, controller.signal);
		expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
	});

	test('waits the whole time when not cancelled', async () => {
		const started = Date.now();
		await pause(1200);
		expect(Date.now() - started).toBeGreaterThanOrEqual(1190);
	});
});
