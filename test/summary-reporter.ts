import type { Reporter, TestModule } from 'vitest/node';

declare module 'vitest' {
	interface TaskMeta {
		/** Figures a suite measured (jobs, faults, requests…), printed at the end of the run. */
		figures?: string;
	}
}

/**
 * Ends the run with the figures the reliability suites measured, then one plain line,
 * "vitest: N passed, N failed, N skipped", that any CI can read.
 */
export default class SummaryReporter implements Reporter {
	onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
		const count = { passed: 0, failed: 0, skipped: 0 };
		const figures: string[] = [];
		for (const module of modules) {
			for (const test of module.children.allTests()) {
				const measured = test.meta().figures;
				if (measured) figures.push(`${test.name}\n${measured.replace(/^/gm, '  ')}`);
				const state = test.result().state;
				if (state === 'passed') count.passed++;
				else if (state === 'failed') count.failed++;
				else count.skipped++;
			}
			if (module.state() === 'failed' && ![...module.children.allTests()].length) count.failed++;
		}
		if (figures.length) process.stdout.write(`\nFigures:\n${figures.join('\n')}\n`);
		process.stdout.write(`\nvitest: ${count.passed} passed, ${count.failed} failed, ${count.skipped} skipped\n`);
	}
}
