import type { IExecuteFunctions } from 'n8n-workflow';

import { clock } from '../../shared/clock';
import { boundText, PROVIDER_WORD_MAX } from '../../shared/bound';
import { isFollowableLink, parseUrl } from '../../shared/url';
import type { ModelDeclaration } from '../../parameters/models';
import type { JobRequest } from '../../parameters/validation';
import { FluxError } from '../../transport/errors';
import { provesStop } from '../../transport/verdict';
import { readJson, send, type HttpResponse } from '../../transport/http';
import { chunksUntil, type ByteStream } from '../../transport/body';
import { ONE_TRY, REQUEST_TIMEOUT_MS } from '../../transport/retryPolicy';
import type {
	CancelOutcome,
	FluxProvider,
	ImageBytes,
	JobResult,
	JobScope,
	ProviderSession,
	SubmittedJob,
} from '../types';
import { baseUrlFromCredential } from '../common/baseUrl';
import { buildInput } from '../common/fields';
import { jobLimits, jobTimeout, type PollStep } from '../common/polling';
import { errorContext, openSession, SessionBase, type SessionSetup } from '../common/session';
import { putPresigned } from '../common/upload';
import { FAL, FAL_FAILED, FAL_FIELDS, FAL_PRICE_USD, pollDelayMs } from './fal.constants';
import { FAL_MODEL_LINES } from './fal.models';
import { lineEndpoint, modelBody } from '../common/modelLines';
import { fetchSchemaJson, InputSchemas, type SchemaRead } from '../common/inputSchema';
import { falInputSchema } from './fal.schema';
import { isModeration, parseFalError } from './fal.errors';

const CREDENTIAL = 'falApi';

const errors = errorContext('fal.ai', parseFalError, {
	// A 504 that fal marks as the caller's own start timeout is final, not a gateway hiccup.
	noRetry: (status, headers) => status === 504 && headers['x-fal-request-timeout-type'] === 'user',
	// fal's own Python client resends a submit after an "ingress error": no request id header and
	// nginx's page as the body. Such a request never reached fal's queue — but only when it was sent
	// to fal's own host: behind a user's proxy the nginx page may be the proxy's, sent after it had
	// forwarded the request (see FRONT_DOOR_STATUS in transport/verdict.ts; a 504 never counts).
	neverReached: (_status, headers, body, url) =>
		isFalHost(url) &&
		!headers[FAL.requestIdHeader] &&
		body.toString('utf8').includes(FAL.ingressMarker),
});

/** Whether a URL is on fal's own hosts (https, fal.run or fal.ai), not a proxy or a mock in front of them. */
export function isFalHost(url: string): boolean {
	const parsed = parseUrl(url);
	if (!parsed || parsed.protocol !== 'https:') return false;
	const host = parsed.hostname.toLowerCase();
	return FAL.ownDomains.some((domain) => host === domain || host.endsWith(`.${domain}`));
}

/** The fal request body: canonical parameters under fal's names and types. */
export function toFalInput(
	request: JobRequest,
	imageUrl: string | undefined,
): Record<string, unknown> {
	return buildInput(FAL_FIELDS, request, imageUrl);
}

/** Base URL override from the credential (a proxy or a mock); production hosts when empty. */
export function resolveBases(baseUrl: unknown): { queue: string; rest: string; schemas: string } {
	if (typeof baseUrl !== 'string' || baseUrl.trim() === '')
		return { queue: FAL.queueBase, rest: FAL.restBase, schemas: FAL.modelSearch.base };
	const base = baseUrlFromCredential(baseUrl, FAL.queueBase, errors.credentialName);
	return { queue: base, rest: base, schemas: base };
}

/**
 * The session's base is the queue host (submit, status, result, cancel): its origin is the API
 * origin links are followed on. Storage uploads go to the REST host.
 */
class FalSession extends SessionBase {
	/** Whether fal's SSE status stream answered in this execution (undefined: not tried yet). */
	private streamWorks: boolean | undefined;
	/** The models' input schemas, read once per endpoint in this execution (FA-44…FA-48). */
	private readonly schemas: InputSchemas;

	constructor(
		setup: SessionSetup,
		private readonly restBase: string,
		ctx: IExecuteFunctions,
		schemaBase: string,
	) {
		super(setup);
		this.schemas = new InputSchemas(ctx, 'fal.ai', async (endpoint, timeoutMs) => {
			// Not one of the credential's hosts: no key. An unsigned fetch checks the address it reached.
			const answer = await fetchSchemaJson(
				ctx,
				errors,
				{ url: FAL.modelSearch.url(schemaBase, endpoint), peer: this },
				timeoutMs,
			);
			return 'json' in answer ? falInputSchema(answer.json, endpoint) : (answer as SchemaRead);
		});
	}

	/** Before any job: a model request against its endpoint's input schema (read once per endpoint). */
	async checkRequest(request: JobRequest): Promise<void> {
		await this.schemas.targetOf(FAL_MODEL_LINES, request, request.references?.length ?? 0);
	}

	/**
	 * Small images go inline as a data URI, which both Ultra endpoints accept. Larger ones are put
	 * in fal storage the way fal's own client does (initiate, then PUT to the returned URL with no
	 * credential) and sent as the file's CDN URL.
	 */
	async upload(scope: JobScope, image: ImageBytes): Promise<string> {
		if (image.bytes.length <= FAL.inlineImageMaxBytes) return this.dataUri(image);
		const slot = await this.postJson(
			scope,
			`${this.restBase}${FAL.uploadInitiatePath}`,
			'upload',
			{ content_type: image.mimeType, file_name: image.fileName },
			'upload slot',
		);
		if (
			typeof slot.upload_url !== 'string' ||
			!isFollowableLink(slot.file_url, this.plainHttpOrigin)
		) {
			throw new FluxError('bad_response', 'fal.ai storage answered without usable upload links', {
				description:
					'The input image was not uploaded. Try again; if it persists, give the image as a URL instead.',
			});
		}
		await putPresigned(scope, errors, slot.upload_url, image, this);
		return slot.file_url as string;
	}

	async submit(
		scope: JobScope,
		request: JobRequest,
		imageUrl: string | undefined,
		references: readonly string[] = [],
	): Promise<SubmittedJob> {
		// A model beyond Ultra: its line's endpoint (the edit one with references) and body, under the
		// names its schema lists when it could be read (checked again here: nothing unchecked is paid for).
		const target = await this.schemas.targetOf(FAL_MODEL_LINES, request, references.length);
		const line = target?.line;
		const path = line ? lineEndpoint(line, references.length) : FAL.endpoints[request.operation];
		const endpoint = `${this.base}/${path}`;
		const response = await send(scope.ctx, errors, {
			method: 'POST',
			// fal's webhook is a query parameter of the queue submit, as fal's own client sends it.
			url: request.options.webhookUrl
				? withQuery(endpoint, FAL.webhookParam, request.options.webhookUrl)
				: endpoint,
			purpose: 'submit',
			credentialType: CREDENTIAL,
			json: line ? modelBody(line, request, references) : toFalInput(request, imageUrl),
			...jobLimits(scope),
		});
		const body = readJson(errors, response, 'submit response');
		const requestId = body.request_id;
		if (typeof requestId !== 'string' || requestId === '') {
			throw new FluxError('bad_response', 'fal.ai accepted the job but sent no request id', {
				description:
					'The job may exist: check your fal.ai request history before running this item again.',
			});
		}
		const base = this.requestBase(requestId, line ? path : undefined);
		return {
			requestId,
			links: {
				status: this.link(body.status_url, `${base}/status`),
				result: this.link(body.response_url, base),
				cancel: this.link(body.cancel_url, `${base}/cancel`),
			},
			...(target ? { inputSchema: target.schema } : {}),
		};
	}

	/**
	 * Status, result and cancel live under the app id (owner/app), without the endpoint's sub-path:
	 * Ultra's, or that of a model's endpoint (`fal-ai/flux-2-pro/edit` → `fal-ai/flux-2-pro`).
	 */
	private requestBase(requestId: string, endpoint?: string): string {
		const app = endpoint ? endpoint.split('/').slice(0, 2).join('/') : FAL.appId;
		return `${this.base}/${app}/requests/${encodeURIComponent(requestId)}`;
	}

	/**
	 * A model job's links, when the item carried none, are built under its model's app (its text
	 * and edit endpoints share it); links it carried are used only on the queue origin.
	 */
	lookup(
		requestId: string,
		links: Record<string, unknown>,
		model?: ModelDeclaration,
	): SubmittedJob {
		const line = model ? FAL_MODEL_LINES[model.id] : undefined;
		const base = this.requestBase(requestId, line?.endpoint);
		return {
			requestId,
			links: this.lookupLinks(links, {
				status: `${base}/status`,
				result: base,
				cancel: `${base}/cancel`,
			}),
		};
	}

	/**
	 * Waits on fal's SSE status stream, which says COMPLETED the moment it happens with one request;
	 * falls back to polling when the stream is not offered (a proxy, an old gateway), breaks off, or
	 * stays quiet (fal sends only keep-alive comments while a job waits in the queue).
	 */
	async wait(scope: JobScope, job: SubmittedJob): Promise<unknown> {
		if (FAL.statusStream && this.streamWorks !== false) {
			const streamed = await this.waitByStream(scope, job);
			if (streamed !== undefined) return streamed;
		}
		return await this.waitByPolling(scope, job);
	}

	/**
	 * The job's final status from the SSE stream, or undefined when the stream cannot give it. The
	 * stream ends at the job's deadline (a timeout) or after `statusStreamIdleMs` without a status
	 * event (then polling takes over), whatever keep-alive bytes keep the socket busy: n8n's request
	 * timeout does not apply once the stream's headers have arrived.
	 */
	private async waitByStream(
		scope: JobScope,
		job: SubmittedJob,
	): Promise<Record<string, unknown> | undefined> {
		const remaining = scope.deadline - clock.now();
		if (remaining <= 0) throw timeoutError(scope);
		const opened: HttpResponse | { failure: unknown } = await send(
			scope.ctx,
			errors,
			{
				method: 'GET',
				url: withQuery(`${job.links.status}/stream`, 'logs', '0'),
				purpose: 'status',
				credentialType: CREDENTIAL,
				headers: { accept: 'text/event-stream' },
				...jobLimits(scope),
				stream: true,
				timeoutMs: Math.min(REQUEST_TIMEOUT_MS, remaining),
			},
			ONE_TRY,
		).catch((failure: unknown) => ({ failure }));
		if ('failure' in opened) {
			const error = opened.failure;
			if (error instanceof FluxError && FINAL_KINDS.has(error.kind)) throw error;
			// Not offered here (404, 405, a proxy that refuses it): later jobs go straight to polling.
			// A one-off network failure only sends this job to polling.
			if (
				error instanceof FluxError &&
				error.httpCode &&
				error.httpCode < 500 &&
				error.httpCode !== 429
			)
				this.streamWorks = false;
			return undefined;
		}
		const stream = opened.stream;
		if (
			!stream ||
			!opened.abort ||
			!opened.signal ||
			!(opened.headers['content-type'] ?? '').includes('text/event-stream')
		) {
			opened.abort?.();
			this.streamWorks = false;
			return undefined;
		}
		this.streamWorks = true;
		const abort = opened.abort;

		// The request itself ends at the job's deadline and at the execution's cancel (its signal).
		// This watch adds the idle check, and ends it on the job's clock too (a virtual one in tests).
		let lastEvent = clock.now();
		let ended: 'deadline' | 'idle' | undefined;
		const watch = new AbortController();
		void (async () => {
			while (!watch.signal.aborted) {
				const due = Math.min(scope.deadline, lastEvent + FAL.statusStreamIdleMs);
				await clock.timer(due - clock.now(), watch.signal);
				if (watch.signal.aborted) return;
				if (clock.now() >= scope.deadline) ended = 'deadline';
				else if (clock.now() >= lastEvent + FAL.statusStreamIdleMs) ended = 'idle';
				if (ended) {
					abort();
					return;
				}
			}
		})();
		const outcome = await readEvents(stream, opened.signal, (event) => {
			lastEvent = clock.now();
			// A job that finishes after its deadline is not taken as if it were on time.
			if (clock.now() > scope.deadline) return timeoutError(scope);
			if (event.status === FAL.status.done)
				return event.error ? jobError(event.error, event.error_type) : event;
			if (!isPending(event.status)) return unknownStatus(event.status);
			return undefined;
		})
			.catch(() => undefined)
			.finally(() => {
				watch.abort();
				// Closes the socket, whatever the stream does (a finished stream's request is released already).
				abort();
			});
		if (scope.signal?.aborted) throw new FluxError('cancelled', 'The execution was cancelled');
		if (ended === 'deadline' || clock.now() >= scope.deadline) throw timeoutError(scope);
		if (outcome instanceof FluxError) throw outcome;
		return outcome;
	}

	/** One status request: done, not yet (IN_QUEUE, IN_PROGRESS), or the job's failure. */
	protected async statusStep(
		scope: JobScope,
		job: SubmittedJob,
		timeoutMs: number,
		elapsedMs: number,
	): Promise<PollStep> {
		const body = await this.getStatus(
			scope,
			withQuery(job.links.status, 'logs', '0'),
			timeoutMs,
			'job status',
		);
		const status = body.status;
		if (status === FAL.status.done) {
			if (body.error) throw jobError(body.error, body.error_type);
			return { done: true, status: body };
		}
		if (!isPending(status)) throw unknownStatus(status);
		return { done: false, nextDelayMs: pollDelayMs(elapsedMs), state: String(status) };
	}

	async fetchResult(scope: JobScope, job: SubmittedJob): Promise<JobResult> {
		// After COMPLETED, an error status here is the job's own failure (fal has no FAILED status).
		const response = await send(scope.ctx, errors, {
			method: 'GET',
			url: job.links.result,
			purpose: 'result',
			credentialType: CREDENTIAL,
			...jobLimits(scope),
			// With sync mode, fal puts every image in this answer as a data URI: the one large answer.
			largeBody: true,
		});
		const body = readJson(errors, response, 'result');
		if (!Array.isArray(body.images) || body.images.length === 0) {
			// COMPLETED without an error is a success at fal (and billed): an answer the node cannot use
			// is a bad answer, not a failed job, so the item is not run again elsewhere.
			throw new FluxError('bad_response', 'fal.ai finished the job but returned no images', {
				description:
					'fal.ai reported the job completed, so it may be billed. Look at it in your fal.ai request history under the request ID below before running this item again.',
			});
		}
		const nsfw = Array.isArray(body.has_nsfw_concepts) ? body.has_nsfw_concepts : [];
		return {
			requestId: job.requestId,
			seed: typeof body.seed === 'number' || typeof body.seed === 'string' ? body.seed : undefined,
			prompt: typeof body.prompt === 'string' ? body.prompt : undefined,
			images: body.images.map((raw, index) => {
				const image = (raw ?? {}) as Record<string, unknown>;
				if (typeof image.url !== 'string' || image.url === '') {
					throw new FluxError('bad_response', `fal.ai returned image ${index + 1} without a URL`);
				}
				return {
					url: image.url,
					width: typeof image.width === 'number' ? image.width : undefined,
					height: typeof image.height === 'number' ? image.height : undefined,
					contentType: typeof image.content_type === 'string' ? image.content_type : undefined,
					nsfw: typeof nsfw[index] === 'boolean' ? (nsfw[index] as boolean) : undefined,
				};
			}),
		};
	}

	/**
	 * `PUT …/cancel`: 202 requested, 400 `ALREADY_COMPLETED` (billed), anything else unconfirmed.
	 * fal answers 202 both to a queued job (removed, never run) and to a running one, which "may
	 * still complete" (fal's queue docs): so a 202 does not prove the job stopped, and it is never
	 * `stopped` (FAL.stopProof: no answer of fal's cancel is proof).
	 */
	protected async cancelJob(scope: JobScope, job: SubmittedJob): Promise<CancelOutcome> {
		try {
			await this.sendCancel(scope, 'PUT', job.links.cancel);
			return 'requested';
		} catch (error) {
			if (
				error instanceof FluxError &&
				error.httpCode === 400 &&
				/ALREADY_COMPLETED/i.test(error.message)
			)
				return 'already_finished';
			return 'failed';
		}
	}
}

function isPending(status: unknown): boolean {
	return status === FAL.status.queued || status === FAL.status.running;
}

/** A status fal does not document: fail rather than wait forever. */
function unknownStatus(status: unknown): FluxError {
	return new FluxError(
		'bad_response',
		`fal.ai reported an unknown job status "${boundText(String(status), PROVIDER_WORD_MAX)}"`,
	);
}

/** Failures that end the wait outright, whichever way the status arrived. */
const FINAL_KINDS = new Set(['cancelled', 'timeout', 'moderation', 'job_failed', 'bad_response']);

/**
 * Longest server-sent event accepted: fal's status events are well under 1 KB (logs are not asked
 * for). A stream that sends more without a blank line is not fal's status stream; polling takes over.
 */
const SSE_EVENT_MAX = 1024 * 1024;

/**
 * Reads server-sent events (`data: {json}` blocks separated by a blank line) and hands each JSON
 * object to `onEvent` until it returns something: that is the result. Undefined if the stream ends
 * first. Each chunk is scanned once (with the three characters before it), reads
 * end when `signal` aborts, and a block over SSE_EVENT_MAX ends the stream.
 */
async function readEvents<T>(
	stream: ByteStream,
	signal: AbortSignal,
	onEvent: (event: Record<string, unknown>) => T | undefined,
): Promise<T | undefined> {
	const decoder = new TextDecoder();
	/** The current block so far, as received (joined only once the block is complete). */
	let parts: string[] = [];
	let size = 0;
	/** The block's last three characters: a blank line may straddle two chunks. */
	let tail = '';
	for await (const chunk of chunksUntil(stream, signal)) {
		let text = decoder.decode(chunk, { stream: true });
		for (;;) {
			const end = blockEnd(tail + text);
			if (!end) break;
			// Where the block ends, counted in `text` (negative: inside the tail, i.e. the parts).
			const cut = end.at - tail.length;
			const joined = parts.join('');
			const block = cut >= 0 ? joined + text.slice(0, cut) : joined.slice(0, joined.length + cut);
			text = text.slice(cut + end.length);
			parts = [];
			size = 0;
			tail = '';
			const result = handleBlock(block, onEvent);
			if (result !== undefined) return result;
		}
		parts.push(text);
		size += text.length;
		if (size > SSE_EVENT_MAX) throw new Error('server-sent event too long');
		tail = (tail + text).slice(-3);
	}
	return undefined;
}

/** The first blank line (`\n\n`, `\r\n\r\n`, `\r\r`) in `text`. */
function blockEnd(text: string): { at: number; length: number } | undefined {
	const match = /\r\n\r\n|\n\n|\r\r/.exec(text);
	return match ? { at: match.index, length: match[0].length } : undefined;
}

function handleBlock<T>(
	block: string,
	onEvent: (event: Record<string, unknown>) => T | undefined,
): T | undefined {
	const data = block
		.split(/\r\n|\n|\r/)
		.filter((line) => line.startsWith('data:'))
		.map((line) => line.slice(5).trim())
		.join('\n');
	if (!data) return undefined;
	let event: unknown;
	try {
		event = JSON.parse(data);
	} catch {
		return undefined;
	}
	if (!event || typeof event !== 'object') return undefined;
	return onEvent(event as Record<string, unknown>);
}

function withQuery(url: string, key: string, value: string): string {
	const u = new URL(url);
	u.searchParams.set(key, value);
	return u.toString();
}

/** The job ran out of time; the shared job code cancels it and says how that went. */
const timeoutError = jobTimeout;

function jobError(error: unknown, errorType: unknown): FluxError {
	const type = typeof errorType === 'string' ? boundText(errorType, PROVIDER_WORD_MAX) : undefined;
	const text = boundText(typeof error === 'string' ? error : JSON.stringify(error));
	if (isModeration(type)) {
		return new FluxError(
			'moderation',
			'fal.ai blocked the content: it was flagged by the content checker',
			{
				description: `Change the prompt or the input image, or raise "Safety Tolerance" in Options: ${text}`,
			},
		);
	}
	return new FluxError('job_failed', `fal.ai could not finish the job: ${text}`, {
		description: type ? `fal.ai error type: ${type}.` : undefined,
		// COMPLETED with an error: fal's one failed state, which proves the job stopped (FAL.stopProof).
		jobStopped: provesStop(FAL.stopProof, FAL_FAILED),
	});
}

export const falProvider: FluxProvider = {
	id: 'fal',
	displayName: 'fal.ai',
	credentialType: CREDENTIAL,
	errors,
	fields: FAL_FIELDS,
	models: FAL_MODEL_LINES,
	pricePerImageUsd: FAL_PRICE_USD,
	canCancel: true,
	inputImageLimit: { maxBytes: FAL.uploadMaxBytes, what: 'in one storage upload' },
	stopProof: FAL.stopProof,
	editorNotes: {
		syncMode: 'fal.ai does not keep inline images in its request history.',
		maxParallelJobs: 'fal.ai starts accounts at 2 concurrent jobs (more wait in its queue)',
		downloadImage: 'fal.ai links after a while',
		webhookUrl: `fal.ai's ${FAL.webhookParam}`,
	},
	unsupported: () => undefined,
	async open(ctx: IExecuteFunctions): Promise<ProviderSession> {
		// The queue host is the session's base; storage uploads go to the REST host.
		return await openSession(
			ctx,
			errors,
			CREDENTIAL,
			(c) => resolveBases(c.baseUrl).queue,
			(setup, c) => {
				const { rest, schemas } = resolveBases(c.baseUrl);
				return new FalSession(setup, rest, ctx, schemas);
			},
		);
	},
};
