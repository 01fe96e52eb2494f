import { it, type TestContext } from 'vitest';

declare module 'vitest' {
	interface TaskMeta {
		/** Set by `attack()`: what one adversarial case cost. Read by test/summaryReporter.ts. */
		attack?: { finding: string; wallMs: number; rssMb: number; heapMb: number };
	}
}

/**
 * One attack on the node: a hostile provider, proxy, link, address spelling or field value, and
 * what must still hold. `finding` names the review finding it belongs to (issue 18: "1 silent
 * provider", "3 address spellings", …). It is a vitest test like any other (an attack that breaks
 * the promise fails the run); the summary reporter counts attacks tried and held, and prints the
 * wall time and the memory each one cost (RSS and heap growth in its worker, after a GC when
 * `--expose-gc` is on).
 */
export function attack(
	finding: string,
	name: string,
	fn: (context: TestContext) => Promise<void> | void,
	timeoutMs?: number,
): void {
	it(
		name,
		async (context) => {
			const gc = (globalThis as { gc?: () => void }).gc;
			gc?.();
			const before = process.memoryUsage();
			const started = performance.now();
			let peakRss = before.rss;
			let peakHeap = before.heapUsed;
			const sampler = setInterval(() => {
				const now = process.memoryUsage();
				peakRss = Math.max(peakRss, now.rss);
				peakHeap = Math.max(peakHeap, now.heapUsed);
			}, 50);
			try {
				await fn(context);
			} finally {
				clearInterval(sampler);
				const after = process.memoryUsage();
				peakRss = Math.max(peakRss, after.rss);
				peakHeap = Math.max(peakHeap, after.heapUsed);
				context.task.meta.attack = {
					finding,
					wallMs: Math.round(performance.now() - started),
					rssMb: Math.round(((peakRss - before.rss) / 1048576) * 10) / 10,
					heapMb: Math.round(((peakHeap - before.heapUsed) / 1048576) * 10) / 10,
				};
			}
		},
		timeoutMs,
	);
}
