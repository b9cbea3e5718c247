/**
 * `npm run bench`: what waiting for renders costs, measured side by side in one run against the
 * local sandbox. Prints figures; asserts nothing (timings belong in a report, not in tests).
 *
 *   BENCH_RENDER_MS   render time of the sandbox (default 3000)
 *   BENCH_LATENCY_MS  added latency per API request for benchmark 3 (default 100)
 *   BENCH_QUICK=1     smaller sizes, for a smoke run
 *
 * 1. Status requests per completed video in Poll mode, N = 1, 10, 100, 500 renders, against the
 *    naive loop that GETs every pending render each round.
 * 2. Time from the sandbox finishing a render to the node's output: Webhook mode against Poll.
 * 3. Submission wall time for 200 items with 100 ms request latency: bounded concurrency (5) against
 *    one at a time.
 * 4. Peak memory while downloading 20 videos of 50 MB each, against the size of the data.
 */
import '../test/harness/env';

import { spawn } from 'node:child_process';
import path from 'node:path';

import type { IDataObject, INodeParameters } from 'n8n-workflow';

import { SANDBOX_TOKENS, startSandbox, type Sandbox } from '../sandbox/server';
import { PACKAGE_ROOT, runWorkflow, singleNodeWorkflow, useBinaryDataMode } from '../test/harness/engine';
import { generateParameters } from '../test/harness/parameters';
import { WaitingExecutions } from '../test/harness/resume';

const QUICK = process.env.BENCH_QUICK === '1';
const RENDER_MS = Number(process.env.BENCH_RENDER_MS ?? 3000);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 100);
const POLL_INTERVAL_S = 1;

const say = (line = '') => process.stdout.write(line + '\n');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function generate(options: IDataObject, waitForCompletion = 'poll'): INodeParameters {
	return generateParameters({ waitForCompletion, options: options as INodeParameters });
}

const items = (n: number, label: string) => Array.from({ length: n }, (_v, i) => ({ json: { script: `${label} ${i}` } }));
const statusRequests = (sandbox: Sandbox) => sandbox.requests.filter((r) => r.server === 'api' && r.method === 'GET' && r.path.includes('/videos')).length;

/** The naive way: create the renders, then every interval GET each pending one by id. */
async function naivePoll(sandbox: Sandbox, token: string, n: number): Promise<number> {
	const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
	const pending = new Set<string>();
	for (let i = 0; i < n; i += 20) {
		const batch = await Promise.all(
			Array.from({ length: Math.min(20, n - i) }, (_v, j) =>
				fetch(`${sandbox.baseUrl}/videos`, {
					method: 'POST',
					headers,
					body: JSON.stringify({ portrait_url: 'https://example.com/p.jpg', script: `naive ${i + j}`, voice_id: 'en-US-aria' }),
				}).then(async (r) => ((await r.json()) as IDataObject).id as string),
			),
		);
		batch.forEach((id) => pending.add(id));
	}
	const before = statusRequests(sandbox);
	while (pending.size > 0) {
		await sleep(POLL_INTERVAL_S * 1000);
		const ids = [...pending];
		for (let i = 0; i < ids.length; i += 50) {
			await Promise.all(
				ids.slice(i, i + 50).map(async (id) => {
					const video = (await (await fetch(`${sandbox.baseUrl}/videos/${id}`, { headers })).json()) as IDataObject;
					if (video.status === 'completed' || video.status === 'failed') pending.delete(id);
				}),
			);
		}
	}
	return statusRequests(sandbox) - before;
}

async function benchStatusRequests(): Promise<void> {
	say(`\n1. Status requests per completed video (render ${RENDER_MS} ms, poll every ${POLL_INTERVAL_S} s)`);
	say('   renders | node (Poll mode) | naive loop | requests saved');
	const sandbox = await startSandbox({ quiet: true, renderTimeMs: RENDER_MS });
	try {
		for (const n of QUICK ? [1, 10, 100] : [1, 10, 100, 500]) {
			const token = sandbox.addAccount({ plan: 'pro', credits: 1_000_000 });
			sandbox.clearLog();
			const result = await runWorkflow(singleNodeWorkflow({ parameters: generate({ pollInterval: POLL_INTERVAL_S, concurrency: 10, maxWait: 10 }) }, items(n, 'bench')), {
				credentials: { vlogmeApi: { apiToken: token, baseUrl: sandbox.baseUrl } },
			});
			const done = result.output('Vlogme').filter((i) => i.json.status === 'completed').length;
			if (done !== n) throw new Error(`only ${done} of ${n} renders completed`);
			const nodeRequests = statusRequests(sandbox);
			const naiveToken = sandbox.addAccount({ plan: 'pro', credits: 1_000_000 });
			const naiveRequests = await naivePoll(sandbox, naiveToken, n);
			say(
				`   ${String(n).padStart(7)} | ${(nodeRequests / n).toFixed(3).padStart(16)} | ${(naiveRequests / n).toFixed(3).padStart(10)} | ${(naiveRequests / Math.max(1, nodeRequests)).toFixed(1)}× fewer (${nodeRequests} vs ${naiveRequests})`,
			);
		}
	} finally {
		await sandbox.close();
	}
}

async function benchWebhookVsPoll(): Promise<void> {
	const samples = QUICK ? 2 : 3;
	say(`\n2. From the render finishing to the node's output (render ${RENDER_MS} ms, Poll at its default 10 s interval, ${samples} samples each)`);
	const sandbox = await startSandbox({ quiet: true, renderTimeMs: RENDER_MS });
	const waiting = await WaitingExecutions.start();
	const credentials = { vlogmeApi: { apiToken: SANDBOX_TOKENS.pro, baseUrl: sandbox.baseUrl } };
	const settledAt = (id: string) => sandbox.getVideo(id)!.settledAtMs!;
	try {
		const poll: number[] = [];
		const webhook: number[] = [];
		for (let s = 0; s < samples; s++) {
			const polled = await runWorkflow(singleNodeWorkflow({ parameters: generate({ pollInterval: 10, maxWait: 5 }) }, items(1, 'poll latency')), { credentials });
			poll.push(Date.now() - settledAt(String(polled.output('Vlogme')[0].json.id)));

			const started = await waiting.run(singleNodeWorkflow({ parameters: generate({ maxWait: 5 }, 'webhook') }, items(1, 'webhook latency')), { credentials });
			const resumed = await started.resumed;
			webhook.push(Date.now() - settledAt(String(resumed.output('Vlogme')[0].json.id)));
		}
		const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
		say(`   Webhook: mean ${mean(webhook).toFixed(0)} ms (samples ${webhook.map((v) => v.toFixed(0)).join(', ')} ms), 0 status requests while waiting`);
		say(`   Poll:    mean ${mean(poll).toFixed(0)} ms (samples ${poll.map((v) => v.toFixed(0)).join(', ')} ms)`);
		say(`   Webhook delivers ${(mean(poll) / Math.max(1, mean(webhook))).toFixed(0)}× sooner`);
	} finally {
		await waiting.close();
		await sandbox.close();
	}
}

async function benchSubmission(): Promise<void> {
	const n = QUICK ? 50 : 200;
	say(`\n3. Submitting ${n} renders with ${LATENCY_MS} ms latency per request (Don't Wait)`);
	const sandbox = await startSandbox({ quiet: true, renderTimeMs: 60_000, latencyMs: LATENCY_MS });
	try {
		const times: Record<number, number> = {};
		for (const concurrency of [1, 5, 10]) {
			const token = sandbox.addAccount({ plan: 'pro', credits: 1_000_000 });
			const started = Date.now();
			const result = await runWorkflow(singleNodeWorkflow({ parameters: generate({ concurrency }, 'none') }, items(n, `c${concurrency}`)), {
				credentials: { vlogmeApi: { apiToken: token, baseUrl: sandbox.baseUrl } },
			});
			times[concurrency] = Date.now() - started;
			if (result.output('Vlogme').length !== n) throw new Error('missing output items');
			say(`   concurrency ${String(concurrency).padStart(2)}: ${(times[concurrency] / 1000).toFixed(2)} s`);
		}
		say(`   default concurrency (5) is ${(times[1] / times[5]).toFixed(1)}× faster than one at a time; 10 is ${(times[1] / times[10]).toFixed(1)}×`);
	} finally {
		await sandbox.close();
	}
}

async function benchDownloadMemory(): Promise<void> {
	const videos = QUICK ? 5 : 20;
	const size = 50 * 1024 * 1024;
	say(`\n4. Peak memory downloading ${videos} videos of 50 MB (filesystem binary mode; sandbox in a separate process)`);
	const child = spawn(process.execPath, [path.join(PACKAGE_ROOT, 'build', 'sandbox', 'cli.js'), '--port', '0', '--render-seconds', '1', '--video-size-bytes', String(size)], {
		stdio: ['ignore', 'pipe', 'inherit'],
	});
	try {
		const baseUrl = await new Promise<string>((resolve, reject) => {
			let out = '';
			child.stdout!.on('data', (chunk: Buffer) => {
				out += chunk.toString();
				const match = /base URL\s*:\s*(\S+)/.exec(out);
				if (match) resolve(match[1]);
			});
			child.on('exit', () => reject(new Error('sandbox exited')));
		});
		const headers = { Authorization: `Bearer ${SANDBOX_TOKENS.pro}`, 'Content-Type': 'application/json' };
		const ids: string[] = [];
		for (let i = 0; i < videos; i++) {
			const video = (await (await fetch(`${baseUrl}/videos`, { method: 'POST', headers, body: JSON.stringify({ portrait_url: 'https://example.com/p.jpg', script: `big ${i}`, voice_id: 'en-US-aria' }) })).json()) as IDataObject;
			ids.push(String(video.id));
		}
		await sleep(1500);
		global.gc?.();
		const baseline = process.memoryUsage().rss;
		let peak = baseline;
		const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
		const started = Date.now();
		const result = await runWorkflow(
			singleNodeWorkflow({ parameters: { resource: 'video', operation: 'get', videoId: '={{ $json.id }}', options: { downloadVideo: true } } }, ids.map((id) => ({ json: { id } }))),
			{ credentials: { vlogmeApi: { apiToken: SANDBOX_TOKENS.pro, baseUrl } } },
		);
		clearInterval(sampler);
		const out = result.output('Vlogme');
		const bytes = out.reduce((sum, item) => sum + Number(item.binary?.data?.bytes ?? 0), 0);
		if (bytes !== videos * size) throw new Error(`downloaded ${bytes} bytes, expected ${videos * size}`);
		const mb = (value: number) => (value / 1024 / 1024).toFixed(0);
		say(`   data: ${mb(bytes)} MB in ${((Date.now() - started) / 1000).toFixed(1)} s; process RSS before ${mb(baseline)} MB, peak ${mb(peak)} MB`);
		say(`   peak growth ${mb(peak - baseline)} MB = ${(((peak - baseline) / bytes) * 100).toFixed(1)}% of the data downloaded`);
	} finally {
		child.kill();
	}
}

async function main(): Promise<void> {
	await useBinaryDataMode('filesystem');
	say(`Vlogme waiting benchmarks (${QUICK ? 'quick' : 'full'} run, node ${process.version})`);
	await benchStatusRequests();
	await benchWebhookVsPoll();
	await benchSubmission();
	await benchDownloadMemory();
}

main().catch((error: Error) => {
	process.stderr.write(`Benchmark failed: ${error.stack ?? error.message}\n`);
	process.exitCode = 1;
});
