/**
 * Property tests of webhook signature verification (`verifyVlogmeSignature`), seeded.
 *
 * Genuine signatures are computed here with node:crypto, independently of the helper: for the
 * documented derived key (HMAC key = lowercase hex SHA-256 of the token) and for the raw token as
 * key. Every genuine signature must verify; every single-byte change of the body and every
 * malformed or altered header must not.
 */
import * as crypto from 'node:crypto';
import fc from 'fast-check';

import { verifyVlogmeSignature } from '../../nodes/Vlogme/helpers/signature';

const SEED = 7_2024;
const counts: Record<string, number> = {};
const count = (name: string, n = 1) => (counts[name] = (counts[name] ?? 0) + n);

afterAll(() => {
	const total = Object.values(counts).reduce((a, b) => a + b, 0);
	// The figures quoted in SECURITY.md.
	console.log(`signature property cases: ${JSON.stringify(counts)}; total checks ${total}`);
});

const derivedKey = (token: string) => crypto.createHash('sha256').update(token, 'utf8').digest('hex');
const hexOf = (key: string, body: Buffer) => crypto.createHmac('sha256', key).update(body).digest('hex');
const header = (key: string, body: Buffer) => 'sha256=' + hexOf(key, body);

/** Deterministic filler for large bodies (fast-check would be slow drawing a million bytes one by one). */
function bulkBytes(size: number, seed: number): Buffer {
	const out = Buffer.allocUnsafe(size);
	let x = seed >>> 0 || 1;
	for (let i = 0; i < size; i++) {
		x ^= x << 13;
		x ^= x >>> 17;
		x ^= x << 5;
		out[i] = x & 0xff;
	}
	return out;
}

const MB = 1024 * 1024;
/** Mostly small bodies, some medium, a few up to 1 MB; any bytes (not only UTF-8 or JSON). */
const smallBody = fc.uint8Array({ maxLength: 512 }).map((a) => Buffer.from(a));
const mediumBody = fc.uint8Array({ minLength: 513, maxLength: 16 * 1024 }).map((a) => Buffer.from(a));
const largeBody = fc.record({ size: fc.integer({ min: 64 * 1024, max: MB }), seed: fc.integer() }).map(({ size, seed }) => bulkBytes(size, seed));
const jsonBody = fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? 'null', 'utf8'));
const anyBody = fc.oneof(
	{ arbitrary: smallBody, weight: 12 },
	{ arbitrary: jsonBody, weight: 4 },
	{ arbitrary: mediumBody, weight: 3 },
	{ arbitrary: largeBody, weight: 1 },
);

/** Tokens: Vlogme-looking ones and arbitrary non-empty strings (any Unicode, control characters). */
const token = fc.oneof(
	fc.stringMatching(/^vlm_live_[A-Za-z0-9]{34}$/),
	fc.string({ unit: 'binary', minLength: 1, maxLength: 80 }),
	fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }),
);
const variant = fc.constantFrom<'derived' | 'raw'>('derived', 'raw');
const keyFor = (variantName: 'derived' | 'raw', tok: string) => (variantName === 'derived' ? derivedKey(tok) : tok);

describe('genuine signatures are accepted', () => {
	test('both key variants, any body up to 1 MB, any token', () => {
		fc.assert(
			fc.property(anyBody, token, (body, tok) => {
				count('genuine');
				return (
					verifyVlogmeSignature(body, header(derivedKey(tok), body), tok) &&
					verifyVlogmeSignature(body, header(tok, body), tok) &&
					// As n8n hands a single header over as a one-element array in some paths.
					verifyVlogmeSignature(body, [header(derivedKey(tok), body)], tok)
				);
			}),
			{ seed: SEED, numRuns: 2500 },
		);
	});

	test('uppercase hex and surrounding whitespace (which HTTP strips anyway) are the same signature', () => {
		fc.assert(
			fc.property(smallBody, token, variant, fc.constantFrom('', ' ', '\t', '  '), (body, tok, v, ws) => {
				count('genuine-variant-forms');
				const sig = header(keyFor(v, tok), body);
				return verifyVlogmeSignature(body, ws + 'sha256=' + sig.slice(7).toUpperCase() + ws, tok);
			}),
			{ seed: SEED + 8, numRuns: 300 },
		);
	});

	test('large bodies (64 KB to 1 MB) specifically', () => {
		fc.assert(
			fc.property(largeBody, token, variant, (body, tok, v) => {
				count('genuine-large');
				return verifyVlogmeSignature(body, header(keyFor(v, tok), body), tok);
			}),
			{ seed: SEED + 1, numRuns: 40 },
		);
	});
});

describe('every single-byte change of the body is rejected', () => {
	const mutation = fc.oneof(
		fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }),
		fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
		fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
	);

	type Mutation = { kind: 'replace' | 'insert' | 'delete'; at: number; xor?: number; byte?: number };
	function mutate(body: Buffer, m: Mutation): Buffer {
		if (m.kind === 'insert') {
			const at = m.at % (body.length + 1);
			return Buffer.concat([body.subarray(0, at), Buffer.from([m.byte!]), body.subarray(at)]);
		}
		const at = m.at % body.length;
		if (m.kind === 'delete') return Buffer.concat([body.subarray(0, at), body.subarray(at + 1)]);
		const copy = Buffer.from(body);
		copy[at] ^= m.xor!;
		return copy;
	}

	test('replace, insert or delete one byte anywhere, both key variants', () => {
		fc.assert(
			fc.property(anyBody, token, variant, mutation, (body, tok, v, drawn) => {
				// An empty body has no byte to replace or delete: insert one instead.
				const m: Mutation = body.length === 0 ? { kind: 'insert', at: 0, byte: 0 } : drawn;
				const sig = header(keyFor(v, tok), body);
				const changed = mutate(body, m);
				count('body-mutation');
				return !changed.equals(body) && !verifyVlogmeSignature(changed, sig, tok);
			}),
			{ seed: SEED + 2, numRuns: 2500 },
		);
	});

	test('every position of a small body, one by one', () => {
		fc.assert(
			fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), token, variant, (bytes, tok, v) => {
				const body = Buffer.from(bytes);
				const sig = header(keyFor(v, tok), body);
				for (let i = 0; i < body.length; i++) {
					const copy = Buffer.from(body);
					copy[i] ^= 0x01;
					count('body-mutation-exhaustive');
					if (verifyVlogmeSignature(copy, sig, tok)) return false;
				}
				return true;
			}),
			{ seed: SEED + 3, numRuns: 200 },
		);
	});
});

describe('every altered or malformed header is rejected', () => {
	const HEX = '0123456789abcdef';
	type HeaderMutation = (sig: string, hex: string, pick: number, text: string) => string | string[] | undefined;
	/** Each mutation of a genuine `sha256=<hex>` header; none may verify. */
	const mutations: Record<string, HeaderMutation> = {
		'prefix in upper case': (_s, hex) => 'SHA256=' + hex,
		'prefix in mixed case': (_s, hex, pick) => ['Sha256=', 'sHA256=', 'SHa256=', 'shA256='][pick % 4] + hex,
		'no sha256= prefix': (_s, hex) => hex,
		'other scheme': (_s, hex, pick) => ['sha1=', 'sha512=', 'hmac-sha256=', 'v1=', 'sha256:', 'sha256 ='][pick % 6] + hex,
		'truncated hex': (_s, hex, pick) => 'sha256=' + hex.slice(0, pick % 64),
		'extended hex': (_s, hex, pick, text) => 'sha256=' + hex + (text.replace(/[^0-9a-f]/g, '') || '0').slice(0, 1 + (pick % 64)),
		'one hex digit changed': (_s, hex, pick) => {
			const at = pick % 64;
			const old = parseInt(hex[at], 16);
			const next = HEX[(old + 1 + ((pick >>> 6) % 15)) % 16];
			return 'sha256=' + hex.slice(0, at) + next + hex.slice(at + 1);
		},
		'whitespace inside': (_s, hex, pick) => {
			const ws = [' ', '\t', '\u00a0'][pick % 3];
			const at = pick % 65;
			return at === 0 ? 'sha256=' + ws + hex : 'sha256=' + hex.slice(0, at) + ws + hex.slice(at);
		},
		'non-hex characters': (_s, hex, pick) => 'sha256=' + hex.slice(0, 63) + 'gxzG-+/='[pick % 8],
		'base64 instead of hex': (_s, hex) => 'sha256=' + Buffer.from(hex, 'hex').toString('base64'),
		'two headers': (sig) => [sig, sig],
		'two headers, one forged': (sig, hex) => [sig, 'sha256=' + hex.replace(/^./, (c) => (c === '0' ? '1' : '0'))],
		'empty array': () => [],
		'empty string': () => '',
		'only the prefix': () => 'sha256=',
		missing: () => undefined,
		'two signatures joined': (sig) => `${sig}, ${sig}`,
		'arbitrary text': (_s, _h, _p, text) => text,
	};

	test.each(Object.keys(mutations))('%s', (name) => {
		fc.assert(
			fc.property(anyBody, token, variant, fc.nat(), fc.string({ maxLength: 100 }), (body, tok, v, pick, text) => {
				const sig = header(keyFor(v, tok), body);
				const mutated = mutations[name](sig, sig.slice(7), pick, text);
				count('header-mutation');
				return !verifyVlogmeSignature(body, mutated as never, tok);
			}),
			{ seed: SEED + 4, numRuns: name === 'arbitrary text' ? 500 : 250 },
		);
	});

	test('a signature made with another token (either key variant) is rejected', () => {
		fc.assert(
			fc.property(anyBody, token, token, variant, (body, tok, other, v) => {
				fc.pre(other !== tok);
				count('other-token');
				return !verifyVlogmeSignature(body, header(keyFor(v, other), body), tok);
			}),
			{ seed: SEED + 5, numRuns: 1000 },
		);
	});

	test('the derived key itself (hex sha256 of the token) used as the signature is rejected', () => {
		fc.assert(
			fc.property(anyBody, token, (body, tok) => {
				count('key-as-signature');
				return !verifyVlogmeSignature(body, 'sha256=' + derivedKey(tok), tok);
			}),
			{ seed: SEED + 6, numRuns: 300 },
		);
	});

	test('no token configured: nothing verifies, not even a signature keyed with the empty string', () => {
		fc.assert(
			fc.property(anyBody, (body) => {
				count('empty-token');
				return !verifyVlogmeSignature(body, header('', body), '') && !verifyVlogmeSignature(body, header(derivedKey(''), body), '');
			}),
			{ seed: SEED + 7, numRuns: 200 },
		);
	});
});
