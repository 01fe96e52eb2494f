import { execFileSync } from 'node:child_process';
import {
	chmodSync,
	existsSync,
	mkdirSync,
	mkdtempSync,
	readdirSync,
	readFileSync,
	rmSync,
	symlinkSync,
	writeFileSync,
} from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { afterAll, describe, expect, it, vi } from 'vitest';

import type { ScaleRow } from '../testkit/bench/scale';
import { readLabel } from '../testkit/mocks/images';

/** The project's commands leave the user's tree and machine as they found them unless asked. */
const root = process.cwd();
const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
const scratch = (name: string) => {
	const dir = mkdtempSync(join(tmpdir(), `flux-${name}-`));
	dirs.push(dir);
	return dir;
};
const hash = (file: string) =>
	existsSync(file) ? createHash('sha256').update(readFileSync(file)).digest('hex') : 'absent';
const tracked = ['docs/bench-scale.json', 'docs/bench-scale.svg', 'docs/bench-scale.png'];

/** A PATH whose apt-get, apt and sudo only write down that they were called. */
function recordingPath(dir: string) {
	const bin = join(dir, 'bin');
	mkdirSync(bin);
	for (const name of ['apt-get', 'apt', 'sudo']) {
		writeFileSync(
			join(bin, name),
			`#!/bin/sh\necho "${name} $*" >> "${join(dir, 'calls.log')}"\nexit 1\n`,
		);
		chmodSync(join(bin, name), 0o755);
	}
	// Node and the shell tools install-chromium.sh would use stay reachable, linked into bin/; the
	// system folders are left off, so no chromium is on this PATH even on a machine that has one.
	// (Node itself often lives in /usr/bin, beside a system chromium.)
	symlinkSync(process.execPath, join(bin, 'node'));
	for (const tool of ['bash', 'sh', 'id', 'env']) {
		const found = ['/usr/bin', '/bin'].map((d) => join(d, tool)).find((f) => existsSync(f));
		if (found) symlinkSync(found, join(bin, tool));
	}
	return bin;
}

describe('npm run bench', () => {
	// The rows of the run the README shows (any rows do).
	const rows = (JSON.parse(readFileSync('docs/bench-scale.json', 'utf8')) as { rows: ScaleRow[] })
		.rows;

	it('writes its plot and data beside the run, not over docs/, and installs no Chromium without being asked', async () => {
		const dir = scratch('bench-cmd');
		const before = tracked.map(hash);
		vi.stubEnv('PATH', recordingPath(dir));
		vi.stubEnv('CHROMIUM_PATH', undefined);
		vi.stubEnv('BENCH_UPDATE_DOCS', undefined);
		vi.stubEnv('BENCH_OUTPUT', join(dir, 'out'));
		const { writeScaleRun } = await import('../testkit/bench/plot');
		const written = await writeScaleRun(rows, 'test caption');

		expect(tracked.map(hash)).toEqual(before);
		expect(
			existsSync(join(dir, 'calls.log')) ? readFileSync(join(dir, 'calls.log'), 'utf8') : '',
		).toBe('');
		expect(readdirSync(join(dir, 'out')).sort()).toEqual(['bench-scale.json', 'bench-scale.svg']);
		expect(written.png).toBeUndefined();
		expect(written.notes.join('\n')).toMatch(/install-chromium\.sh|CHROMIUM_PATH/);
	});
});

describe('npm run demo:quick', () => {
	it('writes to its own folder and leaves ./demo-output (the n8n demo’s images) and files it did not write alone', () => {
		if (!existsSync(join(root, 'dist/nodes/FluxUltra/FluxUltra.node.js')))
			execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'ignore' });
		const cwd = scratch('demo-cmd');
		const quick = join(cwd, 'demo-output-quick');
		mkdirSync(join(cwd, 'demo-output'));
		mkdirSync(quick);
		writeFileSync(join(cwd, 'demo-output', 'n8n-demo-image.png'), 'the n8n demo’s image');
		writeFileSync(join(quick, 'notes.txt'), 'mine');
		writeFileSync(join(quick, 'generate-from-an-earlier-run.png'), 'stale');
		execFileSync(resolve(root, 'node_modules/.bin/tsx'), [resolve(root, 'scripts/demo-quick.ts')], {
			cwd,
			// Blank counts as unset (it used to resolve to the working folder, which the demo then emptied).
			// TSX_DISABLE_CACHE: tsx would keep a compile cache in the temp folder (the npm scripts pass --no-cache).
			// TMPDIR: tsx still makes an (empty) tsx-<uid> folder there; this one is removed with cwd.
			env: { ...process.env, DEMO_OUTPUT: ' ', TSX_DISABLE_CACHE: '1', TMPDIR: cwd },
			stdio: 'ignore',
			timeout: 120_000,
		});
		expect(readFileSync(join(cwd, 'demo-output', 'n8n-demo-image.png'), 'utf8')).toBe(
			'the n8n demo’s image',
		);
		expect(readFileSync(join(quick, 'notes.txt'), 'utf8')).toBe('mine');
		const images = readdirSync(quick).filter((f) => /\.(png|jpe?g)$/.test(f));
		expect(images).not.toContain('generate-from-an-earlier-run.png');
		expect(images.length).toBeGreaterThanOrEqual(10);
		for (const step of [
			'generate-',
			'remix-',
			'runflow-',
			'bfl-',
			'replicate-',
			'flux3-',
			'flux2-',
		])
			expect(
				images.some((f) => f.startsWith(step)),
				step,
			).toBe(true);

		// Each image says it is a mock, which provider and operation made it, and with what.
		const said = (prefix: string) =>
			images
				.filter((f) => f.startsWith(prefix))
				.map((f) => readLabel(readFileSync(join(quick, f))).join(' '));
		for (const text of [
			...said('generate-'),
			...said('remix-'),
			...said('runflow-'),
			...said('bfl-'),
			...said('replicate-'),
			...said('flux3-'),
			...said('flux2-'),
		])
			expect(text).toMatch(/^MOCK IMAGE /);
		expect(said('generate-').join('\n')).toContain('fal.ai (mock) - generate');
		expect(said('generate-').join('\n')).toContain('matte ceramic coffee mug');
		expect(said('remix-')[0]).toMatch(/fal\.ai \(mock\) - remix \(Ultra Redux\).*input image:$/);
		expect(said('runflow-')[0]).toMatch(
			/Runflow \(mock\) - generate with image prompt.*input image:$/,
		);
		expect(said('bfl-')[0]).toMatch(
			/Black Forest Labs \(mock\) - generate with image prompt.*input image:$/,
		);
		expect(said('replicate-')[0]).toMatch(
			/Replicate \(mock\) - generate with image prompt.*input image:$/,
		);
		// The models beyond Ultra (issue 29): each names its model and shows its references.
		expect(said('flux3-')[0]).toMatch(/fal\.ai \(mock\) - FLUX 3 Image .*reference images:/);
		expect(said('flux2-')[0]).toMatch(
			/Black Forest Labs \(mock\) - FLUX\.2 \[pro\] .*reference images:/,
		);
	}, 300_000);
});
