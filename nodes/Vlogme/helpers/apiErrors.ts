import type { IDataObject } from 'n8n-workflow';

/** What the node tells the user about a failed API call: pure, so it is unit-tested without n8n. */
export interface ApiErrorSummary {
	/** The API's own error code (`invalid_token`, …), or a code of ours for non-JSON answers. */
	code: string;
	/** One line: what went wrong, in the API's words where it gave any. */
	message: string;
	/** What to do about it. */
	description: string;
	httpCode: number;
}

export interface ApiErrorContext {
	/** The video id the request was about, named in `not_found`. */
	videoId?: string;
	/** Credits the render would cost, when known, named in `insufficient_credits`. */
	creditsNeeded?: number;
}

const HINTS: Record<string, string> = {
	missing_token:
		'No API token was sent. Open the Vlogme API credential and paste your token (Vlogme → Settings → API).',
	invalid_token:
		'Check the Vlogme API credential: the token may have been copied only in part, or revoked. Create a new one in Vlogme under Settings → API.',
	plan_required:
		'The Vlogme API needs a paid plan (Basic or higher). Upgrade the account in Vlogme, then run the workflow again.',
	insufficient_credits: 'Top up credits in Vlogme (or wait for your plan to renew), then run the workflow again.',
	invalid_input: 'Check the node’s parameters against the message above.',
	invalid_asset:
		'Vlogme could not use the portrait or audio: check that the URL is public and points at the file itself, or that the binary data is a real image (portrait) or audio file (narration).',
	invalid_json: 'The request body was not valid JSON. This is a bug in the node: please report it.',
	not_found: 'Check the video ID. Deleted renders and renders of another Vlogme account are not visible.',
	internal_error: 'Vlogme had a problem on its side. Try again in a minute.',
	db_error: 'Vlogme had a problem on its side. Try again in a minute.',
	rate_limited: 'Vlogme is limiting the request rate. Lower the node’s concurrency or try again shortly.',
};

function isObject(value: unknown): value is IDataObject {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nonBlank(value: unknown): string | undefined {
	return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** API messages are shown whole up to this length; longer ones are cut, so errors stay readable. */
const MAX_MESSAGE_LENGTH = 1000;

function shorten(text: string): string {
	return text.length > MAX_MESSAGE_LENGTH ? `${text.slice(0, MAX_MESSAGE_LENGTH)}…` : text;
}

/** Reads `{ error: { code, message } }`; tolerates a JSON string body and anything else. */
function readApiError(body: unknown): { code?: string; message?: string } {
	let parsed = body;
	if (typeof body === 'string') {
		try {
			parsed = JSON.parse(body);
		} catch {
			return {};
		}
	}
	if (!isObject(parsed)) return {};
	const error = parsed.error;
	if (isObject(error)) {
		return { code: nonBlank(error.code), message: nonBlank(error.message) };
	}
	return { message: nonBlank(error) ?? nonBlank(parsed.message) };
}

function codeForStatus(status: number): string {
	if (status === 429) return 'rate_limited';
	if (status === 401) return 'invalid_token';
	if (status === 403) return 'plan_required';
	if (status === 402) return 'insufficient_credits';
	if (status === 404) return 'not_found';
	if (status >= 500) return 'internal_error';
	return 'http_' + status;
}

/** Turns an HTTP error answer from the API into what the user reads. Never echoes raw HTML. */
export function summarizeApiError(status: number, body: unknown, context: ApiErrorContext = {}): ApiErrorSummary {
	const parsed = readApiError(body);
	const code = parsed.code ?? codeForStatus(status);
	let message = parsed.message ? shorten(parsed.message) : `Vlogme answered with HTTP ${status} and no error details`;
	if (!parsed.message && typeof body === 'string' && /<html|<!doctype/i.test(body)) {
		message = `Vlogme answered with HTTP ${status} and an HTML page instead of JSON (a proxy or gateway error)`;
	}
	// Own keys only: an API code such as "constructor" must not find Object.prototype members.
	let description = Object.prototype.hasOwnProperty.call(HINTS, code)
		? HINTS[code]
		: status >= 500
			? HINTS.internal_error
			: 'Check the node’s parameters.';
	if (code === 'insufficient_credits' && context.creditsNeeded !== undefined) {
		description = `This render needs about ${context.creditsNeeded} credits. ${description}`;
	}
	if (code === 'not_found' && context.videoId) {
		description = `No video with ID "${context.videoId}". ${description}`;
	}
	return { code: shorten(code), message: `${message} [${shorten(code)}]`, description, httpCode: status };
}

/** Removes a secret from any text before it can reach an error message, an output or a log. */
export function redact(text: string, secret: string | undefined): string {
	if (!secret || secret.length < 4) return text;
	return text.split(secret).join('[redacted]');
}
