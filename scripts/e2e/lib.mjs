// Helpers of the end-to-end runner: child processes (bounded, always killed), the install cache, ports.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** Every child still running; killed (whole process group) on exit. */
const children = new Set();

export function killAllChildren(signal = 'SIGTERM') {
	for (const child of children) {
		try {
			process.kill(-child.pid, signal);
		} catch {
			// already gone
		}
	}
}

/**
 * Runs a command in its own process group with a time limit. Resolves { code, stdout, stderr, ms };
 * a timeout kills the group and resolves with code 'timeout'.
 */
export function run(cmd, args, { cwd, env, timeoutMs = 120_000, input } = {}) {
	const started = Date.now();
	return new Promise((resolve) => {
		const child = spawn(cmd, args, { cwd, env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
		children.add(child);
		let stdout = '';
		let stderr = '';
		let timedOut = false;
		child.stdout.on('data', (d) => (stdout += d));
		child.stderr.on('data', (d) => (stderr += d));
		child.stdin.end(input ?? '');
		const timer = setTimeout(() => {
			timedOut = true;
			try {
				process.kill(-child.pid, 'SIGKILL');
			} catch {
				// gone
			}
		}, timeoutMs);
		const finish = (code) => {
			clearTimeout(timer);
			children.delete(child);
			resolve({ code: timedOut ? 'timeout' : code, stdout, stderr, ms: Date.now() - started });
		};
		child.on('error', (error) => {
			stderr += String(error);
			finish(-1);
		});
		child.on('close', (code) => finish(code));
	});
}

/** Starts a long-running child (own process group); its output goes to logFile. */
export function startBackground(cmd, args, { cwd, env, logFile }) {
	const child = spawn(cmd, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
	children.add(child);
	let log = '';
	const append = (d) => {
		log += d;
		if (log.length > 2_000_000) log = log.slice(-1_000_000);
	};
	child.stdout.on('data', append);
	child.stderr.on('data', append);
	const exited = new Promise((resolve) =>
		child.on('close', (code) => {
			children.delete(child);
			if (logFile) writeFileSync(logFile, log);
			resolve(code);
		}),
	);
	return {
		child,
		exited,
		log: () => log,
		async stop(timeoutMs = 15_000) {
			if (child.exitCode !== null || child.signalCode !== null) return exited;
			try {
				process.kill(-child.pid, 'SIGTERM');
			} catch {
				// gone
			}
			const timer = setTimeout(() => {
				try {
					process.kill(-child.pid, 'SIGKILL');
				} catch {
					// gone
				}
			}, timeoutMs);
			await exited;
			clearTimeout(timer);
			return exited;
		},
	};
}

export function must(result, what) {
	if (result.code !== 0) {
		const tail = (result.stderr + '\n' + result.stdout).trim().split('\n').slice(-25).join('\n');
		throw new Error(`${what} failed (exit ${result.code}, ${Math.round(result.ms / 1000)} s):\n${tail}`);
	}
	return result;
}

export async function freePort() {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.unref();
		server.on('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address();
			server.close(() => resolve(port));
		});
	});
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls fn until it returns a truthy value; throws `what` after timeoutMs. */
export async function until(fn, timeoutMs, what, everyMs = 250) {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await fn();
		if (value) return value;
		if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
		await sleep(everyMs);
	}
}

export function cacheRoot() {
	if (process.env.VLOGME_E2E_CACHE) return path.resolve(process.env.VLOGME_E2E_CACHE);
	const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
	return path.join(base, 'n8n-nodes-vlogme-e2e');
}

/**
 * A folder of the cache, built at most once: `build(tmpDir)` fills a temporary sibling, which is
 * renamed into place only when complete (with a marker file), so a half-finished install is never
 * reused. Returns { dir, cold, ms }.
 */
export async function cachedFolder(dir, build, log) {
	const marker = path.join(dir, '.complete.json');
	if (existsSync(marker)) return { dir, cold: false, ms: 0 };
	if (existsSync(dir)) rmSync(dir, { recursive: true, force: true }); // left without its marker
	mkdirSync(path.dirname(dir), { recursive: true });
	// half-finished installs of runs that were killed: their process is gone
	for (const entry of readdirSync(path.dirname(dir))) {
		const match = entry.startsWith(`${path.basename(dir)}.partial-`) && /\.partial-(\d+)-/.exec(entry);
		if (!match) continue;
		try {
			process.kill(Number(match[1]), 0);
		} catch {
			rmSync(path.join(path.dirname(dir), entry), { recursive: true, force: true });
		}
	}
	const tmp = `${dir}.partial-${process.pid}-${Date.now()}`;
	mkdirSync(tmp, { recursive: true });
	const started = Date.now();
	try {
		log(`installing into ${dir} (cold; this takes minutes)`);
		const info = await build(tmp);
		writeFileSync(path.join(tmp, '.complete.json'), JSON.stringify({ ...info, at: new Date().toISOString() }, null, 2));
		try {
			renameSync(tmp, dir);
		} catch (error) {
			// another run finished the same install first: use that one
			if (!existsSync(marker)) throw error;
			rmSync(tmp, { recursive: true, force: true });
		}
	} catch (error) {
		rmSync(tmp, { recursive: true, force: true });
		throw error;
	}
	return { dir, cold: true, ms: Date.now() - started };
}

export function readJson(file) {
	return JSON.parse(readFileSync(file, 'utf8'));
}

/** The JSON document printed by `n8n execute --rawOutput` (log lines may come before it). */
export function parseExecuteOutput(stdout) {
	const lines = stdout.split('\n');
	const start = lines.findIndex((l) => l === '{' || l === '[');
	if (start < 0) throw new Error(`no JSON in n8n execute output:\n${stdout.slice(-2000)}`);
	for (let end = lines.length; end > start; end--) {
		const text = lines.slice(start, end).join('\n').trim();
		if (!text.endsWith('}') && !text.endsWith(']')) continue;
		try {
			return JSON.parse(text);
		} catch {
			// keep trimming trailing log lines
		}
	}
	throw new Error(`unparsable JSON in n8n execute output:\n${stdout.slice(0, 2000)}`);
}
