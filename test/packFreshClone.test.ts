import { execFileSync, spawnSync } from 'node:child_process';
import {
	mkdtempSync,
	readFileSync,
	realpathSync,
	rmSync,
	statSync,
	symlinkSync,
	writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * What someone who installs from source gets: `npm pack` (and `npm publish`) in a fresh clone of
 * the committed HEAD, with nothing built yet. The clone shares this checkout's node_modules.
 */
const root = process.cwd();
let work = '';
let clone = '';

/** npm in the clone, without the npm_* variables of an enclosing `npm test` (its prefix, its config). */
function npm(args: string[]) {
	const env = Object.fromEntries(
		Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)),
	);
	return spawnSync('npm', [...args, '--loglevel=error'], {
		cwd: clone,
		env,
		encoding: 'utf8',
		timeout: 170_000,
	});
}

function git(args: string[], cwd = root) {
	const result = spawnSync('git', args, { cwd, encoding: 'utf8' });
	if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
	return result.stdout.trim();
}

beforeAll(() => {
	work = mkdtempSync(join(tmpdir(), 'flux-pack-'));
	clone = join(work, 'repo');
	git(['clone', '--quiet', '--no-checkout', root, clone]);
	git(['checkout', '--quiet', git(['rev-parse', 'HEAD'])], clone);
	symlinkSync(realpathSync(join(root, 'node_modules')), join(clone, 'node_modules'));
});
afterAll(() => {
	if (work) rmSync(work, { recursive: true, force: true });
});

describe('npm pack of a fresh clone', () => {
	it('builds first: the tarball holds the node, its codex, the credentials and their icons, and nothing else', (context) => {
		const packed = npm(['pack', '--pack-destination', work]);
		expect(packed.status, packed.stderr).toBe(0);
		const tarball = join(work, packed.stdout.trim().split('\n').pop()!);
		const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' })
			.trim()
			.split('\n')
			.map((entry) => entry.replace(/^package\//, ''))
			.sort();

		// Every source file of the node and the credentials, as the build turns it into what n8n loads.
		const expected = git(['ls-files', 'nodes', 'credentials'], clone)
			.split('\n')
			.map((source) => `dist/${source.replace(/\.ts$/, '.js')}`)
			.concat(['LICENSE', 'README.md', 'package.json'])
			.sort();
		expect(files).toEqual(expected);
		expect(files).toContain('dist/nodes/FluxUltra/FluxUltra.node.js');
		expect(files.filter((f) => /^dist\/credentials\/\w+\.credentials\.js$/.test(f))).toHaveLength(
			4,
		);
		expect(files.filter((f) => f.endsWith('.svg')).length).toBeGreaterThanOrEqual(10);
		context.task.meta.figures = `${files.length} files, ${(statSync(tarball).size / 1024).toFixed(1)} kB packed`;
	}, 180_000);

	it('npm publish refuses the placeholder repository, homepage and author before anything goes out', () => {
		const published = npm(['publish', '--dry-run']);
		expect(published.status).not.toBe(0);
		const said = published.stdout + published.stderr;
		expect(said).toMatch(/placeholder/i);
		expect(said).toContain('maintainers@example.com');
		expect(said).toContain('github.com/n8n-nodes-flux-ultra/n8n-nodes-flux-ultra');
	}, 180_000);

	it('package.json is the one place for the repository: the build refuses node and credential links elsewhere', () => {
		// The clone was built by the tests above. Another repository in package.json only:
		const pkgPath = join(clone, 'package.json');
		const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { repository: { url: string } };
		writeFileSync(
			pkgPath,
			JSON.stringify(
				{
					...pkg,
					repository: { ...pkg.repository, url: 'https://github.com/acme-example/flux.git' },
				},
				null,
				2,
			),
		);
		const env = Object.fromEntries(
			Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)),
		);
		const checked = spawnSync(process.execPath, ['scripts/check-package.mjs'], {
			cwd: clone,
			env,
			encoding: 'utf8',
		});
		expect(checked.status).not.toBe(0);
		const outside = checked.stderr
			.split('\n')
			.filter((line) =>
				line.includes("outside package.json's repository https://github.com/acme-example/flux"),
			);
		// The four credentials' documentationUrl and the codex's links.
		expect(
			outside.filter((line) => line.includes('.credentials.js documentationUrl')),
		).toHaveLength(4);
		expect(outside.some((line) => line.includes('FluxUltra.node.json resources'))).toBe(true);
	});
});
