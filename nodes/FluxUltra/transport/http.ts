import type { IDataObject, IExecuteFunctions, IHttpRequestMethods, IHttpRequestOptions } from 'n8n-workflow';

import { clock } from '../helpers/clock';
import { FluxError, errorFromResponse, type ProviderErrorContext } from './errors';

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
	signal?: AbortSignal;
	/** Hand a successful body over as it arrives (a download), instead of buffering it. */
	stream?: boolean;
}

export interface HttpResponse {
	status: number;
	headers: Record<string, string>;
	/** The body; empty when `stream` was asked for and the answer is a success. */
	body: Buffer;
	/** With `stream`, a successful body as it arrives. */
	stream?: ByteStream;
	attempts: number;
}

/** A response body as n8n's HTTP helper hands it over with `encoding: 'stream'` (a Node Readable). */
export type ByteStream = NodeJS.ReadableStream & {
	destroy(error?: Error): void;
	unshift(chunk: Buffer): void;
	readonly readableEnded?: boolean;
};

function isByteStream(value: unknown): value is ByteStream {
	return !!value && typeof (value as ByteStream).pipe === 'function' && typeof (value as ByteStream).read === 'function';
}

/** Longest error body read from a streamed answer: enough for any provider message. */
const ERROR_BODY_MAX = 64 * 1024;

async function readCapped(stream: ByteStream, max: number): Promise<Buffer> {
	const chunks: Buffer[] = [];
	let size = 0;
	for await (const chunk of stream) {
		const piece = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
		chunks.push(piece.subarray(0, Math.max(0, max - size)));
		size += piece.length;
		if (size >= max) break;
	}
	stream.destroy();
	return Buffer.concat(chunks);
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

/** Statuses worth another try: throttling and gateway trouble. 500 is a real failure. */
const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);

/** Connection errors that prove the request never reached the provider. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

/** Connection errors worth another try for a request that may be sent twice. */
const TRANSIENT_CODES = new Set([
	...NOT_SENT_CODES,
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
		if (v !== undefined && v !== null) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
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

async function invoke(ctx: IExecuteFunctions, call: HttpCall): Promise<Omit<HttpResponse, 'attempts'>> {
	const headers: Record<string, string> = { accept: 'application/json', ...call.headers };
	let body: IHttpRequestOptions['body'];
	if (call.json !== undefined) {
		headers['content-type'] = 'application/json';
		body = JSON.stringify(call.json);
	} else if (call.body) {
		body = call.body;
	}
	const options: IHttpRequestOptions = {
		method: call.method,
		url: call.url,
		headers,
		body,
		encoding: call.stream ? 'stream' : 'arraybuffer',
		json: false,
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		timeout: call.timeoutMs ?? REQUEST_TIMEOUT_MS,
		abortSignal: call.signal,
	};
	if (call.credentialType) {
		// A signed call is never redirected: a 3xx from the API host could otherwise carry the key
		// to another host (n8n re-sends credentials on cross-origin redirects by default).
		options.disableFollowRedirect = true;
		options.sendCredentialsOnCrossOriginRedirect = false;
	}
	const response = (
		call.credentialType
			? await ctx.helpers.httpRequestWithAuthentication.call(ctx, call.credentialType, options)
			: await ctx.helpers.httpRequest(options)
	) as IDataObject;
	const status = Number(response.statusCode ?? response.status ?? 0);
	const responseHeaders = lowerHeaders(response.headers);
	if (call.stream && isByteStream(response.body)) {
		if (status >= 200 && status < 300) return { status, headers: responseHeaders, body: Buffer.alloc(0), stream: response.body };
		return { status, headers: responseHeaders, body: await readCapped(response.body, ERROR_BODY_MAX) };
	}
	return { status, headers: responseHeaders, body: toBuffer(response.body) };
}

/**
 * Sends one request, retrying what is safe to retry. A job-creating request (`submit`) is sent
 * again only when it provably never reached the provider (connection refused, DNS) or was refused
 * with 429; anything else that may have created a job fails with `maybe_submitted`, so a flaky
 * network never makes the user pay twice.
 */
export async function send(
	ctx: IExecuteFunctions,
	provider: ProviderErrorContext,
	call: HttpCall,
	policy: RetryPolicy = DEFAULT_RETRY,
): Promise<HttpResponse> {
	let waited = 0;
	for (let attempt = 1; ; attempt++) {
		if (call.signal?.aborted) throw cancelledError();
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
			if (response.status >= 200 && response.status < 300) return { ...response, attempts: attempt };
			const retryable =
				RETRYABLE_STATUS.has(response.status) &&
				!provider.noRetry?.(response.status, response.headers) &&
				(call.purpose !== 'submit' || response.status === 429);
			if (retryable) delay = retryAfterMs(response.headers, clock.now()) ?? backoffMs(policy, attempt);
			failure = errorFromResponse(provider, response.status, parseBody(response.body), response.headers, attempt);
			if (call.purpose === 'submit' && response.status >= 500 && !retryable) {
				failure = maybeSubmitted(provider, `HTTP ${response.status}`, sentAt, failure.httpCode);
			}
		} else {
			if (isAbort(thrown, call.signal)) throw cancelledError();
			const code = errorCode(thrown) ?? 'connection error';
			const neverSent = NOT_SENT_CODES.has(code);
			if (TRANSIENT_CODES.has(code) && (call.purpose !== 'submit' || neverSent)) delay = backoffMs(policy, attempt);
			failure =
				call.purpose === 'submit' && !neverSent
					? maybeSubmitted(provider, code, sentAt)
					: new FluxError('network', `Could not reach ${provider.providerName} (${code})`, {
							description: `Check this machine's network connection and the API base URL in the "${provider.credentialName}" credential.`,
						});
		}
		const canRetry =
			delay !== undefined && attempt < policy.maxAttempts && waited + delay <= policy.maxTotalDelayMs;
		if (!canRetry) {
			if (attempt > 1 && failure.kind === 'network') {
				throw new FluxError('network', `${failure.message} after ${attempt} attempts`, {
					description: failure.description,
				});
			}
			throw failure;
		}
		waited += delay!;
		await clock.sleep(delay!, call.signal);
	}
}

function cancelledError(): FluxError {
	return new FluxError('cancelled', 'The execution was cancelled');
}

function maybeSubmitted(provider: ProviderErrorContext, cause: string, sentAt: number, httpCode?: number): FluxError {
	return new FluxError(
		'maybe_submitted',
		`The job may have been created at ${provider.providerName}, but the answer was lost (${cause})`,
		{
			httpCode,
			description: `It was not sent again, to avoid paying twice. Look in your ${provider.providerName} request history for a job created at about ${new Date(sentAt).toISOString()} before running this item again.`,
		},
	);
}

/** Seeds may exceed 2^53; keep long integers under `seed` as strings so no digit is lost. */
const LONG_SEED = /("seed"\s*:\s*)(\d{16,})/g;

/** Decodes a JSON body; undefined when the body is empty or not JSON. */
export function parseBody(body: Buffer): unknown {
	if (body.length === 0) return undefined;
	const text = body.toString('utf8');
	try {
		return JSON.parse(text.replace(LONG_SEED, '$1"$2"'));
	} catch {
		return text.slice(0, 500);
	}
}

/** Decodes a JSON object body, or fails with a `bad_response` error naming what was expected. */
export function readJson(provider: ProviderErrorContext, response: HttpResponse, what: string): Record<string, unknown> {
	const parsed = parseBody(response.body);
	if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
		throw new FluxError('bad_response', `${provider.providerName} sent an unreadable ${what}`, {
			httpCode: response.status,
			description: 'The provider answered with something other than the expected JSON. Try again; if it persists, the provider API may have changed.',
		});
	}
	return parsed as Record<string, unknown>;
}
