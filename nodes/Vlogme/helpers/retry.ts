/** When to retry a read or a delete, and how long to wait: pure, unit-tested. */

export const MAX_RETRIES = 4;
const BASE_DELAY_MS = 500;
const MAX_DELAY_MS = 8_000;
/** A longer Retry-After than this is not waited out inside one node run. */
export const MAX_RETRY_AFTER_MS = 60_000;

const RETRYABLE_NETWORK_CODES = new Set([
	'ECONNRESET',
	'ECONNREFUSED',
	'ETIMEDOUT',
	'ESOCKETTIMEDOUT',
	'EPIPE',
	'EAI_AGAIN',
	'ECONNABORTED',
	'UND_ERR_SOCKET',
]);

export function isRetryableStatus(status: number): boolean {
	return status === 429 || status >= 500;
}

interface ErrorLike {
	code?: unknown;
	message?: unknown;
	cause?: unknown;
}

/** The network error code (ECONNRESET, …) of an error or of the errors it wraps (n8n wraps twice). */
export function networkErrorCode(error: unknown): string | undefined {
	let current = error as ErrorLike | undefined;
	for (let depth = 0; current && depth < 4; depth++) {
		if (typeof current.code === 'string' && /^E[A-Z_]+$|^UND_ERR/.test(current.code)) return current.code;
		current = current.cause as ErrorLike | undefined;
	}
	return undefined;
}

export function isRetryableNetworkError(error: unknown): boolean {
	const code = networkErrorCode(error);
	if (code !== undefined) return RETRYABLE_NETWORK_CODES.has(code);
	const message = (error as ErrorLike | undefined)?.message;
	return typeof message === 'string' && /socket hang up|closed unexpectedly|timed out|network/i.test(message);
}

/** Parses Retry-After (seconds or an HTTP date) into milliseconds, or undefined. */
export function parseRetryAfter(value: unknown, now = Date.now()): number | undefined {
	if (Array.isArray(value)) value = value[0];
	if (typeof value === 'number') return Math.max(0, value * 1000);
	if (typeof value !== 'string' || value.trim() === '') return undefined;
	const seconds = Number(value);
	if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
	const date = Date.parse(value);
	return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Delay before retry number `attempt` (1-based): exponential, capped, or what the server asked. */
export function retryDelayMs(attempt: number, retryAfterMs?: number): number {
	if (retryAfterMs !== undefined) return Math.min(retryAfterMs, MAX_RETRY_AFTER_MS);
	return Math.min(BASE_DELAY_MS * 2 ** (attempt - 1), MAX_DELAY_MS);
}
