import type {
	IDataObject,
	IExecuteFunctions,
	IHookFunctions,
	IHttpRequestMethods,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
	IWebhookFunctions,
	JsonObject,
} from 'n8n-workflow';
import { NodeApiError, sleep } from 'n8n-workflow';

import { redact, summarizeApiError, type ApiErrorContext } from '../helpers/apiErrors';
import { readListPage } from '../helpers/lists';
import {
	isRetryableNetworkError,
	networkErrorCode,
	isRetryableStatus,
	MAX_RETRIES,
	parseRetryAfter,
	retryDelayMs,
} from '../helpers/retry';

export type VlogmeContext = IExecuteFunctions | ILoadOptionsFunctions | IHookFunctions | IWebhookFunctions;

export const CREDENTIAL_NAME = 'vlogmeApi';
export const DEFAULT_BASE_URL = 'https://vlogme.ai/api/public/v1';

export interface VlogmeRequest {
	method: IHttpRequestMethods;
	/** Path below the base URL, starting with `/`. */
	path: string;
	body?: IDataObject;
	qs?: IDataObject;
	/** The item the request is for, so errors point at it. */
	itemIndex?: number;
	/** What error messages should name. */
	context?: ApiErrorContext;
	/** Stops waiting between retries when the execution is cancelled. */
	abortSignal?: AbortSignal;
}

export function normalizeBaseUrl(baseUrl: unknown): string {
	const value = typeof baseUrl === 'string' && baseUrl.trim() !== '' ? baseUrl.trim() : DEFAULT_BASE_URL;
	return value.replace(/\/+$/, '');
}

export async function getBaseUrl(this: VlogmeContext): Promise<string> {
	const credentials = await this.getCredentials(CREDENTIAL_NAME);
	return normalizeBaseUrl(credentials.baseUrl);
}

/**
 * The one request helper every API call goes through.
 *
 * Reads (GET) and deletes are retried on 429 (honouring Retry-After), 5xx and network errors with a
 * bounded backoff. POST is never retried: Vlogme charges credits when a render is created, so
 * sending a create twice could charge the user twice for one video.
 */
export async function vlogmeApiRequest(this: VlogmeContext, request: VlogmeRequest): Promise<IDataObject> {
	const credentials = await this.getCredentials(CREDENTIAL_NAME);
	const token = typeof credentials.apiToken === 'string' ? credentials.apiToken : undefined;
	const options: IHttpRequestOptions = {
		method: request.method,
		url: normalizeBaseUrl(credentials.baseUrl) + request.path,
		json: true,
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		headers: { Accept: 'application/json' },
	};
	if (request.body !== undefined) options.body = request.body;
	if (request.qs !== undefined) options.qs = request.qs;

	const retryable = request.method !== 'POST';
	for (let attempt = 1; ; attempt++) {
		let response: { statusCode: number; headers: IDataObject; body: unknown };
		try {
			response = await this.helpers.httpRequestWithAuthentication.call(this, CREDENTIAL_NAME, options);
		} catch (error) {
			if (retryable && attempt <= MAX_RETRIES && isRetryableNetworkError(error)) {
				await pause(retryDelayMs(attempt), request.abortSignal);
				continue;
			}
			throw networkError(this, error as Error, request, token);
		}

		const status = response.statusCode;
		if (status >= 200 && status < 300) {
			return toObject(response.body);
		}
		if (retryable && attempt <= MAX_RETRIES && isRetryableStatus(status)) {
			const retryAfter = parseRetryAfter(response.headers?.['retry-after']);
			await pause(retryDelayMs(attempt, retryAfter), request.abortSignal);
			continue;
		}
		const summary = summarizeApiError(status, response.body, request.context);
		const apiError = new NodeApiError(
			this.getNode(),
			{ code: summary.code, message: redact(summary.message, token), status } as JsonObject,
			{
				message: redact(summary.message, token),
				description: redact(summary.description, token),
				httpCode: String(status),
				itemIndex: request.itemIndex,
			},
		);
		// A gateway that gave up (502, 504) says nothing about whether Vlogme acted on the request.
		apiError.context.outcomeUnknown = status === 502 || status === 504;
		throw apiError;
	}
}

/** Connection errors where the request cannot have reached Vlogme: nothing happened there. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ERR_INVALID_URL', 'CERT_HAS_EXPIRED']);

/**
 * True when a request failed in a way that leaves open whether Vlogme acted on it (the connection
 * broke after sending, a gateway timed out). For a create, the render may exist and be charged.
 */
export function outcomeUnknown(error: unknown): boolean {
	return (error as NodeApiError | undefined)?.context?.outcomeUnknown === true;
}

/** Follows the list cursor until `limit` items (or all of them) are collected. */
export async function vlogmeApiRequestAllItems(
	this: VlogmeContext,
	path: string,
	limit: number | undefined,
	itemIndex?: number,
): Promise<IDataObject[]> {
	const collected: IDataObject[] = [];
	let cursor: string | undefined;
	const seenCursors = new Set<string>();
	do {
		const pageSize = limit === undefined ? 100 : Math.min(100, limit - collected.length);
		const qs: IDataObject = { limit: pageSize };
		if (cursor) qs.cursor = cursor;
		const body = await vlogmeApiRequest.call(this, { method: 'GET', path, qs, itemIndex });
		const page = readListPage(body);
		collected.push(...page.items);
		// A cursor seen before would loop forever; an empty page means the end whatever the cursor says.
		if (!page.nextCursor || page.items.length === 0 || seenCursors.has(page.nextCursor)) break;
		seenCursors.add(page.nextCursor);
		cursor = page.nextCursor;
	} while (limit === undefined || collected.length < limit);
	return limit === undefined ? collected : collected.slice(0, limit);
}

/** Bodies are objects; a bare-array answer is kept under `__list` so callers can still read it. */
function toObject(body: unknown): IDataObject {
	if (Array.isArray(body)) return { __list: body };
	if (typeof body === 'object' && body !== null) return body as IDataObject;
	if (typeof body === 'string' && body.trim() !== '') {
		try {
			return toObject(JSON.parse(body));
		} catch {
			return { body };
		}
	}
	return {};
}

/**
 * Waits `ms`, or less if the execution is cancelled meanwhile. Sleeps in slices of at most a
 * second: n8n-workflow's `sleep` cannot be cancelled (and clearTimeout is not available to
 * community nodes), so a cancelled wait leaves at most one short timer behind.
 */
export async function pause(ms: number, signal?: AbortSignal): Promise<void> {
	const until = Date.now() + ms;
	let onAbort = () => {};
	const aborted = new Promise<void>((resolve) => (onAbort = resolve));
	// Removed afterwards: a long wait calls this once per poll round on the same signal.
	signal?.addEventListener('abort', onAbort, { once: true });
	try {
		for (let left = ms; left > 0 && !signal?.aborted; left = until - Date.now()) {
			await Promise.race([sleep(Math.min(left, 1000)), aborted]);
		}
	} finally {
		signal?.removeEventListener('abort', onAbort);
	}
}

function networkError(context: VlogmeContext, error: Error, request: VlogmeRequest, token?: string): NodeApiError {
	const code = networkErrorCode(error) ?? 'network_error';
	const reason = redact(error.message ?? String(error), token);
	const notSent = NOT_SENT_CODES.has(code);
	let description = 'Check the Base URL in the Vlogme API credential and that this n8n can reach it.';
	if (request.method === 'POST') {
		description = notSent
			? 'The connection could not be opened, so nothing reached Vlogme and nothing was charged. Check the Base URL in the Vlogme API credential.'
			: 'The connection broke after the request was sent, so the render may or may not exist. It was not sent again (a second attempt could charge twice).';
	}
	const message = `Could not reach Vlogme: ${reason} [${code}]`;
	// NodeApiError swaps any message that mentions a system code (ECONNRESET, …) for generic text.
	// Its messageMapping is applied first and is not rescanned, so a short message mapped to the
	// full one keeps ours, which says what the failure means for a render.
	const nodeError = new NodeApiError(context.getNode(), { message } as JsonObject, {
		message: 'Could not reach Vlogme',
		messageMapping: { 'Could not reach Vlogme': message },
		description,
		itemIndex: request.itemIndex,
	});
	nodeError.context.outcomeUnknown = !notSent;
	return nodeError;
}
