/**
 * Waiting executions, as n8n handles them: a workflow runs until a node puts it to wait; its
 * resume URL ($execution.resumeUrl, served here on a loopback port) then runs the waiting node's
 * webhook() through n8n-core's WebhookContext, and when that returns data the execution continues
 * through WorkflowExecute exactly as n8n's waiting-webhooks handler continues it (the waiting node
 * disabled, its output replaced by the webhook's data). A Max Wait expiry is simulated by
 * resuming without a call, as n8n's wait tracker does.
 */
import { ExecutionLifecycleHooks, WorkflowExecute } from 'n8n-core';
import type { IRun, IWebhookDescription, IWorkflowBase, IWorkflowExecuteAdditionalData } from 'n8n-workflow';
import { NodeHelpers, Workflow } from 'n8n-workflow';

import { buildAdditionalData, loadPackage, runWorkflow, TestCredentialsHelper, toResult, type RunOptions, type RunResult } from './engine';
import { respondToWebhook, runNodeWebhook, WebhookServer } from './webhook';

export interface WaitingRun {
	first: RunResult;
	/** Settles with the resumed execution's result. */
	resumed: Promise<RunResult>;
	/** Answers the resume URL gave, in order. */
	calls: Array<{ status: number; resumed: boolean }>;
	/** Resumes as n8n's wait tracker does when Max Wait passes without a call. */
	expire(): Promise<RunResult>;
}

let counter = 1000;

export class WaitingExecutions {
	private constructor(readonly server: WebhookServer) {}

	static async start(): Promise<WaitingExecutions> {
		return new WaitingExecutions(await WebhookServer.start());
	}

	async close(): Promise<void> {
		await this.server.close();
	}

	/** Runs the workflow; if it ends waiting, serves its resume URL until it resumes. */
	async run(workflowData: IWorkflowBase, options: RunOptions): Promise<WaitingRun> {
		const executionId = String(++counter);
		const first = await runWorkflow(workflowData, { ...options, executionId, webhookBaseUrl: this.server.baseUrl });
		const calls: WaitingRun['calls'] = [];
		let resolveResumed!: (result: RunResult) => void;
		let rejectResumed!: (error: unknown) => void;
		const resumed = new Promise<RunResult>((resolve, reject) => {
			resolveResumed = resolve;
			rejectResumed = reject;
		});
		resumed.catch(() => undefined);
		const pkg = await loadPackage();
		const credentialsHelper = new TestCredentialsHelper(pkg.credentialTypes, options.credentials ?? {});
		let done = false;
		const newWorkflow = () =>
			new Workflow({
				id: workflowData.id,
				nodes: workflowData.nodes,
				connections: workflowData.connections,
				active: false,
				nodeTypes: pkg.nodeTypes,
				settings: workflowData.settings,
			});

		const continueExecution = async (run: IRun, additionalData: IWorkflowExecuteAdditionalData): Promise<RunResult> => {
			const workflow = newWorkflow();
			const hooks = new ExecutionLifecycleHooks('webhook', executionId, workflowData);
			let resolveRun!: (r: IRun) => void;
			const finished = new Promise<IRun>((resolve) => (resolveRun = resolve));
			hooks.addHandler('workflowExecuteAfter', (r) => resolveRun(r));
			additionalData.hooks = hooks;
			await new WorkflowExecute(additionalData, 'webhook', run.data).processRunExecutionData(workflow);
			return toResult(await finished, workflow);
		};

		const unroute = this.server.route(`/webhook-waiting/${executionId}`, async (req, res) => {
			if (done) {
				res.status(409).json({ message: `The execution "${executionId}" is not waiting` });
				return;
			}
			const run = first.run;
			const lastNodeName = run.data.resultData.lastNodeExecuted!;
			const workflow = newWorkflow();
			const node = workflow.getNode(lastNodeName)!;
			const nodeType = NodeHelpers.getVersionedNodeType(workflow.nodeTypes.getByName(node.type), node.typeVersion);
			const description = (nodeType.description.webhooks ?? []).find((w) => w.restartWebhook) as IWebhookDescription;
			const additionalData = buildAdditionalData(credentialsHelper, new ExecutionLifecycleHooks('webhook', executionId, workflowData), this.server.baseUrl);
			additionalData.executionId = executionId;
			const result = await runNodeWebhook({ workflow, node, webhookDescription: description, additionalData, mode: 'webhook', req, res, runExecutionData: run.data });
			const resumes = respondToWebhook(res, result);
			calls.push({ status: res.statusCode, resumed: resumes });
			if (!resumes) return;
			done = true;
			unroute();
			// What n8n's waiting-webhooks handler does before continuing the execution.
			const stack = run.data.executionData!.nodeExecutionStack;
			stack[0].node.disabled = true;
			stack[0].data.main = result.workflowData!;
			run.data.waitTill = undefined;
			run.data.resultData.runData[lastNodeName].pop();
			delete additionalData.httpRequest;
			delete additionalData.httpResponse;
			continueExecution(run, additionalData).then(resolveResumed, rejectResumed);
		});
		if (first.run.status !== 'waiting') unroute();

		return {
			first,
			resumed,
			calls,
			expire: async () => {
				done = true;
				unroute();
				const additionalData = buildAdditionalData(credentialsHelper, new ExecutionLifecycleHooks('webhook', executionId, workflowData), this.server.baseUrl);
				additionalData.executionId = executionId;
				// waitTill is still set, so WorkflowExecute disables the waiting node and passes its input on.
				return await continueExecution(first.run, additionalData);
			},
		};
	}
}
