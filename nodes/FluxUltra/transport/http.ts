import type {
	IDataObject,
	IExecuteFunctions,
	IHttpRequestMethods,
	IHttpRequestOptions,
} from 'n8n-workflow';

import { clock } from '../shared/clock';
import { isInternalHost, parseUrl, type LinkPolicy } from '../shared/url';
import {
	BODY_MAX,
	ERROR_BODY_MAX,
	isByteStream,
	JSON_MAX,
	lowerHeaders,
	parseBody,
	readBody,
	RequestLimit,
	toBuffer,
	toJsonText,
	type ByteStream,
} from './body';
import { signingOptions } from './credentials';
import { FluxError, errorFromResponse, type ProviderErrorContext } from './errors';
import {
	answerRetryable,
	backoffMs,
	DEFAULT_RETRY,
	errorCode,
	failureRetryable,
	REQUEST_TIMEOUT_MS,
	retryAfterMs,
	type Purpose,
	type RetryPolicy,
} from './retryPolicy';
import { answerNeverArrived, failureNeverArrived } from './verdict';

/**
 * The one HTTP path of the package. Every provider call goes through `send`, which adds retries
 * with backoff, per-request timeouts, cancellation and error mapping. Status codes are handled
 * here, not by the host: requests ask n8n for the full response and never for a thrown HTTP error,
 * so the behaviour is the same on every n8n version and no host error object (which carries the
 * request headers, and so the API key) ever reaches the user.
 *
 * This file is the request (`invoke`: one request; `send`: the attempts). Reading its body under
 * the request's limits is body.ts; how many attempts, after which answers and how long each may
 * take is retryPolicy.ts; which failures prove a submit never arrived is verdict.ts.
 */

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
	/** A tighter cap than JSON_MAX on a successful answer (a model's input schema, read at run time). */
	bodyMax?: number;
	/** Hand a successful body over as it arrives (a download), instead of buffering it. */
	stream?: boolean;
	/**
	 * Hand a 3xx answer back instead of following it, so the caller can check where it leads (a
	 * download). Signed calls never follow redirects anyway.
	 */
	manualRedirect?: boolean;
	/**
	 * An unsigned fetch (a download, an Image URL, a presigned upload): the address the socket
	 * actually connected to is checked when the answer's head arrives, before any body byte is read
	 * (see `peerRefusal`); the policy's own origin (the credential's local mock or proxy) is exempt.
	 */
	peer?: LinkPolicy;
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

function isAbort(error: unknown, signal?: AbortSignal): boolean {
	if (signal?.aborted) return true;
	const name = (error as { name?: unknown })?.name;
	return name === 'AbortError' || name === 'CanceledError' || errorCode(error) === 'ERR_CANCELED';
}

async function invoke(
	ctx: IExecuteFunctions,
	call: HttpCall,
): Promise<Omit<HttpResponse, 'attempts'>> {
	const headers: Record<string, string> = { accept: 'application/json', ...call.headers };
	// An uncompressed answer is handed over as the socket's own stream on n8n 1.x, which the peer check reads.
	if (call.peer) headers['accept-encoding'] = 'identity';
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
	const refusal = call.peer && peerRefusal(ctx, call.url, call.peer, response.body);
	if (refusal) {
		limit.abort(refusal);
		(response.body as { destroy?: (error?: Error) => void } | undefined)?.destroy?.(refusal);
		throw refusal;
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
	const max = !ok
		? ERROR_BODY_MAX
		: Math.min(call.bodyMax ?? Infinity, call.largeBody ? BODY_MAX : JSON_MAX);
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
 * The peer-address check of an unsigned fetch, run on the answer's head before any body byte is
 * read: the error to fail with when the socket connected to an internal address (loopback,
 * private, link-local, … as `isInternalHost` reads it), or when the address cannot be read where it
 * should be (fail closed); undefined when the fetch may go on.
 *
 * - n8n 1.x hands over the body as the response's own stream (an IncomingMessage, uncompressed:
 *   `accept-encoding: identity` is asked for), whose `socket.remoteAddress` is the address actually
 *   connected to, whatever any DNS answer said. Unreadable there (a compressed answer n8n wrapped) →
 *   refused.
 * - Through a proxy (n8n 1.x picks http(s)-proxy-agent for HTTP(S)_PROXY; the agent carries
 *   `proxy`), the socket's peer is the proxy, which resolved the name and connected itself: the
 *   node cannot see where, so the proxy is trusted (README: what holds behind a proxy).
 * - n8n 2.x wraps every streamed body (axios `Readable.from`, see docs/reliability.md), which hides
 *   the socket: there the name was checked before the request by n8n's own egress filter, failing
 *   closed (`egressAllows`), and with N8N_SSRF_PROTECTION_ENABLED n8n's client checks the address it
 *   connects to itself. n8n 2.x is recognised by `helpers.getSecureEgressFilter`.
 *
 * The request line and headers were already sent when the head arrives (they carry no key); nothing
 * read from such an answer is used.
 */
function peerRefusal(
	ctx: IExecuteFunctions,
	url: string,
	policy: LinkPolicy,
	body: unknown,
): Error | undefined {
	const origin = parseUrl(url)?.origin;
	if (origin && (origin === policy.plainHttpOrigin || origin === policy.internalOrigin))
		return undefined;
	const response = body as
		| { socket?: { remoteAddress?: unknown }; req?: { agent?: { proxy?: unknown } } }
		| undefined;
	if (response?.req?.agent?.proxy) return undefined;
	const address = response?.socket?.remoteAddress;
	const refused = (what: string) =>
		Object.assign(new Error(`the link's host is ${what}`), { code: 'ERR_FR_INTERNAL_ADDRESS' });
	if (typeof address === 'string' && address !== '')
		return isInternalHost(address) ? refused(`an internal address (${address})`) : undefined;
	const helpers = ctx.helpers as { getSecureEgressFilter?: unknown };
	if (typeof helpers.getSecureEgressFilter === 'function') return undefined;
	return refused('at an address that could not be read');
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
				answerRetryable(call.purpose, response.status, refused) &&
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
			if (code === 'ERR_FR_INTERNAL_ADDRESS') throw internalAddress(provider, thrown);
			const neverSent = failureNeverArrived(code);
			if (failureRetryable(call.purpose, code, neverSent)) delay = backoffMs(policy, attempt);
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

/** An unsigned fetch whose socket connected to an internal address: never retried, never read. */
function internalAddress(provider: ProviderErrorContext, thrown: unknown): FluxError {
	return new FluxError(
		'download',
		`A link from ${provider.providerName} was not followed: ${(thrown as Error).message}`,
		{
			description:
				'Downloads and uploads go only to public hosts, checked at the address actually connected to: a name whose DNS answer is a loopback, private or link-local address is refused. Nothing from that answer was read.',
		},
	);
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
