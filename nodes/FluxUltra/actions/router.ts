import {
	NodeApiError,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type JsonObject,
} from 'n8n-workflow';

import { checkInputBinary } from '../helpers/inputImage';
import { GET_RESULT, IMAGE_INPUT, NODE_OPTION_PARAMS, PROVIDER_PARAMS } from '../parameters/table';
import { ParameterError, validateItemParameters, type JobRequest } from '../parameters/validation';
import { fieldsFor, refusedField } from '../providers/fields';
import { fallbackParameterName, NO_FALLBACK, providerById } from '../providers/registry';
import type { FluxProvider, ProviderSession } from '../providers/types';
import { FluxError } from '../transport/errors';
import { redact } from '../transport/redact';
import { agentSetField, agentToolContinuesOnFail } from './agentTool';
import { addCostHint, applySpendCap } from './cost';
import { splitRequest, type JobPart } from './expand';
import { Failover } from './failover';
import { itemParameter } from './itemParameters';
import { collectResults } from './getResult';
import { runPool } from './pool';

/** Reads one item's raw parameters the way n8n resolves them (expressions included). */
function readItem(ctx: IExecuteFunctions, i: number) {
	const operation = itemParameter(ctx, 'operation', i);
	// Only the fields shown for this operation: n8n keeps no others, and reading one that it does not
	// keep, without a fallback, is n8n's error "Could not get parameter" (Fine-Tune ID on Generate).
	const shown = (spec: { placement: string; operations: object }) =>
		spec.placement === 'main' && (spec.operations as Partial<Record<string, unknown>>)[String(operation)] !== undefined;
	const main: Record<string, unknown> = {};
	for (const spec of PROVIDER_PARAMS) {
		if (shown(spec)) main[spec.name] = itemParameter(ctx, spec.name, i, undefined);
	}
	const imageSource = itemParameter(ctx, IMAGE_INPUT.source.name, i, undefined);
	const options = { ...((itemParameter(ctx, 'options', i, {}) ?? {}) as Record<string, unknown>) };
	// Node settings shown as main fields (Download Image) are read with the Options.
	for (const spec of NODE_OPTION_PARAMS) {
		if (shown(spec)) options[spec.name] = itemParameter(ctx, spec.name, i, undefined);
	}
	return {
		operation,
		main,
		options,
		imageSource,
		imageUrl: imageSource === 'url' ? itemParameter(ctx, IMAGE_INPUT.url.name, i, '') : undefined,
		binaryPropertyName:
			imageSource === 'binary' ? itemParameter(ctx, IMAGE_INPUT.binary.name, i, IMAGE_INPUT.binary.default) : undefined,
	};
}

/**
 * A fine-tune exists only at the provider it was trained at: no other provider could run its ID, so
 * Generate with Fine-Tune takes no Fallback Provider.
 */
const FALLBACK_FIELD = 'Fallback Provider';
const FINETUNE_NO_FALLBACK =
	'a fine-tune runs only at the provider it was trained at, so no other provider can take over a Generate with Fine-Tune item. Set "Fallback Provider" to None.';

/**
 * Validates one item completely, without any request: against the provider and, when one is set,
 * the fallback provider too, so an item that might move there cannot fail there on a field.
 */
async function prepareItem(ctx: IExecuteFunctions, provider: FluxProvider, fallback: FluxProvider | undefined, i: number): Promise<JobRequest> {
	const agentSet = agentSetField(ctx);
	if (agentSet) throw agentSet;
	const request = validateItemParameters(readItem(ctx, i));
	if (fallback && request.operation === 'finetune') throw new ParameterError(FALLBACK_FIELD, FINETUNE_NO_FALLBACK, fallback.displayName);
	for (const p of fallback ? [provider, fallback] : [provider]) {
		const asFallback = p === fallback ? ` (${p.displayName} is the Fallback Provider: pick another one, or None)` : '';
		const unsupported = p.unsupported(request.operation);
		if (unsupported) throw new ParameterError('Operation', `${unsupported}${asFallback}`, request.operation);
		const refused = refusedField(p.displayName, fieldsFor(p, request.operation), request);
		if (refused) throw new ParameterError(refused.field, `${refused.problem}${asFallback}`, refused.received);
	}
	await checkInputBinary(ctx, i, request.image);
	return request;
}

/** The Fallback Provider set beside the provider, if any. */
function fallbackOf(ctx: IExecuteFunctions, provider: FluxProvider): FluxProvider | undefined {
	const id = ctx.getNodeParameter(fallbackParameterName(provider.id), 0, NO_FALLBACK);
	if (id === NO_FALLBACK) return undefined;
	const fallback = providerById(id);
	if (!fallback || fallback === provider) {
		throw new NodeOperationError(ctx.getNode(), `Unknown fallback provider "${String(id)}"`, {
			description: 'Pick another provider, or None, in the "Fallback Provider" field.',
		});
	}
	return fallback;
}

function preview(value: unknown): string {
	if (value === undefined) return 'nothing';
	if (typeof value === 'string') return `"${value.length > 60 ? `${value.slice(0, 60)}…` : value}"`;
	try {
		const text = JSON.stringify(value);
		return text.length > 60 ? `${text.slice(0, 60)}…` : text;
	} catch {
		return typeof value;
	}
}

/**
 * n8n swaps any message that names a socket code (ECONNRESET, ENOTFOUND, EACCES…) for generic text
 * such as "The connection to the server was closed unexpectedly". Ours say what happened and what
 * to do (e.g. that the job may exist and was not resent), so they are put back.
 */
function keepMessage<E extends NodeApiError | NodeOperationError>(error: E, message: string): E {
	error.message = message;
	return error;
}

/** Any failure of one item as the n8n error the user sees, with the item index. */
export function toNodeError(
	ctx: IExecuteFunctions,
	error: unknown,
	itemIndex: number,
	scrub: (text: string) => string = (text) => text,
): NodeApiError | NodeOperationError {
	const node = ctx.getNode();
	const clean = (text: string | undefined) => (text === undefined ? undefined : scrub(text));
	if (error instanceof ParameterError) {
		const message = scrub(`${error.message} [item ${itemIndex}]`);
		return keepMessage(
			new NodeOperationError(node, message, {
				itemIndex,
				description: scrub(`Received ${preview(error.received)}. Change "${error.field}", or the expression that sets it, and run the workflow again.`),
			}),
			message,
		);
	}
	if (error instanceof FluxError) {
		const request = error.requestId ? `Request ID: ${error.requestId}.` : '';
		const description = clean([error.description, request].filter(Boolean).join(' ') || undefined);
		const message = scrub(`${error.message} [item ${itemIndex}]`);
		// Failures without a provider answer are not API errors.
		if (['timeout', 'cancelled', 'download', 'network', 'maybe_submitted', 'spend_cap'].includes(error.kind)) {
			return keepMessage(new NodeOperationError(node, message, { itemIndex, description }), message);
		}
		// Built from our own safe fields only: never from a host error, which carries request headers.
		const response: JsonObject = { message: scrub(error.message), errorKind: error.kind };
		if (error.requestId) response.requestId = scrub(error.requestId);
		const apiError = new NodeApiError(node, response, {
			message,
			description,
			httpCode: error.httpCode ? String(error.httpCode) : undefined,
			itemIndex,
		});
		return keepMessage(apiError, message);
	}
	if (error instanceof NodeOperationError || error instanceof NodeApiError) {
		// n8n's own errors (a missing binary, a missing credential) carry no provider text.
		if (error.context.itemIndex === undefined) error.context.itemIndex = itemIndex;
		return error;
	}
	const text = error instanceof Error ? error.message : String(error);
	const message = scrub(`${redact(text)} [item ${itemIndex}]`);
	return keepMessage(new NodeOperationError(node, message, { itemIndex }), message);
}

/**
 * A failed item for Continue On Fail: `{ error: { message, description, kind, requestId, … } }`.
 * n8n keeps this JSON as it is and, under "Continue (using error output)", sends the item to the
 * second output, because its JSON holds nothing but `error` (n8n-core
 * `WorkflowExecute.handleNodeErrorOutput`, in 1.x and 2.x). An item carrying n8n's error object
 * instead would be routed too, but n8n then replaces its JSON with `{ error: <message> }`
 * (`normalizeNodeErrors`), and the kind, job id and image link an IF node routes on would be lost.
 */
function errorItem(error: NodeApiError | NodeOperationError, cause: unknown, itemIndex: number): INodeExecutionData {
	const details: IDataObject = { message: error.message };
	if (error.description) details.description = error.description;
	details.kind = 'other';
	if (cause instanceof FluxError) {
		details.kind = cause.kind;
		if (cause.httpCode) details.httpCode = cause.httpCode;
		if (cause.requestId) details.requestId = cause.requestId;
		if (cause.imageUrl) details.imageUrl = cause.imageUrl;
	}
	if (cause instanceof ParameterError) {
		details.kind = 'parameter';
		details.field = cause.field;
	}
	return { json: { error: details }, pairedItem: { item: itemIndex } };
}

/** One job's outcome: its output items, or why it failed. */
export interface Outcome {
	items?: INodeExecutionData[];
	failure?: unknown;
}

/**
 * The node's output from its jobs' outcomes, in job order: the items of each job, and for each
 * failure the node error (Continue On Fail off) or an error item in its place, paired with
 * `itemOf(job)`. A job that never started (the run stopped) has no outcome and gives nothing.
 */
export function outputOf(
	ctx: IExecuteFunctions,
	outcomes: Array<Outcome | undefined>,
	itemOf: (job: number) => number,
	continueOnFail: boolean,
	scrub?: (text: string) => string,
): INodeExecutionData[] {
	const output: INodeExecutionData[] = [];
	const masked = (item: INodeExecutionData) => (scrub ? maskItem(item, scrub) : item);
	for (const [j, outcome] of outcomes.entries()) {
		if (!outcome) continue;
		if (outcome.items) {
			output.push(...outcome.items.map(masked));
			continue;
		}
		const i = itemOf(j);
		const nodeError = toNodeError(ctx, outcome.failure, i, scrub);
		if (!continueOnFail) throw nodeError;
		output.push(masked(errorItem(nodeError, outcome.failure, i)));
	}
	return output;
}

/** Every text in a JSON value, masked. */
function maskJson(value: unknown, scrub: (text: string) => string): unknown {
	if (typeof value === 'string') return scrub(value);
	if (Array.isArray(value)) return value.map((v) => maskJson(v, scrub));
	if (value && typeof value === 'object') {
		return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskJson(v, scrub)]));
	}
	return value;
}

/**
 * An output item with the key masked wherever a provider's text reached it: the prompt it echoed,
 * the links and the request id it returned (success items), `imageUrl` and `requestId` (error
 * items), and the file name built from the request id. The file's bytes are left as they are.
 */
function maskItem(item: INodeExecutionData, scrub: (text: string) => string): INodeExecutionData {
	const masked: INodeExecutionData = { ...item, json: maskJson(item.json, scrub) as IDataObject };
	if (item.binary) {
		masked.binary = Object.fromEntries(
			Object.entries(item.binary).map(([name, file]) => [name, file.fileName ? { ...file, fileName: scrub(file.fileName) } : file]),
		);
	}
	return masked;
}

/**
 * Runs the node over all items. Every item is validated before the first request: without
 * "Continue On Fail" a bad item stops the node before anything is paid for; with it, the bad item
 * becomes an error item and the others run. Output keeps the input order.
 */
export async function route(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const continueOnFail = this.continueOnFail() || agentToolContinuesOnFail(this);
	const provider = providerById(this.getNodeParameter('provider', 0));
	if (!provider) {
		throw new NodeOperationError(this.getNode(), 'Unknown provider', {
			description: 'Pick a provider in the "Provider" field.',
		});
	}
	if (this.getNodeParameter('operation', 0) === GET_RESULT) return await collectResults(this, provider, fallbackOf(this, provider));

	const fallback = fallbackOf(this, provider);

	// One item after another, every one before the first request: a file is read only to check its bytes.
	const prepared: Array<{ request?: JobRequest; failure?: unknown }> = [];
	for (let i = 0; i < items.length; i++) {
		try {
			prepared.push({ request: await prepareItem(this, provider, fallback, i) });
		} catch (failure) {
			prepared.push({ failure });
		}
	}
	if (!continueOnFail) {
		const firstBad = prepared.findIndex((p) => p.failure !== undefined);
		if (firstBad >= 0) throw toNodeError(this, prepared[firstBad].failure, firstBad);
	}
	applySpendCap(this, provider, prepared, continueOnFail, fallback);

	let session: ProviderSession | undefined;
	let openFailure: unknown;
	if (prepared.some((p) => p.request)) {
		try {
			session = await provider.open(this);
		} catch (error) {
			openFailure = error;
		}
	}
	// Jobs run side by side up to "Max Parallel Jobs" (read from the first item); every job's
	// outcome lands at its own index, so the output keeps the input order. An item whose images take
	// several requests (one image per request on BFL and Replicate) is several jobs, in image order.
	const jobs: Array<{ item: number; request?: JobRequest; part?: JobPart }> = prepared.flatMap((item, i) =>
		item.request ? splitRequest(provider, item.request).map((job) => ({ item: i, ...job })) : [{ item: i }],
	);
	const limit = prepared.find((p) => p.request)?.request?.options.maxParallelJobs ?? 1;
	const failover = new Failover(this, provider, fallback);
	let stopped = false;
	const outcomes = await runPool(
		jobs.length,
		limit,
		async (j, release): Promise<Outcome> => {
			const { item: i, request, part } = jobs[j];
			if (!request || !session) return { failure: prepared[i].failure ?? openFailure };
			try {
				return { items: await failover.run(session, request, i, release, part) };
			} catch (failure) {
				// Without Continue On Fail the node fails: start no further job (running ones finish).
				if (!continueOnFail) stopped = true;
				return { failure };
			}
		},
		() => stopped,
	);
	// Either key is masked in what is shown: the first provider's, and the fallback's once it was used.
	const scrub = (text: string) => failover.scrub(session ? session.scrub(text) : text);
	const output = outputOf(this, outcomes, (j) => jobs[j].item, continueOnFail, scrub);
	addCostHint(this, provider, output);
	return [output];
}
