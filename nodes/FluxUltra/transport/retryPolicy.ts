import { NEVER_ARRIVED_CODES } from './verdict';

/**
 * The retry policy, in one place: for each kind of request, how many attempts, after which
 * failures, how long each may take, and why. `send` (http.ts) applies it; which failures prove
 * that a job-creating request never arrived is decided in verdict.ts, and nowhere else.
 *
 * read: `status`, `result`
 *   attempts  5 (DEFAULT_RETRY: 0.5 s doubling, at most 10 s a wait and 60 s of waits in all)
 *   after     429, 500, 502, 503, 504; a connection error in TRANSIENT_CODES
 *   each      30 s (REQUEST_TIMEOUT_MS); a status poll: the time left, 1 to 30 s
 *   why       it creates nothing; a one-off error while a paid job runs must not fail it
 *
 * `submit`: the request that creates (and bills) the job
 *   attempts  5 (DEFAULT_RETRY)
 *   after     only what verdict.ts proves never arrived: 429, the provider's own front door
 *             (ProviderErrorContext.neverReached: 502/503), ECONNREFUSED, ENOTFOUND, EAI_AGAIN
 *   each      30 s (REQUEST_TIMEOUT_MS)
 *   why       never pay twice: any other failure ends as `maybe_submitted`, not sent again
 *
 * `cancel`: stopping a job that ran out of time
 *   attempts  2 (CANCEL_RETRY: 0.25 s, at most 2 s of waits)
 *   after     as a read
 *   each      10 s (CANCEL_TIMEOUT_MS), sent even after the execution was cancelled
 *   why       best effort, after the wait ended: it must not hold the item up
 *
 * `upload`: an input image to the provider's storage
 *   attempts  5 (DEFAULT_RETRY)
 *   after     as a read
 *   each      120 s (UPLOAD_TIMEOUT_MS)
 *   why       no job exists yet: a PUT to the same slot replaces, a second stored file is free
 *
 * `download`: a finished image
 *   attempts  5 for the answer (DEFAULT_RETRY); then 4 fetches from the start (DOWNLOAD_ATTEMPTS,
 *             job/job.ts storeImage, DEFAULT_RETRY's backoff) when the body breaks off
 *   after     as a read; a body cut, stalled 30 s without a byte (DOWNLOAD_IDLE_MS) or shorter
 *             than announced; never a file over the size cap or one that is not an image
 *   each      120 s (DOWNLOAD_TIMEOUT_MS) to the headers, the body until the job's deadline
 *   why       the image is paid for, and its link stays valid for a while
 *
 * one-try reads (ONE_TRY): fal's status stream, Runflow's model look-up
 *   attempts  1
 *   each      the caller's: the stream at most 30 s to open, the look-up 10 s
 *   why       each has a way round when it fails: polling, the built-in field names
 *
 * For all of them: a `Retry-After` the answer gives replaces the backoff; the backoff waits of one
 * call add up to at most `maxTotalDelayMs`; no attempt, body read or wait runs past the job's
 * deadline (HttpCall.deadline); and a provider may mark an otherwise retried answer as final
 * (ProviderErrorContext.noRetry: fal's 504 for a timeout the user set). How often a running job's
 * status is asked is not a retry: see providers/common/polling.ts.
 */

/** What a request is for; decides whether it may be sent twice. */
export type Purpose = 'submit' | 'status' | 'result' | 'cancel' | 'upload' | 'download';

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

/**
 * Cancelling is best effort and runs after the wait ended: one retry, a short pause, 2 s of backoff
 * at the most, so a cancel never holds the item up for long.
 */
export const CANCEL_RETRY: RetryPolicy = {
	maxAttempts: 2,
	baseDelayMs: 250,
	maxDelayMs: 1000,
	maxTotalDelayMs: 2000,
};

/** Time one cancel request may take. */
export const CANCEL_TIMEOUT_MS = 10_000;

/** Time allowed to send one input image to a provider's storage. */
export const UPLOAD_TIMEOUT_MS = 120_000;

/** Time allowed for a download's headers to arrive. */
export const DOWNLOAD_TIMEOUT_MS = 120_000;

/** A download that receives no byte for this long (real time) is broken off and tried again. */
export const DOWNLOAD_IDLE_MS = 30_000;

/** Times a finished image is fetched and stored before its item fails: the job is paid, so try hard. */
export const DOWNLOAD_ATTEMPTS = 4;

/** One attempt and no wait: for a read that has a way round when it fails. */
export const ONE_TRY: RetryPolicy = {
	maxAttempts: 1,
	baseDelayMs: 0,
	maxDelayMs: 0,
	maxTotalDelayMs: 0,
};

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

/**
 * Whether an error answer is worth another try: for a submit only when verdict.ts proved it never
 * arrived (`neverArrived`), for every other request a status of READ_RETRYABLE_STATUS.
 */
export function answerRetryable(purpose: Purpose, status: number, neverArrived: boolean): boolean {
	return purpose === 'submit' ? neverArrived : READ_RETRYABLE_STATUS.has(status);
}

/**
 * Whether a connection failure (its `code`) is worth another try: a transient one, and for a
 * submit only when verdict.ts proved it never arrived (`neverArrived`).
 */
export function failureRetryable(purpose: Purpose, code: string, neverArrived: boolean): boolean {
	return TRANSIENT_CODES.has(code) && (purpose !== 'submit' || neverArrived);
}

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
