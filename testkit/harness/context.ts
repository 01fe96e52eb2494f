import { createWriteStream } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import {
	NodeApiError,
	NodeHelpers,
	NodeOperationError,
	type IBinaryData,
	type ICredentialDataDecryptedObject,
	type ICredentialType,
	type IExecuteFunctions,
	type IHttpRequestOptions,
	type INode,
	type INodeExecutionData,
	type INodeType,
} from 'n8n-workflow';

import { BflApi } from '../../credentials/BflApi.credentials';
import { FalApi } from '../../credentials/FalApi.credentials';
import { ReplicateApi } from '../../credentials/ReplicateApi.credentials';
import { RunflowApi } from '../../credentials/RunflowApi.credentials';
import { FluxUltra } from '../../nodes/FluxUltra/FluxUltra.node';
import { normalizeLikeN8n } from './n8nNormalize';
import {
	n8n1HttpRequest,
	n8nHttpRequest,
	n8nHttpRequestWithAuthentication,
	n8nSecureEgressFilter,
	type SentRequest,
	type TestAgents,
} from './n8nHttp';

/** The package's credential types, so `httpRequestWithAuthentication` applies their real `authenticate`. */
const SOURCE_CREDENTIAL_TYPES: Record<string, ICredentialType> = {
	falApi: new FalApi(),
	runflowApi: new RunflowApi(),
	bflApi: new BflApi(),
	replicateApi: new ReplicateApi(),
};

export { resolveCredentialTemplate } from './n8nHttp';

export type ParamValue = unknown | ((itemIndex: number) => unknown);

export interface HarnessOptions {
	/** Node parameters; a function gives a per-item value, as an expression would. */
	params: Record<string, ParamValue>;
	items?: INodeExecutionData[];
	credentials?: Record<string, ICredentialDataDecryptedObject>;
	continueOnFail?: boolean;
	signal?: AbortSignal;
	/** The node to run; the source build by default (the demo passes the compiled one). */
	nodeType?: INodeType;
	/** Credential classes whose `authenticate` signs requests; the source ones by default. */
	credentialTypes?: Record<string, ICredentialType>;
	/**
	 * Where prepareBinaryData puts files: in memory as base64 (n8n's default mode), or on disk in
	 * this folder, keeping only a reference (n8n's filesystem mode; the benchmark measures memory so).
	 */
	binaryFolder?: string;
	/** The node as it stands in the workflow, e.g. `{ type: '…fluxUltraTool', onError: … }` for the AI-tool variant. */
	node?: Partial<INode>;
	/**
	 * Offer n8n 2.x's `helpers.getSecureEgressFilter` (n8n-core's own, see ./n8nHttp.ts), which
	 * resolves names: off by default, as the hosts nock answers for do not resolve here, and as
	 * n8n 1.x lacks it.
	 */
	n8nEgressFilter?: boolean;
	/**
	 * Without `n8nEgressFilter` the harness is n8n 1.x: unsigned requests (downloads, Image URLs,
	 * presigned uploads) go through n8n 1.x's `httpRequest` (./n8nHttp.ts `n8n1HttpRequest`), which
	 * hands a streamed answer over with its socket, read by the node's peer-address check. Agents
	 * given here replace n8n's (a test's own DNS answer over real sockets).
	 */
	n8n1Agents?: TestAgents;
	/**
	 * Parameters as stored in the workflow where they differ from what `params` implies, e.g. a
	 * `$fromAI(…)` expression whose resolved value `params` gives. Merged over the derived ones
	 * (an `options` object here replaces the stored Options).
	 */
	storedParams?: Record<string, unknown>;
	/** Offer n8n's `addExecutionHints` (recorded in `hints`): off by default, as older n8n lacks it. */
	executionHints?: boolean;
}

export const DUMMY_FAL_KEY = 'dummy-fal-key-0000:example-secret';
export const DUMMY_RUNFLOW_KEY = 'rf_live_dummy_example_0000';
export const DUMMY_BFL_KEY = 'bfl-dummy-key-0000-example';
export const DUMMY_REPLICATE_KEY = 'r8_dummy_example_0000';

export interface Harness {
	ctx: IExecuteFunctions;
	/** Every HTTP request the node made, in order. */
	requests: SentRequest[];
	/** Every call the node made to n8n's logger: level and arguments. */
	logs: Array<{ level: string; args: unknown[] }>;
	/** Every execution hint the node added (n8n shows them above the output), with `executionHints`. */
	hints: Array<{ message: string; type?: string; location?: string }>;
	/** Every time the node read an input file whole into memory (`getBinaryDataBuffer`). */
	binaryReads: Array<{ itemIndex: number; property: string }>;
	/** Runs the node's `execute` as n8n would. */
	run(): Promise<INodeExecutionData[][]>;
	/** Runs the node and returns the error it fails with; fails the test if it succeeds. */
	fail(): Promise<NodeApiError | NodeOperationError>;
}

/** Binary data as n8n's filesystem mode keeps it: the file on disk, a reference in the item. */
export function toFileBinary(folder: string) {
	let n = 0;
	return async (
		data: Buffer | Readable,
		filePath?: string,
		mimeType?: string,
	): Promise<IBinaryData> => {
		const id = `${process.pid}-${++n}`;
		const path = join(folder, id);
		if (Buffer.isBuffer(data)) await writeFile(path, data);
		else await pipeline(data, createWriteStream(path));
		const fileName = filePath?.split('/').pop();
		const size = (await stat(path)).size;
		return {
			data: 'filesystem-v2',
			id: `filesystem-v2:${path}`,
			mimeType: mimeType ?? 'application/octet-stream',
			fileName,
			fileSize: `${size} B`,
		};
	};
}

/** The file a filesystem-mode binary id (`filesystem-v2:<path>`, as `toFileBinary` makes them) names. */
function pathOfBinaryId(id: string): string {
	return id.slice(id.indexOf(':') + 1);
}

/** Binary data as n8n's default (in-memory) mode keeps it: base64 in `data`. */
export async function toBinary(
	data: Buffer | Readable,
	filePath?: string,
	mimeType?: string,
): Promise<IBinaryData> {
	const buffer = Buffer.isBuffer(data) ? data : Buffer.concat(await data.toArray());
	const fileName = filePath?.split('/').pop();
	return {
		data: buffer.toString('base64'),
		mimeType: mimeType ?? 'application/octet-stream',
		fileName,
		fileExtension: fileName?.includes('.') ? fileName.split('.').pop() : undefined,
		fileSize: `${buffer.length} B`,
	};
}

/** The FLUX node as it stands in the harness's workflow (and in the n8n-core routing model). */
export function harnessNode(extra: Partial<INode> = {}): INode {
	return {
		id: 'flux-node',
		name: 'FLUX 1.1 Ultra',
		type: 'n8n-nodes-flux-ultra.fluxUltra',
		typeVersion: 1,
		position: [0, 0],
		parameters: {},
		...extra,
	};
}

export function createHarness(options: HarnessOptions): Harness {
	const requests: SentRequest[] = [];
	const logs: Harness['logs'] = [];
	const binaryReads: Harness['binaryReads'] = [];
	const hints: Harness['hints'] = [];
	const logAt =
		(level: string) =>
		(...args: unknown[]) =>
			void logs.push({ level, args });
	const items: INodeExecutionData[] = options.items ?? [{ json: {} }];
	const credentials = options.credentials ?? {
		falApi: { apiKey: DUMMY_FAL_KEY, baseUrl: '' },
		runflowApi: { apiKey: DUMMY_RUNFLOW_KEY, baseUrl: '' },
		bflApi: { apiKey: DUMMY_BFL_KEY, region: 'global', baseUrl: '' },
		replicateApi: { apiKey: DUMMY_REPLICATE_KEY, baseUrl: '' },
	};
	// The node's stored parameters, as n8n keeps them: a per-item value (a function here) is an expression.
	const parameters = Object.fromEntries(
		Object.entries(options.params).map(([name, value]) => [
			name,
			typeof value === 'function' ? '={{ $json.harnessValue }}' : value,
		]),
	) as INode['parameters'];
	Object.assign(parameters, options.storedParams ?? {});
	const node = harnessNode({ ...options.node, parameters });
	// The fields n8n keeps for this node: the shown ones, with their defaults filled in (n8n-workflow's
	// NodeHelpers.getNodeParameters, as n8n's Workflow class applies it to every node it runs).
	const nodeType = options.nodeType ?? new FluxUltra();
	const kept =
		NodeHelpers.getNodeParameters(
			nodeType.description.properties,
			parameters,
			true,
			false,
			node,
			nodeType.description,
		) ?? {};
	const binaryOf = (itemIndex: number, property: string) => {
		const binary = items[itemIndex]?.binary?.[property];
		if (!binary) {
			throw new NodeOperationError(
				node,
				`This operation expects the node's input data to contain a binary file '${property}', but none was found [item ${itemIndex}]`,
			);
		}
		return binary;
	};

	const ctx = {
		getInputData: () => items,
		getNode: () => node,
		continueOnFail: () => options.continueOnFail ?? false,
		getExecutionCancelSignal: () => options.signal,
		getExecutionId: () => 'exec-1',
		// n8n 1.x before execution hints has none: offered only when asked for.
		...(options.executionHints
			? { addExecutionHints: (...added: Harness['hints']) => void hints.push(...added) }
			: {}),
		logger: {
			debug: logAt('debug'),
			info: logAt('info'),
			warn: logAt('warn'),
			error: logAt('error'),
			verbose: logAt('verbose'),
		},
		getNodeParameter(name: string, itemIndex: number, fallback?: unknown) {
			if (!(name in options.params)) {
				// n8n-core's _getNodeParameter (dist/execution-engine/node-execution-context/
				// node-execution-context.js): a field n8n does not keep (hidden for these settings),
				// read without a fallback, is the error "Could not get parameter".
				const value = name in kept ? kept[name] : fallback;
				if (value === undefined)
					throw new NodeOperationError(node, `Could not get parameter "${name}"`, { itemIndex });
				return name in kept && fallback !== undefined && kept[name] === undefined
					? fallback
					: value;
			}
			const value = options.params[name];
			return typeof value === 'function' ? (value as (i: number) => unknown)(itemIndex) : value;
		},
		async getCredentials(type: string) {
			const data = credentials[type];
			if (!data)
				throw new NodeOperationError(node, `Node does not have any credentials set for "${type}"`);
			return data;
		},
		helpers: {
			// n8n-core's own request helpers (see ./n8nHttp.ts): the HTTP semantics of real n8n.
			httpRequest: (o: IHttpRequestOptions) =>
				options.n8nEgressFilter
					? n8nHttpRequest(o, requests)
					: n8n1HttpRequest(o, requests, options.n8n1Agents),
			httpRequestWithAuthentication: n8nHttpRequestWithAuthentication(
				options.credentialTypes ?? SOURCE_CREDENTIAL_TYPES,
				requests,
			),
			...(options.n8nEgressFilter ? { getSecureEgressFilter: n8nSecureEgressFilter } : {}),
			prepareBinaryData: options.binaryFolder ? toFileBinary(options.binaryFolder) : toBinary,
			assertBinaryData: binaryOf,
			// n8n-core's BinaryDataService.getAsBuffer: a file kept by reference (filesystem or S3
			// mode: an `id`) is read from its store, else the base64 in `data` is decoded.
			async getBinaryDataBuffer(itemIndex: number, property: string) {
				const binary = binaryOf(itemIndex, property);
				binaryReads.push({ itemIndex, property });
				if (binary.id) return await readFile(pathOfBinaryId(binary.id));
				return Buffer.from(binary.data, 'base64');
			},
			// n8n-core's BinaryDataService.getMetadata: the stored file's size, without reading it.
			async getBinaryMetadata(binaryDataId: string) {
				return { fileSize: (await stat(pathOfBinaryId(binaryDataId))).size };
			},
		},
	} as unknown as IExecuteFunctions;

	// What the next node sees: the node's output after n8n's own normalisation of error items.
	const run = async () =>
		normalizeLikeN8n(
			(await (options.nodeType ?? new FluxUltra()).execute!.call(ctx)) as INodeExecutionData[][],
		);
	return {
		ctx,
		requests,
		logs,
		binaryReads,
		hints,
		run,
		async fail() {
			const outcome = await run().then(
				(output) => ({ output }),
				(error: unknown) => ({ error }),
			);
			if (!('error' in outcome))
				throw new Error(`expected the node to fail, it returned ${JSON.stringify(outcome.output)}`);
			if (
				!(outcome.error instanceof NodeApiError) &&
				!(outcome.error instanceof NodeOperationError)
			) {
				throw new Error(`expected an n8n node error, got ${String(outcome.error)}`);
			}
			return outcome.error;
		},
	};
}
