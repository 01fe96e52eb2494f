import { FluxError, type ErrorKind, type ProviderErrorContext } from './errors';

/**
 * The one rule table for "never pay twice". Two verdicts, each decided here and nowhere else:
 *
 * 1. **Provably never arrived** — a job-creating request (a submit) may be sent again. The
 *    transport's retries use it (`send` in http.ts), and an item that failed this way carries
 *    `noJob` (job/job.ts `beforeJob`).
 * 2. **Safe to run elsewhere** — the item may run at the Fallback Provider (run/failover.ts), and
 *    its error item says `error.safeToRunElsewhere: true`, so a workflow can route it to another
 *    node without paying twice. True only when no job was paid for: the first provider provably
 *    never took it, or provably stopped it (its own status word says so, see STOP PROOF below) —
 *    and the cause is the provider's, not the item's (a refused field would be refused elsewhere
 *    too).
 *
 * Everything not listed is "may have arrived" / "may still be running": a submit is not resent
 * (`maybe_submitted`), and the item is not moved.
 *
 * STOP PROOF — per provider and per status, what proves that a job stopped and will make (and bill
 * as finished) no image. Each provider declares its row in its own constants (`stopProof`, of the
 * StopProof shape below: one provider = one folder, no provider names another), and its status and
 * cancel code ask `provesStop`; this table is the whole of it, with the source of each fact
 * (docs/provider-facts.md ids; that file gives the public page and the date it was read):
 *
 * | Provider  | Proves the job stopped (may move)                  | Proves nothing (never moves)                                   |
 * |-----------|----------------------------------------------------|----------------------------------------------------------------|
 * | fal.ai    | `COMPLETED` with `error` (its failure, FA-43)      | cancel 202 `CANCELLATION_REQUESTED` ("may still complete", FA-22); 400 `ALREADY_COMPLETED` (finished: billed); no answer; fal documents no status for a cancelled request, so no read after the cancel |
 * | Runflow   | `failed` (RF-10), `errored` (RF-10, SECONDARY)     | `canceled`/`cancelled`: its cancel "does not abort the in-flight inference" and does not refund (RF-11); no cancel of its own (`not_supported`) |
 * | BFL       | `Error` (BF-09), `Failed` (BF-09, UNCONFIRMED word); `Request Moderated`/`Content Moderated` ("not charged", BF-09: stopped, but blocked content never moves) | no cancel (`not_supported`, BF-11) |
 * | Replicate | `failed`, `aborted`, `canceled` (RP-32: lifecycle page), in a status read, in the cancel's answer, or in a read within STOP_CONFIRM after it | a cancel answered `starting`, `processing`, another word, no status or an unreadable body, unless a read after it shows a stop; no answer |
 *
 * A job whose status proves nothing more than "ended" (a provider's `canceled` that does not abort
 * the inference) is `job_failed` without `jobStopped`: not safe. A stop is never assumed from the
 * HTTP status of a cancel, only read from the provider's own word for the job.
 */

/**
 * One provider's row of the STOP PROOF table (above): the provider's own words for a job's state
 * that prove it stopped, each with the source of that fact. Any word not listed proves nothing.
 */
export interface StopProof {
	/** State word → its source (a docs/provider-facts.md id, which names the public page and date). */
	readonly stopped: Readonly<Record<string, string>>;
	/** Words that look like a stop but prove nothing, with why (documentation; never consulted as proof). */
	readonly notProof?: Readonly<Record<string, string>>;
	/**
	 * Whether a status read after a cancel whose answer proved nothing may still prove the stop
	 * (the provider's cancel takes effect after it answers, and its statuses say when it did). The
	 * reads end within STOP_CONFIRM.
	 */
	readonly readAfterCancel: boolean;
}

/** Whether the provider's word for a job's state proves the job stopped (the STOP PROOF table). */
export function provesStop(proof: StopProof, state: string): boolean {
	return Object.prototype.hasOwnProperty.call(proof.stopped, state);
}

/**
 * Status reads after a cancel whose answer proved nothing (only for a provider whose `stopProof`
 * says `readAfterCancel`): one every `pauseMs`, all within `budgetMs` of the cancel's answer, so a
 * timed-out item is held up by seconds at the most; no proof by then is "may still be running".
 */
export const STOP_CONFIRM = { budgetMs: 5000, pauseMs: 1000 } as const;

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
 * - `job_failed` with `jobStopped`: the provider's own status for the job proves it stopped
 *   without a finished image (the STOP PROOF table: fal's error result, Runflow's `failed`, BFL's
 *   `Error`, Replicate's `failed`/`aborted`/`canceled`). A job that succeeded but whose answer the
 *   node could not read (no images, no sample, no output, an unknown output shape, "Task not
 *   found" after an accepted submit) is `bad_response`, not this; a status that proves nothing
 *   (Runflow's `canceled`) is `job_failed` without `jobStopped`;
 * - `timeout` with `jobStopped`: the provider's answer to the cancel, or a status read after it,
 *   proves the job stopped. fal's 202 does not (a job already IN_PROGRESS "may still complete"),
 *   nor does a Replicate cancel answered with `processing`.
 * Never `maybe_submitted`, `bad_response`, `download` (the image is paid), `cancelled`,
 * `spend_cap`, or anything that is not a FluxError.
 */
export function safeToRunElsewhere(error: unknown): boolean {
	if (!(error instanceof FluxError)) return false;
	if (error.noJob) return MOVABLE_BEFORE_JOB.has(error.kind);
	return (error.kind === 'job_failed' || error.kind === 'timeout') && !!error.jobStopped;
}
