import type {
	IDataObject,
	IExecuteFunctions,
	IHttpRequestMethods,
	IHttpRequestOptions,
} from 'n8n-workflow';

import { clock } from '../shared/clock';
import { beyondSafeInteger } from '../shared/digits';
import { signingOptions } from './credentials';
import { FluxError, errorFromResponse, type ProviderErrorContext } from './errors';
import { answerNeverArrived, failureNeverArrived, NEVER_ARRIVED_CODES } from './verdict';

/**
 * The one HTTP path of the package. Every provider call goes through `send`, which adds retries
 * with backoff, per-request timeouts, cancellation and error mapping. Status codes are handled
 * here, not by the host: requests ask n8n for the full response and never for a thrown HTTP error,
 * so the behaviour is the same on every n8n version and no host error object (which carries the
 * request headers, and so the API key) ever reaches the user.
 */

/** What a request is for; decides whether it may be sent twice. */
export type Purpose = 'submit' | 'status' | 'result' | 'cancel' | 'upload' | 'download';

export interface HttpCall {
	method: IHttpRequestMethods;
	url: string;
	purpose: Purpose;
	/** n8n credential type that signs the request; absent for CDN downloads and presigned URLs. */
	credentialType?: string;
	/** JSON body. */
	json?: unknown;
	/** Raw body. */
	body?: Buffer;
	headers?: Record<string, string>;
	timeoutMs?: number;
	/** The execution's cancel signal: aborting it stops the request at once, mid-body included. */
	signal?: AbortSignal;
	/**
	 * The job's deadline (clock time): the request, its body and every retry and backoff wait
	 * (Retry-After included) end there. A streamed body (a download, fal's SSE) lives until it.
	 */
	deadline?: number;
	/** The error once the deadline has passed (the job's timeout); a network timeout otherwise. */
	onDeadline?: () => FluxError;
	/** Accept a JSON answer up to BODY_MAX (fal's sync-mode result, images inline) instead of JSON_MAX. */
	largeBody?: boolean;
	/** Hand a successful body over as it arrives (a download), instead of buffering it. */
	stream?: boolean;
	/**
	 * Hand a 3xx answer back instead of following it, so the caller can check where it leads (a
	 * download). Signed calls never follow redirects anyway.
	 */
	manualRedirect?: boolean;
	/**
	 * Send even though the execution was cancelled: n8n gives every signed request the execution's
	 * cancel signal, so a request meant to outlive the execution (cancelling the paid job after the
	 * user stopped the workflow) is sent without it.
	 */
	detached?: boolean;
}

export interface HttpResponse {
	status: number;
	headers: Record<string, string>;
	/** The body; empty when `stream` was asked for and the answer is a success. */
	body: Buffer;
	/** With `stream`, a successful body as it arrives. */
	stream?: ByteStream;
	/**
	 * With `stream`: aborts the request (n8n's axios then closes the socket and fails the stream).
	 * Ending a streamed body early goes through this, never through `stream.destroy()` alone: the
	 * stream n8n 2.x hands over is a `Readable.from` wrapper whose destroy() neither settles a pending
	 * read nor closes the socket.
	 */
	abort?: (reason?: Error) => void;
	/** With `stream`: aborts when the request ends early (deadline, cancel, `abort`); race reads against it. */
	signal?: AbortSignal;
	attempts: number;
}

/** A response body as n8n's HTTP helper hands it over with `encoding: 'stream'` (a Node Readable). */
export type ByteStream = NodeJS.ReadableStream & {
	destroy(error?: Error): void;
	unshift(chunk: Buffer): void;
	readonly readableEnded?: boolean;
};

function isByteStream(value: unknown): value is ByteStream {
	return (
		!!value &&
		typeof (value as ByteStream).pipe === 'function' &&
		typeof (value as ByteStream).read === 'function'
	);
}

/** Longest error body read from a streamed answer: enough for any provider message. */
const ERROR_BODY_MAX = 64 * 1024;

/**
 * Longest submit, status, cancel or upload answer read, after decompression. Real ones are a few KB
 * (a fal status is under 1 KB, a BFL or Runflow status a few hundred bytes); the largest is a
 * Replicate prediction, which echoes its input, and so an input image of up to 1 MB sent inline as
 * a data URI (1.4 MB of base64). 8 MB is well above that, and small enough that a hostile answer
 * (1 GB, or a gzip bomb) costs a few MB, not hundreds.
 */
export const JSON_MAX = 8 * 1024 * 1024;

/** Longest JSON answer read where fal's sync mode puts every image inline in the result. */
export const BODY_MAX = 256 * 1024 * 1024;

/** A body larger than its purpose allows: the request is aborted, the answer refused. */
export function tooLargeError(max: number): Error {
	return Object.assign(new Error(`an answer larger than ${Math.round(max / 1048576)} MB`), {
		code: 'ERR_FR_BODY_TOO_LARGE',
		max,
	});
}

/** A promise that rejects with `signal`'s reason when it aborts; `off` detaches it. */
function abortedBy(signal: AbortSignal): { promise: Promise<never>; off(): void } {
	let onAbort: () => void = () => undefined;
	const promise = new Promise<never>((_, reject) => {
		onAbort = () => reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
		if (signal.aborted) onAbort();
		else signal.addEventListener('abort', onAbort, { once: true });
	});
	promise.catch(() => undefined);
	return { promise, off: () => signal.removeEventListener('abort', onAbort) };
}

/**
 * A stream's chunks, each read raced against `signal`: the read settles when the signal aborts even
 * if the stream never settles it (n8n 2.x's `Readable.from` wrapper around a stalled socket).
 */
export async function* chunksUntil(
	stream: ByteStream,
	signal: AbortSignal,
): AsyncGenerator<Buffer> {
	const iterator = (stream as unknown as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]();
	const aborted = abortedBy(signal);
	try {
		for (;;) {
			const next = iterator.next();
			next.catch(() => undefined);
			const { value, done } = await Promise.race([next, aborted.promise]);
			if (done) return;
			yield Buffer.isBuffer(value) ? value : Buffer.from(value as string);
		}
	} finally {
		aborted.off();
	}
}

/**
 * Reads a body whole, up to `max` bytes, for as long as `limit` allows: the limit's signal ends the
 * read (and, aborted, the request and its socket). Past `max` the request is aborted too, and the
 * read fails, or, with `truncate` (an error answer, of which the start is enough), ends there.
 */
async function readBody(
	stream: ByteStream,
	max: number,
	limit: RequestLimit,
	truncate: boolean,
): Promise<Buffer> {
	const chunks: Buffer[] = [];
	let size = 0;
	for await (const piece of chunksUntil(stream, limit.signal)) {
		if (size + piece.length > max) {
			const error = tooLargeError(max);
			limit.abort(error);
			if (!truncate) throw error;
			chunks.push(piece.subarray(0, max - size));
			break;
		}
		size += piece.length;
		chunks.push(piece);
	}
	return Buffer.concat(chunks);
}

/**
 * One request's life: its own AbortController, which n8n hands to axios (`abortSignal`), aborted by
 * the execution's cancel (unless detached), by its timer (the per-request timeout, and never later
 * than the job's deadline), or by the caller. Aborting it is what makes n8n's axios close the socket
 * and fail the body stream, on n8n 1.x and 2.x alike. `done()` releases the timer and the listener.
 */
class RequestLimit {
	private readonly controller = new AbortController();
	private timerStop = new AbortController();
	private expiredAfter?: number;
	private readonly parent?: AbortSignal;
	private readonly onParent = () => this.controller.abort(new Error('The execution was cancelled'));

	constructor(
		parent: AbortSignal | undefined,
		private readonly deadline: number | undefined,
	) {
		if (parent) {
			this.parent = parent;
			if (parent.aborted) this.onParent();
			else parent.addEventListener('abort', this.onParent, { once: true });
		}
	}

	get signal(): AbortSignal {
		return this.controller.signal;
	}

	/** Whether the timer (not a cancel or the caller) ended the request. */
	get expired(): boolean {
		return this.expiredAfter !== undefined;
	}

	/** Whether the execution's cancel ended the request. */
	get cancelled(): boolean {
		return !!this.parent?.aborted && !this.expired;
	}

	/** Arms the timer for `timeoutMs` of real time, but no later than the deadline; re-arming replaces it. */
	arm(timeoutMs: number | undefined): void {
		this.timerStop.abort();
		const stop = new AbortController();
		this.timerStop = stop;
		const untilDeadline = this.deadline === undefined ? undefined : this.deadline - clock.now();
		const ms = Math.min(timeoutMs ?? Infinity, untilDeadline ?? Infinity);
		if (ms === Infinity) return;
		void clock.ioTimer(Math.max(0, ms), stop.signal).then(() => {
			if (stop.signal.aborted || this.controller.signal.aborted) return;
			this.expiredAfter = ms;
			this.controller.abort(timeoutError(ms));
		});
	}

	abort(reason?: Error): void {
		if (!this.controller.signal.aborted) this.controller.abort(reason ?? new Error('aborted'));
		this.done();
	}

	done(): void {
		this.timerStop.abort();
		this.parent?.removeEventListener('abort', this.onParent);
	}

	/** What a failed request throws: a timeout, or the cancel, whatever axios made of the abort. */
	failure(error: unknown): unknown {
		if (this.expired) return timeoutError(this.expiredAfter!);
		if (this.cancelled)
			return Object.assign(new Error('The execution was cancelled'), { name: 'AbortError' });
		const reason = this.controller.signal.aborted
			? (this.controller.signal.reason as unknown)
			: undefined;
		return (reason as { code?: string } | undefined)?.code === 'ERR_FR_BODY_TOO_LARGE'
			? reason
			: error;
	}
}

/** A request that ran out of time, shaped like a socket error so the retry rules apply to it. */
export function timeoutError(timeoutMs: number): Error {
	return Object.assign(new Error(`no complete answer within ${Math.round(timeoutMs / 1000)} s`), {
		code: 'ETIMEDOUT',
	});
}

export interface RetryPolicy {
	maxAttempts: number;
	baseDelayMs: number;
	maxDelayMs: number;
	/** Cap on the sum of all backoff waits of one call. */
	maxTotalDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
	maxAttempts: 5,
	baseDelayMs: 500,
	maxDelayMs: 10_000,
	maxTotalDelayMs: 60_000,
};

/** Per-request timeout; image downloads and uploads pass a longer one. */
export const REQUEST_TIMEOUT_MS = 30_000;

/** Statuses worth another try: throttling and gateway trouble. */
const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);

/**
 * A read (status, result, cancel, download, upload slot) also retries a 500: it creates nothing, and
 * a one-off server error on a status poll must not fail a job that is already paid for. A submit is
 * retried only on what the rule table in verdict.ts says provably never arrived.
 */
const READ_RETRYABLE_STATUS = new Set([...RETRYABLE_STATUS, 500]);

/** Connection errors worth another try for a request that may be sent twice (never-arrived ones included). */
const TRANSIENT_CODES = new Set([
	...NEVER_ARRIVED_CODES,
	'ECONNRESET',
	'ECONNABORTED',
	'ETIMEDOUT',
	'EPIPE',
	'EHOSTUNREACH',
	'ENETUNREACH',
	'ESOCKETTIMEDOUT',
	'UND_ERR_SOCKET',
	'UND_ERR_CONNECT_TIMEOUT',
	'UND_ERR_HEADERS_TIMEOUT',
	'UND_ERR_BODY_TIMEOUT',
]);

/** The first `code` found along an error's cause chain (axios, undici and Node all nest them). */
export function errorCode(error: unknown): string | undefined {
	let e: unknown = error;
	for (let depth = 0; depth < 6 && e && typeof e === 'object'; depth++) {
		const code = (e as { code?: unknown }).code;
		if (typeof code === 'string' && code) return code;
		e = (e as { cause?: unknown }).cause;
	}
	return undefined;
}

function isAbort(error: unknown, signal?: AbortSignal): boolean {
	if (signal?.aborted) return true;
	const name = (error as { name?: unknown })?.name;
	return name === 'AbortError' || name === 'CanceledError' || errorCode(error) === 'ERR_CANCELED';
}

function lowerHeaders(headers: unknown): Record<string, string> {
	const out: Record<string, string> = {};
	if (!headers || typeof headers !== 'object') return out;
	for (const [k, v] of Object.entries(headers as Record<string, unknown>)) {
		if (v !== undefined && v !== null)
			out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
	}
	return out;
}

function toBuffer(body: unknown): Buffer {
	if (Buffer.isBuffer(body)) return body;
	if (body instanceof ArrayBuffer) return Buffer.from(body);
	if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
	if (typeof body === 'string') return Buffer.from(body);
	if (body === undefined || body === null) return Buffer.alloc(0);
	return Buffer.from(JSON.stringify(body));
}

/** `Retry-After` in milliseconds: delta-seconds or an HTTP date. */
export function retryAfterMs(headers: Record<string, string>, now: number): number | undefined {
	const value = headers['retry-after'];
	if (!value) return undefined;
	if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Math.round(Number(value) * 1000);
	const date = Date.parse(value);
	return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Exponential backoff with ±25% jitter; `attempt` counts from 1. */
export function backoffMs(policy: RetryPolicy, attempt: number): number {
	const raw = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
	return Math.round(raw * (0.75 + Math.random() * 0.5));
}

async function invoke(
	ctx: IExecuteFunctions,
	call: HttpCall,
): Promise<Omit<HttpResponse, 'attempts'>> {
	const headers: Record<string, string> = { accept: 'application/json', ...call.headers };
	let body: IHttpRequestOptions['body'];
	if (call.json !== undefined) {
		headers['content-type'] = 'application/json';
		body = toJsonText(call.json);
	} else if (call.body) {
		body = call.body;
	}
	const timeoutMs = call.timeoutMs ?? REQUEST_TIMEOUT_MS;
	const limit = new RequestLimit(call.detached ? undefined : call.signal, call.deadline);
	// Headers and a buffered body: the per-request timeout, never past the deadline.
	limit.arm(timeoutMs);
	const options: IHttpRequestOptions = {
		method: call.method,
		url: call.url,
		headers,
		body,
		// Always a stream, read here under the request's limit (see readBody); a download is handed on as is.
		encoding: 'stream',
		json: false,
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		timeout: timeoutMs,
		abortSignal: limit.signal,
	};
	if (call.credentialType || call.manualRedirect) {
		// A signed call is never redirected: a 3xx from the API host could otherwise carry the key
		// to another host (n8n re-sends credentials on cross-origin redirects by default). A download
		// checks each hop itself. n8n turns this into axios `maxRedirects: 0`, which also drops the
		// request timeout once headers have arrived: bodies are ended by the request's limit.
		options.disableFollowRedirect = true;
		options.sendCredentialsOnCrossOriginRedirect = false;
	}
	let response: IDataObject;
	try {
		response = (
			call.credentialType
				? // Sent from a context without getExecutionCancelSignal, so that n8n keeps this request's
					// own signal (which carries the cancel too) instead of putting the execution's in its place.
					await ctx.helpers.httpRequestWithAuthentication.call(
						signingContext(ctx),
						call.credentialType,
						options,
						await signingOptions(ctx, call.credentialType),
					)
				: await ctx.helpers.httpRequest(options)
		) as IDataObject;
	} catch (error) {
		limit.done();
		throw limit.failure(error);
	}
	const status = Number(response.statusCode ?? response.status ?? 0);
	const responseHeaders = lowerHeaders(response.headers);
	const ok = status >= 200 && status < 300;
	if (!isByteStream(response.body)) {
		limit.done();
		return { status, headers: responseHeaders, body: toBuffer(response.body) };
	}
	const stream = response.body;
	if (call.stream && ok) {
		// The body lives until the deadline (or a cancel, or the caller's abort), then the request is
		// aborted, which closes the socket. Read to its end, the limit is released.
		limit.arm(undefined);
		const release = () => limit.done();
		stream.once('end', release);
		stream.once('error', release);
		stream.once('close', release);
		return {
			status,
			headers: responseHeaders,
			body: Buffer.alloc(0),
			stream,
			abort: (reason?: Error) => limit.abort(reason),
			signal: limit.signal,
		};
	}
	const max = !ok ? ERROR_BODY_MAX : call.largeBody ? BODY_MAX : JSON_MAX;
	try {
		return { status, headers: responseHeaders, body: await readBody(stream, max, limit, !ok) };
	} catch (error) {
		limit.abort();
		throw limit.failure(error);
	} finally {
		limit.done();
	}
}

/**
 * The context every signed request is sent from: n8n's httpRequestWithAuthentication replaces the
 * request's abort signal with `this.getExecutionCancelSignal()` when `this` has that method
 * (n8n-core 1.x request-helper-functions.js and 2.x request-helpers/authentication.js), so this one
 * does not, and the request's own signal (deadline and cancel combined) reaches axios.
 */
function signingContext(ctx: IExecuteFunctions): IExecuteFunctions {
	return {
		getCredentials: ctx.getCredentials.bind(ctx),
		getNode: ctx.getNode.bind(ctx),
		helpers: ctx.helpers,
		logger: ctx.logger,
	} as unknown as IExecuteFunctions;
}

/**
 * JSON text of a request body. A whole number too large for a JavaScript number (a seed beyond
 * 2^53) travels as a BigInt and is written with every digit, as a JSON number.
 */
export function toJsonText(value: unknown): string {
	const marker = '\u0000bigint:';
	// BigInts are swapped for marked strings first: a host may have given BigInt a toJSON, which
	// JSON.stringify would call before any replacer.
	const mark = (v: unknown): unknown => {
		if (typeof v === 'bigint') return `${marker}${v.toString()}`;
		if (Array.isArray(v)) return v.map(mark);
		if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
			return Object.fromEntries(Object.entries(v).map(([k, item]) => [k, mark(item)]));
		}
		return v;
	};
	return JSON.stringify(mark(value)).replace(/"\\u0000bigint:(\d+)"/g, '$1');
}

/**
 * Sends one request, retrying what is safe to retry. A job-creating request (`submit`) is sent
 * again only when it provably never reached the provider (the rule table in verdict.ts: connection
 * refused, DNS, 429, fal's own front door); anything else that may have created a job — a 504 from
 * a proxy included — fails with `maybe_submitted`, so neither a flaky network nor a proxy ever
 * makes the user pay twice.
 */
export async function send(
	ctx: IExecuteFunctions,
	provider: ProviderErrorContext,
	call: HttpCall,
	policy: RetryPolicy = DEFAULT_RETRY,
): Promise<HttpResponse> {
	let waited = 0;
	for (let attempt = 1; ; attempt++) {
		if (call.signal?.aborted && !call.detached) throw cancelledError();
		if (call.deadline !== undefined && clock.now() >= call.deadline)
			throw deadlineError(provider, call);
		let delay: number | undefined;
		let failure: FluxError;
		let response: Omit<HttpResponse, 'attempts'> | undefined;
		let thrown: unknown;
		const sentAt = clock.now();
		try {
			response = await invoke(ctx, call);
		} catch (error) {
			thrown = error;
		}
		if (response) {
			if (response.status >= 200 && response.status < 300)
				return { ...response, attempts: attempt };
			if (call.manualRedirect && response.status >= 300 && response.status < 400)
				return { ...response, attempts: attempt };
			// A submit is sent again only after an answer that proves no job was created (verdict.ts).
			const refused = answerNeverArrived(
				provider,
				call.url,
				response.status,
				response.headers,
				response.body,
			);
			const retryable =
				(call.purpose === 'submit' ? refused : READ_RETRYABLE_STATUS.has(response.status)) &&
				!provider.noRetry?.(response.status, response.headers);
			if (retryable)
				delay = retryAfterMs(response.headers, clock.now()) ?? backoffMs(policy, attempt);
			failure = errorFromResponse(
				provider,
				response.status,
				parseBody(response.body),
				response.headers,
				attempt,
			);
			if (call.purpose === 'submit' && response.status >= 500 && !refused) {
				failure = maybeSubmitted(provider, `HTTP ${response.status}`, sentAt, failure.httpCode);
			}
		} else {
			if (isAbort(thrown, call.signal)) throw cancelledError();
			const code = errorCode(thrown) ?? 'connection error';
			if (code === 'ERR_FR_BODY_TOO_LARGE') throw tooLargeAnswer(provider, call, thrown, sentAt);
			const neverSent = failureNeverArrived(code);
			if (TRANSIENT_CODES.has(code) && (call.purpose !== 'submit' || neverSent))
				delay = backoffMs(policy, attempt);
			failure =
				call.purpose === 'submit' && !neverSent
					? maybeSubmitted(provider, code, sentAt)
					: new FluxError('network', `Could not reach ${provider.providerName} (${code})`, {
							description: `Check this machine's network connection and the API base URL in the "${provider.credentialName}" credential.`,
						});
		}
		const canRetry =
			delay !== undefined &&
			attempt < policy.maxAttempts &&
			waited + delay <= policy.maxTotalDelayMs;
		if (!canRetry) {
			if (attempt > 1 && failure.kind === 'network') {
				throw new FluxError('network', `${failure.message} after ${attempt} attempts`, {
					description: failure.description,
				});
			}
			throw failure;
		}
		// No wait runs past the job's deadline: a retry that could only start after it is not made.
		if (call.deadline !== undefined && clock.now() + delay! >= call.deadline) {
			throw call.purpose === 'submit' ? failure : deadlineError(provider, call);
		}
		waited += delay!;
		await clock.sleep(delay!, call.signal);
	}
}

/** The deadline passed: the job's timeout when the caller gave one, a network timeout otherwise. */
function deadlineError(provider: ProviderErrorContext, call: HttpCall): FluxError {
	return (
		call.onDeadline?.() ??
		new FluxError(
			'network',
			`No complete answer from ${provider.providerName} before the deadline`,
			{
				description: 'Raise "Timeout (Seconds)" in Options, or try again later.',
			},
		)
	);
}

/** An answer over its purpose's size cap: read no further, and said so (a submit's job may exist). */
function tooLargeAnswer(
	provider: ProviderErrorContext,
	call: HttpCall,
	thrown: unknown,
	sentAt: number,
): FluxError {
	const max = Number((thrown as { max?: number }).max ?? JSON_MAX);
	const size = `larger than ${Math.round(max / 1048576)} MB`;
	if (call.purpose === 'submit') return maybeSubmitted(provider, `an answer ${size}`, sentAt);
	return new FluxError('bad_response', `${provider.providerName} sent an answer ${size}`, {
		description: `No ${provider.providerName} answer of this kind is that large, so it was not read further. Try again; if it persists, check the API base URL in the "${provider.credentialName}" credential (a proxy may be answering).`,
	});
}

function cancelledError(): FluxError {
	return new FluxError('cancelled', 'The execution was cancelled');
}

function maybeSubmitted(
	provider: ProviderErrorContext,
	cause: string,
	sentAt: number,
	httpCode?: number,
): FluxError {
	return new FluxError(
		'maybe_submitted',
		`The job may have been created at ${provider.providerName}, but the answer was lost (${cause})`,
		{
			httpCode,
			description: `It was not sent again, to avoid paying twice. Look in your ${provider.providerName} request history for a job created at about ${new Date(sentAt).toISOString()} before running this item again.`,
		},
	);
}

/** Seeds may exceed 2^53; a seed too long for a JavaScript number is kept as a string, every digit. */
const LONG_SEED = /("seed"\s*:\s*)(\d{16,})(?=\s*[,}\]])/g;

/** Decodes a JSON body; undefined when the body is empty or not JSON. */
export function parseBody(body: Buffer): unknown {
	if (body.length === 0) return undefined;
	const text = body.toString('utf8');
	try {
		return JSON.parse(
			text.replace(LONG_SEED, (whole, key: string, digits: string) =>
				beyondSafeInteger(digits) ? `${key}"${digits}"` : whole,
			),
		);
	} catch {
		return text.slice(0, 500);
	}
}

/** Decodes a JSON object body, or fails with a `bad_response` error naming what was expected. */
export function readJson(
	provider: ProviderErrorContext,
	response: HttpResponse,
	what: string,
): Record<string, unknown> {
	const parsed = parseBody(response.body);
	if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
		throw new FluxError('bad_response', `${provider.providerName} sent an unreadable ${what}`, {
			httpCode: response.status,
			description:
				'The provider answered with something other than the expected JSON. Try again; if it persists, the provider API may have changed.',
		});
	}
	return parsed as Record<string, unknown>;
}
