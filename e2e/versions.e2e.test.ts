import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startMockFal, type MockFal } from '../testkit/mocks/falServer';
import { createInstance, e2eHosts, execute, jsonFile, n8nHost, packPackage, workflowNode, type N8nInstance } from '../testkit/n8n';

/**
 * Node versions in a real n8n: a workflow saved before version 2 (the fal.ai example as the
 * repository ships it, typeVersion 1) still runs the same, and a workflow of version-2 nodes (every
 * optional field in Options) runs the same jobs. Against the loopback mock fal.ai.
 */

const V1_EXAMPLE = 'generate-and-remix-fal.workflow.json';
const CREDENTIAL = { falApi: { id: 'falApiExample01', name: 'fal.ai account' } };

/** The fal.ai example's jobs, built from version-2 nodes. */
function version2Workflow() {
	const example = JSON.parse(readFileSync(join(__dirname, '..', 'examples', V1_EXAMPLE), 'utf8')) as { nodes: Array<Record<string, unknown>> };
	const prompts = example.nodes.find((n) => n.name === 'Campaign prompts')!;
	const flux = 'n8n-nodes-flux-ultra.fluxUltra';
	return {
		id: 'versionTwo',
		name: 'Generate and remix, version-2 nodes',
		nodes: [
			workflowNode('Start', 'n8n-nodes-base.manualTrigger', 1, 0, {}),
			workflowNode('Campaign prompts', 'n8n-nodes-base.code', 2, 220, prompts.parameters as Record<string, unknown>),
			workflowNode(
				'Generate images',
				flux,
				2,
				440,
				{ provider: 'fal', operation: 'generate', prompt: '={{ $json.prompt }}', options: { aspectRatio: '={{ $json.aspect }}', numImages: 2, outputFormat: 'png', fileName: 'campaign-{item}-{index}' } },
				{ credentials: CREDENTIAL },
			),
			workflowNode(
				'Remix each image',
				flux,
				2,
				660,
				{ provider: 'fal', operation: 'remix', imageSource: 'binary', binaryPropertyName: 'data', options: { prompt: 'same scene, autumn palette', fileName: 'autumn-{item}' } },
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

describe.each(e2eHosts())('node versions inside a real n8n (%s)', (hostName) => {
	let instance: N8nInstance;
	let fal: MockFal;

	beforeAll(async () => {
		const host = n8nHost(hostName);
		instance = createInstance(host, packPackage(mkdtempSync(join(tmpdir(), 'flux-pack-'))));
		fal = await startMockFal({ latencyMs: 200, scale: 0.1 });
		await instance.cli([
			'import:credentials',
			`--input=${jsonFile(instance, 'credentials.json', [{ id: 'falApiExample01', name: 'fal.ai account', type: 'falApi', data: { apiKey: 'dummy-e2e-fal-key', baseUrl: fal.url } }])}`,
		]);
		const v1 = JSON.parse(readFileSync(join(__dirname, '..', 'examples', V1_EXAMPLE), 'utf8')) as Record<string, unknown>;
		await instance.cli(['import:workflow', `--input=${jsonFile(instance, 'v1.json', { ...v1, id: 'versionOne' })}`]);
		await instance.cli(['import:workflow', `--input=${jsonFile(instance, 'v2.json', version2Workflow())}`]);
	}, 45 * 60_000);

	afterAll(async () => {
		await fal?.close();
	});

	/** What each FLUX node of a run put out, and the fal jobs it made, in a form both versions share. */
	async function runAndRead(id: string) {
		const before = new Set(fal.jobs.keys());
		const started = Date.now();
		const runs = await execute(instance, id);
		const ms = Date.now() - started;
		const jobs = [...fal.jobs.values()].filter((j) => !before.has(j.id));
		const shape = (name: string) =>
			runs[name].items.map((item) => ({
				pairedItem: item.pairedItem,
				fileName: item.binary?.data?.fileName,
				mimeType: item.binary?.data?.mimeType,
				json: { provider: item.json.provider, operation: item.json.operation, aspectRatio: item.json.aspectRatio, imageIndex: item.json.imageIndex, imageCount: item.json.imageCount, prompt: item.json.prompt },
			}));
		return {
			ms,
			errors: [runs['Generate images'].error, runs['Remix each image'].error],
			generated: shape('Generate images'),
			remixed: shape('Remix each image'),
			jobs: jobs.map((j) => ({ endpoint: j.endpoint, input: { ...j.input, image_url: typeof j.input.image_url === 'string' ? 'given' : undefined } })),
		};
	}

	it('a version-1 workflow as saved today (the fal.ai example) runs; a version-2 one makes the same jobs and puts out the same items', async ({ task }) => {
		const v1 = await runAndRead('versionOne');
		expect(v1.errors).toEqual([undefined, undefined]);
		expect(v1.generated).toHaveLength(4);
		expect(v1.remixed).toHaveLength(4);
		expect(v1.jobs.map((j) => j.endpoint.endsWith('/redux'))).toEqual([false, false, true, true, true, true]);
		expect(v1.remixed.map((r) => r.fileName)).toEqual(['autumn-1.jpg', 'autumn-2.jpg', 'autumn-3.jpg', 'autumn-4.jpg']);

		const v2 = await runAndRead('versionTwo');
		expect(v2.errors).toEqual([undefined, undefined]);
		expect(v2.generated).toEqual(v1.generated);
		expect(v2.remixed).toEqual(v1.remixed);
		// The same jobs, in the same order (the order of submits; the jobs themselves run in parallel).
		const sorted = (jobs: typeof v1.jobs) => [...jobs].map((j) => JSON.stringify(j)).sort();
		expect(sorted(v2.jobs)).toEqual(sorted(v1.jobs));
		task.meta.figures = `${hostName} (n8n ${instance.host.version}): version-1 fal example ${v1.ms} ms, version-2 workflow ${v2.ms} ms; 8 images, 6 fal jobs each, the same jobs and items`;
	});
});
