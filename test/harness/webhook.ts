/**
 * Runs webhook nodes the way n8n does, over real HTTP.
 *
 * - `WebhookServer`: a 127.0.0.1 listener that reads each request body into a Buffer
 *   (`req.rawBody`) and, like n8n's body parser, parses JSON into `req.body` (anything else leaves
 *   `req.body` undefined), then hands the request to the handler registered for its path. The
 *   response gets the few Express methods nodes use (`status`, `json`, `send`, `set`).
 * - `runNodeWebhook`: builds n8n-core's own `WebhookContext` and calls the node's `webhook()`.
 * - `respondToWebhook`: answers the caller as n8n does after `webhook()` (noWebhookResponse, a
 *   given webhookResponse, or the default messages of response mode onReceived).
 * - `startWebhookExecution`: puts the webhook node's output on the nodeExecutionStack and runs
 *   the workflow through `WorkflowExecute`, as n8n starts a webhook execution.
 * - `ActiveWebhookWorkflow`: one published workflow: activation through `webhookMethods`
 *   (`checkExists`, then `create` if needed; `delete` on deactivation) in a real `HookContext`,
 *   its production URL routed on the server, workflow static data persisted between requests
 *   (saved after `webhook()` and after each execution, as n8n saves it), executions counted.
 *
 * The pieces are separate so that a node's resume webhook (`restartWebhook`) can later be served
 * from the same server: register a route for the waiting URL, call `runNodeWebhook` with the
 * waiting execution's run data, and continue it.
 */
import { ExecutionLifecycleHooks, HookContext, WebhookContext, WorkflowExecute } from 'n8n-core';
import type {
	ICredentialDataDecryptedObject,
	IDataObject,
	INode,
	INodeExecutionData,
	IRun,
	IRunExecutionData,
	IWebhookData,
	IWebhookDescription,
	IWebhookResponseData,
	IWorkflowBase,
	IWorkflowExecuteAdditionalData,
	WorkflowActivateMode,
	WorkflowExecuteMode,
} from 'n8n-workflow';
import { createRunExecutionData, Workflow } from 'n8n-workflow';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { buildAdditionalData, loadPackage, TestCredentialsHelper, toResult, type RunResult } from './engine';

// ----- HTTP -----------------------------------------------------------------------------------

/** The request as a webhook node sees it (what n8n's Express request offers that nodes read). */
export interface WebhookRequest extends http.IncomingMessage {
	rawBody: Buffer;
	body: unknown;
	query: Record<string, string>;
	params: Record<string, string>;
}

/** The response with the Express methods nodes use. */
export interface WebhookResponse extends http.ServerResponse {
	status(code: number): WebhookResponse;
	json(body: unknown): WebhookResponse;
	send(body: unknown): WebhookResponse;
	set(name: string, value: string): WebhookResponse;
	header(name: string, value: string): WebhookResponse;
}

export type WebhookHandler = (req: WebhookRequest, res: WebhookResponse) => Promise<void>;

export interface ServedRequest {
	method: string;
	path: string;
	status: number;
	/** what the server answered, as text */
	body: string;
}

const JSON_TYPES = ['application/json', 'application/vnd.api+json', 'application/merge-patch+json'];

function toWebhookResponse(res: http.ServerResponse): WebhookResponse {
	const response = res as WebhookResponse;
	response.status = (code) => {
		response.statusCode = code;
		return response;
	};
	response.set = (name, value) => {
		response.setHeader(name, value);
		return response;
	};
	response.header = response.set;
	response.json = (body) => {
		if (!response.hasHeader('content-type')) response.setHeader('Content-Type', 'application/json; charset=utf-8');
		response.end(JSON.stringify(body));
		return response;
	};
	response.send = (body) => {
		if (Buffer.isBuffer(body) || typeof body === 'string') response.end(body);
		else response.json(body);
		return response;
	};
	return response;
}

/** One 127.0.0.1 listener on a free port; routes requests by exact path (query string ignored). */
export class WebhookServer {
	readonly served: ServedRequest[] = [];
	private readonly routes = new Map<string, WebhookHandler>();

	private constructor(
		private readonly server: http.Server,
		readonly baseUrl: string,
	) {}

	static async start(): Promise<WebhookServer> {
		let self: WebhookServer | undefined;
		const server = http.createServer((req, res) => void self!.onRequest(req, res));
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		const { port } = server.address() as AddressInfo;
		self = new WebhookServer(server, `http://127.0.0.1:${port}`);
		return self;
	}

	/** Serves `path` (or the path of a full URL) with `handler`; returns the function that removes it. */
	route(pathOrUrl: string, handler: WebhookHandler): () => void {
		const path = new URL(pathOrUrl, this.baseUrl).pathname;
		if (this.routes.has(path)) throw new Error(`The path ${path} is already served`);
		this.routes.set(path, handler);
		return () => {
			if (this.routes.get(path) === handler) this.routes.delete(path);
		};
	}

	async close(): Promise<void> {
		this.server.closeAllConnections();
		await new Promise<void>((resolve) => this.server.close(() => resolve()));
	}

	private async onRequest(incoming: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
		const chunks: Buffer[] = [];
		for await (const chunk of incoming) chunks.push(chunk as Buffer);
		const url = new URL(incoming.url ?? '/', this.baseUrl);
		const req = incoming as WebhookRequest;
		req.rawBody = Buffer.concat(chunks);
		req.query = Object.fromEntries(url.searchParams);
		req.params = {};
		req.body = parseBody(req);
		const response = toWebhookResponse(res);
		const sent: Buffer[] = [];
		const end = res.end.bind(res) as (...args: unknown[]) => http.ServerResponse;
		res.end = ((...args: unknown[]) => {
			if (typeof args[0] === 'string' || Buffer.isBuffer(args[0])) sent.push(Buffer.from(args[0] as string));
			return end(...args);
		}) as typeof res.end;
		res.on('finish', () =>
			this.served.push({
				method: req.method ?? '',
				path: url.pathname,
				status: res.statusCode,
				body: Buffer.concat(sent).toString('utf8'),
			}),
		);

		const handler = this.routes.get(url.pathname);
		if (!handler) {
			// n8n's answer for a path no active workflow serves.
			response.status(404).json({ code: 404, message: `The requested webhook "${req.method} ${url.pathname}" is not registered.` });
			return;
		}
		try {
			await handler(req, response);
		} catch (error) {
			if (!res.headersSent) response.status(500).json({ code: 0, message: (error as Error).message });
			else if (!res.writableEnded) res.end();
		}
	}
}

/** Like n8n's body parser: JSON (also when no content type is given) into an object, else undefined. */
function parseBody(req: WebhookRequest): unknown {
	if (req.rawBody.length === 0) return {};
	const type = (req.headers['content-type'] ?? 'application/json').split(';')[0].trim().toLowerCase();
	if (!JSON_TYPES.includes(type)) return undefined;
	try {
		return JSON.parse(req.rawBody.toString('utf8'));
	} catch {
		return undefined;
	}
}

// ----- n8n's webhook steps ----------------------------------------------------------------------

export interface NodeWebhookCall {
	workflow: Workflow;
	node: INode;
	webhookDescription: IWebhookDescription;
	additionalData: IWorkflowExecuteAdditionalData;
	mode: WorkflowExecuteMode;
	req: WebhookRequest;
	res: WebhookResponse;
	/** For a resume webhook: the waiting execution's data (its stack starts with the waiting node). */
	runExecutionData?: IRunExecutionData | null;
	/** The path n8n registered (default: the description's path). */
	path?: string;
}

/** Calls the node's `webhook()` in n8n-core's WebhookContext, with the request and response attached. */
export async function runNodeWebhook(call: NodeWebhookCall): Promise<IWebhookResponseData> {
	const nodeType = call.workflow.nodeTypes.getByNameAndVersion(call.node.type, call.node.typeVersion);
	if (typeof nodeType.webhook !== 'function') throw new Error(`Node "${call.node.name}" has no webhook() method`);
	call.additionalData.httpRequest = call.req as never;
	call.additionalData.httpResponse = call.res as never;
	const webhookData: IWebhookData = {
		httpMethod: call.webhookDescription.httpMethod as IWebhookData['httpMethod'],
		node: call.node.name,
		path: call.path ?? String(call.webhookDescription.path),
		webhookDescription: call.webhookDescription,
		workflowId: call.workflow.id,
		workflowExecuteAdditionalData: call.additionalData,
		webhookId: call.node.webhookId,
	};
	const context = new WebhookContext(
		call.workflow,
		call.node,
		call.additionalData,
		call.mode,
		webhookData,
		[],
		call.runExecutionData ?? null,
	);
	return await nodeType.webhook.call(context);
}

/**
 * Answers as n8n does once `webhook()` returned (response mode onReceived): nothing more when the
 * node asked for noWebhookResponse (it wrote the response itself), else 200 with the node's
 * webhookResponse or n8n's default message. Returns whether an execution is to start.
 */
export function respondToWebhook(res: WebhookResponse, result: IWebhookResponseData): boolean {
	const starts = result.workflowData !== undefined;
	if (result.noWebhookResponse === true) {
		if (!res.writableEnded) {
			// n8n would leave the caller hanging; a test should see it plainly.
			res.status(500).json({ message: 'harness: noWebhookResponse but the node did not answer' });
		}
		return starts;
	}
	if (res.headersSent) return starts;
	const fallback = starts ? { message: 'Workflow was started' } : { message: 'Webhook call received' };
	res.status(200).json(result.webhookResponse ?? fallback);
	return starts;
}

export interface StartedExecution {
	executionId: string;
	finished: Promise<RunResult>;
}

/** Runs the workflow from the webhook node with its output on the stack, as n8n starts it. */
export function startWebhookExecution(
	workflow: Workflow,
	workflowData: IWorkflowBase,
	startNode: INode,
	data: INodeExecutionData[][],
	additionalData: IWorkflowExecuteAdditionalData,
	executionId: string,
	mode: WorkflowExecuteMode = 'webhook',
): StartedExecution {
	const hooks = new ExecutionLifecycleHooks(mode, executionId, workflowData);
	let resolveRun!: (run: IRun) => void;
	const ran = new Promise<IRun>((resolve) => (resolveRun = resolve));
	hooks.addHandler('workflowExecuteAfter', (run) => resolveRun(run));
	additionalData.hooks = hooks;
	additionalData.executionId = executionId;
	// Like n8n, the execution does not carry the HTTP request of the webhook call.
	delete additionalData.httpRequest;
	delete additionalData.httpResponse;
	const runExecutionData = createRunExecutionData({
		executionData: { nodeExecutionStack: [{ node: startNode, data: { main: data }, source: null }] },
	});
	const execute = new WorkflowExecute(additionalData, mode, runExecutionData);
	const finished = (async () => {
		await execute.processRunExecutionData(workflow);
		return toResult(await ran, workflow);
	})();
	return { executionId, finished };
}

// ----- a published workflow with a webhook trigger ----------------------------------------------

export interface ActiveWebhookWorkflowOptions {
	workflow: IWorkflowBase;
	server: WebhookServer;
	credentials?: Record<string, ICredentialDataDecryptedObject>;
	/** The webhook node (default: the first node whose type declares webhooks). */
	nodeName?: string;
	/** Which of its webhooks (default `default`). */
	webhookName?: string;
	/** Static data as saved before (default: the workflow's). */
	staticData?: IDataObject;
}

export type WebhookMethodName = 'checkExists' | 'create' | 'delete';

let executionCounter = 0;

export class ActiveWebhookWorkflow {
	/** The production URL of the webhook node, as n8n shows it. */
	readonly url: string;
	/** Every execution started, in order; `finished` resolves with its result. */
	readonly started: StartedExecution[] = [];
	/** Errors thrown by `webhook()` (n8n answers those with 500). */
	readonly webhookErrors: Error[] = [];
	private saved: IDataObject;
	private unroute: (() => void) | undefined;

	private constructor(
		private readonly options: ActiveWebhookWorkflowOptions,
		private readonly pkg: Awaited<ReturnType<typeof loadPackage>>,
		readonly node: INode,
		readonly webhookDescription: IWebhookDescription,
	) {
		this.saved = clone(options.staticData ?? (options.workflow.staticData as IDataObject | undefined) ?? {});
		const hook = this.hookContext('activate');
		this.url = hook.getNodeWebhookUrl(webhookDescription.name) ?? '';
	}

	static async create(options: ActiveWebhookWorkflowOptions): Promise<ActiveWebhookWorkflow> {
		const pkg = await loadPackage();
		const nodes = options.workflow.nodes;
		const node = options.nodeName
			? nodes.find((n) => n.name === options.nodeName)
			: nodes.find((n) => (pkg.nodeTypes.getByNameAndVersion(n.type, n.typeVersion).description.webhooks ?? []).length > 0);
		if (!node) throw new Error('The workflow has no webhook node');
		const description = pkg.nodeTypes
			.getByNameAndVersion(node.type, node.typeVersion)
			.description.webhooks?.find((w) => w.name === (options.webhookName ?? 'default'));
		if (!description) throw new Error(`Node "${node.name}" has no webhook "${options.webhookName ?? 'default'}"`);
		return new ActiveWebhookWorkflow(options, pkg, node, description);
	}

	/** The static data as last saved (what n8n's database holds). */
	get staticData(): IDataObject {
		return clone(this.saved);
	}

	/** Replaces the saved static data, e.g. to act as an n8n that lost what webhook() wrote. */
	resetStaticData(data: IDataObject = {}): void {
		this.saved = clone(data);
	}

	/** How many executions the deliveries started. */
	get executionCount(): number {
		return this.started.length;
	}

	/** The results of all started executions, once finished. */
	async results(): Promise<RunResult[]> {
		return await Promise.all(this.started.map((s) => s.finished));
	}

	/** Runs one of the node's webhookMethods in a HookContext, saving static data afterwards. */
	async runWebhookMethod(method: WebhookMethodName, activation: WorkflowActivateMode = 'activate'): Promise<boolean> {
		const workflow = this.newWorkflow();
		const nodeType = this.pkg.nodeTypes.getByNameAndVersion(this.node.type, this.node.typeVersion);
		const fn = nodeType.webhookMethods?.[this.webhookDescription.name as 'default']?.[method];
		if (typeof fn !== 'function') throw new Error(`Node "${this.node.name}" has no webhookMethods.${this.webhookDescription.name}.${method}`);
		try {
			return (await fn.call(this.hookContext(activation, workflow))) as boolean;
		} finally {
			this.save(workflow);
		}
	}

	/** Publishes: checkExists, then create when it does not exist (n8n's order); routes the URL. */
	async activate(activation: WorkflowActivateMode = 'activate'): Promise<void> {
		if (this.unroute) return;
		const exists = await this.runWebhookMethod('checkExists', activation);
		if (!exists) await this.runWebhookMethod('create', activation);
		this.unroute = this.options.server.route(this.url, async (req, res) => await this.onRequest(req, res));
	}

	/** Unpublishes: runs delete and stops serving the URL (later requests get n8n's 404). */
	async deactivate(): Promise<void> {
		this.unroute?.();
		this.unroute = undefined;
		await this.runWebhookMethod('delete');
	}

	get active(): boolean {
		return this.unroute !== undefined;
	}

	/** Waits until every execution started so far has finished. */
	async idle(): Promise<void> {
		await Promise.all(this.started.map((s) => s.finished.catch(() => undefined)));
	}

	private newWorkflow(): Workflow {
		const data = this.options.workflow;
		return new Workflow({
			id: data.id ?? 'test-workflow',
			name: data.name,
			nodes: data.nodes,
			connections: data.connections,
			active: true,
			nodeTypes: this.pkg.nodeTypes,
			// Each request gets the saved copy, as n8n loads the workflow from its database.
			staticData: clone(this.saved),
			settings: data.settings,
		});
	}

	private additionalData(): IWorkflowExecuteAdditionalData {
		const credentialsHelper = new TestCredentialsHelper(this.pkg.credentialTypes, this.options.credentials ?? {});
		const hooks = new ExecutionLifecycleHooks('webhook', 'no-execution', this.options.workflow);
		return buildAdditionalData(credentialsHelper, hooks, this.options.server.baseUrl);
	}

	private hookContext(activation: WorkflowActivateMode, workflow = this.newWorkflow()): HookContext {
		const additionalData = this.additionalData();
		const webhookData: IWebhookData = {
			httpMethod: this.webhookDescription.httpMethod as IWebhookData['httpMethod'],
			node: this.node.name,
			path: String(this.webhookDescription.path),
			webhookDescription: this.webhookDescription,
			workflowId: workflow.id,
			workflowExecuteAdditionalData: additionalData,
			webhookId: this.node.webhookId,
		};
		return new HookContext(workflow, this.node, additionalData, 'trigger', activation, webhookData);
	}

	/** n8n saves static data only when it changed (ObservableObject's `__dataChanged`). */
	private save(workflow: Workflow): void {
		const data = workflow.staticData as IDataObject & { __dataChanged?: boolean };
		if (data.__dataChanged === true) {
			this.saved = clone(data);
			data.__dataChanged = false;
		}
	}

	private async onRequest(req: WebhookRequest, res: WebhookResponse): Promise<void> {
		if ((req.method ?? '').toUpperCase() !== String(this.webhookDescription.httpMethod).toUpperCase()) {
			res.status(404).json({ code: 404, message: `The requested webhook "${req.method} ${req.url}" is not registered.` });
			return;
		}
		const workflow = this.newWorkflow();
		const additionalData = this.additionalData();
		let result: IWebhookResponseData;
		try {
			result = await runNodeWebhook({
				workflow,
				node: workflow.getNode(this.node.name)!,
				webhookDescription: this.webhookDescription,
				additionalData,
				mode: 'webhook',
				req,
				res,
			});
		} catch (error) {
			this.webhookErrors.push(error as Error);
			this.save(workflow);
			if (!res.headersSent) res.status(500).json({ code: 0, message: 'Workflow Webhook Error: Workflow could not be started!' });
			return;
		}
		this.save(workflow);
		const starts = respondToWebhook(res, result);
		if (!starts) return;
		const execution = startWebhookExecution(
			workflow,
			this.options.workflow,
			workflow.getNode(this.node.name)!,
			result.workflowData!,
			additionalData,
			`webhook-${++executionCounter}`,
		);
		this.started.push({
			executionId: execution.executionId,
			finished: execution.finished.then((run) => {
				this.save(workflow);
				return run;
			}),
		});
	}
}

function clone<T>(value: T): T {
	return JSON.parse(JSON.stringify(value ?? {})) as T;
}
