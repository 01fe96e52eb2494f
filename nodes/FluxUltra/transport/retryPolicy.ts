import { NEVER_ARRIVED_CODES } from './verdict';

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

/** Statuses worth another try: throttling and gateway trouble. */
const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);

/**
 * A read (status, result, cancel, download, upload slot) also retries a 500: it creates nothing, and
 * a one-off server error on a status poll must not fail a job that is already paid for. A submit is
 * retried only on what the rule table in verdict.ts says provably never arrived.
 */
export const READ_RETRYABLE_STATUS = new Set([...RETRYABLE_STATUS, 500]);

/** Connection errors worth another try for a request that may be sent twice (never-arrived ones included). */
export const TRANSIENT_CODES = new Set([
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
