import { readdirSync, readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { githubSlug } from './markdown';

/**
 * The README is the user's guide (issue 20): short enough to read, with a table of contents, the
 * install status near the top, and the detail one link away in CONTRIBUTING.md and docs/. The
 * development guide and the measurements grew it to 1,121 lines once; this keeps it from that.
 */
const readme = readFileSync('README.md', 'utf8');
const lines = readme.split('\n');

describe('README for users', () => {
	it('stays under 450 lines', () => {
		expect(lines.length).toBeLessThanOrEqual(450);
	});

	it('has a table of contents that links every section', () => {
		const start = lines.indexOf('## Contents');
		expect(start, '"## Contents" heading').toBeGreaterThan(-1);
		const end = lines.findIndex((l, i) => i > start && l.startsWith('## '));
		const toc = lines.slice(start + 1, end).join('\n');
		const sections = lines
			.filter((l) => l.startsWith('## ') && l !== '## Contents' && l !== '## Licence')
			.map((l) => githubSlug(l.slice(3)));
		expect(sections.length).toBeGreaterThan(5);
		for (const slug of sections)
			expect(toc, `table of contents links #${slug}`).toContain(`](#${slug})`);
	});

	it('links CONTRIBUTING.md and docs/reliability.md', () => {
		expect(readme).toMatch(/\]\(CONTRIBUTING\.md(#[^)]*)?\)/);
		expect(readme).toMatch(/\]\(docs\/reliability\.md(#[^)]*)?\)/);
	});

	it('says near the top that the package is not on npm yet, and shows the two set-up commands', () => {
		const notice = lines.findIndex((l) => /not on npm yet/i.test(l));
		expect(notice, '"not on npm yet"').toBeGreaterThan(-1);
		expect(notice).toBeLessThan(40);
		expect(readme).toContain('npm run demo');
		expect(readme).toContain('npm test');
	});
});

describe('figures in the documentation', () => {
	const pages = [
		'README.md',
		'CONTRIBUTING.md',
		...readdirSync('docs')
			.filter((f) => f.endsWith('.md'))
			.map((f) => `docs/${f}`),
	];

	it.each(pages)('%s names the set-up of its figures, not "here" or "this machine"', (page) => {
		// A reader is on another machine: "70 s here" tells them nothing; "on a 2-core Linux VM" does.
		const lines = readFileSync(page, 'utf8').split('\n');
		const vague = lines.filter((l) =>
			/this (\d-core )?machine|(measured|not met|reachable|took [^.]*) here\b|\bhere \(|\(no network here\)|Result \(this/i.test(
				l,
			),
		);
		expect(vague).toEqual([]);
	});
});
