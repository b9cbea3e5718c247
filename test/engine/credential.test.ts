import { SANDBOX_TOKENS, startSandbox, type Sandbox } from '../../sandbox/server';
import { NODE_TYPE, runWorkflow, singleNodeWorkflow, testCredential } from '../harness/engine';

let sandbox: Sandbox;

beforeAll(async () => {
	sandbox = await startSandbox({ quiet: true });
});
afterAll(async () => {
	await sandbox.close();
});

const credential = (apiToken: string, baseUrl = sandbox.baseUrl) => ({ apiToken, baseUrl });

describe('Vlogme API credential test (as n8n runs it)', () => {
	test('a valid token on a paid plan connects', async () => {
		const result = await testCredential('vlogmeApi', credential(SANDBOX_TOKENS.pro));
		expect(result).toEqual({ status: 'OK', message: 'Connection successful!' });
		const calls = sandbox.requests.filter((r) => r.path.endsWith('/me'));
		expect(calls.length).toBeGreaterThan(0);
		expect(calls[calls.length - 1].headers.authorization).toBe(`Bearer ${SANDBOX_TOKENS.pro}`);
	});

	test('a trailing slash on the base URL still works', async () => {
		const result = await testCredential('vlogmeApi', credential(SANDBOX_TOKENS.basic, sandbox.baseUrl + '/'));
		expect(result.status).toBe('OK');
	});

	test('wrong token, Free plan and unreachable host each give their own plain message', async () => {
		const wrong = await testCredential('vlogmeApi', credential('vlm_live_' + 'x'.repeat(34)));
		const free = await testCredential('vlogmeApi', credential(SANDBOX_TOKENS.free));
		const unreachable = await testCredential('vlogmeApi', credential(SANDBOX_TOKENS.pro, 'http://127.0.0.1:9/api/public/v1'));
		expect(wrong.status).toBe('Error');
		expect(wrong.message).toMatch(/rejected this API token/);
		expect(free.status).toBe('Error');
		expect(free.message).toMatch(/Free plan/);
		expect(unreachable.status).toBe('Error');
		expect(unreachable.message).toMatch(/ECONNREFUSED/);
		expect(new Set([wrong.message, free.message, unreachable.message]).size).toBe(3);
		for (const message of [wrong.message, free.message, unreachable.message]) {
			expect(message).not.toContain('vlm_live_');
		}
	});
});

describe('a workflow using the credential, through the engine', () => {
	test('Account → Get returns the plan and balance, sending the token only as a Bearer header', async () => {
		sandbox.clearLog();
		const result = await runWorkflow(
			singleNodeWorkflow({ type: NODE_TYPE, parameters: { resource: 'account', operation: 'get' } }),
			{ credentials: { vlogmeApi: credential(SANDBOX_TOKENS.basic) } },
		);
		expect(result.executionError).toBeUndefined();
		const items = result.output('Vlogme');
		expect(items).toHaveLength(1);
		expect(items[0].json).toMatchObject({ plan: 'basic', credits: sandbox.getAccount(SANDBOX_TOKENS.basic)!.credits });
		expect(items[0].pairedItem).toEqual({ item: 0 });
		const me = sandbox.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/me'));
		expect(me).toHaveLength(1);
		expect(me[0].headers.authorization).toBe(`Bearer ${SANDBOX_TOKENS.basic}`);
		expect(JSON.stringify(items)).not.toContain(SANDBOX_TOKENS.basic);
	});

	test('Voice → Get Many returns one item per voice, and Limit cuts the list', async () => {
		const all = await runWorkflow(
			singleNodeWorkflow({ parameters: { resource: 'voice', operation: 'getAll', returnAll: true } }),
			{ credentials: { vlogmeApi: credential(SANDBOX_TOKENS.pro) } },
		);
		const voices = all.output('Vlogme');
		expect(voices.length).toBeGreaterThan(2);
		for (const voice of voices) expect(typeof voice.json.id).toBe('string');
		const limited = await runWorkflow(
			singleNodeWorkflow({ parameters: { resource: 'voice', operation: 'getAll', returnAll: false, limit: 2 } }),
			{ credentials: { vlogmeApi: credential(SANDBOX_TOKENS.pro) } },
		);
		expect(limited.output('Vlogme').map((i) => i.json.id)).toEqual(voices.slice(0, 2).map((i) => i.json.id));
	});

	test('a wrong token fails the node with a message that names the credential and hides the token', async () => {
		const badToken = 'vlm_live_' + 'y'.repeat(34);
		const result = await runWorkflow(
			singleNodeWorkflow({ parameters: { resource: 'account', operation: 'get' } }),
			{ credentials: { vlogmeApi: credential(badToken) } },
		);
		const error = result.nodeError('Vlogme');
		expect(error).toBeDefined();
		expect(error!.message).toMatch(/invalid_token/);
		expect(String(error!.description)).toMatch(/credential/i);
		expect(JSON.stringify(result.run)).not.toContain(badToken);
	});
});
