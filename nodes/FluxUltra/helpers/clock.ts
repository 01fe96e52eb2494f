import { sleep as n8nSleep } from 'n8n-workflow';

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
	},
};
