import { existsSync, readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { scaleMarkdownTable, scaleSizes, type ScaleRow } from '../testkit/bench/scale';

/**
 * The scale table and plot in docs/performance.md come from one `npm run bench` run, which writes
 * docs/bench-scale.json beside the plot: the page must show exactly that run.
 */
describe('scale series in docs/performance.md', () => {
	const doc = readFileSync('docs/performance.md', 'utf8');
	const run = JSON.parse(readFileSync('docs/bench-scale.json', 'utf8')) as {
		caption: string;
		rows: ScaleRow[];
	};

	it('shows the table of the run the plot was drawn from, for N = 100, 300 and 1,000', () => {
		expect(run.rows.map((r) => r.N)).toEqual([100, 300, 1000]);
		expect(doc).toContain(scaleMarkdownTable(run.rows));
	});

	it('shows the plot', () => {
		expect(existsSync('docs/bench-scale.png')).toBe(true);
		// docs/performance.md sits beside the plot, so the link is relative to docs/.
		expect(doc).toContain('](bench-scale.png)');
	});

	it('runs a subset from BENCH_SCALE, the full series by default, none on request', () => {
		expect(scaleSizes(undefined)).toEqual([100, 300, 1000]);
		expect(scaleSizes('100, 300')).toEqual([100, 300]);
		expect(scaleSizes('none')).toEqual([]);
		expect(() => scaleSizes('100,lots')).toThrow(/BENCH_SCALE/);
	});
});
