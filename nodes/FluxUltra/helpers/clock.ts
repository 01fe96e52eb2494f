import { sleep as n8nSleep } from 'n8n-workflow';

async function sleepReal(ms: number, signal?: AbortSignal): Promise<void> {
	if (ms <= 0 || signal?.aborted) return;
	if (!signal) return await n8nSleep(ms);
	let onAbort: () => void = () => undefined;
	const aborted = new Promise<void>((resolve) => {
		onAbort = resolve;
		signal.addEventListener('abort', onAbort, { once: true });
	});
	try {
		await Promise.race([n8nSleep(ms), aborted]);
	} finally {
		signal.removeEventListener('abort', onAbort);
	}
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

/**
 * Awaits `work`, but no longer than until `deadline` (clock time): then `onDeadline()` runs (it
 * should make `work` settle, e.g. by destroying its stream) and its error is thrown.
 */
export async function withDeadline<T>(deadline: number, work: Promise<T>, onDeadline: () => Error): Promise<T> {
	const stop = new AbortController();
	let expired: Error | undefined;
	void clock.timer(deadline - clock.now(), stop.signal).then(() => {
		if (!stop.signal.aborted) expired = onDeadline();
	});
	try {
		const result = await work;
		if (expired) throw expired;
		return result;
	} catch (error) {
		throw expired ?? error;
	} finally {
		stop.abort();
	}
}
