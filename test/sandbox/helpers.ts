import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Sandbox } from '../../sandbox/server';
import { PNG_BASE64 } from '../fixtures/media';

export interface ApiResult {
	status: number;
	json: any;
	text: string;
	headers: Headers;
}

export async function api(
	sb: Sandbox,
	method: string,
	path: string,
	opts: { token?: string | null; body?: unknown; raw?: string; headers?: Record<string, string> } = {},
): Promise<ApiResult> {
	const headers: Record<string, string> = { ...opts.headers };
	const token = opts.token === undefined ? sb.tokens.pro : opts.token;
	if (token !== null) headers.Authorization = `Bearer ${token}`;
	let body: string | undefined;
	if (opts.raw !== undefined) body = opts.raw;
	else if (opts.body !== undefined) {
		body = JSON.stringify(opts.body);
		headers['Content-Type'] = 'application/json';
	}
	const res = await fetch(sb.baseUrl + path, { method, headers, body });
	const text = await res.text();
	let json: any;
	try {
		json = JSON.parse(text);
	} catch {
		json = undefined;
	}
	return { status: res.status, json, text, headers: res.headers };
}

/** A minimal valid render request (script of 3 words -> 10 credits). */
export function videoBody(extra: Record<string, unknown> = {}): Record<string, unknown> {
	return { portrait_base64: PNG_BASE64, script: 'Hello from Vlogme', voice_id: 'en-US-aria', ...extra };
}

export async function createVideo(sb: Sandbox, extra: Record<string, unknown> = {}, token?: string): Promise<any> {
	const res = await api(sb, 'POST', '/videos', { body: videoBody(extra), token });
	if (res.status !== 201) throw new Error(`create failed: ${res.status} ${res.text}`);
	return res.json;
}

export function expectError(res: ApiResult, status: number, code: string): void {
	expect({ status: res.status, code: res.json?.error?.code }).toEqual({ status, code });
	expect(typeof res.json.error.message).toBe('string');
	expect(Object.keys(res.json)).toEqual(['error']);
	expect(Object.keys(res.json.error).sort()).toEqual(['code', 'message']);
}

export interface Received {
	method: string;
	/** the raw request target, query string included */
	url: string;
	headers: http.IncomingHttpHeaders;
	raw: Buffer;
	at: number;
}

export interface Receiver {
	url: string;
	received: Received[];
	/** status to answer for the n-th request (1-based); default 200 */
	respond: (n: number, req: Received) => number;
	/** resolves once `count` requests have arrived */
	waitFor(count: number, timeoutMs?: number): Promise<Received[]>;
	close(): Promise<void>;
}

/** A local HTTP server recording what it receives (for webhooks and asset URLs). */
export async function startReceiver(
	respond: (n: number, req: Received) => number = () => 200,
	serve?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean,
): Promise<Receiver> {
	const received: Received[] = [];
	const waiters: Array<() => void> = [];
	const receiver: Receiver = {
		url: '',
		received,
		respond,
		waitFor(count, timeoutMs = 5000) {
			return new Promise((resolve, reject) => {
				const timer = setTimeout(
					() => reject(new Error(`receiver: waited for ${count}, got ${received.length}`)),
					timeoutMs,
				);
				const check = () => {
					if (received.length >= count) {
						clearTimeout(timer);
						resolve(received.slice());
						return true;
					}
					return false;
				};
				const wait = () => {
					if (!check()) waiters.push(wait);
				};
				wait();
			});
		},
		close: () =>
			new Promise<void>((resolve) => {
				server.close(() => resolve());
				server.closeAllConnections();
			}),
	};
	const server = http.createServer((req, res) => {
		if (serve && serve(req, res)) return;
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', () => {
			const r: Received = {
				method: req.method ?? '',
				url: req.url ?? '',
				headers: req.headers,
				raw: Buffer.concat(chunks),
				at: Date.now(),
			};
			received.push(r);
			const status = receiver.respond(received.length, r);
			res.writeHead(status, { 'Content-Type': 'application/json' });
			res.end(JSON.stringify({ ok: status < 300 }));
			for (const w of waiters.splice(0)) w();
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
	receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	return receiver;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `fn` returns a truthy value (or throws after timeoutMs). */
export async function until<T>(fn: () => T | Promise<T>, timeoutMs = 5000, stepMs = 10): Promise<T> {
	const start = Date.now();
	for (;;) {
		const v = await fn();
		if (v) return v;
		if (Date.now() - start > timeoutMs) throw new Error('until: timed out');
		await sleep(stepMs);
	}
}
