import { afterEach, describe, expect, it, vi } from 'vitest';

import { clock } from '../../../../nodes/FluxUltra/shared/clock';

/**
 * Every request and download is watched by a timer that is stopped (aborted) when the answer is
 * read. The scale series of `npm run bench` found those timers still pending after the abort, each
 * holding its promises for the full timeout: thousands of them in a 1,000-item run.
 */
describe('clock timers stopped by their signal', () => {
	afterEach(() => {
		vi.useRealTimers();
	});

	for (const name of ['ioTimer', 'sleep', 'timer'] as const) {
		it(`${name}: an aborted wait ends at once and leaves no timer behind`, async () => {
			vi.useFakeTimers();
			const stop = new AbortController();
			const waiting = clock[name](120_000, stop.signal);
			expect(vi.getTimerCount()).toBe(1);
			stop.abort();
			await expect(waiting).resolves.toBeUndefined();
			expect(vi.getTimerCount()).toBe(0);
		});
	}

	it('a wait without a signal still ends after its time', async () => {
		vi.useFakeTimers();
		let done = false;
		const waiting = clock.sleep(1_000).then(() => (done = true));
		await vi.advanceTimersByTimeAsync(999);
		expect(done).toBe(false);
		await vi.advanceTimersByTimeAsync(1);
		await waiting;
		expect(done).toBe(true);
	});
});
