import { readdirSync, readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { editionSpecs } from '../testkit/editions.mjs';
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

/** The text of one `## ` section of the README, its heading included. */
const section = (heading: string) => {
	const start = lines.indexOf(`## ${heading}`);
	expect(start, `"## ${heading}"`).toBeGreaterThan(-1);
	const end = lines.findIndex((l, i) => i > start && l.startsWith('## '));
	return lines.slice(start, end).join('\n');
};
/** Markdown reflowed to one line, so a phrase is found across line breaks. */
const flat = (text: string) => text.replace(/\s+/g, ' ');

describe('the first hour of a new user (issue 31)', () => {
	const version = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;

	it('1. starts with "Start here": what to run first, for a look without a key and for an install', () => {
		const first = lines.findIndex((l) => l.startsWith('## '));
		expect(lines[first]).toBe('## Start here');
		expect(first).toBeLessThan(10);
		const start = flat(section('Start here'));
		expect(start).toMatch(/\*\*See it work, no key, no cost\.\*\*/);
		expect(start).toContain('npm run demo');
		expect(start).toMatch(/\*\*Put it in my n8n\.\*\*/);
		expect(start).toContain('](#install)');
		expect(start).toContain('npm run mocks');
	});

	it('2. gives one figure for the whole first demo, with its disk use, and says the demo installs everything itself', () => {
		const start = flat(section('Start here'));
		expect(start).toMatch(/installs everything it needs by itself/);
		const cold =
			/The first run takes about \*\*(\d+ min(?: \d+ s)?)\*\* and \*\*([\d.]+ GB)\*\* of disk/.exec(
				start,
			);
		expect(cold, 'first-run time and disk in "Start here"').not.toBeNull();
		expect(start).toMatch(/later runs about \d+ (min|s)/);
		// The same figures where the demo is described in full, and in docs/performance.md's measurements.
		const tryIt = flat(section('Try it without keys'));
		expect(tryIt).toContain(`first run: about ${cold![1]} and ${cold![2]} of disk`);
		// The README's round figure is docs/performance.md's measurement of the whole first run, rounded.
		const measured =
			/\*\*first `npm run demo` on a fresh clone, in all\*\* \| \*\*(\d+) min (\d+) s\*\* \| \*\*([\d.]+ GB)\*\*/.exec(
				flat(readFileSync('docs/performance.md', 'utf8')),
			);
		expect(
			measured,
			'docs/performance.md, "What the demo takes": the whole first run',
		).not.toBeNull();
		expect(`${Math.round(Number(measured![1]) + Number(measured![2]) / 60)} min`).toBe(cold![1]);
		expect(measured![3]).toBe(cold![2]);
		// No separate `npm ci` figure that reads like a step of its own before the demo.
		expect(flat(readme)).not.toMatch(/`npm ci` about \d+ min/);
		expect(flat(readme)).not.toMatch(/__DEMO|DEMO_[A-Z]+/);
	});

	it('3. says how to build the package file and where `npm pack` writes it, and claims no release that does not exist', () => {
		const text = flat(readme);
		expect(text).toContain('`npm ci && npm run build && npm pack`');
		expect(text).toContain(
			`\`npm pack\` writes \`n8n-nodes-flux-ultra-${version}.tgz\` into the project folder`,
		);
		expect(text).toMatch(/No release has been made yet/);
		expect(text).not.toMatch(/the one attached to a GitHub release/);
		expect(text).toMatch(/each GitHub release has this file and the four edition tarballs/);
	});

	it('3. the release workflow attaches the package tarball and the four edition tarballs, under the names npm pack gives them', () => {
		const workflow = readFileSync('.github/workflows/publish.yml', 'utf8');
		const job = workflow.slice(workflow.indexOf('  github-release:'));
		expect(job.length).toBeLessThan(workflow.length);
		expect(job).toMatch(/needs: publish/);
		expect(job).toMatch(/contents: write/);
		expect(job).toMatch(/- run: npm pack\n/);
		expect(job).toMatch(/- run: npm run pack:editions\n/);
		expect(job).toMatch(/gh release create "\$TAG" "\$\{files\[@\]\}"/);
		// The files list, expanded as bash would for a tag equal to the version (the workflow checks that).
		const list = /files=\((.*)\)/.exec(job)![1];
		const brace = /editions\/n8n-nodes-flux-ultra-\{([a-z,]+)\}-"\$\{TAG\}"\.tgz/.exec(list)!;
		const files = [
			...(list.includes('"n8n-nodes-flux-ultra-${TAG}.tgz"')
				? [`n8n-nodes-flux-ultra-${version}.tgz`]
				: []),
			...brace[1].split(',').map((id) => `editions/n8n-nodes-flux-ultra-${id}-${version}.tgz`),
		];
		expect(files).toEqual([
			`n8n-nodes-flux-ultra-${version}.tgz`,
			...editionSpecs().map((spec) => `editions/${spec.packageName}-${version}.tgz`),
		]);
	});

	it("4. uses n8n 2.41's own words: the … menu → Import → From file, and Community nodes listing nothing after a manual install", () => {
		const text = flat(readme);
		expect(text).toContain('**…** menu (top right) → **Import** → **From file**');
		expect(text).not.toMatch(/Workflows → Import from File/);
		expect(flat(section('Install'))).toMatch(
			/\*Settings → Community nodes\* stays empty after a manual install/,
		);
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
