import {
	NodeApiError,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type JsonObject,
} from 'n8n-workflow';

import { FluxError, ParameterError } from '../transport/errors';
import { redact } from '../transport/redact';
import { safeToRunElsewhere } from '../transport/verdict';

/**
 * How an item's outcome becomes what n8n shows: its output items, the n8n error that stops the
 * node, or (Continue On Fail) an error item in its place. The same for every operation.
 */

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
				description: scrub(
					`Received ${preview(error.received)}. Change "${error.field}", or the expression that sets it, and run the workflow again.`,
				),
			}),
			message,
		);
	}
	if (error instanceof FluxError) {
		const request = error.requestId ? `Request ID: ${error.requestId}.` : '';
		const description = clean([error.description, request].filter(Boolean).join(' ') || undefined);
		const message = scrub(`${error.message} [item ${itemIndex}]`);
		// Failures without a provider answer are not API errors.
		if (
			['timeout', 'cancelled', 'download', 'network', 'maybe_submitted', 'spend_cap'].includes(
				error.kind,
			)
		) {
			return keepMessage(
				new NodeOperationError(node, message, { itemIndex, description }),
				message,
			);
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
function errorItem(
	error: NodeApiError | NodeOperationError,
	cause: unknown,
	itemIndex: number,
): INodeExecutionData {
	const details: IDataObject = { message: error.message };
	if (error.description) details.description = error.description;
	details.kind = 'other';
	if (cause instanceof FluxError) {
		details.kind = cause.kind;
		if (cause.httpCode) details.httpCode = cause.httpCode;
		if (cause.requestId) details.requestId = cause.requestId;
		if (cause.imageUrl) details.imageUrl = cause.imageUrl;
	}
	// The verdict failover uses (transport/verdict.ts): true only when running the item on another
	// node or provider cannot pay twice and may succeed.
	details.safeToRunElsewhere = safeToRunElsewhere(cause);
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
			Object.entries(item.binary).map(([name, file]) => [
				name,
				file.fileName ? { ...file, fileName: scrub(file.fileName) } : file,
			]),
		);
	}
	return masked;
}
