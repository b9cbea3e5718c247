import * as http from 'node:http';
import { parseArgs } from '../../sandbox/cli';
import { startSandbox } from '../../sandbox/server';
import { paddedMp4Size, sampleMp4 } from '../../sandbox/mp4';
import { createVideo } from './helpers';

describe('cli argument parsing', () => {
	it('defaults to port 4010 and 20 s renders', () => {
		expect(parseArgs([], {})).toEqual({ port: 4010, renderTimeMs: 20000, latencyMs: 0 });
	});
	it('reads flags and VLOGME_SANDBOX_PORT', () => {
		expect(parseArgs(['--port', '0', '--render-seconds', '2', '--latency-ms=50'], {})).toMatchObject({ port: 0, renderTimeMs: 2000, latencyMs: 50 });
		expect(parseArgs([], { VLOGME_SANDBOX_PORT: '5000' }).port).toBe(5000);
		expect(parseArgs(['--video-size-bytes', '1000', '--fail-rate', '0.1', '--seed', '3'], {})).toMatchObject({ videoSizeBytes: 1000, failRate: 0.1, seed: 3 });
	});
});

describe('mp4 sizing', () => {
	it('never goes below the sample and leaves room for a free box header', () => {
		const base = sampleMp4().length;
		expect(paddedMp4Size(undefined)).toBe(base);
		expect(paddedMp4Size(10)).toBe(base);
		expect(paddedMp4Size(base + 3)).toBe(base + 8);
		expect(paddedMp4Size(base + 100)).toBe(base + 100);
	});
});

describe('large streamed downloads', () => {
	it('streams a 50 MB video with the right Content-Length and box structure', async () => {
		const size = 50 * 1024 * 1024;
		const sb = await startSandbox({ renderTimeMs: 60000, videoSizeBytes: size });
		try {
			const url = sb.completeNow((await createVideo(sb)).id).video_url!;
			const result = await new Promise<{ length: number; received: number; head: Buffer }>((resolve, reject) => {
				http.get(url, (res) => {
					let received = 0;
					const head: Buffer[] = [];
					res.on('data', (c: Buffer) => {
						if (received < sampleMp4().length + 16) head.push(c);
						received += c.length;
					});
					res.on('end', () => resolve({ length: Number(res.headers['content-length']), received, head: Buffer.concat(head) }));
					res.on('error', reject);
				}).on('error', reject);
			});
			expect(result.length).toBe(size);
			expect(result.received).toBe(size);
			const base = sampleMp4().length;
			expect(result.head.subarray(0, base).equals(sampleMp4())).toBe(true);
			expect(result.head.readUInt32BE(base)).toBe(size - base);
			expect(result.head.toString('latin1', base + 4, base + 8)).toBe('free');
		} finally {
			await sb.close();
		}
	});
});
