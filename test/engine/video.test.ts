import type { IDataObject, INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { SANDBOX_TOKENS, startSandbox, type Sandbox } from '../../sandbox/server';
import { makePng, makeWav } from '../fixtures/media';
import { runWorkflow, singleNodeWorkflow, useBinaryDataMode, type RunResult } from '../harness/engine';
import { generateParameters } from '../harness/parameters';

let sandbox: Sandbox;
const TOKEN = SANDBOX_TOKENS.pro;

beforeAll(async () => {
	await useBinaryDataMode('filesystem');
	sandbox = await startSandbox({ quiet: true, renderTimeMs: 60_000 });
});
afterAll(async () => {
	await sandbox.close();
});
beforeEach(() => {
	sandbox.clearLog();
	sandbox.clearFaults();
});

const credentials = (apiToken = TOKEN) => ({ vlogmeApi: { apiToken, baseUrl: sandbox.baseUrl } });

const generate = (extra: INodeParameters = {}): INodeParameters =>
	generateParameters({ script: 'Hello from the Vlogme node.', ...extra });

async function run(parameters: INodeParameters, items: unknown[] = [{}], options: { continueOnFail?: boolean; token?: string } = {}): Promise<RunResult> {
	return await runWorkflow(
		singleNodeWorkflow({ parameters, continueOnFail: options.continueOnFail }, items),
		{ credentials: credentials(options.token) },
	);
}

const posts = () => sandbox.requests.filter((r) => r.server === 'api' && r.method === 'POST' && r.path.endsWith('/videos'));

/** Everything a run produced or raised, as text: for checking the token appears nowhere. */
const everything = (result: RunResult) => JSON.stringify(result.run) + String(result.nodeError('Vlogme')?.message) + String(result.nodeError('Vlogme')?.description);

describe('Video → Generate', () => {
	test('sends exactly the documented fields once and returns the new render', async () => {
		const before = sandbox.getAccount(TOKEN)!.credits;
		const result = await run(
			generate({
				emotionPreset: 'calm',
				liveSubtitles: false,
				additionalFields: {
					title: 'Launch teaser',
					faceRestore: 0.7,
					watermarkText: 'ACME',
					videoPrompt: 'studio light',
					videoNegativePrompt: 'blur',
					webhookUrl: 'https://hooks.example.com/vlogme',
				},
			}),
		);
		expect(result.executionError).toBeUndefined();
		const [item] = result.output('Vlogme');
		expect(item.json).toMatchObject({ status: 'preparing', title: 'Launch teaser' });
		expect(typeof item.json.id).toBe('string');
		expect(item.pairedItem).toEqual({ item: 0 });
		expect(posts()).toHaveLength(1);
		expect(posts()[0].body).toEqual({
			portrait_url: 'https://example.com/portrait.jpg',
			script: 'Hello from the Vlogme node.',
			voice_id: 'en-US-aria',
			emotion_preset: 'calm',
			live_subtitles: false,
			title: 'Launch teaser',
			face_restore: 0.7,
			watermark_text: 'ACME',
			video_prompt: 'studio light',
			video_negative_prompt: 'blur',
			webhook_url: 'https://hooks.example.com/vlogme',
		});
		expect(sandbox.getAccount(TOKEN)!.credits).toBe(before - Number(item.json.credits_charged));
	});

	test('portrait and narration from binary produced by an earlier node are sent as base64', async () => {
		const png = makePng();
		const wav = makeWav(2);
		const result = await run(
			generate({ portraitSource: 'binary', portraitBinaryProperty: 'photo', speechSource: 'audioBinary', audioBinaryProperty: 'voice' }),
			[
				{
					binary: {
						photo: { data: png.toString('base64'), mimeType: 'image/png', fileName: 'me.png' },
						voice: { data: wav.toString('base64'), mimeType: 'audio/wav', fileName: 'me.wav' },
					},
				},
			],
		);
		expect(result.executionError).toBeUndefined();
		expect(result.output('Vlogme')[0].json.status).toBe('preparing');
		const body = posts()[0].body as IDataObject;
		expect(body.portrait_base64).toBe(`<base64 ${png.length} bytes>`);
		expect(body.audio_base64).toBe(`<base64 ${wav.length} bytes>`);
		expect(body).not.toHaveProperty('script');
		expect(body).not.toHaveProperty('voice_id');
	});

	test('the voice picker lists voices with their language', async () => {
		const { loadPackage } = await import('../harness/engine');
		const pkg = await loadPackage();
		const node = pkg.nodeTypes.getByNameAndVersion('n8n-nodes-vlogme.vlogme');
		const search = node.methods!.listSearch!.searchVoices;
		const context = {
			getCredentials: async () => ({ apiToken: TOKEN, baseUrl: sandbox.baseUrl }),
			getNode: () => ({ name: 'Vlogme' }),
			helpers: {
				httpRequestWithAuthentication: async (_name: string, options: IDataObject) => {
					const response = await fetch(String(options.url), { headers: { Authorization: `Bearer ${TOKEN}` } });
					return { statusCode: response.status, headers: {}, body: await response.json() };
				},
			},
		};
		const all = await search.call(context as never);
		expect(all.results.length).toBeGreaterThan(3);
		expect(all.results[0].name).toMatch(/\(.*en-US.*\)/);
		const filtered = await search.call(context as never, 'german');
		const de = await search.call(context as never, 'de-DE');
		expect(filtered.results.length + de.results.length).toBeGreaterThan(0);
		for (const voice of de.results) expect(`${voice.name} ${voice.value}`).toMatch(/de-DE/);
	});

	const invalid: Array<[string, INodeParameters, unknown[], RegExp]> = [
		['empty portrait URL (from an expression)', generate({ portraitUrl: '={{ $json.nothing }}' }), [{}], /Portrait URL is empty \[item 0, field "Portrait URL"\]/],
		['portrait URL that is not http(s)', generate({ portraitUrl: 'ftp://example.com/a.jpg' }), [{}], /not an http\(s\) URL.*Portrait URL/],
		['missing portrait binary', generate({ portraitSource: 'binary', portraitBinaryProperty: 'data' }), [{}], /Item 0 has no binary field "data"/],
		[
			'portrait binary that is not an image',
			generate({ portraitSource: 'binary' }),
			[{ binary: { data: { data: makeWav(1).toString('base64'), mimeType: 'audio/wav' } } }],
			/is audio\/wav, not an image/,
		],
		['empty script', generate({ script: '   ' }), [{}], /The script is empty \[item 0, field "Script"\]/],
		['script over 30,000 characters', generate({ script: 'a'.repeat(30_001) }), [{}], /30,001 characters long.*at most 30,000/],
		['script without a voice (from an expression)', generate({ voice: { __rl: true, mode: 'id', value: '={{ $json.nothing }}' } }), [{}], /A script needs a voice.*"Voice"/],
		['audio URL that does not parse', generate({ speechSource: 'audioUrl', audioUrl: 'not a url' }), [{}], /Audio URL is not an http\(s\) URL/],
		['missing audio binary', generate({ speechSource: 'audioBinary' }), [{}], /Item 0 has no binary field "audio"/],
		[
			'audio binary that is not audio',
			generate({ speechSource: 'audioBinary', audioBinaryProperty: 'data' }),
			[{ binary: { data: { data: makePng().toString('base64'), mimeType: 'image/png' } } }],
			/is image\/png, not audio/,
		],
		['face restore above 1', generate({ additionalFields: { faceRestore: 1.5 } }), [{}], /Face Restore must be between 0 and 1/],
		['face restore below 0', generate({ additionalFields: { faceRestore: -0.1 } }), [{}], /Face Restore must be between 0 and 1/],
		['webhook URL that does not parse', generate({ additionalFields: { webhookUrl: 'hooks.example.com' } }), [{}], /Webhook URL is not an http\(s\) URL/],
	];

	test.each(invalid)('rejects %s before any request', async (_name, parameters, items, message) => {
		const result = await run(parameters, items);
		const error = result.nodeError('Vlogme');
		expect(error).toBeDefined();
		expect(error!.message).toMatch(message);
		expect(String(error!.description)).toMatch(/no credits were used/);
		expect(sandbox.requests.filter((r) => r.server === 'api')).toHaveLength(0);
	});

	test('an empty required field typed in the node is refused by n8n itself before the run', async () => {
		await expect(run(generate({ portraitUrl: '' }))).rejects.toThrow(/Parameter "Portrait URL" is required/);
		expect(sandbox.requests).toHaveLength(0);
	});

	test('one bad item in a batch stops the whole batch before any render is created', async () => {
		const result = await run(generate({ script: '={{ $json.script }}' }), [{ json: { script: 'ok one' } }, { json: { script: '' } }, { json: { script: 'ok three' } }]);
		expect(result.nodeError('Vlogme')!.message).toMatch(/item 1/);
		expect(posts()).toHaveLength(0);
	});

	const apiErrors: Array<[string, () => void, string | undefined, RegExp, RegExp]> = [
		['invalid_token', () => {}, 'vlm_live_' + 'z'.repeat(34), /invalid_token/, /credential/i],
		['plan_required', () => {}, SANDBOX_TOKENS.free, /plan_required/, /paid plan/],
		['insufficient_credits', () => {}, SANDBOX_TOKENS.broke, /insufficient_credits/, /needs about 10 credits.*Top up/],
		['invalid_input (unknown voice)', () => {}, undefined, /invalid_input/, /parameters/],
		['internal_error', () => sandbox.injectFault({ kind: 'server_error', method: 'POST', path: '/videos' }), undefined, /internal_error/, /Vlogme had a problem/],
		// A gateway error leaves open whether the render was made: the node looks, and says so.
		['an HTML 502 page', () => sandbox.injectFault({ kind: 'html_502', method: 'POST', path: '/videos' }), undefined, /HTML page instead of JSON/, /may have been created.*not sent again/],
	];

	test.each(apiErrors)('%s becomes a readable error without the token', async (name, setup, token, message, description) => {
		setup();
		const parameters = name.startsWith('invalid_input') ? generate({ voice: { __rl: true, mode: 'id', value: 'no-such-voice' } }) : generate();
		const result = await run(parameters, [{}], { token });
		const error = result.nodeError('Vlogme');
		expect(error).toBeDefined();
		expect(error!.message).toMatch(message);
		expect(String(error!.description)).toMatch(description);
		expect(everything(result)).not.toContain(token ?? TOKEN);
		expect(posts()).toHaveLength(1);
	});

	test('an ambiguous create (connection dropped after the POST was processed) is never resent: the render is found and returned', async () => {
		const token = sandbox.addAccount({ plan: 'pro', credits: 1000 });
		sandbox.injectFault({ kind: 'drop_after', method: 'POST', path: '/videos' });
		const result = await run(generate({ additionalFields: { title: 'Lost answer' } }), [{}], { token });
		expect(result.nodeError('Vlogme')).toBeUndefined();
		const [item] = result.output('Vlogme');
		expect(item.json).toMatchObject({ title: 'Lost answer', status: 'preparing', recovered: true });
		expect(posts()).toHaveLength(1);
		expect(sandbox.getAccount(token)!.credits).toBe(1000 - Number(item.json.credits_charged));
		expect(sandbox.getVideo(String(item.json.id))).toBeDefined();
	});

	test('an ambiguous create whose render cannot be identified fails saying it may exist, without resending', async () => {
		const token = sandbox.addAccount({ plan: 'pro', credits: 1000 });
		sandbox.injectFault({ kind: 'drop', method: 'POST', path: '/videos' });
		const result = await run(generate(), [{}], { token });
		const error = result.nodeError('Vlogme')!;
		expect(error.message).toMatch(/Could not reach Vlogme/);
		expect(String(error.description)).toMatch(/may have been created.*not sent again.*Get Many/);
		expect(posts()).toHaveLength(1);
		expect(sandbox.getAccount(token)!.credits).toBe(1000);
	});

	test('two ambiguous creates in one batch each get their own render back', async () => {
		const token = sandbox.addAccount({ plan: 'pro', credits: 1000 });
		sandbox.injectFault({ kind: 'drop_after', method: 'POST', path: '/videos', times: 2 });
		const result = await run(generate({ script: '={{ $json.script }}', options: { concurrency: 1 } }), [{ json: { script: 'one' } }, { json: { script: 'two' } }], { token });
		const out = result.output('Vlogme');
		expect(out).toHaveLength(2);
		expect(out.every((i) => i.json.recovered === true)).toBe(true);
		expect(new Set(out.map((i) => i.json.id)).size).toBe(2);
		expect(posts()).toHaveLength(2);
	});

	test('invalid_asset names the asset', async () => {
		const result = await run(generate({ portraitSource: 'binary' }), [
			{ binary: { data: { data: Buffer.from('not really a picture').toString('base64'), mimeType: 'image/png' } } },
		]);
		const error = result.nodeError('Vlogme')!;
		expect(error.message).toMatch(/invalid_asset/);
		expect(error.message).toMatch(/portrait/i);
	});

	test('Continue On Fail: a mixed batch gives an error item for each bad item, paired, in input order', async () => {
		const result = await run(
			generate({ script: '={{ $json.script }}' }),
			[{ json: { script: 'first' } }, { json: { script: '' } }, { json: { script: 'third' } }],
			{ continueOnFail: true },
		);
		const out = result.output('Vlogme');
		expect(out).toHaveLength(3);
		expect(out[0].json.status).toBe('preparing');
		expect(out[1].json.error).toMatch(/The script is empty/);
		expect(out[2].json.status).toBe('preparing');
		expect(out.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(posts()).toHaveLength(2);
	});

	test('a batch under injected 429s and 5xx: exactly one POST per item, never repeated', async () => {
		sandbox.injectFault({ kind: 'rate_limit', method: 'POST', path: '/videos', times: 3, retryAfterSeconds: 0 });
		sandbox.injectFault({ kind: 'server_error', method: 'POST', path: '/videos', times: 2 });
		const items = Array.from({ length: 12 }, (_v, i) => ({ json: { script: `Video number ${i}` } }));
		const result = await run(generate({ script: '={{ $json.script }}', options: { concurrency: 4 } }), items, { continueOnFail: true });
		const out = result.output('Vlogme');
		expect(out).toHaveLength(12);
		expect(posts()).toHaveLength(12);
		const scripts = posts().map((p) => (p.body as IDataObject).script);
		expect(new Set(scripts).size).toBe(12);
		const failed = out.filter((i) => i.json.error);
		expect(failed).toHaveLength(5);
		out.forEach((item, index) => expect(item.pairedItem).toEqual({ item: index }));
		const created = out.filter((i) => !i.json.error);
		expect(created.every((i) => i.json.status === 'preparing')).toBe(true);
	});

	test('without Continue On Fail, a failure names the renders already created', async () => {
		sandbox.injectFault({ kind: 'server_error', method: 'POST', path: '/videos', times: 1 });
		const items = [{ json: { script: 'a' } }, { json: { script: 'b' } }];
		// The first POST fails; the second, started in parallel, succeeds and must not be lost from view.
		const result = await run(generate({ script: '={{ $json.script }}', options: { concurrency: 2 } }), items);
		const error = result.nodeError('Vlogme')!;
		expect(error).toBeDefined();
		const createdIds = [...sandbox.requests.filter((r) => r.method === 'POST' && r.status === 201)].length;
		expect(createdIds).toBe(1);
		expect(String(error.description)).toMatch(/Other renders created by this run.*vid_/);
	});
});

describe('Video → Get, Get Many, Delete', () => {
	async function createRenders(count: number, token = TOKEN): Promise<string[]> {
		const ids: string[] = [];
		for (let i = 0; i < count; i++) {
			const response = await fetch(`${sandbox.baseUrl}/videos`, {
				method: 'POST',
				headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
				body: JSON.stringify({ portrait_url: 'https://example.com/p.jpg', script: `clip ${i}`, voice_id: 'en-US-aria', title: `Clip ${i}` }),
			});
			ids.push(((await response.json()) as IDataObject).id as string);
		}
		return ids;
	}

	test('Get returns the render; Download Video gives the sandbox MP4 as binary, fetched without the token', async () => {
		const [id] = await createRenders(1);
		sandbox.completeNow(id);
		sandbox.clearLog();
		const result = await run({ resource: 'video', operation: 'get', videoId: id, options: { downloadVideo: true, binaryPropertyName: 'video' } });
		expect(result.executionError).toBeUndefined();
		const [item] = result.output('Vlogme');
		expect(item.json).toMatchObject({ id, status: 'completed' });
		const binary = item.binary!.video;
		expect(binary.mimeType).toBe('video/mp4');
		expect(binary.fileName).toBe('Clip 0.mp4');
		const bytes = await result.binaryBuffer(item, 'video');
		const download = await fetch(String(item.json.video_url));
		expect(Buffer.compare(bytes, Buffer.from(await download.arrayBuffer()))).toBe(0);
		expect(bytes.subarray(4, 8).toString('latin1')).toBe('ftyp');
		expect(bytes.includes(Buffer.from('moov'))).toBe(true);
		const fileRequests = sandbox.requests.filter((r) => r.server === 'files');
		expect(fileRequests.length).toBeGreaterThan(0);
		expect(fileRequests[0].headers.authorization).toBeUndefined();
	});

	test('Download Video on an unfinished render says so instead of making a broken file', async () => {
		const [id] = await createRenders(1);
		const result = await run({ resource: 'video', operation: 'get', videoId: id, options: { downloadVideo: true } });
		expect(result.nodeError('Vlogme')!.message).toMatch(new RegExp(`${id} is not finished yet \\(status: (preparing|processing)\\)`));
	});

	test('Get of an unknown id names the id', async () => {
		const result = await run({ resource: 'video', operation: 'get', videoId: 'vid_doesnotexist' });
		const error = result.nodeError('Vlogme')!;
		expect(error.message).toMatch(/not_found/);
		expect(String(error.description)).toMatch(/vid_doesnotexist/);
	});

	test('Get Many follows the cursor past 100 videos (Return All) and honours a Limit above 100', async () => {
		const token = sandbox.addAccount({ plan: 'pro', credits: 1_000_000 });
		const ids = await createRenders(230, token);
		sandbox.clearLog();
		const all = await run({ resource: 'video', operation: 'getAll', returnAll: true }, [{}], { token });
		const allIds = all.output('Vlogme').map((i: INodeExecutionData) => i.json.id);
		expect(allIds).toHaveLength(230);
		expect(new Set(allIds).size).toBe(230);
		expect(allIds[0]).toBe(ids[229]);
		const listCalls = sandbox.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/videos'));
		expect(listCalls.map((r) => r.query.limit)).toEqual(['100', '100', '100']);

		sandbox.clearLog();
		const limited = await run({ resource: 'video', operation: 'getAll', returnAll: false, limit: 150 }, [{}], { token });
		expect(limited.output('Vlogme').map((i) => i.json.id)).toEqual(allIds.slice(0, 150));
		const limitedCalls = sandbox.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/videos'));
		expect(limitedCalls.map((r) => r.query.limit)).toEqual(['100', '50']);
	});

	test.each([
		[{ key: 'data' as const, cursorKey: 'nextCursor' as const }],
		[{ key: 'items' as const, cursorKey: 'cursor' as const }],
		[{ key: null }],
	])('lists are read whatever their shape: %j', async (shape) => {
		const token = sandbox.addAccount({ plan: 'pro', credits: 100_000 });
		const ids = await createRenders(shape.key === null ? 30 : 130, token);
		sandbox.setListShape(shape);
		try {
			const all = await run({ resource: 'video', operation: 'getAll', returnAll: true }, [{}], { token });
			const limit = shape.key === null ? ids.length : 130;
			expect(all.output('Vlogme').map((i) => i.json.id)).toEqual([...ids].reverse().slice(0, limit));
			const voices = await run({ resource: 'voice', operation: 'getAll', returnAll: true }, [{}], { token });
			expect(voices.output('Vlogme')).toHaveLength(sandbox.voices.length);
		} finally {
			sandbox.setListShape({ key: 'videos', cursorKey: 'next_cursor' });
		}
	});

	test('Delete refunds an unfinished render and says so', async () => {
		const [id] = await createRenders(1);
		const before = sandbox.getAccount(TOKEN)!.credits;
		const result = await run({ resource: 'video', operation: 'delete', videoId: id });
		const [item] = result.output('Vlogme');
		expect(item.json).toMatchObject({ id, deleted: true, refunded: true });
		expect(String(item.json.note)).toMatch(/refunded/);
		expect(sandbox.getAccount(TOKEN)!.credits).toBeGreaterThan(before);
	});

	test('reads and deletes are retried on 429 (Retry-After) and 5xx', async () => {
		const [id] = await createRenders(1);
		sandbox.clearLog();
		sandbox.injectFault({ kind: 'rate_limit', method: 'GET', path: '/videos', times: 1, retryAfterSeconds: 1 });
		sandbox.injectFault({ kind: 'server_error', method: 'GET', path: '/videos', times: 1 });
		const started = Date.now();
		const result = await run({ resource: 'video', operation: 'get', videoId: id });
		expect(result.output('Vlogme')[0].json.id).toBe(id);
		expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
		expect(sandbox.requests.filter((r) => r.method === 'GET').map((r) => r.status)).toEqual([429, 500, 200]);

		sandbox.injectFault({ kind: 'drop', method: 'DELETE', path: '/videos', times: 1 });
		const deleted = await run({ resource: 'video', operation: 'delete', videoId: id });
		expect(deleted.nodeError('Vlogme')).toBeUndefined();
		expect(deleted.output('Vlogme')[0].json.deleted).toBe(true);
	});
});

describe('Voice and Account, and the token', () => {
	test('no output or error of any operation contains the token', async () => {
		const results = await Promise.all([
			run({ resource: 'account', operation: 'get' }),
			run({ resource: 'voice', operation: 'getAll', returnAll: true }),
			run({ resource: 'video', operation: 'getAll', returnAll: false, limit: 5 }),
			run({ resource: 'video', operation: 'get', videoId: 'vid_missing' }),
			run(generate()),
		]);
		for (const result of results) expect(everything(result)).not.toContain(TOKEN);
	});
});
