import { clock } from '../../shared/clock';
import { FluxError } from '../../transport/errors';
import type { HttpCall } from '../../transport/http';
import { REQUEST_TIMEOUT_MS } from '../../transport/retryPolicy';
import type { JobScope } from '../types';

/**
 * The job ran out of time. The shared job code then cancels it and completes the description with
 * what the provider said to that (see job/job.ts).
 */
export function jobTimeout(scope: JobScope): FluxError {
	return new FluxError(
		'timeout',
		`The job did not finish within ${Math.round(scope.timeoutMs / 1000)} seconds`,
	);
}

/**
 * What bounds every request of a job: the execution's cancel and the job's deadline, past which no
 * request, body read or retry wait runs (it fails with the job's timeout).
 */
export function jobLimits(scope: JobScope): Pick<HttpCall, 'signal' | 'deadline' | 'onDeadline'> {
	return { signal: scope.signal, deadline: scope.deadline, onDeadline: () => jobTimeout(scope) };
}

/** Longest wait between two status requests, so a failed job is noticed promptly. */
export const POLL_MAX_DELAY_MS = 2000;

/**
 * The default status pace: quick at first (short jobs), slower as the job ages, never more than
 * POLL_MAX_DELAY_MS apart. `floorMs` is the shortest wait a provider asks for.
 */
export function rampDelayMs(elapsedMs: number, floorMs: number): number {
	return Math.min(POLL_MAX_DELAY_MS, Math.max(floorMs, Math.round(elapsedMs / 8)));
}

/** One status answer: finished (with the answer, for fetchResult), or not yet (with the wait before the next, and the provider's word for the state). */
export type PollStep =
	| { done: true; status: unknown }
	| { done: false; nextDelayMs: number; state?: string };

/**
 * Learns how long this execution's jobs take and times status requests around it: the first
 * request goes out just before a job is expected to finish, then a few close together until it
 * has. A batch of similar jobs so costs about two status requests per job and learns of each
 * completion within tens of milliseconds. One pacer per provider session, so per execution: it
 * holds nothing across executions or queue-mode workers.
 */
export class Pacer {
	private readonly seen: number[] = [];

	constructor(
		/** Spacing of the requests around the expected finish. */
		readonly fineMs = 60,
		/** Longest wait between two requests, so a failure is noticed promptly. */
		readonly maxDelayMs = POLL_MAX_DELAY_MS,
	) {}

	/** Median time from submit to finish over the latest jobs, once one has finished. */
	estimate(): number | undefined {
		if (this.seen.length === 0) return undefined;
		const recent = this.seen.slice(-16).sort((a, b) => a - b);
		return recent[Math.floor(recent.length / 2)];
	}

	/** A job was seen finished at `doneAt`, having been seen pending at `pendingAt` (ms since submit). */
	record(doneAt: number, pendingAt: number): void {
		this.seen.push((doneAt + pendingAt) / 2);
	}

	/** How long to wait before the next status request, `elapsed` ms after submit. */
	delay(elapsed: number, fallback: number): number {
		const expected = this.estimate();
		if (expected === undefined) return fallback;
		const first = expected - this.fineMs / 2;
		if (elapsed < first) return Math.min(first - elapsed, this.maxDelayMs);
		if (elapsed < expected + 10 * this.fineMs) return this.fineMs;
		return fallback;
	}
}

/**
 * Asks `check` for the job's status until it says done. Stops at once when the execution is
 * cancelled, and with `onTimeout()` at the job's deadline; no wait runs past the deadline. `check`
 * gets the time left (to bound its request) and the time since polling began (to pace itself); the
 * pacer, when given, times the requests from what earlier jobs took.
 */
export async function pollUntilDone(
	scope: JobScope,
	onTimeout: () => FluxError,
	check: (requestTimeoutMs: number, elapsedMs: number) => Promise<PollStep>,
	pacer?: Pacer,
	firstDelayMs = 0,
): Promise<unknown> {
	const started = clock.now();
	let pendingAt = 0;
	let wait = pacer?.delay(0, firstDelayMs) ?? firstDelayMs;
	for (;;) {
		if (wait > 0) await clock.sleep(Math.min(wait, scope.deadline - clock.now()), scope.signal);
		if (scope.signal?.aborted) throw new FluxError('cancelled', 'The execution was cancelled');
		const remaining = scope.deadline - clock.now();
		if (remaining <= 0) throw onTimeout();
		const askedAt = clock.now() - started;
		const step = await check(Math.min(REQUEST_TIMEOUT_MS, Math.max(1000, remaining)), askedAt);
		if (step.done) {
			pacer?.record(askedAt, pendingAt);
			return step.status;
		}
		pendingAt = askedAt;
		wait = pacer ? pacer.delay(clock.now() - started, step.nextDelayMs) : step.nextDelayMs;
	}
}
