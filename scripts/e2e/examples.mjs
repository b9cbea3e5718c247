// One entry per workflow file in examples/, keyed by file name. An example without an entry FAILS
// the suite: a new example needs its check here. See docs/e2e.md.
//
// Entry fields (all optional except a check):
//   prepare(workflow, ctx)  edit the saved workflow before it is imported (placeholders, paths)
//   check(run, ctx)         non-trigger examples: run = the JSON printed by `n8n execute --rawOutput`;
//                           throw (node:assert) on anything wrong
//   webhook(ctx)            examples started by a webhook (a Vlogme Trigger or n8n's Webhook node):
//                           runs while `n8n start` serves the published workflow (2.x); send HTTP
//                           calls, then check the executions stored by n8n (ctx.expectExecutions)
//   webhookLabel            what webhook(ctx) proves, for the summary line
//   during(ctx)             runs while `n8n execute` runs (e.g. ctx.completeRendersAfter(ms))
//
// ctx: { sandbox, token, n8nVersion, filesDir, state, n8nUrl, log, prodUrl(workflow), webhookNodeUrl(workflow), triggerUrl(fileName),
//        output(run, nodeName), binaryBytes(binary), mp4Bytes(videoId), createVideo(body), completeRendersAfter(ms),
//        executions(workflowId), waitForExecutions(workflowId, count),
//        expectExecutions(workflowId, videoIds, verify?) }  (see run.mjs)
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { sleep, until } from './lib.mjs';

/** The generic webhook scenario, used for every trigger workflow (and the generated fallback). */
export async function webhookScenario(ctx, workflow, { verify } = {}) {
	const { sandbox, token } = ctx;
	const url = ctx.prodUrl(workflow);
	const expected = [];

	// 1. a render started by an executed example with this trigger's URL finishes: the sandbox
	//    itself delivers the signed webhook
	for (const id of ctx.state.rendersAwaitingTrigger ?? []) {
		sandbox.completeNow(id);
		expected.push(id);
	}

	// 2. a genuine delivery, signed with the documented derived key
	const done = await ctx.createVideo({ title: 'e2e genuine delivery' });
	const completed = sandbox.completeNow(done.id);
	const genuine = await sandbox.deliverWebhook(url, { event: 'video.completed', video: completed }, { sign: 'derived', token });
	assert.ok(genuine.status >= 200 && genuine.status < 300, `genuine delivery answered ${genuine.status} ${genuine.body}`);
	expected.push(done.id);

	// 3. a genuine video.failed delivery, an event this trigger does not listen to (when it listens
	//    to video.completed only): no execution
	const listens = workflow.nodes.find((n) => n.type === 'n8n-nodes-vlogme.vlogmeTrigger').parameters.events ?? [];
	if (!listens.includes('video.failed')) {
		const failing = await ctx.createVideo({ title: 'e2e failed render' });
		const failed = sandbox.failNow(failing.id);
		const other = await sandbox.deliverWebhook(url, { event: 'video.failed', video: failed }, { sign: 'derived', token });
		assert.ok(other.status >= 200 && other.status < 300, `video.failed delivery answered ${other.status} ${other.body}`);
	}

	// 4. forged deliveries: no signature, a wrong secret, signed with another account's key
	const forgedVideo = await ctx.createVideo({ title: 'e2e forged delivery' });
	const forgedBody = { event: 'video.completed', video: sandbox.completeNow(forgedVideo.id) };
	for (const [label, opts] of [
		['unsigned', { sign: 'none' }],
		['wrong secret', { sign: { secret: 'not-the-key' } }],
		['other token', { sign: 'derived', token: sandbox.tokens.basic }],
	]) {
		const forged = await sandbox.deliverWebhook(url, forgedBody, { ...opts });
		assert.ok(forged.status >= 400, `forged delivery (${label}) answered ${forged.status}, expected a rejection`);
	}

	await ctx.expectExecutions(workflow.id, expected, verify);

	// 5. the genuine delivery again, as Vlogme retries it (at the earliest a second later, so after
	//    its execution ended): answered 2xx, and no second execution
	await new Promise((r) => setTimeout(r, 1000));
	const repeat = await sandbox.deliverWebhook(url, { event: 'video.completed', video: completed }, { sign: 'derived', token });
	assert.ok(repeat.status >= 200 && repeat.status < 300, `repeated delivery answered ${repeat.status} ${repeat.body}`);
	await new Promise((r) => setTimeout(r, 3000));
	const again = (await ctx.executions(workflow.id)).filter((e) => triggerItem(e)?.json?.video?.id === done.id);
	assert.equal(
		again.length,
		1,
		`a repeated delivery of ${done.id} started a second execution: the trigger's memory of seen deliveries ` +
			`(workflow static data) did not survive between two webhook calls in this n8n`,
	);
	return expected;
}

/** The Vlogme Trigger node's output of one stored execution. */
export function triggerItem(execution) {
	const runData = execution.data?.resultData?.runData ?? {};
	const name = Object.keys(runData).find((n) => /trigger/i.test(n));
	return runData[name]?.[0]?.data?.main?.[0]?.[0];
}

const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The Vlogme node's output items in the last run of one stored execution. */
function nodeItems(execution, nodeName) {
	const runs = execution.data?.resultData?.runData?.[nodeName] ?? [];
	return runs[runs.length - 1]?.data?.main?.[0] ?? [];
}

/**
 * generate-wait-webhook.json in the running n8n: started through its Webhook node, the execution
 * waits; forged calls to its resume URL are refused and change nothing; the sandbox's own signed
 * callback resumes it with the finished video and its MP4.
 */
async function waitWebhookScenario(ctx, workflow) {
	const { sandbox, token } = ctx;
	const vlogme = workflow.nodes.find((n) => n.type === 'n8n-nodes-vlogme.vlogme');
	assert.equal(vlogme.parameters.waitForCompletion, 'webhook');
	const startUrl = ctx.webhookNodeUrl(workflow);
	const seen = sandbox.requests.length;

	// 1. start one execution, as a user would (n8n answers 404 until the webhook is registered)
	const started = await until(async () => {
		const response = await fetch(startUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ from: 'e2e' }) });
		return response.status === 404 ? false : { status: response.status, body: await response.text() };
	}, 60_000, `${startUrl} to be registered`, 500);
	assert.equal(started.status, 200, `POST ${startUrl} answered ${started.status} ${started.body}`);

	// 2. the render was requested with n8n's resume URL for this execution, kept exactly
	const post = await until(
		() => sandbox.requests.slice(seen).find((r) => r.server === 'api' && r.method === 'POST' && r.route === '/videos'),
		60_000,
		'the workflow to request a render (POST /videos)',
	);
	assert.equal(post.status, 201, `POST /videos answered ${post.status}`);
	const resumeUrl = post.body.webhook_url;
	const form = new RegExp(`^${escapeRegExp(ctx.n8nUrl)}webhook-waiting/(\\d+)\\?signature=([^&]+)$`).exec(resumeUrl ?? '');
	assert.ok(form, `webhook_url ${resumeUrl} is not n8n's waiting URL ${ctx.n8nUrl}webhook-waiting/<executionId>?signature=<token>`);
	const [, executionId, resumeToken] = form;
	ctx.log(`resume URL given to Vlogme: ${resumeUrl.replace(resumeToken, '<token>')}`);
	assert.equal(post.body.title, 'Hello from n8n');
	const listed = await (await fetch(`${sandbox.baseUrl}/videos?limit=100`, { headers: { authorization: `Bearer ${token}` } })).json();
	const videos = (Array.isArray(listed) ? listed : (listed.videos ?? listed.data ?? listed.items ?? [])).filter(
		(v) => sandbox.getVideo(v.id)?.webhookUrl === resumeUrl,
	);
	assert.equal(videos.length, 1, `${videos.length} renders carry this resume URL`);
	const videoId = videos[0].id;

	// 3. the execution is waiting in n8n's database, until about Max Wait (10 min) from now
	const waiting = await until(async () => {
		const list = await ctx.executions(workflow.id);
		return list.some((e) => String(e.id) === executionId && e.status === 'waiting') && list;
	}, 60_000, `execution ${executionId} to be waiting`, 500);
	assert.equal(waiting.length, 1, `${waiting.length} executions of the workflow, expected exactly 1`);
	assert.equal(waiting[0].mode, 'webhook');
	assert.equal(waiting[0].finished, false);
	assert.equal(waiting[0].data?.resumeToken, resumeToken, 'the signature in webhook_url is not the execution’s stored resume token');
	const waitTill = new Date(String(waiting[0].waitTill).replace(' ', 'T') + (/[Z+]/.test(String(waiting[0].waitTill).slice(10)) ? '' : 'Z')).getTime();
	assert.ok(waitTill > Date.now() + 8 * 60_000 && waitTill < Date.now() + 11 * 60_000, `waitTill ${waiting[0].waitTill} is not about 10 minutes ahead`);

	// 4. forged calls to the exact resume URL: refused by the node (401, its own message), still waiting
	const claimed = { event: 'video.completed', video: { ...sandbox.getVideo(videoId).video, status: 'completed' } };
	for (const [label, opts] of [
		['unsigned', { sign: 'none' }],
		['wrong secret', { sign: { secret: 'not-the-key' } }],
		['another account’s key', { sign: 'derived', token: sandbox.tokens.basic }],
	]) {
		const forged = await sandbox.deliverWebhook(resumeUrl, claimed, opts);
		assert.equal(forged.status, 401, `forged call (${label}) answered ${forged.status} ${forged.body}`);
		assert.match(forged.body, /invalid signature/, `forged call (${label}) was not refused by the Vlogme node: ${forged.body}`);
	}
	// ... and a correctly signed call without n8n's ?signature= token: refused by n8n itself
	const bare = await sandbox.deliverWebhook(resumeUrl.slice(0, resumeUrl.indexOf('?')), claimed, { sign: 'derived', token });
	assert.equal(bare.status, 401, `a call without n8n's token answered ${bare.status} ${bare.body}`);
	await sleep(1500);
	const still = await ctx.executions(workflow.id);
	assert.deepEqual(still.map((e) => [String(e.id), e.status]), [[executionId, 'waiting']], 'a forged call changed the waiting execution');

	// 5. the render finishes: the sandbox itself delivers the genuine signed callback
	sandbox.completeNow(videoId);
	await ctx.waitForExecutions(workflow.id, 1);
	await sleep(2000); // a second execution, if any, would show up now
	const list = await ctx.executions(workflow.id);
	assert.equal(list.length, 1, `${list.length} executions of the workflow, expected exactly 1`);
	const [done] = list;
	assert.equal(String(done.id), executionId);
	assert.equal(done.status, 'success', `execution ${done.id} ended ${done.status}: ${JSON.stringify(done.data?.resultData?.error?.message)}`);
	assert.equal(done.mode, 'webhook');
	assert.equal(done.finished, true);
	const callbacks = sandbox.deliveries.filter((d) => d.url === resumeUrl && d.videoId === videoId && d.status >= 200 && d.status < 300);
	assert.equal(callbacks.length, 1, `${callbacks.length} accepted callbacks, expected the sandbox's one`);
	assert.deepEqual(nodeItems(done, 'Webhook').map((i) => i.json.body), [{ from: 'e2e' }]);
	const items = nodeItems(done, vlogme.name);
	assert.equal(items.length, 1, `${vlogme.name} output ${items.length} items`);
	const [video] = items;
	assert.equal(video.json.id, videoId);
	assert.equal(video.json.status, 'completed');
	assert.equal(video.json.title, 'Hello from n8n');
	const binary = video.binary?.data;
	assert.ok(binary, 'no binary "data" on the resumed output');
	assert.equal(binary.mimeType, 'video/mp4');
	const bytes = await ctx.binaryBytes(binary);
	assert.ok(bytes.equals(await ctx.mp4Bytes(videoId)), 'the MP4 in binary data differs from the sandbox file');

	// 6. Vlogme retrying the callback after the execution finished starts nothing
	const retry = await sandbox.deliverWebhook(resumeUrl, { event: 'video.completed', video: sandbox.getVideo(videoId).video }, { sign: 'derived', token });
	assert.ok(retry.status >= 400, `a callback after the end answered ${retry.status}`);
	await sleep(1500);
	assert.equal((await ctx.executions(workflow.id)).length, 1, 'a repeated callback started another execution');
	ctx.log(
		`execution ${executionId}: waiting (waitTill ${waiting[0].waitTill}) → success; forged 401 ×3, no token 401 ` +
			`(${bare.body}), repeat after the end ${retry.status}; MP4 stored as ${String(binary.id ?? 'inline').split(':')[0]}`,
	);
}

export const EXAMPLES = {
	'account-and-voices.json': {
		check(run, ctx) {
			const [account] = ctx.output(run, 'Get plan and credits');
			assert.equal(account.json.plan, 'pro');
			assert.equal(account.json.credits, ctx.sandbox.getAccount(ctx.token).credits);
			assert.equal(typeof account.json.user_id, 'string');
			const voices = ctx.output(run, 'List voices').map((i) => i.json.id);
			assert.deepEqual(voices, ctx.sandbox.voices.map((v) => v.id));
		},
	},

	'generate-and-wait.json': {
		prepare(workflow) {
			// the saved example polls every 10 s; 1 s keeps the suite fast (the sandbox finishes the render)
			workflow.nodes.find((n) => n.name === 'Generate and wait').parameters.options.pollInterval = 1;
		},
		during(ctx) {
			return ctx.completeRendersAfter(1500);
		},
		async check(run, ctx) {
			const [video] = ctx.output(run, 'Generate and wait');
			assert.equal(video.json.status, 'completed');
			assert.equal(video.json.title, 'Hello from n8n');
			assert.match(video.json.id, /^vid_/);
			const binary = video.binary?.data;
			assert.ok(binary, 'no binary "data" on the output item');
			assert.equal(binary.mimeType, 'video/mp4');
			assert.equal(binary.fileName, 'Hello from n8n.mp4');
			const bytes = await ctx.binaryBytes(binary);
			assert.equal(bytes.subarray(4, 8).toString('latin1'), 'ftyp');
			assert.ok(bytes.equals(await ctx.mp4Bytes(video.json.id)), 'the MP4 in binary data differs from the sandbox file');
			const polls = ctx.sandbox.requests.filter((r) => r.method === 'GET' && r.route.startsWith('/videos'));
			assert.ok(polls.length >= 1, 'the render was never polled');
		},
	},

	'generate-wait-webhook.json': {
		webhookLabel: 'published; started by POST; waiting; forged resume calls 401; resumed by the signed callback',
		async webhook(ctx, workflow) {
			await waitWebhookScenario(ctx, workflow);
		},
	},

	'manage-videos.json': {
		during(ctx) {
			ctx.state.creditsBeforeManage = ctx.sandbox.getAccount(ctx.token).credits;
		},
		check(run, ctx) {
			const [started] = ctx.output(run, 'Start a render');
			assert.match(started.json.id, /^vid_/);
			assert.equal(ctx.output(run, 'Check its status')[0].json.id, started.json.id);
			const [deleted] = ctx.output(run, 'Delete it (refunded)');
			assert.equal(deleted.json.id, started.json.id);
			assert.equal(deleted.json.deleted, true);
			assert.equal(deleted.json.refunded, true);
			assert.equal(ctx.sandbox.getVideo(started.json.id).deleted, true);
			assert.equal(ctx.sandbox.getAccount(ctx.token).credits, ctx.state.creditsBeforeManage, 'credits were not refunded');
			const listed = ctx.output(run, 'List recent videos').map((i) => i.json.id);
			assert.ok(listed.length >= 1 && listed.length <= 5, `listed ${listed.length} videos`);
			assert.ok(!listed.includes(started.json.id), 'the deleted video is still listed');
		},
	},

	'generate-with-trigger-webhook.json': {
		prepare(workflow, ctx) {
			const node = workflow.nodes.find((n) => n.type === 'n8n-nodes-vlogme.vlogme');
			assert.equal(node.parameters.additionalFields.webhookUrl, '<paste the trigger production URL>');
			node.parameters.additionalFields.webhookUrl = ctx.triggerUrl('vlogme-trigger-save-mp4.json');
		},
		check(run, ctx) {
			const [created] = ctx.output(run, 'Generate video');
			assert.match(created.json.id, /^vid_/);
			assert.equal(created.json.status, 'preparing');
			const state = ctx.sandbox.getVideo(created.json.id);
			assert.equal(state.webhookUrl, ctx.triggerUrl('vlogme-trigger-save-mp4.json'));
			assert.equal(state.request.title, 'Hello from n8n');
			// its render is finished in the webhook phase, where the trigger example must receive it
			(ctx.state.rendersAwaitingTrigger ??= []).push(created.json.id);
		},
	},

	'vlogme-trigger-save-mp4.json': {
		prepare(workflow, ctx) {
			const save = workflow.nodes.find((n) => n.type === 'n8n-nodes-base.readWriteFile');
			assert.equal(save.parameters.fileName, '=/tmp/vlogme/{{ $json.video.id }}.mp4');
			save.parameters.fileName = save.parameters.fileName.replace('/tmp/vlogme/', ctx.filesDir + '/');
		},
		async webhook(ctx, workflow) {
			await webhookScenario(ctx, workflow, {
				async verify(execution, videoId) {
					const item = triggerItem(execution);
					assert.equal(item.json.video.id, videoId);
					assert.equal(item.json.video.status, 'completed');
					const written = readFileSync(path.join(ctx.filesDir, `${videoId}.mp4`));
					assert.ok(written.equals(await ctx.mp4Bytes(videoId)), `${videoId}.mp4 differs from the sandbox MP4`);
				},
			});
		},
	},
};
