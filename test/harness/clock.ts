import { vi } from 'vitest';

import { clock } from '../../nodes/FluxUltra/helpers/clock';

/**
 * Runs the package's clock on virtual time: every sleep returns at once and moves time forward by
 * what it was asked to wait. Polling, backoff and deadlines then run in milliseconds of real time,
 * and the waits they asked for are there to assert on.
 */
export function useVirtualClock(start = 1_700_000_000_000) {
	let now = start;
	const sleeps: number[] = [];
	vi.spyOn(clock, 'now').mockImplementation(() => now);
	vi.spyOn(clock, 'sleep').mockImplementation(async (ms: number, signal?: AbortSignal) => {
		if (signal?.aborted) return;
		sleeps.push(ms);
		now += Math.max(0, ms);
		await Promise.resolve();
	});
	return {
		sleeps,
		elapsed: () => now - start,
		advance(ms: number) {
			now += ms;
		},
	};
}
