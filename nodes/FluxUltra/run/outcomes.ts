import {
	NodeApiError,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type JsonObject,
} from 'n8n-workflow';

import { modelById, ULTRA_MODEL } from '../parameters/models';
import { providerById } from '../providers/registry';
import { boundText, MESSAGE_MAX, REQUEST_ID_MAX } from '../shared/bound';
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

/**
 * Any failure of one item as the n8n error the user sees, with the item index. Its message and its
 * description are each at most MESSAGE_MAX characters, whatever they quote (shared/bound.ts): an AI
 * Agent gets them as the tool's answer.
 */
export function toNodeError(
	ctx: IExecuteFunctions,
	error: unknown,
	itemIndex: number,
	masker: (text: string) => string = (text) => text,
): NodeApiError | NodeOperationError {
	// Cut first, then mask: the masker also finds a key the cut left half of (transport/redact.ts).
	const scrub = (text: string) => masker(boundText(text, MESSAGE_MAX));
	const node = ctx.getNode();
	const clean = (text: string | undefined) => (text === undefined ? undefined : scrub(text));
	if (error instanceof ParameterError) {
		const message = withItem(error.message, itemIndex, scrub);
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
		const request = error.requestId
			? `Request ID: ${boundText(error.requestId, REQUEST_ID_MAX)}.`
			: '';
		const description = clean([error.description, request].filter(Boolean).join(' ') || undefined);
		const message = withItem(error.message, itemIndex, scrub);
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
	const message = withItem(redact(text), itemIndex, scrub);
	return keepMessage(new NodeOperationError(node, message, { itemIndex }), message);
}

/** A message with its item, bounded before the item is added so "[item n]" always shows. */
function withItem(text: string, itemIndex: number, scrub: (text: string) => string): string {
	const item = ` [item ${itemIndex}]`;
	return `${scrub(boundText(text, MESSAGE_MAX - item.length))}${item}`;
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
		// A model job's model, for Get Result's Model (Ultra's error items keep their keys).
		if (cause.requestId && cause.model) details.model = cause.model;
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
		if (!continueOnFail) throw withPaidJobs(nodeError, outcomes, itemOf, j, scrub);
		output.push(masked(errorItem(nodeError, outcome.failure, i)));
	}
	return output;
}

/** Jobs named one by one in the error that stops the node; more are counted, so it stays short. */
export const PAID_JOBS_NAMED = 20;

/** One job whose work the stopping node would otherwise drop without a trace. */
interface PaidJob {
	provider: string;
	/** The model's name, when the job runs one other than FLUX 1.1 [pro] Ultra. */
	model?: string;
	requestId: string;
	item: number;
	state: string;
}

/** A provider's name for the user, from the id an item or error carries. */
function providerName(id: unknown): string {
	return (typeof id === 'string' && providerById(id)?.displayName) || String(id ?? 'the provider');
}

/** A model's name for the user, from the id an item or error carries; none for Ultra or no model. */
function modelName(id: unknown): string | undefined {
	if (typeof id !== 'string' || id === '' || id === ULTRA_MODEL) return undefined;
	return modelById(id)?.displayName ?? id.slice(0, 60);
}

/**
 * Every other job of the run that was paid for or may still bill, and whose result the node's
 * error would drop: finished jobs (their images are not put out), jobs created without waiting
 * (not collected), and failed ones that do not provably stop (a timeout the cancel did not prove,
 * a paid image whose download failed). One entry per job, in job order.
 */
function paidJobs(
	outcomes: Array<Outcome | undefined>,
	itemOf: (job: number) => number,
	except: number,
): PaidJob[] {
	const jobs = new Map<string, PaidJob>();
	const add = (job: PaidJob) => {
		const key = `${job.provider} ${job.requestId}`;
		if (!jobs.has(key)) jobs.set(key, job);
	};
	for (const [j, outcome] of outcomes.entries()) {
		if (!outcome || j === except) continue;
		const item = itemOf(j);
		for (const out of outcome.items ?? []) {
			const { requestId, provider, status, model } = out.json;
			if (typeof requestId !== 'string' || !requestId) continue;
			const state =
				status === 'submitted'
					? 'created, not waited for'
					: status === 'running'
						? 'still running, not collected'
						: 'finished, images not put out';
			add({ provider: providerName(provider), model: modelName(model), requestId, item, state });
		}
		const failure = outcome.failure;
		if (failure instanceof FluxError && failure.requestId && !failure.jobStopped) {
			const state =
				failure.kind === 'download'
					? 'finished, download failed'
					: failure.kind === 'timeout'
						? 'timed out, may still finish'
						: `failed (${failure.kind}), may have billed`;
			add({
				provider: providerName(failure.provider),
				model: modelName(failure.model),
				requestId: failure.requestId,
				item,
				state,
			});
		}
	}
	return [...jobs.values()];
}

/**
 * The error that stops the node, completed with every other job that was paid for or may still
 * bill: without it, the node's failure would drop their results without a trace, and running the
 * items again would pay for them twice. Each is named with its provider and request ID (at most
 * PAID_JOBS_NAMED, the rest counted), with how to collect it (Get Result); jobs not started are
 * counted. The description so stays a few kilobytes long whatever the batch.
 */
function withPaidJobs<E extends NodeApiError | NodeOperationError>(
	error: E,
	outcomes: Array<Outcome | undefined>,
	itemOf: (job: number) => number,
	failed: number,
	scrub: (text: string) => string = (text) => text,
): E {
	const paid = paidJobs(outcomes, itemOf, failed);
	// The pool leaves a job it never started as a hole in the array, which filter() would skip.
	let notStarted = 0;
	for (let j = 0; j < outcomes.length; j++) if (outcomes[j] === undefined) notStarted++;
	if (paid.length === 0 && notStarted === 0) return error;
	const parts: string[] = [];
	if (paid.length > 0) {
		const named = paid
			.slice(0, PAID_JOBS_NAMED)
			.map(
				(p) =>
					`${p.provider} ${p.requestId.slice(0, 100)} (${p.model ? `${p.model}, ` : ''}item ${p.item}, ${p.state})`,
			);
		const more = paid.length - named.length;
		const providers = [...new Set(paid.map((p) => p.provider))].join(' or ');
		parts.push(
			`The node stopped at this item, and the results of ${paid.length} other job${paid.length === 1 ? '' : 's'} that ${paid.length === 1 ? 'was' : 'were'} paid for or may still bill did not come out: ${named.join('; ')}${more > 0 ? `; and ${more} more (look for them in your ${providers} request history)` : ''}.`,
			`Collect them with this node's Get Result operation (Provider ${providers}, each Request ID above${paid.some((p) => p.model) ? ', and the model named with it as Model in Options' : ''}) instead of running those items again, which would pay for them twice.`,
		);
	}
	if (notStarted > 0)
		parts.push(
			`${notStarted} job${notStarted === 1 ? ' was' : 's were'} not started after the failure (nothing paid).`,
		);
	parts.push(
		'To have finished items come out even when another fails, set the node\'s "On Error" setting to "Continue".',
	);
	error.description = scrub([error.description, ...parts].filter(Boolean).join(' '));
	return error;
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
