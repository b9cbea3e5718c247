import type { IDataObject } from 'n8n-workflow';

import { startSandbox, type Sandbox } from '../../sandbox/server';
import { runWorkflow, singleNodeWorkflow } from '../harness/engine';
import { generateParameters } from '../harness/parameters';

/**
 * 1,000 Generate items in Poll mode against a sandbox that adds latency and, at random (seeded),
 * answers 429, 500 or drops the connection before or after handling the request. Every item must
 * give exactly one output item, in order; no create may be sent twice; the run must end within its
 * Max Wait. `npm run soak` runs a longer version.
 */
const ITEMS = Number(process.env.SOAK_ITEMS ?? 1000);
const MAX_WAIT_MINUTES = 3;

let sandbox: Sandbox;

beforeAll(async () => {
	sandbox = await startSandbox({ quiet: true, renderTimeMs: 1000, latencyMs: 2, seed: 7 });
	for (const kind of ['rate_limit', 'server_error', 'drop', 'drop_after'] as const) {
		sandbox.injectFault({ kind, path: '/videos', times: Infinity, probability: 0.03, retryAfterSeconds: kind === 'rate_limit' ? 0 : undefined });
	}
});
afterAll(async () => {
	await sandbox.close();
});

test(`${ITEMS} renders under random faults: one output per item, in order, no create repeated, within Max Wait`, async () => {
	const token = sandbox.addAccount({ plan: 'pro', credits: 10_000_000 });
	const items = Array.from({ length: ITEMS }, (_v, i) => ({ json: { script: `soak video number ${i}` } }));
	const workflow = singleNodeWorkflow(
		{
			continueOnFail: true,
			parameters: generateParameters({
				waitForCompletion: 'poll',
				options: { pollInterval: 1, maxWait: MAX_WAIT_MINUTES, concurrency: 10 },
			}),
		},
		items,
	);
	const started = Date.now();
	const result = await runWorkflow(workflow, { credentials: { vlogmeApi: { apiToken: token, baseUrl: sandbox.baseUrl } } });
	const elapsed = Date.now() - started;

	expect(result.executionError).toBeUndefined();
	const out = result.output('Vlogme');
	expect(out).toHaveLength(ITEMS);
	out.forEach((item, index) => expect(item.pairedItem).toEqual({ item: index }));

	// No create repeated: exactly one POST per item, and no script sent twice (a request dropped
	// before it was read has no body in the log).
	const posts = sandbox.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/videos'));
	const scripts = posts.map((p) => (p.body as IDataObject | undefined)?.script).filter((s) => s !== undefined);
	expect(new Set(scripts).size).toBe(scripts.length);
	expect(posts.length).toBe(ITEMS);

	// Every output is the render of its own item, or an error item.
	const completed = out.filter((item) => item.json.status === 'completed');
	const errors = out.filter((item) => item.json.error !== undefined);
	expect(completed.length + errors.length).toBe(ITEMS);
	for (const [index, item] of out.entries()) {
		if (item.json.status !== 'completed') continue;
		expect(sandbox.getVideo(String(item.json.id))!.request.script).toBe(`soak video number ${index}`);
	}
	// Renders whose answer was lost after they were made are found again, not lost or re-bought.
	expect(out.some((item) => item.json.recovered === true)).toBe(true);
	expect(elapsed).toBeLessThan(MAX_WAIT_MINUTES * 60_000);

	const faults = sandbox.requests.filter((r) => r.status === 429 || r.status >= 500 || r.status === 0).length;
	process.stdout.write(
		`soak: ${ITEMS} items in ${(elapsed / 1000).toFixed(1)} s; ${completed.length} completed, ${errors.length} error items ` +
			`(${out.filter((i) => i.json.recovered).length} recovered after a lost answer); ${posts.length} POSTs; ${faults} faulted requests\n`,
	);
}, 240_000);
