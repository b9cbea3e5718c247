/**
 * `npm run demo`: the package's main job, end to end, through n8n's own execution engine.
 *
 * Starts the local Vlogme sandbox (unless VLOGME_TOKEN is set: then the real API at
 * VLOGME_BASE_URL or https://vlogme.ai/api/public/v1, spending real credits, with the portrait at
 * VLOGME_PORTRAIT_URL), runs the example
 * workflows in examples/ with the built nodes, saves the generated MP4 under demo-output/, prints
 * what happened, and stops the sandbox.
 */
import '../test/harness/env';

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import type { IDataObject, INode, IWorkflowBase } from 'n8n-workflow';

import { SANDBOX_TOKENS, startSandbox, type Sandbox } from '../sandbox/server';
import { PACKAGE_ROOT, readWorkflowFile, runWorkflow, useBinaryDataMode, type RunResult } from '../test/harness/engine';

function say(line = ''): void {
	process.stdout.write(line + '\n');
}

function example(name: string): IWorkflowBase {
	return readWorkflowFile(path.join(PACKAGE_ROOT, 'examples', name));
}

function node(workflow: IWorkflowBase, name: string): INode {
	const found = workflow.nodes.find((n) => n.name === name);
	if (!found) throw new Error(`The example "${workflow.name}" has no node "${name}"`);
	return found;
}

async function run(workflow: IWorkflowBase, credentials: { apiToken: string; baseUrl: string }): Promise<RunResult> {
	say(`\n▶ ${workflow.name}`);
	const result = await runWorkflow(workflow, { credentials: { vlogmeApi: credentials } });
	const failed = result.executionError ?? Object.keys(result.run.data.resultData.runData).map((n) => result.nodeError(n)).find(Boolean);
	if (failed) throw failed;
	return result;
}

async function main(): Promise<void> {
	const realToken = process.env.VLOGME_TOKEN;
	let sandbox: Sandbox | undefined;
	let credentials: { apiToken: string; baseUrl: string };
	if (realToken) {
		credentials = { apiToken: realToken, baseUrl: process.env.VLOGME_BASE_URL ?? 'https://vlogme.ai/api/public/v1' };
		say(`Using the Vlogme API at ${credentials.baseUrl} (VLOGME_TOKEN is set): this spends real credits.`);
	} else {
		sandbox = await startSandbox({ quiet: true, renderTimeMs: 3000 });
		credentials = { apiToken: SANDBOX_TOKENS.pro, baseUrl: sandbox.baseUrl };
		say(`Started the Vlogme sandbox at ${sandbox.baseUrl} (set VLOGME_TOKEN to use the real API).`);
	}
	await useBinaryDataMode('filesystem');

	try {
		const accountRun = await run(example('account-and-voices.json'), credentials);
		const account = accountRun.output('Get plan and credits')[0]?.json ?? {};
		say(`  account: plan ${String(account.plan)}, ${String(account.credits)} credits`);
		const voices = accountRun.output('List voices');
		say(`  voices (${voices.length}): ${voices.map((v) => `${String(v.json.id)} (${String(v.json.language ?? '?')})`).join(', ')}`);

		const generate = example('generate-and-wait.json');
		const generateNode = node(generate, 'Generate and wait');
		if (sandbox) {
			// The sandbox renders in 3 seconds rather than minutes, so there is no point waiting 10 s a check.
			(generateNode.parameters.options as IDataObject).pollInterval = 1;
		} else if (process.env.VLOGME_PORTRAIT_URL) {
			// The real API fetches the portrait: give it a public photo of one face.
			generateNode.parameters.portraitUrl = process.env.VLOGME_PORTRAIT_URL;
		}
		const started = Date.now();
		const generated = await run(generate, credentials);
		const [video] = generated.output('Generate and wait');
		say(`  video ${String(video.json.id)}: ${String(video.json.status)} after ${((Date.now() - started) / 1000).toFixed(1)} s, ${String(video.json.credits_charged)} credits charged`);
		const mp4 = await generated.binaryBuffer(video, 'data');
		const outDir = path.join(PACKAGE_ROOT, 'demo-output');
		mkdirSync(outDir, { recursive: true });
		const file = path.join(outDir, `${String(video.json.id)}.mp4`);
		writeFileSync(file, mp4);
		say(`  MP4 saved: ${path.relative(process.cwd(), file)} (${mp4.length.toLocaleString('en-US')} bytes, ${video.binary?.data.mimeType})`);

		const managed = await run(example('manage-videos.json'), credentials);
		const deleted = managed.output('Delete it (refunded)')[0]?.json ?? {};
		say(`  deleted ${String(deleted.id)}: deleted=${String(deleted.deleted)}, refunded=${String(deleted.refunded)} (${String(deleted.credits_refunded ?? '?')} credits back)`);
		say(`  recent videos: ${managed.output('List recent videos').map((v) => `${String(v.json.id)} (${String(v.json.status)})`).join(', ')}`);

		const after = (await run(example('account-and-voices.json'), credentials)).output('Get plan and credits')[0]?.json ?? {};
		say(`  credits now: ${String(after.credits)} (were ${String(account.credits)})`);
		say('\nDemo finished.');
	} finally {
		await sandbox?.close();
	}
}

main().catch((error: Error & { description?: string }) => {
	process.stderr.write(`\nDemo failed: ${error.message}${error.description ? `\n${error.description}` : ''}\n`);
	process.exitCode = 1;
});
