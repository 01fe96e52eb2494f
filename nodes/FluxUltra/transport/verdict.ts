import { FluxError, type ErrorKind, type ProviderErrorContext } from './errors';

/**
 * The one rule table for "never pay twice". Two verdicts, each decided here and nowhere else:
 *
 * 1. **Provably never arrived** — a job-creating request (a submit) may be sent again. The
 *    transport's retries use it (`send` in http.ts), and an item that failed this way carries
 *    `noJob` (job/job.ts `beforeJob`).
 * 2. **Safe to run elsewhere** — the item may run at the Fallback Provider (run/failover.ts),
 *    and its error item says `error.safeToRunElsewhere: true`, so a workflow can route it to
 *    another node without paying twice. True only when no job was paid for: the first provider
 *    provably never took it, or provably failed or stopped it — and the cause is the provider's,
 *    not the item's (a refused field would be refused elsewhere too).
 *
 * Everything not listed is "may have arrived": a submit is not resent (`maybe_submitted`), and
 * the item is not moved.
 */

/**
 * Connection failures that prove no byte of the request reached any server: the connection was
 * refused, or the host name did not resolve. Through a user's proxy (its address as API Base URL)
 * this still holds: the proxy itself was not reached, so it forwarded nothing.
 *
 * Not on the list: a reset, a timeout, a broken pipe, an unreachable host or network. Those can
 * happen after the request (or part of it) was written, so the job may exist.
 */
export const NEVER_ARRIVED_CODES: ReadonlySet<string> = new Set([
	'ECONNREFUSED',
	'ENOTFOUND',
	'EAI_AGAIN',
]);

/**
 * Answers that prove no job was created, wherever they came from: a 429 is a refusal to take the
 * request, whether the provider or a proxy in front of it throttled it. No provider documents a
 * 429 that created a job.
 */
export const NEVER_ARRIVED_STATUS: ReadonlySet<number> = new Set([429]);

/**
 * Answers that prove it only when the provider shows they came from its own front door, before the
 * service: fal's "ingress errors" (nginx's page, no `x-fal-request-id`), which fal's own Python
 * client resends a submit after. Decided per provider (`ProviderErrorContext.neverReached`), and
 * only for a request sent straight to the provider's own host: through a user's proxy the same
 * nginx page may be the proxy's own, and a proxy's 502 also covers "the upstream closed the
 * connection after the request was sent" (nginx: "upstream prematurely closed connection").
 *
 * Not on the list, ever: **504**. A gateway timeout means the request was forwarded and the answer
 * did not come back in time: the job may exist (issue 18: five jobs for one item through an nginx
 * proxy). Nor 500, nor any other 5xx.
 */
export const FRONT_DOOR_STATUS: ReadonlySet<number> = new Set([502, 503]);

/** Whether an error answer to a request proves the request never reached the provider's service. */
export function answerNeverArrived(
	provider: ProviderErrorContext,
	url: string,
	status: number,
	headers: Record<string, string>,
	body: Buffer,
): boolean {
	if (NEVER_ARRIVED_STATUS.has(status)) return true;
	return FRONT_DOOR_STATUS.has(status) && !!provider.neverReached?.(status, headers, body, url);
}

/** Whether a connection failure (its `code`) proves the request never reached any server. */
export function failureNeverArrived(code: string | undefined): boolean {
	return !!code && NEVER_ARRIVED_CODES.has(code);
}

/**
 * Failures before any job existed (`noJob`: the submit provably never arrived, or the input upload
 * failed) that are the provider's, not the item's: another provider may well take the item.
 * Validation, moderation and a refused key are not on it (the item or the credential needs
 * fixing); nor `bad_response` (an answer the node could not read may hide an accepted job).
 */
export const MOVABLE_BEFORE_JOB: ReadonlySet<ErrorKind> = new Set<ErrorKind>([
	'rate_limit',
	'network',
	'unavailable',
	'credit',
]);

/**
 * The "safe to run elsewhere" verdict (see the top of this file):
 * - `noJob` and a kind in MOVABLE_BEFORE_JOB;
 * - `job_failed`: the provider itself reported the job failed (fal's error result, Runflow's
 *   `failed`, BFL's `Error`, Replicate's `failed`), so it is not billed as a success. A job that
 *   succeeded but whose answer the node could not read (no images, no sample, no output, an
 *   unknown output shape, "Task not found" after an accepted submit) is `bad_response`, not this;
 * - `timeout` with `jobStopped`: the provider confirmed the job will not finish. fal's 202 to a
 *   cancel does not (a job already IN_PROGRESS "may still complete"), so it never sets it.
 * Never `maybe_submitted`, `bad_response`, `download` (the image is paid), `cancelled`,
 * `spend_cap`, or anything that is not a FluxError.
 */
export function safeToRunElsewhere(error: unknown): boolean {
	if (!(error instanceof FluxError)) return false;
	if (error.noJob) return MOVABLE_BEFORE_JOB.has(error.kind);
	if (error.kind === 'job_failed') return true;
	return error.kind === 'timeout' && !!error.jobStopped;
}
