import { SANDBOX_TOKENS, startSandbox, type Sandbox } from '../../sandbox/server';
import { runWorkflow, singleNodeWorkflow, useBinaryDataMode } from '../harness/engine';

let sandbox: Sandbox;
const credentials = () => ({ vlogmeApi: { apiToken: SANDBOX_TOKENS.pro, baseUrl: sandbox.baseUrl } });

beforeAll(async () => {
	await useBinaryDataMode('filesystem');
	sandbox = await startSandbox({ quiet: true, renderTimeMs: 60_000, videoSizeBytes: 4 * 1024 * 1024 });
});
afterAll(async () => {
	await sandbox.close();
});

async function completedVideo(): Promise<string> {
	const response = await fetch(`${sandbox.baseUrl}/videos`, {
		method: 'POST',
		headers: { Authorization: `Bearer ${SANDBOX_TOKENS.pro}`, 'Content-Type': 'application/json' },
		body: JSON.stringify({ portrait_url: 'https://example.com/p.jpg', script: 'download me', voice_id: 'en-US-aria' }),
	});
	const { id } = (await response.json()) as { id: string };
	sandbox.completeNow(id);
	return id;
}

const getWithDownload = (videoId: string) =>
	singleNodeWorkflow({ parameters: { resource: 'video', operation: 'get', videoId, options: { downloadVideo: true } } });

test('a 4 MB MP4 arrives whole, in binary storage, streamed from the file host without the token', async () => {
	const id = await completedVideo();
	sandbox.clearLog();
	const result = await runWorkflow(getWithDownload(id), { credentials: credentials() });
	const [item] = result.output('Vlogme');
	expect(item.binary!.data.bytes).toBe(4 * 1024 * 1024);
	// filesystem mode: the item holds a reference to the stored file, not the bytes
	expect(item.binary!.data.id).toMatch(/^filesystem/);
	const bytes = await result.binaryBuffer(item);
	expect(bytes.length).toBe(4 * 1024 * 1024);
	expect(bytes.subarray(4, 8).toString('latin1')).toBe('ftyp');
	const files = sandbox.requests.filter((r) => r.server === 'files');
	expect(files).toHaveLength(1);
	expect(files[0].headers.authorization).toBeUndefined();
});

test('a download that breaks halfway is an error, never a truncated MP4 presented as complete', async () => {
	const id = await completedVideo();
	sandbox.injectFault({ kind: 'truncate', method: 'GET', times: 1 });
	const result = await runWorkflow(getWithDownload(id), { credentials: credentials() });
	const error = result.nodeError('Vlogme');
	expect(error).toBeDefined();
	expect(result.output('Vlogme')).toHaveLength(0);
	expect(`${error!.message} ${String(error!.description)}`).toMatch(/download of video vid_\w+ broke off before the end.*not added to the item/);
});

test('a truncated download under Continue On Fail gives an error item without binary', async () => {
	const id = await completedVideo();
	sandbox.injectFault({ kind: 'truncate', method: 'GET', times: 1 });
	const workflow = getWithDownload(id);
	workflow.nodes[1].continueOnFail = true;
	const result = await runWorkflow(workflow, { credentials: credentials() });
	const [item] = result.output('Vlogme');
	expect(item.json.error).toBeDefined();
	expect(item.binary).toBeUndefined();
});
