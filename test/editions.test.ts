import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { INodeTypeDescription } from 'n8n-workflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
	buildEdition,
	editionModels,
	editionSpecs,
	findLeaks,
	namesRegex,
	packedFiles,
	prepareEdition,
	type EditionSpec,
} from '../testkit/editions.mjs';
import { PROVIDER_COMMON } from '../testkit/layers.mjs';

/**
 * Other providers' names in the fal.ai edition's packed files, as testkit/editions.mjs finds them
 * (file, text as it occurs). None since neutral text and each provider's messages stopped naming
 * other providers (providers/common/describe.ts, test/providerNames.test.ts). The test fails on any leak;
 * a leak that must stay for a while is listed here with the reason.
 */
export const KNOWN_EDITION_LEAKS: ReadonlyArray<{ file: string; text: string }> = [];

/**
 * The fal.ai edition (`npm run pack:editions` builds all four), built by the same functions into a
 * temp folder: copy, one-provider registry, tsc, icons, package check. No pack and no scan here (the
 * script and e2e/editions.e2e.test.ts do both).
 */
describe('the fal.ai edition, built from this tree (testkit/editions.mjs)', () => {
	const specs = editionSpecs();
	const fal = specs.find((s) => s.id === 'fal')!;
	const others = specs.filter((s) => s !== fal);
	let dir: string;
	let files: string[];

	beforeAll(() => {
		dir = mkdtempSync(join(tmpdir(), 'flux-edition-test-'));
		prepareEdition(fal, dir);
		buildEdition(dir);
		files = packedFiles(dir);
	}, 180_000);

	afterAll(() => {
		if (dir) rmSync(dir, { recursive: true, force: true });
	});

	it('reads one spec per provider folder from the sources', () => {
		expect(specs.map((s) => s.id)).toEqual(['fal', 'runflow', 'bfl', 'replicate']);
		expect(fal).toMatchObject({
			packageName: 'n8n-nodes-flux-ultra-fal',
			credentialType: 'falApi',
			credentialFile: 'credentials/FalApi.credentials.ts',
			icons: ['fal.svg', 'fal.dark.svg'],
		});
	});

	it('has its own name, one credential in n8n.credentials, no dependencies and no scripts', () => {
		const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
			name: string;
			n8n: { credentials: string[]; nodes: string[] };
			dependencies?: object;
			devDependencies?: object;
			scripts?: object;
			keywords: string[];
		};
		expect(pkg.name).toBe('n8n-nodes-flux-ultra-fal');
		expect(pkg.n8n.credentials).toEqual(['dist/credentials/FalApi.credentials.js']);
		expect(pkg.n8n.nodes).toEqual(['dist/nodes/FluxUltra/FluxUltra.node.js']);
		expect(pkg.dependencies ?? {}).toEqual({});
		expect(pkg.devDependencies).toBeUndefined();
		expect(pkg.scripts).toBeUndefined();
		expect(pkg.keywords).toContain('n8n-community-node-package');
		for (const other of others) expect(JSON.stringify(pkg)).not.toMatch(namesRegex(other.names));
	});

	it("packs only fal.ai's provider folder, credential and icons", () => {
		expect(files.filter((f) => f.startsWith('dist/credentials/'))).toEqual([
			'dist/credentials/FalApi.credentials.js',
			'dist/credentials/fal.dark.svg',
			'dist/credentials/fal.svg',
		]);
		// Every folder of providers/ but the shared helpers (providers/common/) is a provider's.
		const providerFolders = new Set(
			files
				.map((f) => /^dist\/nodes\/FluxUltra\/providers\/([^/]+)\//.exec(f)?.[1])
				.filter((folder) => folder && folder !== PROVIDER_COMMON),
		);
		expect([...providerFolders]).toEqual(['fal']);
		expect(files).toContain(`dist/nodes/FluxUltra/providers/${PROVIDER_COMMON}/session.js`);
		expect(files).toContain('README.md');
		expect(files).toContain('dist/nodes/FluxUltra/FluxUltra.node.json');
	});

	it('loads with one credential, the Provider field offering fal.ai alone, and no Fallback Provider', () => {
		const require = createRequire(join(dir, 'package.json'));
		const { FluxUltra } = require(join(dir, 'dist/nodes/FluxUltra/FluxUltra.node.js')) as {
			FluxUltra: new () => { description: INodeTypeDescription };
		};
		const { description } = new FluxUltra();
		expect(description.credentials).toEqual([{ name: 'falApi', required: true }]);
		const names = description.properties.map((p) => p.name);
		expect(names.filter((n) => /fallback/i.test(n))).toEqual([]);
		expect(description.properties.filter((p) => /fallback/i.test(p.displayName))).toEqual([]);
		const provider = description.properties.find((p) => p.name === 'provider')!;
		expect(provider.options).toEqual([{ name: 'fal.ai', value: 'fal' }]);
		expect(provider.default).toBe('fal');
		const codex = JSON.parse(
			readFileSync(join(dir, 'dist/nodes/FluxUltra/FluxUltra.node.json'), 'utf8'),
		) as { node: string; alias: string[] };
		expect(codex.node).toBe('n8n-nodes-flux-ultra-fal.fluxUltra');
		expect(codex.alias).not.toContain('Runflow');
	});

	it("offers in its Model field Ultra and every model fal.ai's lines serve (FLUX.2 [klein] among them), and names them in its description", () => {
		const require = createRequire(join(dir, 'package.json'));
		const { FluxUltra } = require(join(dir, 'dist/nodes/FluxUltra/FluxUltra.node.js')) as {
			FluxUltra: new () => { description: INodeTypeDescription };
		};
		const { falProvider } = require(
			join(dir, 'dist/nodes/FluxUltra/providers/fal/fal.provider.js'),
		) as { falProvider: { models?: Record<string, unknown> } };
		const offered = new FluxUltra().description.properties
			.filter((p) => p.name === 'model')
			.flatMap((p) => (p.options ?? []).map((o) => (o as { value: string }).value));
		const served = Object.keys(falProvider.models ?? {});
		expect(served.length).toBeGreaterThan(0);
		expect(new Set(offered)).toEqual(new Set(['flux-1.1-pro-ultra', ...served]));
		expect(served).toEqual(expect.arrayContaining(['flux-2-klein-9b', 'flux-2-klein-4b']));
		const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
			description: string;
		};
		expect(pkg.description).toContain('FLUX.2 [klein] 4B, FLUX.2 [klein] 9B on fal.ai');
		// Runflow's edition names only the models its provider file declares.
		expect([...editionModels('runflow')].sort()).toEqual(
			[
				'FLUX 3 Image',
				'FLUX.2 [pro]',
				'FLUX.2 [max]',
				'FLUX.2 [flex]',
				'FLUX.2 [klein] 4B',
				'FLUX.2 [klein] 9B',
			].sort(),
		);
	});

	it('names no other provider in its packed .js/.json files, with no known leak', ({ task }) => {
		const leaks = findLeaks(dir, fal, specs);
		task.meta.figures = `fal.ai edition: ${files.length} packed files, ${leaks.length} leaks (${leaks.map((l) => `${l.file.replace('dist/nodes/FluxUltra/', '')}: ${l.text}`).join('; ')})`;
		expect(leaks.map(({ file, text }) => ({ file, text }))).toEqual(KNOWN_EDITION_LEAKS);
	});

	it('writes a README of its own from the main one, with no Fallback Provider', () => {
		const readme = readFileSync(join(dir, 'README.md'), 'utf8');
		expect(readme.startsWith('# n8n-nodes-flux-ultra-fal\n')).toBe(true);
		expect(readme).toContain('## Credentials');
		expect(readme).toContain('**fal.ai API** (`falApi`)');
		expect(readme).not.toMatch(/fallback/i);
		// Built as an edition, not as the full package; the full README's note on editions is left out.
		expect(readme).toContain('`npm ci && npm run pack:editions -- fal`');
		expect(readme.replace(/\s+/g, ' ')).toContain(
			'`n8n-nodes-flux-ultra-fal-0.1.0.tgz` is written into `editions/`',
		);
		expect(readme).not.toMatch(/`npm pack` writes/);
		expect(readme).not.toContain('`-runflow`');
		expect(readme).not.toContain('(`runflowApi`)');
		expect(readme).not.toMatch(/\]\((?!https?:|#|mailto:)/);
	});
});

describe('the leak finder (namesRegex)', () => {
	const spec = (names: string[]) => ({ names }) as EditionSpec;
	it("finds a provider's names as words and camelCase parts, not inside other words", () => {
		const regex = namesRegex(spec(['fal', 'fal.ai', 'falApi']).names);
		const found = (text: string) => [...text.matchAll(regex)].map((m) => m[0]);
		expect(found('run on fal.ai; isFalHost(); FAL_FIELDS; falApi')).toEqual([
			'fal.ai',
			'Fal',
			'FAL',
			'falApi',
		]);
		expect(found('false FALSE falsy default')).toEqual([]);
	});
});
