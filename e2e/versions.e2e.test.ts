import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { startMockFal, type MockFal } from '../testkit/mocks/falServer';
import { startMockRunflow, type MockRunflow } from '../testkit/mocks/runflowServer';
import { errorOf } from '../testkit/harness/errorItems';
import { e2eHosts, workflowNode } from '../testkit/n8n';
import { e2eN8n, exampleCredential, SETUP_TIMEOUT } from './fixture';

/**
 * Node versions in a real n8n: a workflow saved before version 2 (the fal.ai example as the
 * repository ships it, typeVersion 1) still runs the same, and a workflow of version-2 nodes (every
 * optional field in Options) runs the same jobs. Then failover by chaining two version-2 nodes, one
 * credential each (examples/chained-failover.workflow.json). Against the loopback mocks.
 */

const V1_EXAMPLE = 'generate-and-remix-fal.workflow.json';
const CREDENTIAL = { falApi: { id: 'falApiExample01', name: 'fal.ai account' } };

/** The fal.ai example's jobs, built from version-2 nodes. */
function version2Workflow() {
	const example = JSON.parse(
		readFileSync(join(__dirname, '..', 'examples', V1_EXAMPLE), 'utf8'),
	) as { nodes: Array<Record<string, unknown>> };
	const prompts = example.nodes.find((n) => n.name === 'Campaign prompts')!;
	const flux = 'n8n-nodes-flux-ultra.fluxUltra';
	return {
		id: 'versionTwo',
		name: 'Generate and remix, version-2 nodes',
		nodes: [
			workflowNode('Start', 'n8n-nodes-base.manualTrigger', 1, 0, {}),
			workflowNode(
				'Campaign prompts',
				'n8n-nodes-base.code',
				2,
				220,
				prompts.parameters as Record<string, unknown>,
			),
			workflowNode(
				'Generate images',
				flux,
				2,
				440,
				{
					provider: 'fal',
					operation: 'generate',
					prompt: '={{ $json.prompt }}',
					options: {
						aspectRatio: '={{ $json.aspect }}',
						numImages: 2,
						outputFormat: 'png',
						fileName: 'campaign-{item}-{index}',
					},
				},
				{ credentials: CREDENTIAL },
			),
			workflowNode(
				'Remix each image',
				flux,
				2,
				660,
				{
					provider: 'fal',
					operation: 'remix',
					imageSource: 'binary',
					binaryPropertyName: 'data',
					options: { prompt: 'same scene, autumn palette', fileName: 'autumn-{item}' },
				},
				{ credentials: CREDENTIAL },
			),
		],
		connections: {
			Start: { main: [[{ node: 'Campaign prompts', type: 'main', index: 0 }]] },
			'Campaign prompts': { main: [[{ node: 'Generate images', type: 'main', index: 0 }]] },
			'Generate images': { main: [[{ node: 'Remix each image', type: 'main', index: 0 }]] },
		},
		settings: {},
	};
}

/** The chained-failover example as shipped, its briefs replaced by four with the fal mock's fault markers. */
function chainedWithFaults() {
	const example = JSON.parse(
		readFileSync(join(__dirname, '..', 'examples', 'chained-failover.workflow.json'), 'utf8'),
	) as { nodes: Array<Record<string, unknown>> };
	const briefs = example.nodes.find((n) => n.name === 'Briefs')!;
	briefs.parameters = {
		jsCode:
			"return ['mug', 'jetty [no-credit]', 'harbour [job-fails]', 'lighthouse [lost-answer]'].map((prompt) => ({ json: { prompt, aspect: '1:1' } }));",
	};
	return { ...example, id: 'chained' };
}

describe.each(e2eHosts())('node versions inside a real n8n (%s)', (hostName) => {
	const n8n = e2eN8n(hostName);
	let fal: MockFal;
	let runflow: MockRunflow;

	beforeAll(async () => {
		await n8n.install();
		fal = await n8n.mock(startMockFal({ latencyMs: 200, scale: 0.1 }));
		runflow = await n8n.mock(startMockRunflow({ latencyMs: 200, scale: 0.1 }));
		await n8n.importCredentials([
			exampleCredential.fal(fal.url),
			exampleCredential.runflow(runflow.url),
		]);
		const v1 = JSON.parse(
			readFileSync(join(__dirname, '..', 'examples', V1_EXAMPLE), 'utf8'),
		) as Record<string, unknown>;
		await n8n.importWorkflows({ ...v1, id: 'versionOne' }, version2Workflow(), chainedWithFaults());
	}, SETUP_TIMEOUT);

	/** What each FLUX node of a run put out, and the fal jobs it made, in a form both versions share. */
	async function runAndRead(id: string) {
		const before = new Set(fal.jobs.keys());
		const started = Date.now();
		const runs = await n8n.execute(id);
		const ms = Date.now() - started;
		const jobs = [...fal.jobs.values()].filter((j) => !before.has(j.id));
		const shape = (name: string) =>
			runs[name].items.map((item) => ({
				pairedItem: item.pairedItem,
				fileName: item.binary?.data?.fileName,
				mimeType: item.binary?.data?.mimeType,
				json: {
					provider: item.json.provider,
					operation: item.json.operation,
					aspectRatio: item.json.aspectRatio,
					imageIndex: item.json.imageIndex,
					imageCount: item.json.imageCount,
					prompt: item.json.prompt,
				},
			}));
		return {
			ms,
			errors: [runs['Generate images'].error, runs['Remix each image'].error],
			generated: shape('Generate images'),
			remixed: shape('Remix each image'),
			jobs: jobs.map((j) => ({
				endpoint: j.endpoint,
				input: {
					...j.input,
					image_url: typeof j.input.image_url === 'string' ? 'given' : undefined,
				},
			})),
		};
	}

	it('a version-1 workflow as saved today (the fal.ai example) runs; a version-2 one makes the same jobs and puts out the same items', async ({
		task,
	}) => {
		const v1 = await runAndRead('versionOne');
		expect(v1.errors).toEqual([undefined, undefined]);
		expect(v1.generated).toHaveLength(4);
		expect(v1.remixed).toHaveLength(4);
		expect(v1.jobs.map((j) => j.endpoint.endsWith('/redux'))).toEqual([
			false,
			false,
			true,
			true,
			true,
			true,
		]);
		expect(v1.remixed.map((r) => r.fileName)).toEqual([
			'autumn-1.jpg',
			'autumn-2.jpg',
			'autumn-3.jpg',
			'autumn-4.jpg',
		]);

		const v2 = await runAndRead('versionTwo');
		expect(v2.errors).toEqual([undefined, undefined]);
		expect(v2.generated).toEqual(v1.generated);
		expect(v2.remixed).toEqual(v1.remixed);
		// The same jobs, in the same order (the order of submits; the jobs themselves run in parallel).
		const sorted = (jobs: typeof v1.jobs) => [...jobs].map((j) => JSON.stringify(j)).sort();
		expect(sorted(v2.jobs)).toEqual(sorted(v1.jobs));
		task.meta.figures = `${hostName} (n8n ${n8n.host.version}): version-1 fal example ${v1.ms} ms, version-2 workflow ${v2.ms} ms; 8 images, 6 fal jobs each, the same jobs and items`;
	});

	it('chained failover: out of credit and a failed job move to the Runflow node through the Filter on error.safeToRunElsewhere; a lost submit answer does not', async ({
		task,
	}) => {
		const before = {
			falJobs: fal.jobs.size,
			falSubmits: fal.counts.submit,
			runflowRuns: runflow.runs.size,
		};
		const started = Date.now();
		const runs = await n8n.execute('chained');
		const seconds = (Date.now() - started) / 1000;

		const [madeAtFal, failedAtFal] = runs['Generate on fal.ai'].outputs;
		expect(madeAtFal.map((i) => [i.pairedItem, i.json.provider])).toEqual([[{ item: 0 }, 'fal']]);
		expect(failedAtFal.map((i) => [i.pairedItem, errorOf(i).safeToRunElsewhere])).toEqual([
			[{ item: 1 }, true],
			[{ item: 2 }, true],
			[{ item: 3 }, false],
		]);
		expect(errorOf(failedAtFal[2]).kind).toBe('maybe_submitted');
		expect(runs['Safe to run elsewhere?'].items.map((i) => i.pairedItem)).toEqual([
			{ item: 0 },
			{ item: 1 },
		]);
		const moved = runs['Generate on Runflow'].items;
		expect(moved.map((i) => [i.json.provider, i.json.prompt, i.binary?.data?.mimeType])).toEqual([
			['runflow', 'jetty [no-credit]', 'image/png'],
			['runflow', 'harbour [job-fails]', 'image/png'],
		]);
		// Jobs: fal 3 (the good one, the failed one, the lost answer: 4 submits), Runflow 2; the lost answer nowhere else.
		expect(fal.jobs.size - before.falJobs).toBe(3);
		expect(fal.counts.submit - before.falSubmits).toBe(4);
		expect(runflow.runs.size - before.runflowRuns).toBe(2);
		task.meta.figures = `${hostName}: chained failover ${seconds.toFixed(1)} s (4 briefs: 1 made on fal.ai, 2 moved to Runflow, 1 lost answer kept back; jobs fal 3, Runflow 2)`;
	});
});
