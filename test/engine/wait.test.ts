import type { IDataObject, INodeParameters } from 'n8n-workflow';

import { SANDBOX_TOKENS, startSandbox, type Sandbox } from '../../sandbox/server';
import { runWorkflow, singleNodeWorkflow, useBinaryDataMode, type RunResult } from '../harness/engine';
import { generateParameters } from '../harness/parameters';
import { WaitingExecutions } from '../harness/resume';

let sandbox: Sandbox;
let waiting: WaitingExecutions;

beforeAll(async () => {
	await useBinaryDataMode('filesystem');
	sandbox = await startSandbox({ quiet: true, renderTimeMs: 1200, webhookRetryBaseMs: 50 });
	waiting = await WaitingExecutions.start();
});
afterAll(async () => {
	await waiting.close();
	await sandbox.close();
});
beforeEach(() => {
	sandbox.clearLog();
	sandbox.clearFaults();
});

const generate = (extra: INodeParameters = {}, options: IDataObject = {}): INodeParameters =>
	generateParameters({ waitForCompletion: 'poll', options: { pollInterval: 1, maxWait: 1, ...options }, ...extra });

function credentialsFor(token: string, baseUrl = sandbox.baseUrl) {
	return { vlogmeApi: { apiToken: token, baseUrl } };
}

async function run(parameters: INodeParameters, scripts: string[], token: string = SANDBOX_TOKENS.pro, continueOnFail = false): Promise<RunResult> {
	return await runWorkflow(singleNodeWorkflow({ parameters, continueOnFail }, scripts.map((script) => ({ json: { script } }))), {
		credentials: credentialsFor(token),
	});
}

const statusRequests = () => sandbox.requests.filter((r) => r.server === 'api' && r.method === 'GET' && r.path.includes('/videos'));

describe('Generate → Wait for Completion: Poll', () => {
	test('returns every finished render in input order, with the MP4 byte for byte as binary', async () => {
		const result = await run(generate({}, { downloadVideo: true, binaryPropertyName: 'video' }), ['first video', 'second video', 'third video']);
		expect(result.executionError).toBeUndefined();
		const out = result.output('Vlogme');
		expect(out.map((i) => i.json.status)).toEqual(['completed', 'completed', 'completed']);
		const posted = sandbox.requests.filter((r) => r.method === 'POST').map((r) => (r.body as IDataObject).script);
		const ids = out.map((i) => i.json.id);
		for (const [index, item] of out.entries()) {
			expect(item.pairedItem).toEqual({ item: index });
			expect(sandbox.getVideo(String(ids[index]))!.video.title ?? null).toBeNull();
			const bytes = await result.binaryBuffer(item, 'video');
			const expected = Buffer.from(await (await fetch(sandbox.signFileUrl(String(ids[index])))).arrayBuffer());
			expect(Buffer.compare(bytes, expected)).toBe(0);
			expect(item.binary!.video.mimeType).toBe('video/mp4');
		}
		expect(posted.sort()).toEqual(['first video', 'second video', 'third video']);
		expect(sandbox.requests.filter((r) => r.server === 'files').every((r) => r.headers.authorization === undefined)).toBe(true);
	});

	test('a failed render is an error for its item with the reason and the refund, or an error item under Continue On Fail', async () => {
		const token = sandbox.addAccount({ plan: 'pro', credits: 1000 });
		const failed = await run(generate(), ['this one sandbox:fail'], token);
		const error = failed.nodeError('Vlogme')!;
		expect(error.message).toMatch(/Render vid_\w+ failed: .*sandbox:fail/);
		expect(String(error.description)).toMatch(/refunds/);
		expect(sandbox.getAccount(token)!.credits).toBe(1000);

		const mixed = await run(generate(), ['fine', 'broken sandbox:fail', 'also fine'], token, true);
		const out = mixed.output('Vlogme');
		expect(out.map((i) => i.json.status ?? 'error')).toEqual(['completed', 'error', 'completed']);
		expect(String(out[1].json.error)).toMatch(/failed/);
		expect(out.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
	});

	test('Max Wait: the error carries the video id; the render keeps its credits unless Delete on Timeout', async () => {
		const slow = await startSandbox({ quiet: true, renderTimeMs: 60_000 });
		try {
			const token = slow.addAccount({ plan: 'pro', credits: 1000 });
			const kept = await runWorkflow(singleNodeWorkflow({ parameters: generate({}, { maxWait: 0.04 }) }, [{ json: { script: 'slow one' } }]), {
				credentials: credentialsFor(token, slow.baseUrl),
			});
			const error = kept.nodeError('Vlogme')!;
			const id = /Render (vid_\w+) did not finish/.exec(error.message)?.[1];
			expect(id).toBeDefined();
			expect(String(error.description)).toContain(id);
			expect(slow.getAccount(token)!.credits).toBe(990);
			expect(slow.getVideo(id!)).toBeDefined();

			const deleted = await runWorkflow(
				singleNodeWorkflow({ parameters: generate({}, { maxWait: 0.04, deleteOnTimeout: true }) }, [{ json: { script: 'slow two' } }]),
				{ credentials: credentialsFor(token, slow.baseUrl) },
			);
			expect(deleted.nodeError('Vlogme')!.message).toMatch(/did not finish within .* so it was deleted/);
			expect(String(deleted.nodeError('Vlogme')!.description)).toMatch(/refunded \(10\)/);
			expect(slow.count('DELETE', '/videos')).toBe(1);
			expect(slow.getAccount(token)!.credits).toBe(990);
		} finally {
			await slow.close();
		}
	});

	test('stops promptly when the execution is cancelled', async () => {
		const slow = await startSandbox({ quiet: true, renderTimeMs: 60_000 });
		try {
			const started = Date.now();
			const result = await runWorkflow(
				singleNodeWorkflow({ parameters: generate({}, { pollInterval: 30, maxWait: 10 }) }, [{ json: { script: 'cancel me' } }]),
				{
					credentials: credentialsFor(SANDBOX_TOKENS.pro, slow.baseUrl),
					onStarted: (running) => setTimeout(() => running.cancel(), 700),
				},
			);
			expect(Date.now() - started).toBeLessThan(5000);
			expect(['canceled', 'error']).toContain(result.run.status);
			expect(slow.count('GET', '/videos')).toBe(0);
		} finally {
			await slow.close();
		}
	});

	test('tolerates transient poll failures', async () => {
		sandbox.injectFault({ kind: 'server_error', method: 'GET', path: '/videos', times: 2 });
		const result = await run(generate(), ['flaky network']);
		expect(result.output('Vlogme')[0].json.status).toBe('completed');
	});

	test('150 renders are settled with list requests: ceil(150/100)+1 per round at most, none by id', async () => {
		const token = sandbox.addAccount({ plan: 'pro', credits: 100_000 });
		const scripts = Array.from({ length: 150 }, (_v, i) => `batch video ${i}`);
		const result = await run(generate({}, { concurrency: 10, maxWait: 2 }), scripts, token);
		expect(result.executionError).toBeUndefined();
		const out = result.output('Vlogme');
		expect(out).toHaveLength(150);
		expect(out.every((i) => i.json.status === 'completed')).toBe(true);
		expect(sandbox.requests.filter((r) => r.method === 'POST')).toHaveLength(150);
		const reads = statusRequests();
		const byId = reads.filter((r) => /\/videos\/[^/]+$/.test(r.path));
		const lists = reads.filter((r) => r.path.endsWith('/videos'));
		expect(byId).toHaveLength(0);
		expect(lists.length).toBeGreaterThan(0);
		// Naive polling would need 150 requests per round; here one round costs at most 3.
		const rounds = new Set(lists.map((r) => Math.floor(r.at / 900))).size;
		expect(lists.length).toBeLessThanOrEqual(rounds * 3);
		expect(lists.length).toBeLessThan(150);
	});
});

describe('Generate → Wait for Completion: Webhook', () => {
	const webhookGenerate = (options: IDataObject = {}) => generate({ waitForCompletion: 'webhook' }, { maxWait: 5, ...options });

	test('passes n8n’s resume URL as is, waits, refuses a forged call, resumes on Vlogme’s signed callback', async () => {
		const slow = await startSandbox({ quiet: true, renderTimeMs: 60_000 });
		try {
			const started = await waiting.run(singleNodeWorkflow({ parameters: webhookGenerate({ downloadVideo: true }) }, [{ json: { script: 'call me back' } }]), {
				credentials: credentialsFor(SANDBOX_TOKENS.pro, slow.baseUrl),
			});
			expect(started.first.run.status).toBe('waiting');
			const post = slow.requests.find((r) => r.method === 'POST')!;
			const webhookUrl = String((post.body as IDataObject).webhook_url);
			expect(webhookUrl.startsWith(`${waiting.server.baseUrl}/webhook-waiting/`)).toBe(true);

			const forged = await slow.deliverWebhook(webhookUrl, { event: 'video.completed', video: { id: 'vid_x', status: 'completed' } }, { sign: 'none' });
			expect(forged.status).toBe(401);
			const wrongKey = await slow.deliverWebhook(webhookUrl, { event: 'video.completed', video: { id: 'vid_x', status: 'completed' } }, { sign: { secret: 'guess' } });
			expect(wrongKey.status).toBe(401);
			expect(started.calls.every((c) => !c.resumed)).toBe(true);

			const id = String(started.first.output('Vlogme')[0]?.json.id ?? (await (await fetch(`${slow.baseUrl}/videos`, { headers: { Authorization: `Bearer ${SANDBOX_TOKENS.pro}` } })).json() as IDataObject as { videos: IDataObject[] }).videos[0].id);
			slow.completeNow(id);
			const resumed = await started.resumed;
			const [item] = resumed.output('Vlogme');
			expect(item.json).toMatchObject({ id, status: 'completed' });
			const bytes = await resumed.binaryBuffer(item);
			expect(bytes.subarray(4, 8).toString('latin1')).toBe('ftyp');
			expect(slow.deliveries.filter((d) => d.url === webhookUrl && d.videoId === id).map((d) => d.status)).toContain(200);
			expect(slow.count('GET', '/videos')).toBeGreaterThanOrEqual(1);
		} finally {
			await slow.close();
		}
	});

	test('a failed render resumes the execution with an item that carries the error', async () => {
		const started = await waiting.run(singleNodeWorkflow({ parameters: webhookGenerate() }, [{ json: { script: 'sandbox:fail please' } }]), {
			credentials: credentialsFor(SANDBOX_TOKENS.pro),
		});
		const resumed = await started.resumed;
		const [item] = resumed.output('Vlogme');
		expect(item.json.status).toBe('failed');
		expect(String(item.json.error)).toMatch(/failed: .*refunded/);
	});

	test('Max Wait passing without a callback resumes the workflow (n8n passes the input on)', async () => {
		const slow = await startSandbox({ quiet: true, renderTimeMs: 60_000 });
		try {
			const started = await waiting.run(singleNodeWorkflow({ parameters: webhookGenerate() }, [{ json: { script: 'never finishes' } }]), {
				credentials: credentialsFor(SANDBOX_TOKENS.pro, slow.baseUrl),
			});
			expect(started.first.run.status).toBe('waiting');
			expect(started.first.run.waitTill!.getTime()).toBeGreaterThan(Date.now() + 4 * 60_000);
			expect(started.first.run.waitTill!.getTime()).toBeLessThanOrEqual(Date.now() + 5 * 60_000);
			const expired = await started.expire();
			expect(expired.run.status).toBe('success');
		} finally {
			await slow.close();
		}
	});

	test('several items are refused before any render is created, saying what to do instead', async () => {
		const result = await runWorkflow(singleNodeWorkflow({ parameters: webhookGenerate() }, [{ json: { script: 'a' } }, { json: { script: 'b' } }]), {
			credentials: credentialsFor(SANDBOX_TOKENS.pro),
			webhookBaseUrl: waiting.server.baseUrl,
		});
		const error = result.nodeError('Vlogme')!;
		expect(error.message).toMatch(/one item per execution.*2 items/);
		expect(String(error.description)).toMatch(/Use Poll/);
		expect(sandbox.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
	});

	test('an n8n on localhost with a public Vlogme API fails before creating the render, pointing at WEBHOOK_URL and Poll', async () => {
		const result = await runWorkflow(singleNodeWorkflow({ parameters: webhookGenerate() }, [{ json: { script: 'a' } }]), {
			credentials: credentialsFor(SANDBOX_TOKENS.pro, 'https://vlogme.ai/api/public/v1'),
			webhookBaseUrl: 'http://localhost:5678',
		});
		const error = result.nodeError('Vlogme')!;
		expect(error.message).toMatch(/cannot reach this n8n/);
		expect(String(error.description)).toMatch(/WEBHOOK_URL.*Poll/);
	});
});
