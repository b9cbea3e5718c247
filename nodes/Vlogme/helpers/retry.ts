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

export function isRetryableNetworkError(error: { code?: unknown; message?: unknown }): boolean {
	if (typeof error.code === 'string' && RETRYABLE_NETWORK_CODES.has(error.code)) return true;
	return typeof error.message === 'string' && /socket hang up|network|aborted/i.test(error.message);
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
