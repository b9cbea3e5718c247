/**
 * Runs real workflow JSON through n8n's own execution engine (n8n-core's WorkflowExecute) with the
 * package's BUILT nodes and credentials (dist/, loaded by n8n-core's PackageDirectoryLoader exactly
 * as n8n loads a community package), real HTTP, and n8n's binary-data service.
 */
import { Container } from '@n8n/di';
import {
	BinaryDataService,
	Credentials,
	ExecuteContext,
	ExecutionLifecycleHooks,
	PackageDirectoryLoader,
	RoutingNode,
	WorkflowExecute,
} from 'n8n-core';
import type {
	ICredentialDataDecryptedObject,
	ICredentialType,
	ICredentialTestRequest,
	IDataObject,
	IExecuteData,
	IHttpRequestOptions,
	INode,
	INodeCredentialsDetails,
	INodeExecutionData,
	INodeType,
	INodeTypes,
	IRun,
	IVersionedNodeType,
	IWorkflowBase,
	IWorkflowExecuteAdditionalData,
	WorkflowExecuteMode,
} from 'n8n-workflow';
import { createRunExecutionData, ICredentialsHelper, NodeHelpers, Workflow } from 'n8n-workflow';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { AgentStandIn, toolVariant } from './aiTool';
import { TEST_NODE_TYPES } from './testNodes';

/** The repository root, whether this runs from test/ (ts-jest) or from build/test/ (compiled tools). */
export const PACKAGE_ROOT = findPackageRoot(__dirname);

function findPackageRoot(start: string): string {
	for (let dir = start; dir !== path.dirname(dir); dir = path.dirname(dir)) {
		if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'nodes'))) return dir;
	}
	throw new Error(`No package root above ${start}`);
}
export const PACKAGE_NAME = 'n8n-nodes-vlogme';
export const NODE_TYPE = `${PACKAGE_NAME}.vlogme`;
export const TRIGGER_TYPE = `${PACKAGE_NAME}.vlogmeTrigger`;

export interface LoadedPackage {
	nodeTypes: TestNodeTypes;
	credentialTypes: Record<string, ICredentialType>;
}

export class TestNodeTypes implements INodeTypes {
	constructor(private readonly types: Record<string, INodeType | IVersionedNodeType>) {}

	getByName(type: string): INodeType | IVersionedNodeType {
		const found = this.types[type];
		if (!found) throw new Error(`Unknown node type "${type}"`);
		return found;
	}

	getByNameAndVersion(type: string, version?: number): INodeType {
		return NodeHelpers.getVersionedNodeType(this.getByName(type), version);
	}

	getKnownTypes() {
		return {};
	}
}

let loaded: Promise<LoadedPackage> | undefined;

/** Loads dist/ once per test file, as n8n loads an installed community package. */
export function loadPackage(): Promise<LoadedPackage> {
	loaded ??= (async () => {
		const loader = new PackageDirectoryLoader(PACKAGE_ROOT);
		await loader.loadAll();
		const types: Record<string, INodeType | IVersionedNodeType> = { ...TEST_NODE_TYPES };
		for (const [name, data] of Object.entries(loader.nodeTypes)) {
			types[`${loader.packageName}.${name}`] = data.type;
			// n8n derives an AI-tool variant of every `usableAsTool` node, named `<name>Tool`.
			if (NodeHelpers.getVersionedNodeType(data.type).description.usableAsTool) {
				types[`${loader.packageName}.${name}Tool`] = toolVariant(data.type);
			}
		}
		types['test.agent'] = new AgentStandIn();
		const credentialTypes: Record<string, ICredentialType> = {};
		for (const [name, data] of Object.entries(loader.credentialTypes)) credentialTypes[name] = data.type;
		return { nodeTypes: new TestNodeTypes(types), credentialTypes };
	})();
	return loaded;
}

/** Hands each credential type its decrypted data and authenticates requests the way n8n does. */
export class TestCredentialsHelper extends ICredentialsHelper {
	constructor(
		private readonly credentialTypes: Record<string, ICredentialType>,
		private readonly data: Record<string, ICredentialDataDecryptedObject>,
	) {
		super();
	}

	getParentTypes(): string[] {
		return [];
	}

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		requestOptions: IHttpRequestOptions,
		workflow?: Workflow,
		node?: INode,
	): Promise<IHttpRequestOptions> {
		const type = this.credentialTypes[typeName];
		const authenticate = type?.authenticate;
		if (authenticate === undefined) return requestOptions;
		if (typeof authenticate === 'function') return await authenticate(credentials, requestOptions);
		// Generic authentication: resolve each `={{$credentials...}}` value, as n8n's CredentialsHelper does.
		const resolved: IHttpRequestOptions = { ...requestOptions, headers: { ...(requestOptions.headers ?? {}) } };
		const headers = (authenticate.properties.headers ?? {}) as IDataObject;
		for (const [key, value] of Object.entries(headers)) {
			resolved.headers![key] = resolveCredentialExpression(String(value), credentials, workflow, node);
		}
		const qs = (authenticate.properties.qs ?? {}) as IDataObject;
		if (Object.keys(qs).length) {
			resolved.qs = { ...(requestOptions.qs ?? {}) };
			for (const [key, value] of Object.entries(qs)) {
				resolved.qs[key] = resolveCredentialExpression(String(value), credentials, workflow, node);
			}
		}
		return resolved;
	}

	async preAuthentication(): Promise<ICredentialDataDecryptedObject | undefined> {
		return undefined;
	}

	async runPreAuthentication(): Promise<ICredentialDataDecryptedObject | undefined> {
		return undefined;
	}

	async getCredentials(nodeCredentials: INodeCredentialsDetails, type: string): Promise<Credentials> {
		return new Credentials({ id: nodeCredentials.id, name: nodeCredentials.name }, type, '');
	}

	async getDecrypted(
		_additionalData: IWorkflowExecuteAdditionalData,
		_nodeCredentials: INodeCredentialsDetails,
		type: string,
	): Promise<ICredentialDataDecryptedObject> {
		const data = this.data[type];
		if (!data) throw new Error(`No test credentials of type "${type}"`);
		// Defaults first, as n8n applies them to a saved credential.
		const defaults: ICredentialDataDecryptedObject = {};
		for (const property of this.credentialTypes[type]?.properties ?? []) {
			defaults[property.name] = property.default as ICredentialDataDecryptedObject[string];
		}
		return { ...defaults, ...data };
	}

	async updateCredentials(): Promise<void> {}

	async updateCredentialsOauthTokenData(): Promise<void> {}

	getCredentialsProperties() {
		return [];
	}

	isCredentialUsableByNode(): boolean {
		return true;
	}
}

function resolveCredentialExpression(
	value: string,
	credentials: ICredentialDataDecryptedObject,
	workflow?: Workflow,
	node?: INode,
): string {
	if (!value.startsWith('=')) return value;
	if (workflow && node) {
		return String(
			workflow.expression.getParameterValue(
				value,
				null,
				0,
				0,
				node.name,
				[],
				'internal',
				{ $credentials: credentials },
				undefined,
				undefined,
			),
		);
	}
	return value.slice(1).replace(/\{\{\s*\$credentials\.(\w+)\s*\}\}/g, (_m, key: string) => String(credentials[key] ?? ''));
}

export type BinaryMode = 'default' | 'filesystem';

/** Sets up n8n's binary-data service: in memory ('default') or on disk ('filesystem'), as n8n can. */
export async function useBinaryDataMode(mode: BinaryMode): Promise<string> {
	const storagePath = mkdtempSync(path.join(tmpdir(), 'vlogme-binary-'));
	const config = { mode, availableModes: ['default', 'filesystem'], localStoragePath: storagePath, signingSecret: 'test' };
	const quiet = { error() {}, warn() {}, info() {}, debug() {} };
	const service = new BinaryDataService(config as never, quiet as never, quiet as never);
	await service.init();
	Container.set(BinaryDataService, service);
	return storagePath;
}

export interface RunOptions {
	credentials?: Record<string, ICredentialDataDecryptedObject>;
	mode?: WorkflowExecuteMode;
	/** Called with the engine's run promise, which has `cancel()`. */
	onStarted?: (run: ReturnType<WorkflowExecute['run']>) => void;
	/** Base URLs handed to nodes ($execution.resumeUrl and friends). */
	webhookBaseUrl?: string;
	executionId?: string;
	staticData?: IDataObject;
}

export interface RunResult {
	run: IRun;
	workflow: Workflow;
	/** Items of a node's main output (first run, output index 0 unless given). */
	output(nodeName: string, outputIndex?: number): INodeExecutionData[];
	/** The error a node raised, if any. */
	nodeError(nodeName: string): (Error & IDataObject) | undefined;
	executionError: (Error & IDataObject) | undefined;
	/** n8n's stored binary data of an output item, as a Buffer. */
	binaryBuffer(item: INodeExecutionData, property?: string): Promise<Buffer>;
}

export function readWorkflowFile(file: string): IWorkflowBase {
	return JSON.parse(readFileSync(file, 'utf8')) as IWorkflowBase;
}

let executionCounter = 0;

export function buildAdditionalData(
	credentialsHelper: ICredentialsHelper,
	hooks: ExecutionLifecycleHooks,
	baseUrl: string,
): IWorkflowExecuteAdditionalData {
	return {
		credentialsHelper,
		hooks,
		executeWorkflow: async () => {
			throw new Error('Sub-workflows are not available in tests');
		},
		getRunExecutionData: async () => undefined,
		executionTimeoutTimestamp: undefined,
		restApiUrl: `${baseUrl}/rest`,
		instanceBaseUrl: `${baseUrl}/`,
		formWaitingBaseUrl: `${baseUrl}/form-waiting`,
		webhookBaseUrl: `${baseUrl}/webhook`,
		webhookWaitingBaseUrl: `${baseUrl}/webhook-waiting`,
		webhookTestBaseUrl: `${baseUrl}/webhook-test`,
		currentNodeParameters: undefined,
		variables: {},
		userId: 'test-user',
		setExecutionStatus: () => {},
		logAiEvent: () => {},
		startRunnerTask: async () => {
			throw new Error('Task runners are not available in tests');
		},
	} as unknown as IWorkflowExecuteAdditionalData;
}

/** Runs a workflow from its first node (the start node) to the end, through WorkflowExecute. */
export async function runWorkflow(workflowData: IWorkflowBase, options: RunOptions = {}): Promise<RunResult> {
	const pkg = await loadPackage();
	const executionId = options.executionId ?? String(++executionCounter);
	const mode = options.mode ?? 'manual';
	const workflow = new Workflow({
		id: workflowData.id ?? 'test-workflow',
		name: workflowData.name,
		nodes: workflowData.nodes,
		connections: workflowData.connections,
		active: false,
		nodeTypes: pkg.nodeTypes,
		staticData: options.staticData ?? workflowData.staticData,
		settings: workflowData.settings,
	});
	const credentialsHelper = new TestCredentialsHelper(pkg.credentialTypes, options.credentials ?? {});
	const hooks = new ExecutionLifecycleHooks(mode, executionId, workflowData);
	let resolveFinished!: (run: IRun) => void;
	const finished = new Promise<IRun>((resolve) => (resolveFinished = resolve));
	hooks.addHandler('workflowExecuteAfter', (fullRunData) => resolveFinished(fullRunData));
	const additionalData = buildAdditionalData(credentialsHelper, hooks, options.webhookBaseUrl ?? 'http://127.0.0.1:5678');
	additionalData.executionId = executionId;

	// The test start node is where runs begin; otherwise n8n's own choice (a trigger node).
	const startNode =
		Object.values(workflow.nodes).find((node) => node.type === 'test.start' || node.type === 'n8n-nodes-base.manualTrigger') ??
		workflow.getStartNode();
	if (!startNode) throw new Error('The workflow has no start node');
	const runExecutionData = createRunExecutionData({
		executionData: { nodeExecutionStack: [{ node: startNode, data: { main: [[{ json: {} }]] }, source: null }] },
	});
	const workflowExecute = new WorkflowExecute(additionalData, mode, runExecutionData);
	const running = workflowExecute.processRunExecutionData(workflow);
	options.onStarted?.(running);
	await running;
	const run = await finished;
	return toResult(run, workflow);
}

export function toResult(run: IRun, workflow: Workflow): RunResult {
	const runData = run.data.resultData.runData;
	return {
		run,
		workflow,
		output(nodeName, outputIndex = 0) {
			const task = runData[nodeName]?.[0];
			return (task?.data?.main?.[outputIndex] ?? []) as INodeExecutionData[];
		},
		nodeError(nodeName) {
			return runData[nodeName]?.[0]?.error as (Error & IDataObject) | undefined;
		},
		executionError: run.data.resultData.error as (Error & IDataObject) | undefined,
		async binaryBuffer(item, property = 'data') {
			const binary = item.binary?.[property];
			if (!binary) throw new Error(`Item has no binary property "${property}"`);
			return await Container.get(BinaryDataService).getAsBuffer(binary);
		},
	};
}

/** A workflow: the test start node emitting `items`, then `node` (a Vlogme node's name/parameters). */
export function singleNodeWorkflow(
	node: Partial<INode> & { parameters: INode['parameters'] },
	items: unknown[] = [{}],
): IWorkflowBase {
	const name = node.name ?? 'Vlogme';
	return {
		id: 'wf-test',
		name: 'test',
		active: false,
		isArchived: false,
		createdAt: new Date(),
		updatedAt: new Date(),
		connections: { Start: { main: [[{ node: name, type: 'main', index: 0 }]] } },
		nodes: [
			{
				id: 'start',
				name: 'Start',
				type: 'test.start',
				typeVersion: 1,
				position: [0, 0],
				parameters: { items: JSON.stringify(items) },
			},
			{
				id: 'vlogme',
				name,
				type: node.type ?? NODE_TYPE,
				typeVersion: node.typeVersion ?? 1,
				position: [200, 0],
				credentials: node.credentials ?? { vlogmeApi: { id: '1', name: 'Vlogme account' } },
				continueOnFail: node.continueOnFail,
				onError: node.onError,
				parameters: node.parameters,
			},
		],
	} as unknown as IWorkflowBase;
}

/**
 * Tests a credential exactly as n8n's CredentialsTester does for a declarative `test`: runs the
 * request through n8n-core's RoutingNode, then applies the credential's response-code rules.
 */
export async function testCredential(
	typeName: string,
	data: ICredentialDataDecryptedObject,
): Promise<{ status: 'OK' | 'Error'; message: string }> {
	const pkg = await loadPackage();
	const credentialType = pkg.credentialTypes[typeName];
	const testRequest = credentialType.test as ICredentialTestRequest;
	const nodeType: INodeType = {
		description: {
			displayName: 'Temp',
			name: 'temp',
			group: ['transform'],
			version: 1,
			description: '',
			defaults: {},
			inputs: ['main'],
			outputs: ['main'],
			credentials: [{ name: typeName, required: true }],
			properties: [
				{ displayName: 'Temp', name: 'temp', type: 'string', default: '', routing: { request: testRequest.request } },
			],
		},
	};
	const node: INode = {
		id: 'temp',
		name: 'Temp-Node',
		type: 'temp',
		typeVersion: 1,
		position: [0, 0],
		parameters: {},
		credentials: { [typeName]: { id: '1', name: 'test' } },
	};
	const nodeTypes = new TestNodeTypes({ temp: nodeType });
	const workflow = new Workflow({ nodes: [node], connections: {}, active: false, nodeTypes });
	const credentialsHelper = new TestCredentialsHelper(pkg.credentialTypes, { [typeName]: data });
	const decrypted = await credentialsHelper.getDecrypted({} as IWorkflowExecuteAdditionalData, { id: '1', name: 'test' }, typeName);
	const hooks = new ExecutionLifecycleHooks('internal', 'credential-test', { nodes: [], connections: {} } as unknown as IWorkflowBase);
	const additionalData = buildAdditionalData(credentialsHelper, hooks, 'http://127.0.0.1:5678');
	const executeData: IExecuteData = { node, data: {}, source: null };
	const context = new ExecuteContext(
		workflow,
		node,
		additionalData,
		'internal',
		createRunExecutionData(),
		0,
		[],
		{ main: [[{ json: {} }]] },
		executeData,
		[],
	);
	const routingNode = new RoutingNode(context, nodeType, { id: '1', name: 'test', type: typeName, data: decrypted });
	try {
		await routingNode.runNode();
	} catch (error) {
		const cause = (error as { cause?: { response?: { status: number; statusText?: string }; code?: string } }).cause;
		if (cause?.response) {
			for (const rule of testRequest.rules ?? []) {
				if (rule.type === 'responseCode' && rule.properties.value === cause.response.status) {
					return { status: 'Error', message: rule.properties.message };
				}
			}
			return { status: 'Error', message: cause.response.statusText || `Received HTTP status code: ${cause.response.status}` };
		}
		if (cause?.code) return { status: 'Error', message: cause.code };
		return { status: 'Error', message: (error as Error).message };
	}
	return { status: 'OK', message: 'Connection successful!' };
}
