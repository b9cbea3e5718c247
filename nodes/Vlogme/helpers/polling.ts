/** How waiting for renders is scheduled and read: pure, unit-tested. */

/** `completed` and `failed` are the only final states; any other status means still rendering. */
export function isFinalStatus(status: unknown): status is 'completed' | 'failed' {
	return status === 'completed' || status === 'failed';
}

export const LIST_PAGE_SIZE = 100;
/** Vlogme suggests 10 s; anything much faster only burns requests while a render takes minutes. */
export const DEFAULT_POLL_INTERVAL_SECONDS = 10;
export const MIN_POLL_INTERVAL_SECONDS = 1;
export const DEFAULT_MAX_WAIT_MINUTES = 10;
/** Poll rounds in a row that may fail (after the request helper's own retries) before giving up. */
export const MAX_FAILED_ROUNDS = 3;

export function pollIntervalMs(seconds: unknown): number {
	const value = Number(seconds);
	const safe = Number.isFinite(value) ? Math.max(MIN_POLL_INTERVAL_SECONDS, value) : DEFAULT_POLL_INTERVAL_SECONDS;
	return Math.round(safe * 1000);
}

export function maxWaitMs(minutes: unknown): number {
	const value = Number(minutes);
	return Math.round((Number.isFinite(value) && value > 0 ? value : DEFAULT_MAX_WAIT_MINUTES) * 60_000);
}

/**
 * How many list pages one poll round may read. `GET /videos` shows up to 100 renders a page,
 * newest first: ceil(pending / 100) pages cover our renders when nothing else was created
 * meanwhile, and one page more leaves room for renders made elsewhere in the same account.
 * One pending render is cheaper to read by id.
 */
export function listPagesFor(pending: number): number {
	if (pending <= 1) return 0;
	return Math.ceil(pending / LIST_PAGE_SIZE) + 1;
}
