import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The sample render: a real, playable 1 s, 90x160 (9:16) H.264 + silent AAC MP4
 * (ftyp, moov, mdat; faststart). Loaded from sandbox/assets/sample.mp4 when it can be found
 * (from the sources or from build/sandbox/), otherwise from the identical copy embedded below.
 */
const EMBEDDED_SAMPLE_BASE64 =
	'AAAAIGZ0eXBpc29tAAACAGlzb21pc28yYXZjMW1wNDEAAAbTbW9vdgAAAGxtdmhkAAAAAAAAAAAAAAAAAAAD6AAAA+gAAQAAAQAAAAAAAAAAAAAAAAEAAAAAAAAAAAAAAAAAAAABAAAAAAAAAAAAAAAAAABAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAwAAAwR0cmFrAAAAXHRraGQAAAADAAAAAAAAAAAAAAABAAAAAAAAA+gAAAAAAAAAAAAAAAAAAAAAAAEAAAAAAAAAAAAAAAAAAAABAAAAAAAAAAAAAAAAAABAAAAAAFoAAACgAAAAAAAkZWR0cwAAABxlbHN0AAAAAAAAAAEAAAPoAAAIAAABAAAAAAJ8bWRpYQAAACBtZGhkAAAAAAAAAAAAAAAAAAAwAAAAMABVxAAAAAAALWhkbHIAAAAAAAAAAHZpZGUAAAAAAAAAAAAAAABWaWRlb0hhbmRsZXIAAAACJ21pbmYAAAAUdm1oZAAAAAEAAAAAAAAAAAAAACRkaW5mAAAAHGRyZWYAAAAAAAAAAQAAAAx1cmwgAAAAAQAAAedzdGJsAAAAw3N0c2QAAAAAAAAAAQAAALNhdmMxAAAAAAAAAAEAAAAAAAAAAAAAAAAAAAAAAFoAoABIAAAASAAAAAAAAAABFUxhdmM1OS4zNy4xMDAgbGlieDI2NAAAAAAAAAAAAAAAGP//AAAAOWF2Y0MBZAAM/+EAG2dkAAyscgRGFeTwEQAAAwABAAADABgPFCmEYAEAB2joQ4JSyLD9+PgAAAAAEHBhc3AAAAABAAAAAQAAABRidHJ0AAAAAAAAIAAAACAAAAAAGHN0dHMAAAAAAAAAAQAAAAwAAAQAAAAAFHN0c3MAAAAAAAAAAQAAAAEAAABIY3R0cwAAAAAAAAAHAAAAAQAACAAAAAABAAAoAAAAAAEAABAAAAAAAwAAAAAAAAAEAAAEAAAAAAEAAAwAAAAAAQAABAAAAAAoc3RzYwAAAAAAAAACAAAAAQAAAAIAAAABAAAAAgAAAAEAAAABAAAARHN0c3oAAAAAAAAAAAAAAAwAAANGAAAAHAAAABUAAAAQAAAAFAAAABEAAAANAAAADQAAAA0AAAANAAAAEwAAAA0AAAA8c3RjbwAAAAAAAAALAAAHAwAACnoAAAqXAAAKqwAACsMAAArcAAAK7QAACv4AAAsTAAALJAAACzsAAAL5dHJhawAAAFx0a2hkAAAAAwAAAAAAAAAAAAAAAgAAAAAAAAPoAAAAAAAAAAAAAAABAQAAAAABAAAAAAAAAAAAAAAAAAAAAQAAAAAAAAAAAAAAAAAAQAAAAAAAAAAAAAAAAAAAJGVkdHMAAAAcZWxzdAAAAAAAAAABAAAD6AAABAAAAQAAAAACcW1kaWEAAAAgbWRoZAAAAAAAAAAAAAAAAAAAPoAAAEKAVcQAAAAAAC1oZGxyAAAAAAAAAABzb3VuAAAAAAAAAAAAAAAAU291bmRIYW5kbGVyAAAAAhxtaW5mAAAAEHNtaGQAAAAAAAAAAAAAACRkaW5mAAAAHGRyZWYAAAAAAAAAAQAAAAx1cmwgAAAAAQAAAeBzdGJsAAAAfnN0c2QAAAAAAAAAAQAAAG5tcDRhAAAAAAAAAAEAAAAAAAAAAAACABAAAAAAPoAAAAAAADZlc2RzAAAAAAOAgIAlAAIABICAgBdAFQAAAAAAPoAAAAJ/BYCAgAUUCFblAAaAgIABAgAAABRidHJ0AAAAAAAAPoAAAAJ/AAAAIHN0dHMAAAAAAAAAAgAAABAAAAQAAAAAAQAAAoAAAABwc3RzYwAAAAAAAAAIAAAAAQAAAAEAAAABAAAAAgAAAAIAAAABAAAAAwAAAAEAAAABAAAABQAAAAIAAAABAAAABgAAAAEAAAABAAAACAAAAAIAAAABAAAACQAAAAEAAAABAAAACwAAAAQAAAABAAAAWHN0c3oAAAAAAAAAAAAAABEAAAAVAAAABAAAAAQAAAAEAAAABAAAAAQAAAAEAAAABAAAAAQAAAAEAAAABAAAAAQAAAAEAAAABAAAAAQAAAAEAAAABAAAADxzdGNvAAAAAAAAAAsAAAplAAAKjwAACqcAAAq/AAAK1AAACukAAAr6AAALCwAACyAAAAs3AAALSAAAABpzZ3BkAQAAAHJvbGwAAAACAAAAAf//AAAAHHNiZ3AAAAAAcm9sbAAAAAEAAAARAAAAAQAAAGJ1ZHRhAAAAWm1ldGEAAAAAAAAAIWhkbHIAAAAAAAAAAG1kaXJhcHBsAAAAAAAAAAAAAAAALWlsc3QAAAAlqXRvbwAAAB1kYXRhAAAAAQAAAABMYXZmNTkuMjcuMTAwAAAACGZyZWUAAARdbWRhdAAAArAGBf//rNxF6b3m2Ui3lizYINkj7u94MjY0IC0gY29yZSAxNjQgcjMwOTUgYmFlZTQwMCAtIEguMjY0L01QRUctNCBBVkMgY29kZWMgLSBDb3B5bGVmdCAyMDAzLTIwMjIgLSBodHRwOi8vd3d3LnZpZGVvbGFuLm9yZy94MjY0Lmh0bWwgLSBvcHRpb25zOiBjYWJhYz0xIHJlZj0xNiBkZWJsb2NrPTE6MDowIGFuYWx5c2U9MHgzOjB4MTMzIG1lPXVtaCBzdWJtZT0xMCBwc3k9MSBwc3lfcmQ9MS4wMDowLjAwIG1peGVkX3JlZj0xIG1lX3JhbmdlPTI0IGNocm9tYV9tZT0xIHRyZWxsaXM9MiA4eDhkY3Q9MSBjcW09MCBkZWFkem9uZT0yMSwxMSBmYXN0X3Bza2lwPTEgY2hyb21hX3FwX29mZnNldD0tMiB0aHJlYWRzPTMgbG9va2FoZWFkX3RocmVhZHM9MSBzbGljZWRfdGhyZWFkcz0wIG5yPTAgZGVjaW1hdGU9MSBpbnRlcmxhY2VkPTAgYmx1cmF5X2NvbXBhdD0wIGNvbnN0cmFpbmVkX2ludHJhPTAgYmZyYW1lcz04IGJfcHlyYW1pZD0yIGJfYWRhcHQ9MiBiX2JpYXM9MCBkaXJlY3Q9MyB3ZWlnaHRiPTEgb3Blbl9nb3A9MCB3ZWlnaHRwPTIga2V5aW50PTI1MCBrZXlpbnRfbWluPTEyIHNjZW5lY3V0PTQwIGludHJhX3JlZnJlc2g9MCByY19sb29rYWhlYWQ9NjAgcmM9Y3JmIG1idHJlZT0xIGNyZj0zNS4wIHFjb21wPTAuNjAgcXBtaW49MCBxcG1heD02OSBxcHN0ZXA9NCBpcF9yYXRpbz0xLjQwIGFxPTE6MS4wMACAAAAAjmWIgQACP/6nL+BSU6xTuBGnBZOCvFISTxXdryn0B326wwLLMlAAGsCWI69eh3shNjN1Z+4EV8ggPcEW9gwyURYcg+3O7zHlMbrrUu1BeHxMdRJlv0o9wKaPrQBhy5qntbs97d5dsO8l30/o7Wm3ptwiP7SyrvsjUwvAD0/kEXZCa72lfGNk1BmY5gAbCskAAAAYQZoJLYh3/4cLXrSh2LoatF6nX7PBEXIF3gIATGF2YzU5LjM3LjEwMAACMEAOAAAAEUGeEIcQ/xrNwxYIDOHOGt5XARggBwEYIAcAAAAMAZ4YJohn/yIQ5cyAARggBwAAABABnhhGiGf/IhDmrGKgkFiRARggBwAAAA0BnhhmiGf/IhDXPhktARggBwEYIAcAAAAJAZ4YrUhn/wpJARggBwAAAAkBnhjNSGf/CkkBGCAHAAAACQGeGO1IZ/8KSAEYIAcBGCAHAAAACQGeGQ1IZ/8KSAEYIAcAAAAPQZoZaTUCAtEymBDPAAJPARggBwAAAAkBniFNyGf/CkgBGCAHARggBwEYIAcBGCAH';

let cached: Buffer | undefined;

export function sampleMp4(): Buffer {
	if (cached) return cached;
	const candidates = [
		path.join(__dirname, 'assets', 'sample.mp4'),
		path.join(__dirname, '..', '..', 'sandbox', 'assets', 'sample.mp4'),
		path.join(process.cwd(), 'sandbox', 'assets', 'sample.mp4'),
	];
	for (const file of candidates) {
		try {
			const bytes = fs.readFileSync(file);
			if (bytes.length > 8 && bytes.toString('latin1', 4, 8) === 'ftyp') {
				cached = bytes;
				return bytes;
			}
		} catch {
			// try the next candidate
		}
	}
	cached = Buffer.from(EMBEDDED_SAMPLE_BASE64, 'base64');
	return cached;
}

/**
 * The size a download really has when `requested` bytes are asked for: never smaller than the
 * sample, and never leaving a gap too small for a `free` box header (8 bytes).
 */
export function paddedMp4Size(requested: number | undefined): number {
	const base = sampleMp4().length;
	if (requested === undefined || !Number.isFinite(requested) || requested <= base) return base;
	const wanted = Math.floor(requested);
	return wanted - base < 8 ? base + 8 : wanted;
}

/** Header of a `free` box spanning `size` bytes (64-bit largesize when it does not fit 32 bits). */
function freeBoxHeader(size: number): Buffer {
	if (size <= 0xffffffff) {
		const header = Buffer.alloc(8);
		header.writeUInt32BE(size, 0);
		header.write('free', 4, 'latin1');
		return header;
	}
	const header = Buffer.alloc(16);
	header.writeUInt32BE(1, 0);
	header.write('free', 4, 'latin1');
	header.writeBigUInt64BE(BigInt(size), 8);
	return header;
}

const ZERO_CHUNK = Buffer.alloc(256 * 1024);

/**
 * The bytes of a `total`-byte MP4 (the sample followed by one `free` box of zeros), produced
 * lazily chunk by chunk and stopped after `limit` bytes (default: all of them). The whole file is
 * never held in memory.
 */
export function* mp4Chunks(total: number, limit: number = total): Generator<Buffer> {
	const sample = sampleMp4();
	let remaining = Math.max(0, Math.min(limit, total));
	const emit = (chunk: Buffer): Buffer | undefined => {
		if (remaining <= 0) return undefined;
		const part = chunk.length <= remaining ? chunk : chunk.subarray(0, remaining);
		remaining -= part.length;
		return part;
	};
	const first = emit(sample);
	if (first) yield first;
	const padding = total - sample.length;
	if (padding <= 0) return;
	const header = freeBoxHeader(padding);
	const h = emit(header);
	if (h) yield h;
	let zeros = padding - header.length;
	while (zeros > 0 && remaining > 0) {
		const n = Math.min(zeros, ZERO_CHUNK.length);
		const part = emit(n === ZERO_CHUNK.length ? ZERO_CHUNK : ZERO_CHUNK.subarray(0, n));
		if (!part) return;
		zeros -= n;
		yield part;
	}
}

/** Walks the top-level boxes of an MP4 buffer: [type, offset, size]. Throws on a broken structure. */
export function topLevelBoxes(bytes: Buffer): Array<{ type: string; offset: number; size: number }> {
	const boxes: Array<{ type: string; offset: number; size: number }> = [];
	let offset = 0;
	while (offset < bytes.length) {
		if (offset + 8 > bytes.length) throw new Error(`truncated box header at ${offset}`);
		let size = bytes.readUInt32BE(offset);
		const type = bytes.toString('latin1', offset + 4, offset + 8);
		if (size === 1) {
			if (offset + 16 > bytes.length) throw new Error(`truncated largesize at ${offset}`);
			size = Number(bytes.readBigUInt64BE(offset + 8));
		} else if (size === 0) {
			size = bytes.length - offset;
		}
		if (size < 8 || offset + size > bytes.length) throw new Error(`bad size ${size} for box ${type} at ${offset}`);
		boxes.push({ type, offset, size });
		offset += size;
	}
	return boxes;
}
