/**
 * Vlogme sandbox: a local fake of Vlogme's public REST API (the contract of Vlogme's public developer documentation).
 *
 * Two listeners on 127.0.0.1: the API (`baseUrl`, ending in /api/public/v1) and a file host
 * (`filesBaseUrl`) serving the signed MP4 links, so that video URLs point at "another host".
 * Node builtins only. It never contacts any host other than 127.0.0.1 / localhost.
 */
import * as crypto from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { URL } from 'node:url';
import { mp4Chunks, paddedMp4Size } from './mp4';

export const BASE_PATH = '/api/public/v1';

/** Fixed tokens of the default accounts: `vlm_live_` + 34 characters. */
export const SANDBOX_TOKENS = {
	/** plan `pro`, 100000 credits */
	pro: 'vlm_live_' + 'sandboxpro'.padEnd(34, '0'),
	/** plan `basic`, 1000 credits */
	basic: 'vlm_live_' + 'sandboxbasic'.padEnd(34, '0'),
	/** plan `free`: every endpoint answers 403 plan_required */
	free: 'vlm_live_' + 'sandboxfree'.padEnd(34, '0'),
	/** plan `basic`, 5 credits: every render answers 402 insufficient_credits */
	broke: 'vlm_live_' + 'sandboxbroke'.padEnd(34, '0'),
} as const;

export const FAIL_MARKER = 'sandbox:fail';
export const DEFAULT_FAIL_MESSAGE = 'No face detected in portrait (sandbox:fail)';
export const MAX_SCRIPT_CHARS = 30000;
export const MAX_BODY_BYTES = 25 * 1024 * 1024;
export const WORDS_PER_MINUTE = 150;
export const DEFAULT_AUDIO_SECONDS = 30;
export const MIN_CREDITS = 10;

export type SandboxPlan = 'free' | 'basic' | 'pro' | (string & {});
export type VideoStatus = 'preparing' | 'processing' | 'completed' | 'failed';
export type EmotionPreset = 'calm' | 'natural' | 'expressive' | 'sad';

export interface SandboxListShape {
	/** key holding the list; `null` = a bare JSON array (then there is no cursor at all) */
	key?: 'videos' | 'data' | 'items' | null;
	/** name of the next-page cursor field */
	cursorKey?: 'next_cursor' | 'nextCursor' | 'cursor';
}

export interface SandboxOptions {
	/** API port; 0 (default) = ephemeral */
	port?: number;
	/** file host port; 0 (default) = ephemeral */
	filesPort?: number;
	/** time from creation to completed/failed (default 5000); `processing` from a third of it */
	renderTimeMs?: number;
	/** validity of signed video URLs (default 3600000 = 1 h) */
	urlTtlMs?: number;
	/** delay added to every API response (default 0) */
	latencyMs?: number;
	/** webhook retry delay = base * 2^(attempt-1) (default 1000) */
	webhookRetryBaseMs?: number;
	/** no retry is scheduled once the elapsed time would exceed this (default 86400000 = 24 h) */
	webhookRetryWindowMs?: number;
	/** maximum delivery attempts (default 20) */
	webhookMaxAttempts?: number;
	/** timeout of one webhook attempt (default 10000) */
	webhookTimeoutMs?: number;
	/** timeout when fetching a 127.0.0.1/localhost portrait_url or audio_url (default 3000) */
	assetFetchTimeoutMs?: number;
	/** size of every served MP4; padded with a `free` box (default: the sample's own size) */
	videoSizeBytes?: number;
	/** cut every download after half of its Content-Length */
	truncateDownloads?: boolean;
	/** probability (0..1) that a render fails anyway (seeded) */
	failRate?: number;
	/** seed of the random generator used for failRate and fault probabilities (default 42) */
	seed?: number;
	/** shape of the list responses (GET /videos and GET /voices) */
	listShape?: SandboxListShape;
	/** do not print anything (the library itself never prints; kept for the CLI) */
	quiet?: boolean;
}

export interface SandboxVoice {
	id: string;
	name: string;
	language: string;
	gender: 'female' | 'male';
}

export interface SandboxVideo {
	id: string;
	status: VideoStatus;
	title: string | null;
	created_at: string;
	updated_at: string;
	credits_charged: number;
	duration_seconds: number;
	voice_id: string | null;
	/** The inputs given by URL or text, echoed back (base64 assets are not). */
	script: string | null;
	portrait_url: string | null;
	audio_url: string | null;
	emotion_preset: EmotionPreset;
	live_subtitles: boolean;
	video_url: string | null;
	error_message: string | null;
	expires_at: string | null;
}

export interface SandboxAccount {
	userId: string;
	email: string;
	plan: SandboxPlan;
	credits: number;
}

export interface SandboxVideoState {
	id: string;
	token: string;
	/** the public object as GET /videos/:id would return it now (a fresh signed URL if completed) */
	video: SandboxVideo;
	/** the request body as received (base64 assets replaced by `<base64 N bytes>`) */
	request: Record<string, unknown>;
	creditsCharged: number;
	refunded: boolean;
	creditsRefunded: number;
	deleted: boolean;
	webhookUrl: string | null;
	/** the render is set to fail (fail marker or failRate) */
	willFail: boolean;
	createdAtMs: number;
	settledAtMs: number | null;
}

export interface SandboxRequestLog {
	method: string;
	/** path without the query string */
	path: string;
	/** path after the base path for the API (`/videos/vid_…`), the full path for the file host */
	route: string;
	query: Record<string, string>;
	/** headers as received, names lowercased (arrays joined with ", ") */
	headers: Record<string, string>;
	/** whether an Authorization header was present */
	authorized: boolean;
	/** parsed JSON, raw string when not JSON, null when empty; base64 assets summarised */
	body: unknown;
	/** response status; 0 when the socket was dropped without an answer */
	status: number;
	/** ms since epoch */
	at: number;
	server: 'api' | 'files';
	/** the fault kind applied to this request, if any */
	fault?: SandboxFaultKind;
}

export interface SandboxDelivery {
	url: string;
	event: string;
	videoId: string | null;
	deliveryId: string;
	attempt: number;
	/** receiver's status; 0 on a network error, timeout or a URL the sandbox will not contact */
	status: number;
	/** ms since epoch */
	at: number;
	error?: string;
}

export type SandboxFaultKind =
	| 'rate_limit'
	| 'server_error'
	| 'db_error'
	| 'html_502'
	| 'drop'
	| 'drop_after'
	| 'truncate';

export interface SandboxFault {
	kind: SandboxFaultKind;
	/** HTTP method to match (any when omitted) */
	method?: string;
	/** string: prefix of the path after the base path (or of the full path); RegExp: tested on both */
	path?: string | RegExp;
	/** how many requests it applies to (default 1; Infinity allowed) */
	times?: number;
	/** chance (seeded) that a matching request is faulted (default 1) */
	probability?: number;
	/** rate_limit: value of the Retry-After header */
	retryAfterSeconds?: number;
	/** which listener it applies to (default: `files` for truncate, `api` otherwise) */
	server?: 'api' | 'files';
}

export type WebhookSignMode = 'derived' | 'raw' | 'none' | { secret: string };

export interface DeliverWebhookOptions {
	/** derived (default): key = hex sha256(token); raw: key = token; none: no header; or a given secret */
	sign?: WebhookSignMode;
	/** token whose key signs (default SANDBOX_TOKENS.pro) */
	token?: string;
	/** extra or overriding headers */
	headers?: Record<string, string>;
}

export interface Sandbox {
	/** `http://127.0.0.1:<port>/api/public/v1` */
	readonly baseUrl: string;
	/** `http://127.0.0.1:<filesPort>` */
	readonly filesBaseUrl: string;
	readonly port: number;
	readonly filesPort: number;
	readonly tokens: typeof SANDBOX_TOKENS;
	readonly voices: readonly SandboxVoice[];
	/** every request to either listener, oldest first */
	readonly requests: SandboxRequestLog[];
	/** every webhook attempt, oldest first */
	readonly deliveries: SandboxDelivery[];
	/** empties `requests` and `deliveries` */
	clearLog(): void;
	/** number of logged requests with this method ('*' = any) whose path matches (prefix or RegExp) */
	count(method: string, pathPrefixOrRegex?: string | RegExp): number;
	injectFault(fault: SandboxFault): void;
	clearFaults(): void;
	setLatency(ms: number): void;
	setListShape(shape: SandboxListShape): void;
	/** creates an account and returns its token */
	addAccount(account: { plan: SandboxPlan; credits: number; email?: string }): string;
	getAccount(token: string): SandboxAccount | undefined;
	setCredits(token: string, credits: number): void;
	getVideo(id: string): SandboxVideoState | undefined;
	/** settles a render now as completed (fires its webhook) and returns its public object */
	completeNow(id: string): SandboxVideo;
	/** settles a render now as failed (refunds, fires its webhook) and returns its public object */
	failNow(id: string, message?: string): SandboxVideo;
	/** a signed file URL for a video (default validity: urlTtlMs) */
	signFileUrl(id: string, ttlMs?: number): string;
	/** sends one webhook POST (genuine or forged) to a 127.0.0.1/localhost URL */
	deliverWebhook(
		url: string,
		body: string | object,
		opts?: DeliverWebhookOptions,
	): Promise<{ status: number; body: string }>;
	close(): Promise<void>;
}

export const SANDBOX_VOICES: readonly SandboxVoice[] = Object.freeze([
	{ id: 'en-US-aria', name: 'Aria', language: 'en-US', gender: 'female' },
	{ id: 'en-US-guy', name: 'Guy', language: 'en-US', gender: 'male' },
	{ id: 'en-GB-sonia', name: 'Sonia', language: 'en-GB', gender: 'female' },
	{ id: 'en-GB-ryan', name: 'Ryan', language: 'en-GB', gender: 'male' },
	{ id: 'de-DE-katja', name: 'Katja', language: 'de-DE', gender: 'female' },
	{ id: 'fr-FR-henri', name: 'Henri', language: 'fr-FR', gender: 'male' },
	{ id: 'es-ES-elvira', name: 'Elvira', language: 'es-ES', gender: 'female' },
	{ id: 'ja-JP-keita', name: 'Keita', language: 'ja-JP', gender: 'male' },
] as SandboxVoice[]);

const EMOTIONS: readonly string[] = ['calm', 'natural', 'expressive', 'sad'];
const STRING_FIELDS = ['title', 'watermark_text', 'video_prompt', 'video_negative_prompt'] as const;
const KNOWN_FIELDS = new Set([
	'portrait_url',
	'portrait_base64',
	'script',
	'voice_id',
	'audio_url',
	'audio_base64',
	'emotion_preset',
	'live_subtitles',
	'webhook_url',
	'title',
	'face_restore',
	'watermark_text',
	'video_prompt',
	'video_negative_prompt',
]);
const MAX_TIMER_MS = 2 ** 31 - 1;
const HTML_502 =
	'<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';

/** Lowercase hex SHA-256 of the token: the documented webhook signing key. */
export function webhookSecretForToken(token: string): string {
	return crypto.createHash('sha256').update(token, 'utf8').digest('hex');
}

/** `sha256=<hex hmac>` over the exact body bytes. */
export function signWebhookBody(secret: string, rawBody: string | Buffer): string {
	return 'sha256=' + crypto.createHmac('sha256', secret).update(rawBody).digest('hex');
}

/** Whether a URL's host is one the sandbox may contact. */
export function isLocalUrl(url: URL): boolean {
	const host = url.hostname.toLowerCase();
	return host === '127.0.0.1' || host === 'localhost';
}

// ---------------------------------------------------------------------------------------------
// helpers

class ApiError extends Error {
	constructor(
		readonly status: number,
		readonly code: string,
		message: string,
		readonly headers: Record<string, string> = {},
	) {
		super(message);
	}
}

interface Reply {
	status: number;
	headers?: Record<string, string>;
	json?: unknown;
	text?: string;
}

function mulberry32(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
function randomAlnum(n: number): string {
	const bytes = crypto.randomBytes(n);
	let out = '';
	for (let i = 0; i < n; i++) out += ALNUM[bytes[i] % ALNUM.length];
	return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function base64Size(value: string): number {
	return Buffer.byteLength(value.replace(/\s+/g, ''), 'base64');
}

function summariseBody(body: unknown): unknown {
	if (!isPlainObject(body)) return body;
	const copy: Record<string, unknown> = { ...body };
	for (const key of ['portrait_base64', 'audio_base64']) {
		const value = copy[key];
		if (typeof value === 'string') copy[key] = `<base64 ${base64Size(value)} bytes>`;
	}
	return copy;
}

/** Strict base64: optional whitespace, standard alphabet, padding, and an exact round trip. */
function decodeBase64Strict(field: string, value: string): Buffer {
	if (/^data:/i.test(value.trim())) {
		throw new ApiError(
			400,
			'invalid_asset',
			`${field} must be bare base64, not a data: URL (remove the "data:...;base64," prefix)`,
		);
	}
	const compact = value.replace(/\s+/g, '');
	if (compact.length === 0) throw new ApiError(400, 'invalid_asset', `${field} is empty`);
	if (compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) {
		throw new ApiError(400, 'invalid_asset', `${field} is not valid base64`);
	}
	const bytes = Buffer.from(compact, 'base64');
	if (bytes.toString('base64') !== compact) {
		throw new ApiError(400, 'invalid_asset', `${field} is not valid base64`);
	}
	return bytes;
}

export function isImage(bytes: Buffer): boolean {
	if (bytes.length >= 8 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) {
		return true;
	}
	if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return true;
	if (bytes.length >= 6 && /^GIF8[79]a$/.test(bytes.toString('latin1', 0, 6))) return true;
	if (bytes.length >= 12 && bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP') {
		return true;
	}
	return false;
}

export type AudioKind = 'wav' | 'mp3' | 'ogg' | 'flac' | 'm4a';

export function audioKind(bytes: Buffer): AudioKind | undefined {
	if (bytes.length >= 12 && bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WAVE') {
		return 'wav';
	}
	if (bytes.length >= 3 && bytes.toString('latin1', 0, 3) === 'ID3') return 'mp3';
	if (bytes.length >= 2 && bytes[0] === 0xff && (bytes[1] & 0xe0) === 0xe0 && (bytes[1] & 0x06) !== 0) return 'mp3';
	if (bytes.length >= 4 && bytes.toString('latin1', 0, 4) === 'OggS') return 'ogg';
	if (bytes.length >= 4 && bytes.toString('latin1', 0, 4) === 'fLaC') return 'flac';
	if (bytes.length >= 8 && bytes.toString('latin1', 4, 8) === 'ftyp') return 'm4a';
	return undefined;
}

/** Duration in seconds of a PCM WAV (RIFF/WAVE with `fmt ` and `data` chunks), or undefined. */
export function wavDurationSeconds(bytes: Buffer): number | undefined {
	if (audioKind(bytes) !== 'wav') return undefined;
	let offset = 12;
	let byteRate = 0;
	while (offset + 8 <= bytes.length) {
		const id = bytes.toString('latin1', offset, offset + 4);
		const size = bytes.readUInt32LE(offset + 4);
		const start = offset + 8;
		if (id === 'fmt ' && start + 12 <= bytes.length) {
			byteRate = bytes.readUInt32LE(start + 8);
		} else if (id === 'data') {
			if (!byteRate) return undefined;
			const available = Math.max(0, bytes.length - start);
			const dataBytes = size === 0xffffffff || size > available ? available : size;
			return dataBytes / byteRate;
		}
		offset = start + size + (size % 2);
	}
	return undefined;
}

function creditsFor(seconds: number): number {
	return Math.max(MIN_CREDITS, Math.ceil(Math.round(seconds * 1000) / 1000));
}

function encodeCursor(seq: number): string {
	return Buffer.from(`vlmc1:${seq}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): number {
	const text = /^[A-Za-z0-9_-]+$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
	const m = /^vlmc1:(\d{1,15})$/.exec(text);
	if (!m) throw new ApiError(400, 'invalid_input', 'cursor is not a valid cursor from a previous page');
	return Number(m[1]);
}

function rawPathAndQuery(url: string): string {
	const m = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*([^#]*)/i.exec(url);
	const rest = m ? m[1] : '/';
	if (rest === '') return '/';
	return rest.startsWith('/') ? rest : '/' + rest;
}

// ---------------------------------------------------------------------------------------------
// internal state

interface VideoRecord {
	id: string;
	seq: number;
	token: string;
	title: string | null;
	createdAtMs: number;
	settledAtMs: number | null;
	final: 'completed' | 'failed' | null;
	creditsCharged: number;
	durationSeconds: number;
	voiceId: string | null;
	emotionPreset: EmotionPreset;
	liveSubtitles: boolean;
	webhookUrl: string | null;
	willFail: boolean;
	failMessage: string;
	errorMessage: string | null;
	refunded: boolean;
	creditsRefunded: number;
	deleted: boolean;
	request: Record<string, unknown>;
	timers: Set<NodeJS.Timeout>;
}

interface ActiveFault extends SandboxFault {
	remaining: number;
}

class SandboxImpl implements Sandbox {
	baseUrl = '';
	filesBaseUrl = '';
	port = 0;
	filesPort = 0;
	readonly tokens = SANDBOX_TOKENS;
	readonly voices = SANDBOX_VOICES;
	readonly requests: SandboxRequestLog[] = [];
	readonly deliveries: SandboxDelivery[] = [];

	private readonly api: http.Server;
	private readonly files: http.Server;
	private readonly accounts = new Map<string, SandboxAccount>();
	private readonly videos = new Map<string, VideoRecord>();
	private readonly timers = new Set<NodeJS.Timeout>();
	private readonly outgoing = new Set<http.ClientRequest>();
	private readonly fileSecret = crypto.randomBytes(32);
	private faults: ActiveFault[] = [];
	private seq = 0;
	private closed = false;
	private readonly rng: () => number;
	private latencyMs: number;
	private listShape: Required<SandboxListShape>;
	private readonly renderTimeMs: number;
	private readonly urlTtlMs: number;
	private readonly retryBaseMs: number;
	private readonly retryWindowMs: number;
	private readonly maxAttempts: number;
	private readonly webhookTimeoutMs: number;
	private readonly assetTimeoutMs: number;
	private readonly fileSize: number;
	private readonly truncateDownloads: boolean;
	private readonly failRate: number;

	constructor(private readonly options: SandboxOptions) {
		this.rng = mulberry32(options.seed ?? 42);
		this.latencyMs = options.latencyMs ?? 0;
		this.listShape = { key: 'videos', cursorKey: 'next_cursor', ...options.listShape };
		if (options.listShape && 'key' in options.listShape && options.listShape.key === null) this.listShape.key = null;
		this.renderTimeMs = Math.max(0, options.renderTimeMs ?? 5000);
		this.urlTtlMs = options.urlTtlMs ?? 3600000;
		this.retryBaseMs = options.webhookRetryBaseMs ?? 1000;
		this.retryWindowMs = options.webhookRetryWindowMs ?? 86400000;
		this.maxAttempts = options.webhookMaxAttempts ?? 20;
		this.webhookTimeoutMs = options.webhookTimeoutMs ?? 10000;
		this.assetTimeoutMs = options.assetFetchTimeoutMs ?? 3000;
		this.fileSize = paddedMp4Size(options.videoSizeBytes);
		this.truncateDownloads = options.truncateDownloads ?? false;
		this.failRate = options.failRate ?? 0;
		this.accounts.set(SANDBOX_TOKENS.pro, {
			userId: 'usr_sandbox_pro',
			email: 'pro@sandbox.vlogme.test',
			plan: 'pro',
			credits: 100000,
		});
		this.accounts.set(SANDBOX_TOKENS.basic, {
			userId: 'usr_sandbox_basic',
			email: 'basic@sandbox.vlogme.test',
			plan: 'basic',
			credits: 1000,
		});
		this.accounts.set(SANDBOX_TOKENS.free, {
			userId: 'usr_sandbox_free',
			email: 'free@sandbox.vlogme.test',
			plan: 'free',
			credits: 0,
		});
		this.accounts.set(SANDBOX_TOKENS.broke, {
			userId: 'usr_sandbox_broke',
			email: 'broke@sandbox.vlogme.test',
			plan: 'basic',
			credits: 5,
		});
		this.api = http.createServer((req, res) => {
			this.onRequest('api', req, res).catch((err) => this.crash(res, err));
		});
		this.files = http.createServer((req, res) => {
			this.onRequest('files', req, res).catch((err) => this.crash(res, err));
		});
	}

	async listen(): Promise<void> {
		const listen = (server: http.Server, port: number) =>
			new Promise<number>((resolve, reject) => {
				server.once('error', reject);
				server.listen(port, '127.0.0.1', () => {
					server.off('error', reject);
					resolve((server.address() as AddressInfo).port);
				});
			});
		this.port = await listen(this.api, this.options.port ?? 0);
		try {
			this.filesPort = await listen(this.files, this.options.filesPort ?? 0);
		} catch (err) {
			await new Promise<void>((resolve) => this.api.close(() => resolve()));
			throw err;
		}
		this.baseUrl = `http://127.0.0.1:${this.port}${BASE_PATH}`;
		this.filesBaseUrl = `http://127.0.0.1:${this.filesPort}`;
	}

	// ----- public helpers -------------------------------------------------------------------

	clearLog(): void {
		this.requests.length = 0;
		this.deliveries.length = 0;
	}

	count(method: string, pathPrefixOrRegex?: string | RegExp): number {
		return this.requests.filter(
			(r) =>
				(method === '*' || r.method.toUpperCase() === method.toUpperCase()) &&
				(pathPrefixOrRegex === undefined || this.pathMatches(pathPrefixOrRegex, r.path, r.route)),
		).length;
	}

	injectFault(fault: SandboxFault): void {
		const times = fault.times ?? 1;
		if (!(times > 0)) throw new Error('injectFault: times must be > 0');
		this.faults.push({ ...fault, remaining: times });
	}

	clearFaults(): void {
		this.faults = [];
	}

	setLatency(ms: number): void {
		this.latencyMs = Math.max(0, ms);
	}

	setListShape(shape: SandboxListShape): void {
		this.listShape = {
			key: shape.key === undefined ? 'videos' : shape.key,
			cursorKey: shape.cursorKey ?? 'next_cursor',
		};
	}

	addAccount(account: { plan: SandboxPlan; credits: number; email?: string }): string {
		const token = 'vlm_live_' + randomAlnum(34);
		const userId = 'usr_' + crypto.randomBytes(6).toString('hex');
		this.accounts.set(token, {
			userId,
			email: account.email ?? `${userId}@sandbox.vlogme.test`,
			plan: account.plan,
			credits: account.credits,
		});
		return token;
	}

	getAccount(token: string): SandboxAccount | undefined {
		const account = this.accounts.get(token);
		return account ? { ...account } : undefined;
	}

	setCredits(token: string, credits: number): void {
		const account = this.accounts.get(token);
		if (!account) throw new Error('setCredits: unknown token');
		account.credits = credits;
	}

	getVideo(id: string): SandboxVideoState | undefined {
		const rec = this.videos.get(id);
		if (!rec) return undefined;
		if (!rec.deleted) this.refresh(rec);
		return {
			id: rec.id,
			token: rec.token,
			video: this.publicVideo(rec),
			request: rec.request,
			creditsCharged: rec.creditsCharged,
			refunded: rec.refunded,
			creditsRefunded: rec.creditsRefunded,
			deleted: rec.deleted,
			webhookUrl: rec.webhookUrl,
			willFail: rec.willFail,
			createdAtMs: rec.createdAtMs,
			settledAtMs: rec.settledAtMs,
		};
	}

	completeNow(id: string): SandboxVideo {
		const rec = this.liveRecord(id, 'completeNow');
		this.settle(rec, 'completed', Date.now());
		return this.publicVideo(rec);
	}

	failNow(id: string, message?: string): SandboxVideo {
		const rec = this.liveRecord(id, 'failNow');
		this.settle(rec, 'failed', Date.now(), message);
		return this.publicVideo(rec);
	}

	signFileUrl(id: string, ttlMs: number = this.urlTtlMs): string {
		const expires = Date.now() + ttlMs;
		return `${this.filesBaseUrl}/files/${id}.mp4?expires=${expires}&signature=${this.fileSignature(id, expires)}`;
	}

	async deliverWebhook(
		url: string,
		body: string | object,
		opts: DeliverWebhookOptions = {},
	): Promise<{ status: number; body: string }> {
		const raw = typeof body === 'string' ? body : JSON.stringify(body);
		let event = 'video.completed';
		let videoId: string | null = null;
		try {
			const parsed: unknown = JSON.parse(raw);
			if (isPlainObject(parsed)) {
				if (typeof parsed.event === 'string') event = parsed.event;
				if (isPlainObject(parsed.video) && typeof parsed.video.id === 'string') videoId = parsed.video.id;
			}
		} catch {
			// a forged, non-JSON body is allowed
		}
		const token = opts.token ?? SANDBOX_TOKENS.pro;
		const sign = opts.sign ?? 'derived';
		let secret: string | undefined;
		if (sign === 'derived') secret = webhookSecretForToken(token);
		else if (sign === 'raw') secret = token;
		else if (typeof sign === 'object') secret = sign.secret;
		const headers: Record<string, string> = this.webhookHeaders(raw, event, 'dlv_' + crypto.randomBytes(8).toString('hex'), secret);
		for (const [k, v] of Object.entries(opts.headers ?? {})) {
			for (const existing of Object.keys(headers)) if (existing.toLowerCase() === k.toLowerCase()) delete headers[existing];
			headers[k] = v;
		}
		const result = await this.post(url, raw, headers);
		this.deliveries.push({
			url,
			event,
			videoId,
			deliveryId: headers['X-Vlogme-Delivery'] ?? '',
			attempt: 1,
			status: result.status,
			at: Date.now(),
			...(result.error ? { error: result.error } : {}),
		});
		if (result.error) throw new Error(`deliverWebhook: ${result.error}`);
		return { status: result.status, body: result.body };
	}

	async close(): Promise<void> {
		if (this.closed) return;
		this.closed = true;
		for (const t of this.timers) clearTimeout(t);
		this.timers.clear();
		for (const rec of this.videos.values()) rec.timers.clear();
		for (const req of this.outgoing) req.destroy();
		this.outgoing.clear();
		const closeServer = (server: http.Server) =>
			new Promise<void>((resolve) => {
				server.close(() => resolve());
				server.closeAllConnections();
			});
		await Promise.all([closeServer(this.api), closeServer(this.files)]);
	}

	// ----- timers ----------------------------------------------------------------------------

	private later(ms: number, fn: () => void, rec?: VideoRecord): NodeJS.Timeout {
		const timer = setTimeout(() => {
			this.timers.delete(timer);
			rec?.timers.delete(timer);
			if (!this.closed) fn();
		}, Math.min(MAX_TIMER_MS, Math.max(0, ms)));
		timer.unref();
		this.timers.add(timer);
		rec?.timers.add(timer);
		return timer;
	}

	private sleep(ms: number): Promise<void> {
		if (ms <= 0) return Promise.resolve();
		return new Promise((resolve) => this.later(ms, resolve));
	}

	// ----- request handling ------------------------------------------------------------------

	private crash(res: http.ServerResponse, err: unknown): void {
		if (res.headersSent || res.destroyed) {
			res.destroy();
			return;
		}
		const message = err instanceof Error ? err.message : String(err);
		res.writeHead(500, { 'Content-Type': 'application/json; charset=utf-8' });
		res.end(JSON.stringify({ error: { code: 'internal_error', message: `sandbox bug: ${message}` } }));
	}

	private pathMatches(pattern: string | RegExp, path: string, route: string): boolean {
		if (typeof pattern === 'string') return route.startsWith(pattern) || path.startsWith(pattern);
		pattern.lastIndex = 0;
		if (pattern.test(route)) return true;
		pattern.lastIndex = 0;
		return pattern.test(path);
	}

	private takeFault(server: 'api' | 'files', method: string, path: string, route: string): ActiveFault | undefined {
		for (const fault of this.faults) {
			if (fault.remaining <= 0) continue;
			const target = fault.server ?? (fault.kind === 'truncate' ? 'files' : 'api');
			if (target !== server) continue;
			if (fault.method && fault.method.toUpperCase() !== method) continue;
			if (fault.path !== undefined && !this.pathMatches(fault.path, path, route)) continue;
			if (fault.probability !== undefined && fault.probability < 1 && this.rng() >= fault.probability) continue;
			fault.remaining -= 1;
			if (fault.remaining <= 0) this.faults = this.faults.filter((f) => f !== fault);
			return fault;
		}
		return undefined;
	}

	private async readBody(req: http.IncomingMessage): Promise<{ text: string; tooLarge: boolean; bytes: number }> {
		const chunks: Buffer[] = [];
		let size = 0;
		let tooLarge = false;
		for await (const chunk of req as AsyncIterable<Buffer>) {
			size += chunk.length;
			if (size > MAX_BODY_BYTES) {
				tooLarge = true;
				chunks.length = 0;
			} else {
				chunks.push(chunk);
			}
		}
		return { text: tooLarge ? '' : Buffer.concat(chunks).toString('utf8'), tooLarge, bytes: size };
	}

	private async onRequest(server: 'api' | 'files', req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
		const method = (req.method ?? 'GET').toUpperCase();
		const parsed = new URL(req.url ?? '/', 'http://127.0.0.1');
		const path = parsed.pathname;
		let route = path;
		if (server === 'api') {
			if (path === BASE_PATH || path.startsWith(BASE_PATH + '/')) route = path.slice(BASE_PATH.length) || '/';
		}
		const query: Record<string, string> = {};
		for (const [k, v] of parsed.searchParams) query[k] = v;
		const headers: Record<string, string> = {};
		for (const [k, v] of Object.entries(req.headers)) {
			if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
		}
		const entry: SandboxRequestLog = {
			method,
			path,
			route,
			query,
			headers,
			authorized: req.headers.authorization !== undefined,
			body: null,
			status: 0,
			at: Date.now(),
			server,
		};
		this.requests.push(entry);

		const fault = this.takeFault(server, method, path, route);
		if (fault) entry.fault = fault.kind;
		if (fault?.kind === 'drop') {
			req.socket.destroy();
			return;
		}

		const body = server === 'api' ? await this.readBody(req) : { text: '', tooLarge: false, bytes: 0 };
		let parsedBody: unknown = undefined;
		let jsonOk = false;
		if (body.tooLarge) {
			entry.body = `<body of ${body.bytes} bytes, over the 25 MB limit>`;
		} else if (body.text.length > 0) {
			try {
				parsedBody = JSON.parse(body.text);
				jsonOk = true;
				entry.body = summariseBody(parsedBody);
			} catch {
				entry.body = body.text.length > 65536 ? body.text.slice(0, 65536) + '…(truncated)' : body.text;
			}
		}

		if (server === 'files') {
			if (fault && fault.kind !== 'truncate' && fault.kind !== 'drop_after') {
				this.send(res, entry, this.faultReply(fault));
				return;
			}
			this.serveFile(req, res, entry, method, path, query, fault?.kind === 'truncate', fault?.kind === 'drop_after');
			return;
		}

		let reply: Reply;
		if (fault && fault.kind !== 'drop_after' && fault.kind !== 'truncate') {
			reply = this.faultReply(fault);
		} else {
			try {
				reply = await this.route(method, route, path, query, headers, body, jsonOk, parsedBody);
			} catch (err) {
				if (err instanceof ApiError) {
					reply = {
						status: err.status,
						headers: err.headers,
						json: { error: { code: err.code, message: err.message } },
					};
				} else {
					const message = err instanceof Error ? err.message : String(err);
					reply = { status: 500, json: { error: { code: 'internal_error', message: `sandbox bug: ${message}` } } };
				}
			}
		}
		await this.sleep(this.latencyMs);
		if (this.closed) return;
		if (fault?.kind === 'drop_after') {
			req.socket.destroy();
			return;
		}
		if (fault?.kind === 'truncate') {
			this.send(res, entry, reply, true);
			return;
		}
		this.send(res, entry, reply);
	}

	private faultReply(fault: ActiveFault): Reply {
		switch (fault.kind) {
			case 'rate_limit':
				return {
					status: 429,
					headers:
						fault.retryAfterSeconds !== undefined ? { 'Retry-After': String(fault.retryAfterSeconds) } : {},
					json: { error: { code: 'rate_limited', message: 'Too many requests, slow down (sandbox fault)' } },
				};
			case 'db_error':
				return { status: 500, json: { error: { code: 'db_error', message: 'Database error (sandbox fault)' } } };
			case 'html_502':
				return { status: 502, headers: { 'Content-Type': 'text/html' }, text: HTML_502 };
			default:
				return {
					status: 500,
					json: { error: { code: 'internal_error', message: 'Internal server error (sandbox fault)' } },
				};
		}
	}

	private send(res: http.ServerResponse, entry: SandboxRequestLog, reply: Reply, truncate = false): void {
		const payload = reply.json !== undefined ? JSON.stringify(reply.json) : (reply.text ?? '');
		const bytes = Buffer.from(payload, 'utf8');
		const headers: Record<string, string | number> = {
			'Content-Type': reply.json !== undefined ? 'application/json; charset=utf-8' : 'text/plain; charset=utf-8',
			...reply.headers,
			'Content-Length': bytes.length,
		};
		entry.status = reply.status;
		if (res.destroyed) return;
		res.writeHead(reply.status, headers);
		if (truncate) {
			res.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => res.destroy());
			return;
		}
		res.end(entry.method === 'HEAD' ? undefined : bytes);
	}

	// ----- API routes ------------------------------------------------------------------------

	private async route(
		method: string,
		route: string,
		path: string,
		query: Record<string, string>,
		headers: Record<string, string>,
		body: { text: string; tooLarge: boolean },
		jsonOk: boolean,
		parsedBody: unknown,
	): Promise<Reply> {
		if (!(path === BASE_PATH || path.startsWith(BASE_PATH + '/'))) {
			throw new ApiError(404, 'not_found', `No such route: ${method} ${path}`);
		}
		const token = this.authenticate(headers);
		const account = this.accounts.get(token) as SandboxAccount;
		const r = route.length > 1 && route.endsWith('/') ? route.slice(0, -1) : route;
		const videoMatch = /^\/videos\/([^/]+)$/.exec(r);
		if (r === '/me' && method === 'GET') {
			return {
				status: 200,
				json: { user_id: account.userId, email: account.email, plan: account.plan, credits: account.credits },
			};
		}
		if (r === '/voices' && method === 'GET') {
			const voices = this.voices.map((v) => ({ ...v }));
			const key = this.listShape.key;
			return { status: 200, json: key === null ? voices : { [key === 'videos' ? 'voices' : key]: voices } };
		}
		if (r === '/videos' && method === 'POST') {
			if (body.tooLarge) throw new ApiError(400, 'invalid_asset', 'Request body is larger than 25 MB');
			if (!jsonOk) throw new ApiError(400, 'invalid_json', 'The request body is not valid JSON');
			return this.createVideo(token, account, parsedBody);
		}
		if (r === '/videos' && method === 'GET') return this.listVideos(token, query);
		if (videoMatch && method === 'GET') {
			const rec = this.ownedRecord(token, decodeURIComponent(videoMatch[1]));
			this.refresh(rec);
			return { status: 200, json: this.publicVideo(rec) };
		}
		if (videoMatch && method === 'DELETE') {
			const rec = this.ownedRecord(token, decodeURIComponent(videoMatch[1]));
			this.refresh(rec);
			let refunded = false;
			let amount = 0;
			if (rec.final === null) {
				refunded = true;
				amount = rec.creditsCharged;
				const owner = this.accounts.get(rec.token);
				if (owner) owner.credits += amount;
				rec.refunded = true;
				rec.creditsRefunded = amount;
			}
			rec.deleted = true;
			for (const t of rec.timers) {
				clearTimeout(t);
				this.timers.delete(t);
			}
			rec.timers.clear();
			return { status: 200, json: { id: rec.id, deleted: true, refunded, credits_refunded: amount } };
		}
		throw new ApiError(404, 'not_found', `No such route: ${method} ${path}`);
	}

	private authenticate(headers: Record<string, string>): string {
		const header = headers['authorization'];
		if (header === undefined || header.trim() === '') {
			throw new ApiError(401, 'missing_token', 'Missing API token: send "Authorization: Bearer <token>"');
		}
		const m = /^Bearer[ \t]+(\S*)\s*$/i.exec(header.trim());
		if (!m || m[1] === '') {
			if (/^Bearer\s*$/i.test(header.trim())) {
				throw new ApiError(401, 'missing_token', 'Missing API token: send "Authorization: Bearer <token>"');
			}
			throw new ApiError(401, 'invalid_token', 'Invalid API token (expected "Authorization: Bearer <token>")');
		}
		const account = this.accounts.get(m[1]);
		if (!account) throw new ApiError(401, 'invalid_token', 'Invalid API token');
		if (account.plan === 'free') {
			throw new ApiError(403, 'plan_required', 'The API is available on paid plans (Basic and higher); this account is on Free');
		}
		return m[1];
	}

	private ownedRecord(token: string, id: string): VideoRecord {
		const rec = this.videos.get(id);
		if (!rec || rec.deleted || rec.token !== token) throw new ApiError(404, 'not_found', `No video with id ${id}`);
		return rec;
	}

	private liveRecord(id: string, what: string): VideoRecord {
		const rec = this.videos.get(id);
		if (!rec || rec.deleted) throw new Error(`${what}: no live video with id ${id}`);
		return rec;
	}

	private listVideos(token: string, query: Record<string, string>): Reply {
		let limit = 20;
		if (query.limit !== undefined) {
			if (!/^\d+$/.test(query.limit)) throw new ApiError(400, 'invalid_input', 'limit must be an integer from 1 to 100');
			limit = Number(query.limit);
			if (limit < 1 || limit > 100) throw new ApiError(400, 'invalid_input', 'limit must be an integer from 1 to 100');
		}
		let before = Number.POSITIVE_INFINITY;
		if (query.cursor !== undefined && query.cursor !== '') before = decodeCursor(query.cursor);
		const mine = [...this.videos.values()]
			.filter((v) => v.token === token && !v.deleted && v.seq < before)
			.sort((a, b) => b.seq - a.seq);
		const page = mine.slice(0, limit);
		for (const rec of page) this.refresh(rec);
		const videos = page.map((rec) => this.publicVideo(rec));
		const next = mine.length > limit ? encodeCursor(page[page.length - 1].seq) : null;
		const { key, cursorKey } = this.listShape;
		if (key === null) return { status: 200, json: videos };
		return { status: 200, json: { [key]: videos, [cursorKey]: next } };
	}

	private async createVideo(token: string, account: SandboxAccount, body: unknown): Promise<Reply> {
		if (!isPlainObject(body)) throw new ApiError(400, 'invalid_input', 'The request body must be a JSON object');
		for (const key of Object.keys(body)) {
			if (!KNOWN_FIELDS.has(key)) throw new ApiError(400, 'invalid_input', `Unknown field: ${key}`);
		}
		const str = (field: string): string | undefined => {
			const value = body[field];
			if (value === undefined) return undefined;
			if (typeof value !== 'string') throw new ApiError(400, 'invalid_input', `${field} must be a string`);
			return value;
		};
		const httpUrl = (field: string): string | undefined => {
			const value = str(field);
			if (value === undefined) return undefined;
			let url: URL;
			try {
				url = new URL(value);
			} catch {
				throw new ApiError(400, 'invalid_input', `${field} must be an http(s) URL`);
			}
			if (url.protocol !== 'http:' && url.protocol !== 'https:') {
				throw new ApiError(400, 'invalid_input', `${field} must be an http(s) URL`);
			}
			return value;
		};
		const portraitUrl = httpUrl('portrait_url');
		const portraitB64 = str('portrait_base64');
		const script = str('script');
		const voiceId = str('voice_id');
		const audioUrl = httpUrl('audio_url');
		const audioB64 = str('audio_base64');
		const webhookUrl = httpUrl('webhook_url');
		const emotion = str('emotion_preset');
		for (const field of STRING_FIELDS) str(field);
		const title = str('title');

		if (portraitUrl === undefined && portraitB64 === undefined) {
			throw new ApiError(400, 'invalid_input', 'One of portrait_url or portrait_base64 is required');
		}
		if (portraitUrl !== undefined && portraitB64 !== undefined) {
			throw new ApiError(400, 'invalid_input', 'Send only one of portrait_url or portrait_base64, not both');
		}
		const sources = [script, audioUrl, audioB64].filter((s) => s !== undefined).length;
		if (sources === 0) {
			throw new ApiError(400, 'invalid_input', 'One of script (with voice_id), audio_url or audio_base64 is required');
		}
		if (sources > 1) {
			throw new ApiError(400, 'invalid_input', 'Send only one of script, audio_url or audio_base64');
		}
		if (script !== undefined) {
			if (script.trim() === '') throw new ApiError(400, 'invalid_input', 'script must not be empty');
			if (script.length > MAX_SCRIPT_CHARS) {
				throw new ApiError(
					400,
					'invalid_input',
					`script is too long: ${script.length} characters, at most ${MAX_SCRIPT_CHARS}`,
				);
			}
			if (voiceId === undefined) throw new ApiError(400, 'invalid_input', 'voice_id is required with script');
		}
		if (voiceId !== undefined && !this.voices.some((v) => v.id === voiceId)) {
			throw new ApiError(400, 'invalid_input', `Unknown voice_id: ${voiceId}`);
		}
		if (emotion !== undefined && !EMOTIONS.includes(emotion)) {
			throw new ApiError(400, 'invalid_input', `emotion_preset must be one of ${EMOTIONS.join(', ')}`);
		}
		if (body.live_subtitles !== undefined && typeof body.live_subtitles !== 'boolean') {
			throw new ApiError(400, 'invalid_input', 'live_subtitles must be a boolean');
		}
		if (body.face_restore !== undefined) {
			const fr = body.face_restore;
			if (typeof fr !== 'number' || !Number.isFinite(fr) || fr < 0 || fr > 1) {
				throw new ApiError(400, 'invalid_input', 'face_restore must be a number from 0 to 1');
			}
		}

		// assets
		if (portraitB64 !== undefined) {
			const bytes = decodeBase64Strict('portrait_base64', portraitB64);
			if (!isImage(bytes)) {
				throw new ApiError(400, 'invalid_asset', 'portrait_base64 is not an image (PNG, JPEG, GIF or WEBP expected)');
			}
		} else if (portraitUrl !== undefined) {
			const url = new URL(portraitUrl);
			if (isLocalUrl(url)) {
				const bytes = await this.fetchAsset('portrait_url', portraitUrl);
				if (!isImage(bytes)) {
					throw new ApiError(400, 'invalid_asset', 'portrait_url does not point to an image (PNG, JPEG, GIF or WEBP expected)');
				}
			}
		}
		let durationSeconds: number;
		if (script !== undefined) {
			const words = script.trim().split(/\s+/).filter(Boolean).length;
			durationSeconds = (words * 60) / WORDS_PER_MINUTE;
		} else {
			let bytes: Buffer | undefined;
			let field = 'audio_base64';
			if (audioB64 !== undefined) {
				bytes = decodeBase64Strict('audio_base64', audioB64);
			} else if (audioUrl !== undefined && isLocalUrl(new URL(audioUrl))) {
				field = 'audio_url';
				bytes = await this.fetchAsset('audio_url', audioUrl);
			}
			if (bytes === undefined) {
				durationSeconds = DEFAULT_AUDIO_SECONDS;
			} else {
				const kind = audioKind(bytes);
				if (!kind) {
					throw new ApiError(
						400,
						'invalid_asset',
						`${field} is not audio (WAV, MP3, OGG, FLAC or M4A expected)`,
					);
				}
				if (kind === 'wav') {
					const seconds = wavDurationSeconds(bytes);
					if (seconds === undefined) throw new ApiError(400, 'invalid_asset', `${field} is not a readable WAV file`);
					durationSeconds = seconds;
				} else {
					durationSeconds = DEFAULT_AUDIO_SECONDS;
				}
			}
		}
		durationSeconds = Math.round(durationSeconds * 1000) / 1000;
		const cost = creditsFor(durationSeconds);
		if (account.credits < cost) {
			throw new ApiError(
				402,
				'insufficient_credits',
				`This render needs ${cost} credits; ${account.credits} available`,
			);
		}
		account.credits -= cost;

		const now = Date.now();
		const marked = (title ?? '').includes(FAIL_MARKER) || (script ?? '').includes(FAIL_MARKER);
		const randomFail = !marked && this.failRate > 0 && this.rng() < this.failRate;
		const rec: VideoRecord = {
			id: 'vid_' + crypto.randomBytes(12).toString('hex'),
			seq: ++this.seq,
			token,
			title: title ?? null,
			createdAtMs: now,
			settledAtMs: null,
			final: null,
			creditsCharged: cost,
			durationSeconds,
			voiceId: voiceId ?? null,
			emotionPreset: (emotion ?? 'natural') as EmotionPreset,
			liveSubtitles: body.live_subtitles === undefined ? true : (body.live_subtitles as boolean),
			webhookUrl: webhookUrl ?? null,
			willFail: marked || randomFail,
			failMessage: marked ? DEFAULT_FAIL_MESSAGE : 'Render failed: lip-sync model error (sandbox failRate)',
			errorMessage: null,
			refunded: false,
			creditsRefunded: 0,
			deleted: false,
			request: summariseBody(body) as Record<string, unknown>,
			timers: new Set(),
		};
		this.videos.set(rec.id, rec);
		this.later(
			this.renderTimeMs,
			() => this.settle(rec, rec.willFail ? 'failed' : 'completed', rec.createdAtMs + this.renderTimeMs),
			rec,
		);
		return { status: 201, json: this.publicVideo(rec) };
	}

	private fetchAsset(field: string, url: string): Promise<Buffer> {
		return new Promise<Buffer>((resolve, reject) => {
			const u = new URL(url);
			const mod = u.protocol === 'https:' ? https : http;
			const fail = (why: string) => reject(new ApiError(400, 'invalid_asset', `${field} could not be fetched: ${why}`));
			const req = mod.request(
				{
					protocol: u.protocol,
					hostname: u.hostname,
					port: u.port || undefined,
					path: rawPathAndQuery(url),
					method: 'GET',
					agent: false,
					headers: { 'User-Agent': 'Vlogme-Fetcher/1.0', Connection: 'close' },
					...(u.protocol === 'https:' ? { rejectUnauthorized: false } : {}),
				},
				(res) => {
					const status = res.statusCode ?? 0;
					if (status < 200 || status >= 300) {
						res.resume();
						fail(`HTTP ${status}`);
						return;
					}
					const chunks: Buffer[] = [];
					let size = 0;
					res.on('data', (chunk: Buffer) => {
						size += chunk.length;
						if (size > MAX_BODY_BYTES) {
							req.destroy();
							reject(new ApiError(400, 'invalid_asset', `${field} is too large (over 25 MB)`));
							return;
						}
						chunks.push(chunk);
					});
					res.on('end', () => resolve(Buffer.concat(chunks)));
					res.on('error', (err) => fail(err.message));
				},
			);
			this.outgoing.add(req);
			req.on('close', () => this.outgoing.delete(req));
			req.setTimeout(this.assetTimeoutMs, () => {
				req.destroy(new Error('timed out'));
			});
			req.on('error', (err) => fail(err.message === 'timed out' ? 'timed out' : 'unreachable'));
			req.end();
		});
	}

	// ----- lifecycle ------------------------------------------------------------------------

	/** Settles a render whose time has come (lazy path; the timer normally did it already). */
	private refresh(rec: VideoRecord): void {
		if (rec.final !== null || rec.deleted) return;
		if (Date.now() - rec.createdAtMs >= this.renderTimeMs) {
			this.settle(rec, rec.willFail ? 'failed' : 'completed', rec.createdAtMs + this.renderTimeMs);
		}
	}

	private settle(rec: VideoRecord, outcome: 'completed' | 'failed', at: number, message?: string): void {
		if (rec.final !== null || rec.deleted) return;
		rec.final = outcome;
		rec.settledAtMs = at;
		for (const t of rec.timers) {
			clearTimeout(t);
			this.timers.delete(t);
		}
		rec.timers.clear();
		if (outcome === 'failed') {
			rec.errorMessage = message ?? rec.failMessage;
			const owner = this.accounts.get(rec.token);
			if (owner) owner.credits += rec.creditsCharged;
			rec.refunded = true;
			rec.creditsRefunded = rec.creditsCharged;
		}
		if (rec.webhookUrl) this.startWebhook(rec);
	}

	private statusOf(rec: VideoRecord): VideoStatus {
		if (rec.final) return rec.final;
		return Date.now() - rec.createdAtMs >= this.renderTimeMs / 3 ? 'processing' : 'preparing';
	}

	private publicVideo(rec: VideoRecord): SandboxVideo {
		const status = this.statusOf(rec);
		let updated = rec.createdAtMs;
		if (rec.settledAtMs !== null) updated = rec.settledAtMs;
		else if (status === 'processing') updated = rec.createdAtMs + Math.floor(this.renderTimeMs / 3);
		let videoUrl: string | null = null;
		let expiresAt: string | null = null;
		if (status === 'completed') {
			const expires = Date.now() + this.urlTtlMs;
			videoUrl = `${this.filesBaseUrl}/files/${rec.id}.mp4?expires=${expires}&signature=${this.fileSignature(rec.id, expires)}`;
			expiresAt = new Date(expires).toISOString();
		}
		return {
			id: rec.id,
			status,
			title: rec.title,
			created_at: new Date(rec.createdAtMs).toISOString(),
			updated_at: new Date(updated).toISOString(),
			credits_charged: rec.creditsCharged,
			duration_seconds: rec.durationSeconds,
			voice_id: rec.voiceId,
			script: typeof rec.request.script === 'string' ? rec.request.script : null,
			portrait_url: typeof rec.request.portrait_url === 'string' ? rec.request.portrait_url : null,
			audio_url: typeof rec.request.audio_url === 'string' ? rec.request.audio_url : null,
			emotion_preset: rec.emotionPreset,
			live_subtitles: rec.liveSubtitles,
			video_url: videoUrl,
			error_message: status === 'failed' ? rec.errorMessage : null,
			expires_at: expiresAt,
		};
	}

	// ----- webhooks --------------------------------------------------------------------------

	private webhookHeaders(raw: string, event: string, deliveryId: string, secret: string | undefined): Record<string, string> {
		const headers: Record<string, string> = {
			'Content-Type': 'application/json',
			'User-Agent': 'Vlogme-Webhooks/1.0',
			'X-Vlogme-Event': event,
			'X-Vlogme-Delivery': deliveryId,
		};
		if (secret !== undefined) headers['X-Vlogme-Signature'] = signWebhookBody(secret, raw);
		return headers;
	}

	private startWebhook(rec: VideoRecord): void {
		const url = rec.webhookUrl as string;
		const event = rec.final === 'failed' ? 'video.failed' : 'video.completed';
		const raw = JSON.stringify({ event, video: this.publicVideo(rec) });
		const deliveryId = 'dlv_' + crypto.randomBytes(8).toString('hex');
		const headers = this.webhookHeaders(raw, event, deliveryId, webhookSecretForToken(rec.token));
		let local = false;
		try {
			local = isLocalUrl(new URL(url));
		} catch {
			local = false;
		}
		if (!local) {
			this.deliveries.push({
				url,
				event,
				videoId: rec.id,
				deliveryId,
				attempt: 1,
				status: 0,
				at: Date.now(),
				error: 'not delivered: the sandbox only contacts 127.0.0.1 and localhost',
			});
			return;
		}
		const firstAt = Date.now();
		const attempt = (n: number): void => {
			if (this.closed || rec.deleted) return;
			void this.post(url, raw, headers).then((result) => {
				if (this.closed) return;
				this.deliveries.push({
					url,
					event,
					videoId: rec.id,
					deliveryId,
					attempt: n,
					status: result.status,
					at: Date.now(),
					...(result.error ? { error: result.error } : {}),
				});
				if (result.status >= 200 && result.status < 300) return;
				const delay = this.retryBaseMs * 2 ** (n - 1);
				if (n >= this.maxAttempts || Date.now() - firstAt + delay > this.retryWindowMs) return;
				this.later(delay, () => attempt(n + 1), rec);
			});
		};
		this.later(0, () => attempt(1), rec);
	}

	private post(
		url: string,
		raw: string,
		headers: Record<string, string>,
	): Promise<{ status: number; body: string; error?: string }> {
		let u: URL;
		try {
			u = new URL(url);
		} catch {
			return Promise.resolve({ status: 0, body: '', error: 'invalid URL' });
		}
		if (!isLocalUrl(u) || (u.protocol !== 'http:' && u.protocol !== 'https:')) {
			return Promise.resolve({
				status: 0,
				body: '',
				error: 'not delivered: the sandbox only contacts http(s) URLs on 127.0.0.1 and localhost',
			});
		}
		return new Promise((resolve) => {
			const bytes = Buffer.from(raw, 'utf8');
			const mod = u.protocol === 'https:' ? https : http;
			let settled = false;
			const done = (result: { status: number; body: string; error?: string }) => {
				if (settled) return;
				settled = true;
				resolve(result);
			};
			const req = mod.request(
				{
					protocol: u.protocol,
					hostname: u.hostname,
					port: u.port || undefined,
					path: rawPathAndQuery(url),
					method: 'POST',
					agent: false,
					headers: { ...headers, 'Content-Length': String(bytes.length), Connection: 'close' },
					...(u.protocol === 'https:' ? { rejectUnauthorized: false } : {}),
				},
				(res) => {
					const chunks: Buffer[] = [];
					res.on('data', (c: Buffer) => chunks.push(c));
					res.on('end', () => done({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
					res.on('error', (err) => done({ status: 0, body: '', error: err.message }));
				},
			);
			this.outgoing.add(req);
			req.on('close', () => {
				this.outgoing.delete(req);
				done({ status: 0, body: '', error: 'connection closed' });
			});
			req.setTimeout(this.webhookTimeoutMs, () => req.destroy(new Error('timed out')));
			req.on('error', (err) => done({ status: 0, body: '', error: err.message }));
			req.end(bytes);
		});
	}

	// ----- file host -------------------------------------------------------------------------

	private fileSignature(id: string, expires: number): string {
		return crypto.createHmac('sha256', this.fileSecret).update(`${id}:${expires}`).digest('hex');
	}

	private serveFile(
		req: http.IncomingMessage,
		res: http.ServerResponse,
		entry: SandboxRequestLog,
		method: string,
		path: string,
		query: Record<string, string>,
		truncateFault: boolean,
		dropAfter: boolean,
	): void {
		const xml = (status: number, code: string, message: string): void => {
			this.send(res, entry, {
				status,
				headers: { 'Content-Type': 'application/xml' },
				text: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>\n`,
			});
		};
		if (method !== 'GET' && method !== 'HEAD') {
			xml(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
			return;
		}
		const m = /^\/files\/([A-Za-z0-9_-]+)\.mp4$/.exec(path);
		if (!m) {
			xml(404, 'NoSuchKey', 'The specified key does not exist.');
			return;
		}
		const id = m[1];
		const expires = query.expires;
		const signature = query.signature;
		if (!expires || !signature || !/^\d+$/.test(expires)) {
			xml(403, 'AccessDenied', 'Query-string authentication requires the expires and signature parameters');
			return;
		}
		const expected = this.fileSignature(id, Number(expires));
		const given = Buffer.from(signature, 'utf8');
		const want = Buffer.from(expected, 'utf8');
		if (given.length !== want.length || !crypto.timingSafeEqual(given, want)) {
			xml(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.');
			return;
		}
		if (Date.now() > Number(expires)) {
			xml(403, 'AccessDenied', 'Request has expired');
			return;
		}
		const rec = this.videos.get(id);
		if (!rec || rec.deleted) {
			xml(404, 'NoSuchKey', 'The specified key does not exist.');
			return;
		}
		if (dropAfter) {
			entry.status = 0;
			req.socket.destroy();
			return;
		}
		const total = this.fileSize;
		entry.status = 200;
		res.writeHead(200, {
			'Content-Type': 'video/mp4',
			'Content-Length': total,
			'Accept-Ranges': 'none',
			'Cache-Control': 'private, max-age=3600',
			ETag: `"${rec.id}-${total}"`,
		});
		if (method === 'HEAD') {
			res.end();
			return;
		}
		const truncate = truncateFault || this.truncateDownloads;
		const limit = truncate ? Math.floor(total / 2) : total;
		void this.pump(res, mp4Chunks(total, limit), truncate);
	}

	private async pump(res: http.ServerResponse, chunks: Iterator<Buffer>, truncate: boolean): Promise<void> {
		const socket: Socket | null = res.socket;
		let next = chunks.next();
		while (!next.done) {
			if (res.destroyed || this.closed) return;
			const chunk = next.value;
			next = chunks.next();
			if (next.done && truncate) {
				res.write(chunk, () => res.destroy());
				return;
			}
			if (!res.write(chunk)) {
				await new Promise<void>((resolve) => {
					const go = () => {
						res.off('drain', go);
						res.off('close', go);
						resolve();
					};
					res.on('drain', go);
					res.on('close', go);
				});
			}
		}
		if (truncate) {
			socket?.destroy();
			return;
		}
		res.end();
	}
}

/** Starts the sandbox on 127.0.0.1 (both listeners) and resolves once it is listening. */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
	const sandbox = new SandboxImpl(options);
	await sandbox.listen();
	return sandbox;
}
