import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
	buildEdition,
	editionSpecs,
	packEdition,
	prepareEdition,
	type EditionSpec,
} from '../testkit/editions.mjs';
import { startMockBfl } from '../testkit/mocks/bflServer';
import { startMockFal } from '../testkit/mocks/falServer';
import { startMockReplicate } from '../testkit/mocks/replicateServer';
import { startMockRunflow } from '../testkit/mocks/runflowServer';
import {
	createInstance,
	e2eHosts,
	execute,
	exampleWorkflows,
	inspectInstall,
	jsonFile,
	n8nHost,
} from '../testkit/n8n';

/**
 * Each one-provider edition (scripts/editions.mjs, `npm run pack:editions`) installed alone into a
 * real n8n, as the Community Nodes installer does, running its provider's example workflow against
 * that provider's loopback mock: one `n8n execute` per edition and host. The example workflows name
 * the full package's node type; the edition's is `<edition name>.fluxUltra`, so the import rewrites it.
 */

const FULL_TYPE = 'n8n-nodes-flux-ultra.fluxUltra';

interface Mock {
	url: string;
	/** Jobs the mock created so far. */
	jobs(): number;
	close(): Promise<void>;
}

/** The provider's loopback mock, and the credential data that points the edition at it. */
async function startMock(id: string): Promise<{ mock: Mock; data: Record<string, string> }> {
	const options = { latencyMs: 100, scale: 0.25 };
	switch (id) {
		case 'fal': {
			const m = await startMockFal(options);
			return {
				mock: { url: m.url, jobs: () => m.jobs.size, close: () => m.close() },
				data: { apiKey: 'dummy-e2e-fal-key', baseUrl: m.url },
			};
		}
		case 'runflow': {
			const m = await startMockRunflow(options);
			return {
				mock: { url: m.url, jobs: () => m.runs.size, close: () => m.close() },
				data: { apiKey: 'rf_live_dummy_e2e', baseUrl: m.url },
			};
		}
		case 'bfl': {
			const m = await startMockBfl(options);
			return {
				mock: { url: m.url, jobs: () => m.tasks.size, close: () => m.close() },
				data: { apiKey: 'bfl-dummy-e2e', baseUrl: m.url, region: 'global' },
			};
		}
		case 'replicate': {
			const m = await startMockReplicate(options);
			return {
				mock: { url: m.url, jobs: () => m.predictions.size, close: () => m.close() },
				data: { apiKey: 'r8_dummy_e2e', baseUrl: m.url },
			};
		}
		default:
			throw new Error(`no mock for provider ${id}: add it here`);
	}
}

/** The provider's first example workflow (examples/*-<id>.workflow.json). */
function exampleOf(spec: EditionSpec) {
	const example = exampleWorkflows().find((e) => e.file.endsWith(`-${spec.id}.workflow.json`));
	if (!example) throw new Error(`examples/ has no workflow for ${spec.id}`);
	return example;
}

const specs = editionSpecs();
const tarballs = new Map<string, string>();
let scratch: string;

beforeAll(() => {
	scratch = mkdtempSync(join(tmpdir(), 'flux-editions-e2e-'));
	for (const spec of specs) {
		const dir = join(scratch, `build-${spec.id}`);
		prepareEdition(spec, dir);
		buildEdition(dir);
		tarballs.set(spec.id, packEdition(dir, join(scratch, 'tarballs')).tarball);
		rmSync(dir, { recursive: true, force: true });
	}
}, 10 * 60_000);

afterAll(() => {
	if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe.each(e2eHosts())('each edition alone inside a real n8n (%s)', (hostName) => {
	it.for(specs.map((s) => [s.packageName, s] as const))(
		'%s installs alone and runs its example against the mock',
		async ([, spec], { task }) => {
			const host = n8nHost(hostName);
			let t = Date.now();
			const instance = createInstance(host, tarballs.get(spec.id)!);
			const installMs = Date.now() - t;
			const installed = inspectInstall(host, join(instance.userFolder, '.n8n', 'nodes'));
			expect(installed.modules).toEqual([spec.packageName]);
			expect(installed.dependencies).toEqual({});

			const { mock, data } = await startMock(spec.id);
			try {
				const example = exampleOf(spec);
				const raw = JSON.stringify(example.workflow);
				const fluxNodes = (
					example.workflow.nodes as Array<{
						name: string;
						type: string;
						credentials?: Record<string, { id: string; name: string }>;
					}>
				).filter((n) => n.type === FULL_TYPE);
				expect(fluxNodes.length).toBeGreaterThan(0);
				const credential = fluxNodes[0].credentials![spec.credentialType];
				await instance.cli([
					'import:credentials',
					`--input=${jsonFile(instance, 'credentials.json', [{ ...credential, type: spec.credentialType, data }])}`,
				]);
				const workflow = {
					...(JSON.parse(
						raw.replaceAll(`"${FULL_TYPE}"`, `"${spec.packageName}.fluxUltra"`),
					) as Record<string, unknown>),
					id: 'edition',
				};
				await instance.cli([
					'import:workflow',
					`--input=${jsonFile(instance, 'workflow.json', workflow)}`,
				]);

				t = Date.now();
				const runs = await execute(instance, 'edition');
				const executeMs = Date.now() - t;
				let images = 0;
				for (const node of fluxNodes) {
					const run = runs[node.name];
					expect(run, `${node.name} ran`).toBeDefined();
					expect(run.error).toBeUndefined();
					expect(run.items.length).toBeGreaterThan(0);
					for (const item of run.items) {
						expect(item.json.provider).toBe(spec.id);
						expect(item.binary?.data?.mimeType).toMatch(/^image\/(png|jpeg)$/);
						images++;
					}
				}
				expect(mock.jobs()).toBeGreaterThan(0);
				task.meta.figures = `${hostName}: ${spec.packageName} (${readFileSync(tarballs.get(spec.id)!).length} B tarball) installed alone in ${installMs} ms; ${example.file} ${executeMs} ms, ${images} images, ${mock.jobs()} jobs at the mock`;
			} finally {
				await mock.close();
				rmSync(instance.userFolder, { recursive: true, force: true });
			}
		},
	);
});
