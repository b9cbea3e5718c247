import { createHash, createHmac, timingSafeEqual } from 'crypto';

/** `sha256=` then exactly 64 hex digits; anything else (extra spaces inside, other schemes) is malformed. */
const SIGNATURE_HEADER = /^sha256=([0-9a-fA-F]{64})$/;

/**
 * The documented webhook signing key: the lowercase hex SHA-256 of the API token. Vlogme stores
 * only this hash of the token, so it is what it signs deliveries with.
 */
export function webhookSecret(token: string): string {
	return createHash('sha256').update(token, 'utf8').digest('hex');
}

function hmac(key: string, rawBody: Buffer): Buffer {
	return createHmac('sha256', key).update(rawBody).digest();
}

function sameBytes(expected: Buffer, given: Buffer): boolean {
	// timingSafeEqual throws on different lengths, so the length is checked first.
	return expected.length === given.length && timingSafeEqual(expected, given);
}

/**
 * Checks `X-Vlogme-Signature: sha256=<hex>` against the exact bytes received.
 *
 * The documentation's webhook section keys the HMAC with `hex(sha256(token))`; one FAQ line says
 * "your token". Both need the token, so both are accepted, the documented one checked first.
 * Never throws: anything unexpected (no header, several headers, a missing token) is `false`.
 */
export function verifyVlogmeSignature(
	rawBody: Buffer,
	header: string | string[] | undefined,
	token: string,
): boolean {
	try {
		if (!Buffer.isBuffer(rawBody) || typeof token !== 'string' || token === '') return false;
		let value = header;
		if (Array.isArray(value)) {
			// Two signature headers are ambiguous: refuse rather than pick one.
			if (value.length !== 1) return false;
			value = value[0];
		}
		if (typeof value !== 'string') return false;
		const match = SIGNATURE_HEADER.exec(value.trim());
		if (!match) return false;
		const given = Buffer.from(match[1].toLowerCase(), 'hex');
		const derived = sameBytes(hmac(webhookSecret(token), rawBody), given);
		const raw = sameBytes(hmac(token, rawBody), given);
		return derived || raw;
	} catch {
		return false;
	}
}

/**
 * Vlogme's deliveries are a few kilobytes. Anything over this is refused before the HMAC is even
 * computed, so an anonymous sender cannot make n8n hash or parse megabytes per request.
 */
export const MAX_DELIVERY_BYTES = 1024 * 1024;
