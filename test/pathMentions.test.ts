import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';

import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * Every file path a comment or a document names exists. A comment that sends the reader to
 * `actions/job.ts` after that file is gone costs the next maintainer a search for nothing.
 *
 * The rule, built to flag real stale paths and little else:
 * - Read: the comments of the code in nodes/, credentials/, testkit/, scripts/, test/, e2e/ and the
 *   root's config files (`//` and `/* *\/`, as TypeScript's parser finds them, so strings and
 *   regular expressions are not read; `#` lines of shell scripts), and the whole text of
 *   README.md, CONTRIBUTING.md and docs/*.md (paths there stand in code spans and prose alike).
 * - A mention is a path with at least one `/` that ends in a file extension this repository uses
 *   (.ts .mts .mjs .js .json .md .sh .yml .svg .png), or a folder path of two or more folders ending
 *   in `/` (a lone `mocks/` is a word). Left out:
 *   URLs and host names (`https://…`, `api.bfl.ai/v1/…`), absolute paths (`/v1/account`), patterns
 *   and placeholders (`*`, `{a,b}`, `<id>`, `…`, `...`).
 * - Only this repository's paths: the first folder of the mention must be a folder this
 *   repository has or had (its tree now, and every folder in its git history — which is how
 *   `actions/job.ts` is known to be ours after `actions/` is gone; a shallow clone knows fewer old
 *   folders, so it misses more and never flags more). Other projects' paths (n8n's
 *   `packages/core/src/…`, fal-js's `libs/client/…`, n8n-core's `dist/…`) start elsewhere. A path
 *   right after a repository's name (`n8n-io/n8n-docs docs/changelog/….md`) is that repository's.
 * - It exists when it resolves from the repository's root, from the mentioning file's folder or
 *   one of its parents, or from nodes/FluxUltra/ (where comments name `transport/http.ts`).
 */

const ROOT = process.cwd();
const EXTENSIONS = 'ts|mts|mjs|js|json|md|sh|yml|svg|png';

/** Paths: `a/b.ts`, `./a.ts`, `../a/b.md`, `a/b/` — not inside a URL, a host name or an absolute path. */
const MENTION = new RegExp(
	String.raw`(?<![\w.\/:@<>*{}…-])(?:\.{1,2}\/)*(?:[\w@.-]+\/)+(?:[\w.-]*\.(?:${EXTENSIONS})\b(?![\w\/*{<…-]|\.\w)|(?=[\s\`'")\],;:]|$))`,
	'g',
);
/** `owner/repo` (or `@scope/package`) just before a mention: the path is that repository's. */
const OTHER_REPOSITORY = new RegExp(
	String.raw`(?:^|[\s(\`'"])@?[\w.-]+\/[\w.-]+(?<!\.(?:${EXTENSIONS}))[\`'":\s]*$`,
);

interface Mention {
	file: string;
	path: string;
	/** The line of the mention, 1-based. */
	line: number;
}

/** The texts of a file that are read: its comments (with their offsets), or all of a document. */
function readable(file: string, text: string): Array<{ text: string; start: number }> {
	if (file.endsWith('.md')) return [{ text, start: 0 }];
	if (file.endsWith('.sh')) {
		const out: Array<{ text: string; start: number }> = [];
		let start = 0;
		for (const line of text.split('\n')) {
			if (/^\s*#/.test(line)) out.push({ text: line, start });
			start += line.length + 1;
		}
		return out;
	}
	// Comments as TypeScript's parser finds them: the trivia before and after every token.
	const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
	const starts = new Map<number, number>();
	const add = (pos: number, end: number) => void starts.set(pos, end);
	const visit = (node: ts.Node) => {
		ts.forEachLeadingCommentRange(text, node.pos, add);
		ts.forEachTrailingCommentRange(text, node.end, add);
		node.getChildren(source).forEach(visit);
	};
	visit(source);
	return [...starts]
		.sort(([a], [b]) => a - b)
		.map(([pos, end]) => ({ text: text.slice(pos + 2, end), start: pos + 2 }));
}

/** Mentions of this repository's paths in `text` (the file `file`). */
function mentionsIn(file: string, text: string, ourFolders: Set<string>): Mention[] {
	const ours = (path: string) => {
		const parts = path.replace(/^(\.{1,2}\/)+/, '').split('/');
		// A single folder name (`mocks/`) is a word, not a path.
		if (path.endsWith('/') && parts.length < 3 && !/^\.{1,2}\//.test(path)) return false;
		return /^\.{1,2}\//.test(path) || ourFolders.has(parts[0]);
	};
	// Parsing is the slow part: a file with no candidate anywhere has none in its comments.
	if (![...text.matchAll(MENTION)].some((m) => ours(m[0]))) return [];
	const out: Mention[] = [];
	for (const chunk of readable(file, text)) {
		for (const match of chunk.text.matchAll(MENTION)) {
			const path = match[0];
			if (!ours(path)) continue;
			const before = chunk.text.slice(0, match.index).split('\n').pop()!;
			if (OTHER_REPOSITORY.test(before)) continue;
			const offset = chunk.start + match.index;
			out.push({ file, path, line: text.slice(0, offset).split('\n').length });
		}
	}
	return out;
}

/** Whether a mention names a file or folder of the working tree. */
function exists(mention: Mention, isThere: (path: string) => boolean = existsSync): boolean {
	const bases = ['.', 'nodes/FluxUltra'];
	for (let dir = dirname(mention.file); dir !== '.' && dir !== '/'; dir = dirname(dir))
		bases.push(dir);
	return bases.some((base) => isThere(normalize(join(base, mention.path))));
}

const git = (args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' });

/** Every folder name in the tree and in the git history (the first folder of a mention must be one). */
function ourFolders(): Set<string> {
	const paths = git(['log', '--all', '--name-only', '--format=']) + git(['ls-files']);
	const names = new Set<string>();
	for (const path of paths.split('\n'))
		for (const part of path.split('/').slice(0, -1)) names.add(part);
	return names;
}

/** The files read: tracked and new ones, as the working tree has them. */
function readFiles(): string[] {
	const listed = git(['ls-files', '--cached', '--others', '--exclude-standard']).split('\n');
	return [...new Set(listed)].filter(
		(f) =>
			existsSync(f) &&
			// This file: its examples of stale paths are on purpose.
			f !== 'test/pathMentions.test.ts' &&
			((/^(nodes|credentials|testkit|scripts|test|e2e)\//.test(f) &&
				new RegExp(String.raw`\.(ts|mts|mjs|js|sh)$`).test(f)) ||
				/^[^/]+\.mjs$/.test(f) ||
				/^(README|CONTRIBUTING)\.md$/.test(f) ||
				/^docs\/[^/]+\.md$/.test(f)),
	);
}

describe('paths named in comments and documents exist', () => {
	const folders = new Set(['actions', 'nodes', 'shared', 'transport', 'run', 'docs', 'testkit']);
	const found = (file: string, text: string) => mentionsIn(file, text, folders).map((m) => m.path);

	it('finds paths in comments only, not in code, strings or regular expressions', () => {
		const source = [
			'// see actions/job.ts and ../shared/url.ts, the folder testkit/mocks/, not the word run/',
			"const path = 'actions/failover.ts'; const re = /run\\/outcomes.ts/;",
			'/** Moved to run/outcomes.ts (was transport/router.ts). */',
		].join('\n');
		expect(found('nodes/FluxUltra/transport/verdict.ts', source)).toEqual([
			'actions/job.ts',
			'../shared/url.ts',
			'testkit/mocks/',
			'run/outcomes.ts',
			'transport/router.ts',
		]);
		expect(mentionsIn('x.ts', source, folders).map((m) => m.line)).toEqual([1, 1, 1, 3, 3]);
	});

	it("leaves out URLs, hosts, absolute paths, patterns, placeholders and other projects' paths", () => {
		const doc = [
			'https://github.com/n8n-io/n8n/blob/master/docs/x.md and api.runflow.io/v1/openapi.json',
			'`/v1/account`, `providers/<id>/<id>.api.ts`, `examples/*.workflow.json`, `.../v1.1-ultra/redux`',
			'`concepts/{requests,runs}` and n8n `packages/core/src/execution-engine/requests-response.ts`',
			'fal-js `libs/client/src/config.ts:205`, n8n-core dist/execution-engine/workflow-execute.js',
			'n8n-io/n8n-docs `docs/changelog/v30-breaking-changes.md`; but docs/missing.md is ours',
		].join('\n');
		expect(found('CONTRIBUTING.md', doc)).toEqual(['docs/missing.md']);
	});

	it('resolves from the root, the file, its parents and nodes/FluxUltra', () => {
		const tree = new Set([
			'nodes/FluxUltra/run/outcomes.ts',
			'nodes/FluxUltra/shared/url.ts',
			'e2e/fixture.ts',
		]);
		const there = (path: string) => tree.has(path);
		const at = (file: string, path: string) => exists({ file, path, line: 1 }, there);
		expect(at('nodes/FluxUltra/transport/verdict.ts', 'run/outcomes.ts')).toBe(true);
		expect(at('nodes/FluxUltra/transport/verdict.ts', '../shared/url.ts')).toBe(true);
		expect(at('docs/reliability.md', 'e2e/fixture.ts')).toBe(true);
		expect(at('nodes/FluxUltra/transport/verdict.ts', 'actions/job.ts')).toBe(false);
		expect(at('docs/ai-agent-tool.md', 'e2e/fakeOpenAi.ts')).toBe(false);
	});

	it('every path a comment or document names is in the working tree', () => {
		const folders = ourFolders();
		const files = readFiles();
		const mentions = files.flatMap((file) => mentionsIn(file, readFileSync(file, 'utf8'), folders));
		const missing = mentions.filter((m) => !exists(m)).map((m) => `${m.file}:${m.line} ${m.path}`);
		expect(files.length).toBeGreaterThan(200);
		expect(mentions.length).toBeGreaterThan(300);
		expect(missing).toEqual([]);
	});
});
