/**
 * `npm run demo`: the package's main job, end to end, through n8n's own execution engine.
 *
 * Starts the local Vlogme sandbox (unless VLOGME_TOKEN is set: then the real API, or
 * VLOGME_BASE_URL), runs the workflows in examples/ with the built nodes, prints what happened,
 * and stops the sandbox.
 */
import '../test/harness/env';

import path from 'node:path';

import type { IWorkflowBase } from 'n8n-workflow';

import { SANDBOX_TOKENS, startSandbox, type Sandbox } from '../sandbox/server';
import { PACKAGE_ROOT, readWorkflowFile, runWorkflow, useBinaryDataMode } from '../test/harness/engine';

function say(line = ''): void {
	process.stdout.write(line + '\n');
}

async function main(): Promise<void> {
	const realToken = process.env.VLOGME_TOKEN;
	let sandbox: Sandbox | undefined;
	let credentials: { apiToken: string; baseUrl: string };
	if (realToken) {
		credentials = { apiToken: realToken, baseUrl: process.env.VLOGME_BASE_URL ?? 'https://vlogme.ai/api/public/v1' };
		say(`Using the Vlogme API at ${credentials.baseUrl} (VLOGME_TOKEN is set).`);
	} else {
		sandbox = await startSandbox({ quiet: true, renderTimeMs: 3000 });
		credentials = { apiToken: SANDBOX_TOKENS.pro, baseUrl: sandbox.baseUrl };
		say(`Started the Vlogme sandbox at ${sandbox.baseUrl} (set VLOGME_TOKEN to use the real API).`);
	}
	await useBinaryDataMode('filesystem');

	try {
		const workflow: IWorkflowBase = readWorkflowFile(path.join(PACKAGE_ROOT, 'examples', 'account-and-voices.json'));
		say(`\n▶ ${workflow.name}`);
		const result = await runWorkflow(workflow, { credentials: { vlogmeApi: credentials } });
		if (result.executionError) throw result.executionError;
		const account = result.output('Get plan and credits')[0]?.json ?? {};
		say(`  account: plan ${String(account.plan)}, ${String(account.credits)} credits`);
		const voices = result.output('List voices');
		say(`  voices (${voices.length}): ${voices.map((v) => `${String(v.json.id)} (${String(v.json.language ?? '?')})`).join(', ')}`);
		say('\nDemo finished.');
	} finally {
		await sandbox?.close();
	}
}

main().catch((error: Error & { description?: string }) => {
	process.stderr.write(`Demo failed: ${error.message}${error.description ? `\n${error.description}` : ''}\n`);
	process.exitCode = 1;
});
