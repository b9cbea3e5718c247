// npm run test:e2e: the packed package in the real n8n, installed the way users install it.
// See docs/e2e.md. Env: VLOGME_E2E_CACHE (install cache), VLOGME_E2E_ONLY=2|1 (one n8n line),
// VLOGME_E2E_KEEP=1 (keep temp folders and logs), VLOGME_E2E_BUILD=1 (always build first).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { EXAMPLES, triggerItem, webhookScenario } from './examples.mjs';
import {
	cachedFolder,
	cacheRoot,
	freePort,
	killAllChildren,
	must,
	parseExecuteOutput,
	readJson,
	run,
	sleep,
	startBackground,
	until,
} from './lib.mjs';

/** The n8n releases proven here. 2.41.3 (the registry's `latest`) cannot be installed: it depends
 * on @n8n/agents@0.26.2, which the registry does not have; 2.41.1 is the newest 2.x that installs. */
export const N8N_2_VERSION = '2.41.1';
/** The last 1.x release; it runs on the machine's Node 20. */
export const N8N_1_VERSION = '1.123.81';
/** n8n 1.x's n8n-nodes-base takes xlsx from a URL outside the npm registry (unreachable here and
 * on CI); the registry's own last xlsx stands in (it only serves the Spreadsheet File node). */
export const N8N_1_OVERRIDES = { xlsx: '0.18.5' };
/** n8n 1.123.x defaults to the `vm` expression engine, whose isolated-vm 6.2 needs Node >= 22 (no
 * build or prebuilt binary for Node 20): on Node 20, n8n 1.x only starts with the legacy engine. */
export const N8N_1_ENV = { N8N_EXPRESSION_ENGINE: 'legacy' };
/** Node for n8n 2.x (which needs Node >= 24), installed from the npm registry's node-<os>-<arch> package. */
export const NODE_24_VERSION = '24.22.3';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const KEEP = process.env.VLOGME_E2E_KEEP === '1';
const CREDENTIAL = { id: 'vlogme-sandbox', name: 'Vlogme sandbox' };
const TRIGGER_TYPE = 'n8n-nodes-vlogme.vlogmeTrigger';
/** n8n's own Webhook trigger: a workflow started by it is only run by `n8n start` (published). */
const WEBHOOK_NODE_TYPE = 'n8n-nodes-base.webhook';
const TOOL_TYPE = 'n8n-nodes-vlogme.vlogmeTool';
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

const log = (...args) => console.log(`[e2e ${new Date().toISOString().slice(11, 19)}]`, ...args);
const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;
const tempDirs = [];
const results = []; // { target, name, ok, ms, error }

function cleanup() {
	killAllChildren('SIGKILL');
	if (KEEP) {
		if (tempDirs.length) log(`kept: ${tempDirs.join(' ')}`);
		return;
	}
	for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
	tempDirs.length = 0;
}
process.on('exit', () => killAllChildren('SIGKILL'));
for (const signal of ['SIGINT', 'SIGTERM']) {
	process.on(signal, () => {
		console.error(`\n[e2e] ${signal}: stopping children, removing temp folders`);
		cleanup();
		process.exit(130);
	});
}

function tempDir(prefix) {
	const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
	tempDirs.push(dir);
	return dir;
}

/** Records one named check; never throws. */
async function step(target, name, fn) {
	const started = Date.now();
	try {
		const value = await fn();
		results.push({ target, name, ok: true, ms: Date.now() - started });
		log(`PASS ${target} ${name} (${secs(Date.now() - started)})`);
		return value;
	} catch (error) {
		const message = error?.stack && !(error instanceof assert.AssertionError) ? error.message : String(error?.message ?? error);
		results.push({ target, name, ok: false, ms: Date.now() - started, error: message });
		log(`FAIL ${target} ${name}: ${message}`);
		return undefined;
	}
}

// ---------------------------------------------------------------------------------------------
// Build and pack

function newestMtime(dir) {
	let newest = 0;
	if (!existsSync(dir)) return newest;
	for (const entry of readdirSync(dir, { withFileTypes: true })) {
		const full = path.join(dir, entry.name);
		if (entry.isDirectory()) newest = Math.max(newest, newestMtime(full));
		else if (/\.(ts|json|svg)$/.test(entry.name)) newest = Math.max(newest, statSync(full).mtimeMs);
	}
	return newest;
}

async function buildAndPack() {
	const built = path.join(ROOT, 'dist/nodes/Vlogme/Vlogme.node.js');
	const sandboxJs = path.join(ROOT, 'build/sandbox/server.js');
	const stale =
		!existsSync(built) ||
		!existsSync(sandboxJs) ||
		Math.max(...['nodes', 'credentials', 'sandbox'].map((d) => newestMtime(path.join(ROOT, d)))) >
			Math.min(statSync(built).mtimeMs, statSync(sandboxJs).mtimeMs);
	if (stale || process.env.VLOGME_E2E_BUILD === '1') {
		log('building (npm run build)');
		must(await run(NPM, ['run', 'build', '--silent'], { cwd: ROOT, timeoutMs: 300_000 }), 'npm run build');
	}
	const packDir = tempDir('vlogme-e2e-pack-');
	const packed = must(
		await run(NPM, ['pack', '--json', '--pack-destination', packDir], { cwd: ROOT, timeoutMs: 120_000 }),
		'npm pack',
	);
	const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('[')));
	const tarball = path.join(packDir, info.filename);
	assert.ok(existsSync(tarball), `npm pack wrote no ${tarball}`);
	const files = info.files.map((f) => f.path);
	for (const needed of ['package.json', 'dist/nodes/Vlogme/Vlogme.node.js', 'dist/nodes/VlogmeTrigger/VlogmeTrigger.node.js', 'dist/credentials/VlogmeApi.credentials.js']) {
		assert.ok(files.includes(needed), `the tarball lacks ${needed}`);
	}
	return { tarball, version: info.version, files: files.length };
}

// ---------------------------------------------------------------------------------------------
// Install cache

function nodePackageName() {
	const arch = { x64: 'x64', arm64: 'arm64' }[process.arch];
	if (!arch || !['linux', 'darwin'].includes(process.platform)) {
		throw new Error(`no Node ${NODE_24_VERSION} package for ${process.platform}-${process.arch} on the npm registry`);
	}
	return `node-${process.platform}-${arch}`;
}

async function npmInstall(dir, specs, env, what, overrides) {
	mkdirSync(dir, { recursive: true });
	writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'vlogme-e2e-install', private: true, ...(overrides ? { overrides } : {}) }));
	must(
		await run(NPM, ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', ...specs], {
			cwd: dir,
			env,
			timeoutMs: 30 * 60_000,
		}),
		what,
	);
}

/**
 * n8n (and, for 2.x, Node 24) in the cache. Returns { nodeBin, n8nJs, n8nDir, cold, ms }.
 * Any failure here throws: the suite must never pass without the real n8n.
 */
async function ensureN8n(n8nVersion, bundledNode, overrides) {
	const key = bundledNode ? n8nVersion : `${n8nVersion}-node-abi${process.versions.modules}`;
	const dir = path.join(cacheRoot(), key);
	const layout = (base) => {
		const nodeDir = bundledNode ? path.join(base, 'node/node_modules', nodePackageName()) : undefined;
		return {
			nodeDir,
			nodeBin: bundledNode ? path.join(nodeDir, 'bin/node') : process.execPath,
			n8nDir: path.join(base, 'n8n/node_modules/n8n'),
			n8nJs: path.join(base, 'n8n/node_modules/n8n/bin/n8n'),
		};
	};
	const result = await cachedFolder(
		dir,
		async (tmp) => {
			const paths = layout(tmp);
			let env = { ...process.env };
			if (bundledNode) {
				log(`installing Node ${NODE_24_VERSION} (${nodePackageName()})`);
				await npmInstall(path.join(tmp, 'node'), [`${nodePackageName()}@${NODE_24_VERSION}`], env, `npm install ${nodePackageName()}@${NODE_24_VERSION}`);
				const version = must(await run(paths.nodeBin, ['--version']), 'node --version').stdout.trim();
				assert.equal(version, `v${NODE_24_VERSION}`);
				env = {
					...env,
					PATH: `${path.dirname(paths.nodeBin)}${path.delimiter}${process.env.PATH}`,
					npm_config_nodedir: paths.nodeDir,
				};
			}
			log(`installing n8n ${n8nVersion} (npm install --ignore-scripts)`);
			await npmInstall(path.join(tmp, 'n8n'), [`n8n@${n8nVersion}`], env, `npm install n8n@${n8nVersion}`, overrides);
			log('building sqlite3 for this Node (npm rebuild sqlite3)');
			must(
				await run(NPM, ['rebuild', 'sqlite3'], { cwd: path.join(tmp, 'n8n'), env, timeoutMs: 20 * 60_000 }),
				'npm rebuild sqlite3',
			);
			const printed = must(await run(paths.nodeBin, [paths.n8nJs, '--version'], { env, timeoutMs: 60_000 }), 'n8n --version');
			assert.ok(printed.stdout.includes(n8nVersion), `n8n --version printed ${printed.stdout.trim()}`);
			return { n8n: n8nVersion, node: bundledNode ? NODE_24_VERSION : process.version, overrides };
		},
		log,
	);
	return { ...layout(dir), ...result };
}

// ---------------------------------------------------------------------------------------------
// One n8n line: load the package, import, execute, (2.x) serve webhooks

function examplesList() {
	const dir = path.join(ROOT, 'examples');
	return readdirSync(dir)
		.filter((f) => f.endsWith('.json'))
		.sort()
		.map((file) => ({ file, workflow: readJson(path.join(dir, file)) }));
}

const settled = (execution) => execution.finished || ['success', 'error', 'crashed', 'canceled'].includes(execution.status);
const isTriggerWorkflow = (workflow) => workflow.nodes.some((n) => n.type === TRIGGER_TYPE);
/** Workflows that need `n8n start` (published, fed by HTTP): a Vlogme Trigger or n8n's Webhook node. */
const isServedWorkflow = (workflow) => isTriggerWorkflow(workflow) || workflow.nodes.some((n) => n.type === WEBHOOK_NODE_TYPE);

async function runTarget({ label, n8nVersion, bundledNode, webhooks, overrides, extraEnv = {} }, pack, timings) {
	const t0 = Date.now();
	const install = await ensureN8n(n8nVersion, bundledNode, overrides);
	timings.push({ target: label, phase: `install (${install.cold ? 'cold' : 'warm: cache hit'})`, ms: Date.now() - t0 });
	const nodeVersion = must(await run(install.nodeBin, ['--version']), 'node --version').stdout.trim();
	log(`${label}: n8n ${n8nVersion} on Node ${nodeVersion} from ${path.dirname(path.dirname(install.n8nDir))}`);

	// a fresh user folder with the tarball installed as a community package
	let t = Date.now();
	const userFolder = tempDir('vlogme-e2e-user-');
	const filesDir = path.join(userFolder, 'files');
	mkdirSync(filesDir);
	const nodesDir = path.join(userFolder, '.n8n/nodes');
	mkdirSync(nodesDir, { recursive: true });
	writeFileSync(path.join(nodesDir, 'package.json'), JSON.stringify({ name: 'installed-nodes', private: true, dependencies: {} }));
	must(
		await run(NPM, ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--no-save', '--no-package-lock', '--omit=peer', '--loglevel=error', pack.tarball], {
			cwd: nodesDir,
			timeoutMs: 300_000,
		}),
		'npm install <tarball> (community package)',
	);
	writeFileSync(
		path.join(nodesDir, 'package.json'),
		JSON.stringify({ name: 'installed-nodes', private: true, dependencies: { 'n8n-nodes-vlogme': pack.version } }, null, 2),
	);
	assert.ok(existsSync(path.join(nodesDir, 'node_modules/n8n-nodes-vlogme/dist/nodes/Vlogme/Vlogme.node.js')));
	timings.push({ target: label, phase: 'install tarball as community package', ms: Date.now() - t });

	const { startSandbox, SANDBOX_TOKENS } = createRequire(import.meta.url)(path.join(ROOT, 'build/sandbox/server.js'));
	// renders never finish by themselves: the checks finish them (completeNow) when they want
	const sandbox = await startSandbox({ quiet: true, renderTimeMs: 3_600_000, webhookRetryBaseMs: 600_000 });
	const token = SANDBOX_TOKENS.pro;
	const n8nPort = await freePort();
	const brokerPort = await freePort();
	const baseUrl = `http://127.0.0.1:${n8nPort}/`;
	const env = {
		...process.env,
		PATH: `${path.dirname(install.nodeBin)}${path.delimiter}${process.env.PATH}`,
		NODE_OPTIONS: '',
		N8N_USER_FOLDER: userFolder,
		N8N_ENCRYPTION_KEY: 'vlogme-e2e-not-a-secret-0123456789',
		DB_TYPE: 'sqlite',
		DB_SQLITE_POOL_SIZE: '2',
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_HIRING_BANNER_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_COMMUNITY_PACKAGES_ENABLED: 'true',
		N8N_UNVERIFIED_PACKAGES_ENABLED: 'true',
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		N8N_PORT: String(n8nPort),
		N8N_RUNNERS_BROKER_PORT: String(brokerPort),
		N8N_RUNNERS_BROKER_LISTEN_ADDRESS: '127.0.0.1',
		WEBHOOK_URL: baseUrl,
		N8N_SECURE_COOKIE: 'false',
		N8N_RESTRICT_FILE_ACCESS_TO: filesDir,
		N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
		...extraEnv,
	};
	const n8n = (args, timeoutMs = 180_000) => run(install.nodeBin, [install.n8nJs, ...args], { cwd: userFolder, env, timeoutMs });
	const importFile = path.join(userFolder, 'import.json');

	const examples = examplesList();
	const byFile = Object.fromEntries(examples.map((e) => [e.file, e]));
	const ctx = {
		sandbox,
		token,
		n8nVersion,
		filesDir,
		state: {},
		/** n8n's base URL (WEBHOOK_URL), with its trailing slash */
		n8nUrl: baseUrl,
		log,
		prodUrl(workflow) {
			const trigger = workflow.nodes.find((n) => n.type === TRIGGER_TYPE);
			return `${baseUrl}webhook/${trigger.webhookId}/${trigger.parameters.path ?? 'webhook'}`;
		},
		/** The production URL of a workflow's n8n Webhook node (a static path). */
		webhookNodeUrl(workflow) {
			const node = workflow.nodes.find((n) => n.type === WEBHOOK_NODE_TYPE);
			assert.ok(node && node.parameters.path && !node.parameters.path.includes(':'), 'no Webhook node with a static path');
			return `${baseUrl}webhook/${node.parameters.path}`;
		},
		triggerUrl(file) {
			assert.ok(byFile[file], `no example ${file}`);
			return ctx.prodUrl(byFile[file].workflow);
		},
		output(runJson, nodeName) {
			const result = runJson.data?.resultData ?? runJson.resultData;
			if (result?.error) throw new Error(`the execution failed: ${result.error.message} ${result.error.description ?? ''}`);
			const runs = result?.runData?.[nodeName];
			assert.ok(runs?.length, `node "${nodeName}" did not run`);
			const last = runs[runs.length - 1];
			if (last.error) throw new Error(`node "${nodeName}" failed: ${last.error.message}`);
			return last.data?.main?.[0] ?? [];
		},
		/** The bytes of a binary property of an output item: inline base64, or n8n's filesystem store. */
		async binaryBytes(binary) {
			if (binary.id && /^filesystem/.test(binary.id)) {
				const relative = binary.id.slice(binary.id.indexOf(':') + 1);
				const candidates = [path.join(userFolder, '.n8n/binaryData', relative), path.join(userFolder, '.n8n/storage', relative)];
				const file = candidates.find((f) => existsSync(f));
				assert.ok(file, `binary data ${binary.id} not found under ${candidates.join(' or ')}`);
				return readFileSync(file);
			}
			assert.ok(binary.data, `binary data has neither inline data nor a filesystem id: ${JSON.stringify(binary).slice(0, 300)}`);
			return Buffer.from(binary.data, 'base64');
		},
		async mp4Bytes(videoId) {
			const response = await fetch(sandbox.signFileUrl(videoId));
			assert.equal(response.status, 200);
			return Buffer.from(await response.arrayBuffer());
		},
		async createVideo(body = {}) {
			const response = await fetch(`${sandbox.baseUrl}/videos`, {
				method: 'POST',
				headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
				body: JSON.stringify({ portrait_url: 'https://example.com/portrait.jpg', script: 'Hello from the e2e suite.', voice_id: sandbox.voices[0].id, ...body }),
			});
			assert.equal(response.status, 201, `POST /videos answered ${response.status}`);
			return response.json();
		},
		/** Finishes every render that has been running for `ms` until the returned stop() is called. */
		completeRendersAfter(ms) {
			const timer = setInterval(async () => {
				try {
					const response = await fetch(`${sandbox.baseUrl}/videos?limit=100`, { headers: { authorization: `Bearer ${token}` } });
					const listed = await response.json();
					const videos = Array.isArray(listed) ? listed : (listed.videos ?? listed.data ?? listed.items ?? []);
					for (const video of videos) {
						const state = sandbox.getVideo(video.id);
						if (state && state.settledAtMs === null && !state.deleted && Date.now() - state.createdAtMs >= ms) sandbox.completeNow(video.id);
					}
				} catch {
					// next tick
				}
			}, 250);
			return () => clearInterval(timer);
		},
		async executions(workflowId) {
			const db = path.join(userFolder, '.n8n/database.sqlite');
			const out = must(
				await run(install.nodeBin, [path.join(ROOT, 'scripts/e2e/db-query.mjs'), db, workflowId, path.dirname(install.n8nDir)], {
					env: { ...env, NODE_NO_WARNINGS: '1' },
					timeoutMs: 60_000,
				}),
				'reading executions from the n8n database',
			);
			return JSON.parse(out.stdout);
		},
		/** Waits until at least `count` executions of the workflow are stored, all of them finished. */
		async waitForExecutions(workflowId, count, timeoutMs = 60_000) {
			return until(async () => {
				const list = await ctx.executions(workflowId);
				return list.length >= count && list.every(settled) && list;
			}, timeoutMs, `${count} finished execution(s) of ${workflowId}`, 500);
		},
		/** Exactly one successful webhook execution per expected video id, and nothing else. */
		async expectExecutions(workflowId, videoIds, verify) {
			await ctx.waitForExecutions(workflowId, videoIds.length);
			await sleep(2000); // anything extra (a forged or repeated delivery that got through) shows up now
			const list = await ctx.executions(workflowId);
			assert.ok(list.every(settled), 'an execution is still running');
			for (const e of list) assert.equal(e.status, 'success', `execution ${e.id} ended ${e.status}: ${JSON.stringify(e.data?.resultData?.error?.message)}`);
			for (const e of list) assert.equal(e.mode, 'webhook');
			const ids = list.map((e) => triggerItem(e)?.json?.video?.id).sort();
			assert.deepEqual(ids, [...videoIds].sort(), `executions ran for videos ${ids.join(', ')}; expected exactly ${videoIds.join(', ')}`);
			if (verify) for (const e of list) await verify(e, triggerItem(e).json.video.id);
		},
	};

	try {
		t = Date.now();
		const credentialFile = path.join(userFolder, 'credentials.json');
		writeFileSync(credentialFile, JSON.stringify([{ ...CREDENTIAL, type: 'vlogmeApi', data: { apiToken: token, baseUrl: sandbox.baseUrl } }]));
		await step(label, 'import credential (n8n import:credentials)', async () => must(await n8n(['import:credentials', `--input=${credentialFile}`]), 'n8n import:credentials'));
		rmSync(credentialFile);

		// every example, prepared, in one import
		const imported = [];
		for (const example of examples) {
			const spec = EXAMPLES[example.file];
			if (!spec) {
				await step(label, `example ${example.file}`, () => {
					throw new Error(`no check for examples/${example.file}: add one to scripts/e2e/examples.mjs (see docs/e2e.md)`);
				});
				continue;
			}
			example.workflow.id ??= `e2e${imported.length}${Date.now().toString(36)}`;
			example.workflow.active = false;
			if (spec.prepare) spec.prepare(example.workflow, ctx);
			imported.push(example);
		}
		await step(label, `import ${imported.length} example workflow(s) (n8n import:workflow)`, async () => {
			writeFileSync(importFile, JSON.stringify(imported.map((e) => e.workflow)));
			const out = must(await n8n(['import:workflow', `--input=${importFile}`]), 'n8n import:workflow');
			assert.match(out.stdout + out.stderr, new RegExp(`Successfully imported ${imported.length} workflow`));
		});
		timings.push({ target: label, phase: 'import credential and workflows', ms: Date.now() - t });

		t = Date.now();
		await step(label, `n8n lists ${TOOL_TYPE} (n8n export:nodes)`, async () => {
			const file = path.join(userFolder, 'nodes.json');
			must(await n8n(['export:nodes', `--output=${file}`]), 'n8n export:nodes');
			const types = readJson(file).map((n) => n.name);
			for (const type of ['n8n-nodes-vlogme.vlogme', TRIGGER_TYPE, TOOL_TYPE]) assert.ok(types.includes(type), `${type} is not among n8n's ${types.length} node types`);
		});
		timings.push({ target: label, phase: 'node types (export:nodes)', ms: Date.now() - t });

		t = Date.now();
		for (const example of imported.filter((e) => !isServedWorkflow(e.workflow))) {
			const spec = EXAMPLES[example.file];
			await step(label, `example ${example.file} (n8n execute)`, async () => {
				assert.equal(typeof spec.check, 'function', `examples/${example.file} has no check(run, ctx)`);
				const stop = spec.during ? await spec.during(ctx) : undefined;
				let out;
				try {
					out = await n8n(['execute', `--id=${example.workflow.id}`, '--rawOutput']);
				} finally {
					if (typeof stop === 'function') stop();
				}
				if (out.code !== 0) {
					const tail = (out.stdout + '\n' + out.stderr).trim().split('\n').slice(-20).join('\n');
					throw new Error(`n8n execute exited ${out.code}:\n${tail}`);
				}
				await spec.check(parseExecuteOutput(out.stdout), ctx);
			});
		}
		timings.push({ target: label, phase: 'execute examples', ms: Date.now() - t });

		if (!webhooks) {
			// this line has no `n8n start` phase: say so for each served example instead of skipping silently
			for (const example of imported.filter((e) => isServedWorkflow(e.workflow))) {
				await step(
					label,
					`example ${example.file}: imported only, not run on this line (it starts from a webhook, which ` +
						'only `n8n start` serves; the suite serves webhooks on n8n 2.x only)',
					() => true,
				);
			}
		}
		if (webhooks) {
			t = Date.now();
			let served = imported.filter((e) => isServedWorkflow(e.workflow));
			if (!served.some((e) => isTriggerWorkflow(e.workflow))) {
				// no trigger example yet: prove the path with a workflow holding just the trigger
				const workflow = {
					id: 'vlogmeE2eTriggerOnly',
					name: 'e2e: Vlogme Trigger only',
					nodes: [{ parameters: { events: ['video.completed'] }, id: 'e2e-trigger', name: 'Vlogme Trigger', type: TRIGGER_TYPE, typeVersion: 1, position: [0, 0], webhookId: '5b0d0c3e-8e2a-4d7b-9a51-e2e000000001', credentials: { vlogmeApi: CREDENTIAL } }],
					connections: {},
					settings: { executionOrder: 'v1' },
					active: false,
				};
				writeFileSync(importFile, JSON.stringify([workflow]));
				must(await n8n(['import:workflow', `--input=${importFile}`]), 'n8n import:workflow (generated trigger workflow)');
				served = [...served, { file: '(generated trigger-only workflow)', workflow }];
			}
			await serveWebhooks(label, served, { n8n, env, install, baseUrl, ctx });
			timings.push({ target: label, phase: 'n8n start + webhooks', ms: Date.now() - t });
		}
	} finally {
		await sandbox.close();
	}
}

async function serveWebhooks(label, served, { n8n, env, install, baseUrl, ctx }) {
	const published = await step(label, `publish ${served.length} webhook-started workflow(s) (n8n publish:workflow)`, async () => {
		for (const { workflow } of served) must(await n8n(['publish:workflow', `--id=${workflow.id}`]), `n8n publish:workflow --id=${workflow.id}`);
		return true;
	});
	if (!published) return;
	const server = startBackground(install.nodeBin, [install.n8nJs, 'start'], { cwd: env.N8N_USER_FOLDER, env });
	try {
		const up = await step(label, 'n8n start: ready, production webhooks registered', async () => {
			await until(async () => {
				if (server.child.exitCode !== null) throw new Error(`n8n start exited ${server.child.exitCode}:\n${server.log().slice(-3000)}`);
				try {
					return (await fetch(`${baseUrl}healthz/readiness`)).status === 200;
				} catch {
					return false;
				}
			}, 180_000, 'n8n start to be ready', 500);
			// registered = an unsigned POST is refused by the trigger (401), not unknown to n8n (404).
			// (A workflow started by n8n's Webhook node would run on any POST: its check waits itself.)
			for (const { workflow } of served.filter((e) => isTriggerWorkflow(e.workflow))) {
				const url = ctx.prodUrl(workflow);
				await until(async () => (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status === 401, 60_000, `${url} to be registered`, 500);
			}
			return true;
		});
		if (!up) {
			log(`n8n start output (tail):\n${server.log().slice(-4000)}`);
			return;
		}
		for (const { file, workflow } of served) {
			const spec = EXAMPLES[file];
			await step(label, `example ${file} (${spec?.webhookLabel ?? 'webhooks: genuine, repeated, other event, forged'})`, async () => {
				if (spec) {
					assert.equal(typeof spec.webhook, 'function', `examples/${file} starts from a webhook but has no webhook(ctx) check`);
					await spec.webhook(ctx, workflow);
				} else {
					await webhookScenario(ctx, workflow);
				}
			});
		}
	} finally {
		await server.stop();
		if (KEEP) writeFileSync(path.join(env.N8N_USER_FOLDER, 'n8n-start.log'), server.log());
	}
}

// ---------------------------------------------------------------------------------------------

async function main() {
	const started = Date.now();
	const timings = [];
	const only = process.env.VLOGME_E2E_ONLY;
	const targets = [
		{ label: 'n8n-2.x', n8nVersion: N8N_2_VERSION, bundledNode: true, webhooks: true },
		{ label: 'n8n-1.x', n8nVersion: N8N_1_VERSION, bundledNode: false, webhooks: false, overrides: N8N_1_OVERRIDES, extraEnv: N8N_1_ENV },
	].filter((t) => !only || t.label === `n8n-${only}.x`);
	log(`cache: ${cacheRoot()}`);

	let t = Date.now();
	const pack = await step('package', 'build and npm pack', buildAndPack);
	timings.push({ target: 'package', phase: 'build + pack', ms: Date.now() - t });
	if (pack) {
		log(`packed ${path.basename(pack.tarball)} (${pack.files} files)`);
		for (const target of targets) {
			await step(target.label, `n8n ${target.n8nVersion}: install, load and run`, () => runTarget(target, pack, timings));
		}
	}
	cleanup();

	const failed = results.filter((r) => !r.ok);
	console.log('\n================ e2e summary ================');
	console.log(`package n8n-nodes-vlogme@${pack?.version ?? '?'}; n8n ${targets.map((t) => t.n8nVersion + (t.bundledNode ? ` on Node ${NODE_24_VERSION}` : ` on Node ${process.version}`)).join(', ')}`);
	for (const r of results) console.log(`${r.ok ? 'PASS' : 'FAIL'}  [${r.target}] ${r.name}  (${secs(r.ms)})${r.ok ? '' : '\n      ' + r.error.split('\n').join('\n      ')}`);
	console.log('timings:');
	for (const x of timings) console.log(`  [${x.target}] ${x.phase}: ${secs(x.ms)}`);
	console.log(`  total: ${secs(Date.now() - started)}`);
	console.log(`e2e: ${results.length - failed.length} passed, ${failed.length} failed`);
	process.exitCode = failed.length || !pack ? 1 : 0;
}

main().catch((error) => {
	console.error('[e2e] crashed:', error);
	cleanup();
	process.exit(1);
});
