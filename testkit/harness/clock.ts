import { vi } from 'vitest';

import { clock } from '../../nodes/FluxUltra/shared/clock';

/**
 * Runs the package's clock on virtual time: every sleep returns at once and moves time forward by
 * what it was asked to wait. Polling, backoff and deadlines then run in milliseconds of real time,
 * and the waits they asked for are there to assert on. Watchdog timers (`clock.timer`) do not move
 * time: they fire once sleeps or `advance()` have moved it past them, as a quiet stream's deadline
 * would while the stream keeps the node waiting.
 */
export function useVirtualClock(start = 1_700_000_000_000) {
	let now = start;
	const sleeps: number[] = [];
	const timers: Array<{ due: number; fire: () => void }> = [];
	const fireDue = () => {
		for (const timer of [...timers]) {
			if (timer.due <= now) {
				timers.splice(timers.indexOf(timer), 1);
				timer.fire();
			}
		}
	};
	vi.spyOn(clock, 'now').mockImplementation(() => now);
	vi.spyOn(clock, 'sleep').mockImplementation(async (ms: number, signal?: AbortSignal) => {
		if (signal?.aborted) return;
		sleeps.push(ms);
		now += Math.max(0, ms);
		fireDue();
		await Promise.resolve();
	});
	vi.spyOn(clock, 'timer').mockImplementation(
		(ms: number, signal?: AbortSignal) =>
			new Promise<void>((resolve) => {
				if (signal?.aborted) return resolve();
				const timer = { due: now + Math.max(0, ms), fire: () => resolve() };
				signal?.addEventListener(
					'abort',
					() => {
						const at = timers.indexOf(timer);
						if (at >= 0) timers.splice(at, 1);
						resolve();
					},
					{ once: true },
				);
				timers.push(timer);
				if (timer.due <= now) fireDue();
			}),
	);
	return {
		sleeps,
		elapsed: () => now - start,
		/** Moves time forward, firing the watchdogs it passes. */
		advance(ms: number) {
			now += ms;
			fireDue();
		},
		/** Watchdogs still waiting. */
		pendingTimers: () => timers.length,
	};
}
