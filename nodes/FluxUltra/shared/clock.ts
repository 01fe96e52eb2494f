import * as n8nWorkflow from 'n8n-workflow';
import { sleep as n8nSleep } from 'n8n-workflow';

type AbortableSleep = (ms: number, signal: AbortSignal) => Promise<void>;

/**
 * n8n's sleep that clears its timer when the signal aborts (and then rejects): `sleepWithAbort` in
 * n8n-workflow 1.x, whose `sleep` ignores a signal; `sleep(ms, signal)` in 2.x, which has no
 * `sleepWithAbort`. A wait that only raced the signal left the timer pending for its full time:
 * every request's watchdog (minutes) outlived its answer, thousands of them in a long batch.
 */
const abortableSleep: AbortableSleep =
	(n8nWorkflow as unknown as { sleepWithAbort?: AbortableSleep }).sleepWithAbort ??
	(n8nSleep as AbortableSleep);

async function sleepReal(ms: number, signal?: AbortSignal): Promise<void> {
	if (ms <= 0 || signal?.aborted) return;
	if (!signal) return await n8nSleep(ms);
	// Aborted: the wait ends early; it never rejects.
	await abortableSleep(ms, signal).catch(() => undefined);
}

/**
 * Time, in one place: polling, backoff and job deadlines read it here, so tests can run them on a
 * virtual clock. Community-node rules forbid timers, so waiting goes through n8n-workflow's sleep.
 */
export const clock = {
	now(): number {
		return Date.now();
	},

	/** Waits `ms`, or less if `signal` aborts first. Never rejects. */
	async sleep(ms: number, signal?: AbortSignal): Promise<void> {
		await sleepReal(ms, signal);
	},

	/**
	 * A socket watchdog: resolves `ms` of real time from now (or when `signal` aborts). Sockets live in
	 * real time even on the tests' virtual clock, so this one is never virtual.
	 */
	async ioTimer(ms: number, signal?: AbortSignal): Promise<void> {
		await sleepReal(ms, signal);
	},

	/** Real time in ms, for socket watchdogs (never virtual). */
	realNow(): number {
		return Date.now();
	},

	/**
	 * A job watchdog: resolves `ms` from now (or when `signal` aborts), while something else is awaited.
	 * The same as `sleep` in production; on the tests' virtual clock it fires when time is moved past
	 * it by others instead of moving time itself.
	 */
	async timer(ms: number, signal?: AbortSignal): Promise<void> {
		await clock.sleep(ms, signal);
	},
};
