// One entry per workflow file in examples/, keyed by file name. An example without an entry FAILS
// the suite: a new example needs its check here. See docs/e2e.md.
//
// Entry fields (all optional except a check):
//   prepare(workflow, ctx)  edit the saved workflow before it is imported (placeholders, paths)
//   check(run, ctx)         non-trigger examples: run = the JSON printed by `n8n execute --rawOutput`;
//                           throw (node:assert) on anything wrong
//   webhook(ctx)            trigger examples (they contain a Vlogme Trigger node): runs while
//                           `n8n start` serves the published workflow; deliver webhooks, then check
//                           the executions stored by n8n (ctx.expectExecutions)
//   during(ctx)             runs while `n8n execute` runs (e.g. ctx.completeRendersAfter(ms))
//
// ctx: { sandbox, token, n8nVersion, major, filesDir, state, prodUrl(workflow), triggerUrl(fileName),
//        output(run, nodeName), binaryBytes(binary), mp4Bytes(videoId), createVideo(body), completeRendersAfter(ms),
//        executions(workflowId), waitForExecutions(workflowId, count),
//        expectExecutions(workflowId, videoIds, verify?) }  (see run.mjs)
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';

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
