import * as crypto from 'node:crypto';

import { verifyVlogmeSignature, webhookSecret } from '../../nodes/Vlogme/helpers/signature';

const TOKEN = 'vlm_live_' + 'unittoken'.padEnd(34, '7');

// Reference values computed here with node:crypto, independently of the helper under test.
const derivedKey = crypto.createHash('sha256').update(Buffer.from(TOKEN, 'utf8')).digest('hex');
const sign = (key: string, body: Buffer) => 'sha256=' + crypto.createHmac('sha256', key).update(body).digest('hex');

describe('webhookSecret', () => {
	test('is the lowercase hex SHA-256 of the token', () => {
		expect(webhookSecret(TOKEN)).toBe(derivedKey);
		expect(webhookSecret(TOKEN)).toMatch(/^[0-9a-f]{64}$/);
	});

	test('matches a fixed published SHA-256 vector', () => {
		// SHA-256("abc"), FIPS 180-2 appendix B.1.
		expect(webhookSecret('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
	});
});

describe('verifyVlogmeSignature', () => {
	const body = Buffer.from('{"event":"video.completed","video":{"id":"vid_1","status":"completed"}}');

	test('accepts the documented derived key and the raw-token key', () => {
		expect(verifyVlogmeSignature(body, sign(derivedKey, body), TOKEN)).toBe(true);
		expect(verifyVlogmeSignature(body, sign(TOKEN, body), TOKEN)).toBe(true);
	});

	test('accepts uppercase hex and a one-element header array', () => {
		const header = sign(derivedKey, body);
		expect(verifyVlogmeSignature(body, 'sha256=' + header.slice(7).toUpperCase(), TOKEN)).toBe(true);
		expect(verifyVlogmeSignature(body, [header], TOKEN)).toBe(true);
	});

	test('a fixed HMAC vector (RFC 4231 test case 2) verifies with the raw key', () => {
		const data = Buffer.from('what do ya want for nothing?');
		const header = 'sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843';
		expect(verifyVlogmeSignature(data, header, 'Jefe')).toBe(true);
	});

	test('verifies the exact bytes, not a re-serialisation', () => {
		const spaced = Buffer.from('{ "event" : "video.completed", "video": {"id":"vid_2","title":"Caf\\u00e9"} }');
		expect(JSON.stringify(JSON.parse(spaced.toString()))).not.toBe(spaced.toString());
		expect(verifyVlogmeSignature(spaced, sign(derivedKey, spaced), TOKEN)).toBe(true);
		const reserialised = Buffer.from(JSON.stringify(JSON.parse(spaced.toString())));
		expect(verifyVlogmeSignature(reserialised, sign(derivedKey, spaced), TOKEN)).toBe(false);
	});

	test.each([
		['no header', undefined],
		['empty header', ''],
		['no sha256= prefix', sign(derivedKey, body).slice(7)],
		['another scheme', 'sha1=' + sign(derivedKey, body).slice(7)],
		['too short', sign(derivedKey, body).slice(0, -2)],
		['too long', sign(derivedKey, body) + 'ab'],
		['not hex', sign(derivedKey, body).slice(0, -1) + 'z'],
		['two headers', [sign(derivedKey, body), sign(derivedKey, body)]],
		['empty array', []],
		['one flipped digit', flipLastDigit(sign(derivedKey, body))],
		['keyed with another token', sign(crypto.createHash('sha256').update('vlm_live_other').digest('hex'), body)],
		['keyed with the hash as bytes', 'sha256=' + crypto.createHmac('sha256', crypto.createHash('sha256').update(TOKEN).digest()).update(body).digest('hex')],
	])('rejects %s', (_name, header) => {
		expect(verifyVlogmeSignature(body, header as string | string[] | undefined, TOKEN)).toBe(false);
	});

	test('rejects a tampered body', () => {
		const header = sign(derivedKey, body);
		const tampered = Buffer.from(body.toString().replace('vid_1', 'vid_9'));
		expect(verifyVlogmeSignature(tampered, header, TOKEN)).toBe(false);
	});

	test('an empty body verifies only with a signature over no bytes', () => {
		const empty = Buffer.alloc(0);
		expect(verifyVlogmeSignature(empty, sign(derivedKey, empty), TOKEN)).toBe(true);
		expect(verifyVlogmeSignature(empty, sign(derivedKey, body), TOKEN)).toBe(false);
	});

	test('never throws, and an empty token never verifies', () => {
		expect(verifyVlogmeSignature(body, sign('', body), '')).toBe(false);
		expect(() => verifyVlogmeSignature(undefined as unknown as Buffer, 'sha256=' + '0'.repeat(64), TOKEN)).not.toThrow();
		expect(verifyVlogmeSignature('text' as unknown as Buffer, sign(derivedKey, Buffer.from('text')), TOKEN)).toBe(false);
		expect(verifyVlogmeSignature(body, 42 as unknown as string, TOKEN)).toBe(false);
		expect(verifyVlogmeSignature(body, sign(derivedKey, body), undefined as unknown as string)).toBe(false);
	});
});

function flipLastDigit(header: string): string {
	const last = header[header.length - 1];
	return header.slice(0, -1) + (last === '0' ? '1' : '0');
}
