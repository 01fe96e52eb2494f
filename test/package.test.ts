import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

// eslint-plugin-n8n-nodes-base treats every file as a node file when NODE_ENV is "test" (as under
// vitest; dist/lib/ast/utils/filename.js reads it once, at load): the scan is loaded as it runs.
const nodeEnv = process.env.NODE_ENV;
process.env.NODE_ENV = 'production';
const { lintLikeScanner, packageFiles, sourceFiles } = await import('../testkit/scan/scan.mjs');
process.env.NODE_ENV = nodeEnv;

/** What n8n Cloud's verification asks of the package itself (CONTRIBUTING.md, "n8n Cloud and verification"). */
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
	description: string;
	dependencies?: Record<string, string>;
	peerDependencies?: Record<string, string>;
	devDependencies: Record<string, string>;
	n8n: { strict?: boolean };
	repository: { type: string; url: string };
	homepage: string;
	author: { name: string; email: string };
	publishConfig?: { provenance?: boolean };
};
const normalize = (text: string) => text.replace(/\s+/g, ' ').trim();

describe('package.json meets n8n Cloud verification', () => {
	it('has no runtime dependencies (zod comes from the n8n host)', () => {
		expect(pkg.dependencies ?? {}).toEqual({});
		// Built and tested with the zod n8n ships (3.25.x: the v3 API at the package root).
		expect(pkg.devDependencies.zod).toMatch(/^3\.25\.\d+$/);
	});

	it('declares only n8n-workflow as a peer, as `valid-peer-dependencies` allows', () => {
		expect(pkg.peerDependencies).toEqual({ 'n8n-workflow': '*' });
	});

	it('is in n8n strict mode', () => {
		expect(pkg.n8n.strict).toBe(true);
	});

	it('names one public GitHub repository in repository and homepage, and asks npm for provenance', () => {
		// npm's provenance check and n8n's scanner compare these with the repository the publish workflow runs in.
		const repo = /^https:\/\/github\.com\/([\w.-]+\/[\w.-]+)\.git$/.exec(pkg.repository.url)?.[1];
		expect(repo, pkg.repository.url).toBeDefined();
		expect(pkg.repository.type).toBe('git');
		expect(pkg.homepage).toBe(`https://github.com/${repo}#readme`);
		expect(pkg.author.name).not.toBe('');
		expect(pkg.author.email).toMatch(/@/);
		expect(pkg.publishConfig?.provenance).toBe(true);
		const workflow = readFileSync('.github/workflows/publish.yml', 'utf8');
		expect(workflow).toMatch(/id-token: write/);
		expect(workflow).toMatch(/npx n8n-node release/);
	});

	it('names both providers in its description', () => {
		expect(pkg.description).toMatch(/fal\.ai/);
		expect(pkg.description).toMatch(/Runflow/);
	});
});

describe('eslint.config.mjs', () => {
	it("is exactly @n8n/node-cli's default config, as `n8n-node cloud-support` and strict-mode lint require", () => {
		// The file node-cli's `lint` compares against (dist/commands/lint.js, verifyEslintConfig).
		const template = readFileSync(
			'node_modules/@n8n/node-cli/dist/template/templates/shared/default/eslint.config.mjs',
			'utf8',
		);
		expect(normalize(readFileSync('eslint.config.mjs', 'utf8'))).toBe(normalize(template));
		expect(normalize(template)).toBe(
			"import { config } from '@n8n/node-cli/eslint'; export default config;",
		);
	});
});

describe('the offline scan (testkit/scan/scan.mjs)', () => {
	const dirs: string[] = [];
	afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

	it('finds what n8n’s scanner refuses in a package: a runtime dependency, timers, process, the console, child_process', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'flux-scan-test-'));
		dirs.push(dir);
		mkdirSync(join(dir, 'dist', 'nodes', 'Bad'), { recursive: true });
		writeFileSync(
			join(dir, 'package.json'),
			JSON.stringify({ ...pkg, dependencies: { zod: '3.25.76' } }, null, 2),
		);
		writeFileSync(
			join(dir, 'dist', 'nodes', 'Bad', 'Bad.node.js'),
			[
				'"use strict";',
				'// eslint-disable-next-line -- inline config does not count in the scan',
				'setTimeout(() => undefined, 1);',
				'console.log(process.env.SECRET);',
				'const cp = require("child_process");',
				'module.exports = { cp };',
			].join('\n'),
		);
		const files = packageFiles(dir);
		expect(files).toEqual(['dist/nodes/Bad/Bad.node.js', 'package.json']);
		const { results } = await lintLikeScanner(dir, files);
		const found = results.flatMap((r) => r.messages.map((m) => m.ruleId)).sort();
		expect(found).toEqual([
			'@n8n/community-nodes/no-restricted-globals',
			'@n8n/community-nodes/no-restricted-globals',
			'@n8n/community-nodes/no-restricted-imports',
			'@n8n/community-nodes/no-runtime-dependencies',
			'no-console',
		]);
	});

	it('finds nothing in the node and credential sources and package.json', async () => {
		const files = sourceFiles(process.cwd());
		expect(files).toContain('package.json');
		expect(files).toContain('nodes/FluxUltra/FluxUltra.node.ts');
		expect(files.filter((f) => f.startsWith('credentials/')).length).toBeGreaterThanOrEqual(2);
		expect(files.some((f) => f.startsWith('test/') || f.startsWith('scripts/'))).toBe(false);
		const { results, rules } = await lintLikeScanner(process.cwd(), files);
		const findings = results.flatMap((r) =>
			r.messages.map((m) => `${r.filePath}:${m.line} ${m.ruleId} ${m.message}`),
		);
		expect(findings).toEqual([]);
		// The node-, credential- and package-level rule sets were all applied.
		expect(rules).toContain('@n8n/community-nodes/no-runtime-dependencies');
		expect(rules).toContain('n8n-nodes-base/node-class-description-name-miscased');
		expect(rules).toContain('n8n-nodes-base/cred-class-field-name-uppercase-first-char');
		expect(rules).toContain('no-console');
	});
});
