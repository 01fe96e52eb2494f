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
		const attacks: Array<{
			name: string;
			held: boolean;
			finding: string;
			wallMs: number;
			rssMb: number;
			heapMb: number;
		}> = [];
		for (const module of modules) {
			for (const test of module.children.allTests()) {
				const measured = test.meta().figures;
				if (measured) figures.push(`${test.name}\n${measured.replace(/^/gm, '  ')}`);
				const state = test.result().state;
				const cost = test.meta().attack;
				if (cost) attacks.push({ name: test.name, held: state === 'passed', ...cost });
				if (state === 'passed') count.passed++;
				else if (state === 'failed') count.failed++;
				else count.skipped++;
			}
			if (module.state() === 'failed' && ![...module.children.allTests()].length) count.failed++;
		}
		if (figures.length) process.stdout.write(`\nFigures:\n${figures.join('\n')}\n`);
		if (attacks.length) process.stdout.write(attackSummary(attacks));
		process.stdout.write(
			`\nvitest: ${count.passed} passed, ${count.failed} failed, ${count.skipped} skipped\n`,
		);
	}
}

/** The adversarial suite (test/attack/) as a table: each attack, whether it held, what it cost. */
function attackSummary(
	attacks: Array<{
		name: string;
		held: boolean;
		finding: string;
		wallMs: number;
		rssMb: number;
		heapMb: number;
	}>,
): string {
	const held = attacks.filter((a) => a.held).length;
	const rows = [...attacks]
		.sort((a, b) => a.finding.localeCompare(b.finding, 'en', { numeric: true }))
		.map(
			(a) =>
				`  ${a.held ? 'held  ' : 'BROKE '} ${a.finding.padEnd(22)} ${String(a.wallMs).padStart(7)} ms ${a.rssMb
					.toFixed(1)
					.padStart(7)} MB rss ${a.heapMb.toFixed(1).padStart(7)} MB heap  ${a.name}`,
		);
	const wall = attacks.reduce((sum, a) => sum + a.wallMs, 0);
	const worst = Math.max(...attacks.map((a) => a.rssMb));
	return (
		`\nAttacks (test/attack): ${attacks.length} tried, ${held} held, ${attacks.length - held} broke; ` +
		`${(wall / 1000).toFixed(1)} s in all, worst RSS growth ${worst.toFixed(1)} MB\n${rows.join('\n')}\n`
	);
}
