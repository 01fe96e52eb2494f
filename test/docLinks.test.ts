import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import { anchorsOf, brokenLink, githubSlug, linksOf } from './markdown';

/**
 * Every relative link and `#anchor` in the user and contributor documentation leads somewhere:
 * README.md, CONTRIBUTING.md and docs/*.md link each other by file and heading, and a heading
 * renamed in one file silently breaks the others (GitHub shows no error, it just scrolls nowhere).
 */

/** The Markdown files checked. */
const files = [
	'README.md',
	'CONTRIBUTING.md',
	...readdirSync('docs')
		.filter((f) => f.endsWith('.md'))
		.map((f) => `docs/${f}`),
];

const readTarget = (path: string): string | undefined => {
	if (!existsSync(path)) return undefined;
	return statSync(path).isDirectory() ? '' : readFileSync(path, 'utf8');
};

describe('links in README.md, CONTRIBUTING.md and docs/*.md', () => {
	it("follows GitHub's anchor rules", () => {
		expect(githubSlug('Inside real n8n (`npm run test:e2e`)')).toBe(
			'inside-real-n8n-npm-run-teste2e',
		);
		expect(githubSlug('Scale in real n8n: 100 to 1,000 items')).toBe(
			'scale-in-real-n8n-100-to-1000-items',
		);
		expect(githubSlug("`Cannot find module 'zod'`")).toBe('cannot-find-module-zod');
		expect(githubSlug('Set-up: two commands')).toBe('set-up-two-commands');
		expect(githubSlug('n8n 3.0')).toBe('n8n-30');
		expect([
			...anchorsOf('## Tests\n\n```\n## not a heading\n```\n## Tests\n<a id="x"></a>'),
		]).toEqual(['tests', 'tests-1', 'x']);
	});

	it('reports a link to a missing file or heading, and none inside code', () => {
		const pages: Record<string, string> = { 'a.md': '# A\n## Part one\n', 'docs/b.md': '# B\n' };
		const read = (p: string) => pages[p];
		expect(brokenLink('docs/b.md', '../a.md#part-one', read)).toBeUndefined();
		expect(brokenLink('docs/b.md', '../a.md#part-two', read)).toMatch(/no heading #part-two/);
		expect(brokenLink('a.md', 'docs/c.md', read)).toMatch(/no file docs\/c\.md/);
		expect(brokenLink('a.md', '#a', read)).toBeUndefined();
		expect(linksOf('[x](y.md) `[z](w.md)` [web](https://n8n.io)\n```\n[q](r.md)\n```')).toEqual([
			'y.md',
		]);
	});

	it.each(files)('%s: every relative link and #anchor resolves', (file) => {
		const links = linksOf(readFileSync(file, 'utf8'));
		const broken = links.map((link) => brokenLink(file, link, readTarget)).filter(Boolean);
		expect(broken).toEqual([]);
	});
});
