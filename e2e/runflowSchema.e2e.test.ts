import { beforeAll, describe, expect, it } from 'vitest';

import { imageSize } from '../nodes/FluxUltra/job/downloads';
import { startMockRunflow, type MockRunflow } from '../testkit/mocks/runflowServer';
import { binaryBytes, e2eHosts, exampleWorkflows } from '../testkit/n8n';
import { codeNode, e2eN8n, fluxNode, rowWorkflow, SETUP_TIMEOUT, startNode } from './fixture';

/**
 * Runflow's model inputs read at run time, inside a real n8n with the package installed from its
 * tarball: the README's Runflow example against a mock Runflow whose models API lists other names
 * (`num_outputs`, `image_urls[]`, `safety_tolerance` as a number…), and Remix run on the mock's
 * FLUX 1.1 [pro] Ultra Edit, which the node finds through that API.
 */

const SCALE = 0.1;
const EDIT_MODEL = 'black-forest-labs/flux-1-1-pro-ultra/edit';

function remixWorkflow() {
	const credentials = { runflowApi: { id: 'runflowApiExample01', name: 'Runflow account' } };
	return rowWorkflow('runflowRemix', 'e2e: Remix on Runflow Ultra Edit', [
		startNode(),
		codeNode('Brief', "return [{ json: { prompt: 'a teal bicycle against a brick wall' } }];"),
		fluxNode(
			'Generate',
			440,
			{
				provider: 'runflow',
				options: {},
			},
			{ credentials },
		),
		fluxNode(
			'Remix',
			660,
			{
				provider: 'runflow',
				operation: 'remix',
				prompt: '',
				imageSource: 'binary',
				binaryPropertyName: 'data',
				aspectRatio: '4:3',
				numImages: 2,
				outputFormat: 'jpeg',
				options: {},
			},
			{ credentials },
		),
	]);
}

describe.each(e2eHosts())('Runflow model inputs inside a real n8n (%s)', (hostName) => {
	const n8n = e2eN8n(hostName);
	let runflow: MockRunflow;

	beforeAll(async () => {
		await n8n.install();
		runflow = await n8n.mock(
			startMockRunflow({ latencyMs: 300, scale: SCALE, schema: 'renamed', ultraEdit: true }),
		);
		await n8n.importExamples({
			fal: { apiKey: 'dummy-e2e-fal-key', baseUrl: 'http://127.0.0.1:9' },
			runflow: { apiKey: 'rf_live_dummy_e2e', baseUrl: runflow.url },
		});
		await n8n.importWorkflows(remixWorkflow());
	}, SETUP_TIMEOUT);

	it('the Runflow example runs against a models API with other names: each run carries the names Runflow lists', async ({
		task,
	}) => {
		const started = Date.now();
		const before = { models: runflow.counts.models, runs: runflow.runs.size };
		const [fileIndex] = [...exampleWorkflows().entries()].find(([, e]) =>
			e.file.includes('runflow'),
		)!;
		const runs = await n8n.execute(`example${fileIndex}`);

		expect(runs['Generate images'].items).toHaveLength(2);
		const billboards = runs['Billboard from each image'].items;
		expect(billboards).toHaveLength(2);
		for (const item of billboards)
			expect(imageSize(binaryBytes(n8n.instance, item))).toEqual({
				width: Math.round(3136 * SCALE),
				height: Math.round(1344 * SCALE),
			});
		const inputs = [...runflow.runs.values()].slice(before.runs).map((r) => r.input);
		expect(inputs.filter((i) => 'image_urls' in i)).toHaveLength(2);
		for (const input of inputs.filter((i) => 'image_urls' in i)) {
			expect(input).toMatchObject({
				image_urls: [expect.stringContaining('/assets/')],
				image_prompt_strength: 0.3,
				aspect_ratio: '21:9',
			});
			expect(input).not.toHaveProperty('image_url');
		}
		// One look-up per node execution (two FLUX nodes), not one per item.
		expect(runflow.counts.models - before.models).toBe(2);
		task.meta.figures = `${hostName}: Runflow example on the renamed schema: ${Date.now() - started} ms, 4 runs, ${runflow.counts.models - before.models} models GETs`;
	});

	it('Remix runs on the Ultra Edit model the models API finds, the generated image uploaded as its image_urls[]', async ({
		task,
	}) => {
		const started = Date.now();
		const before = runflow.runs.size;
		const runs = await n8n.execute('runflowRemix');

		const remixed = runs.Remix.items;
		expect(runs.Remix.error).toBeUndefined();
		expect(remixed).toHaveLength(2);
		for (const item of remixed) {
			expect(item.json).toMatchObject({ provider: 'runflow', operation: 'remix' });
			expect(imageSize(binaryBytes(n8n.instance, item))).toEqual({
				width: Math.round(2368 * SCALE),
				height: Math.round(1792 * SCALE),
			});
		}
		const edit = [...runflow.runs.values()].slice(before).filter((r) => r.model === EDIT_MODEL);
		expect(edit).toHaveLength(1);
		expect(edit[0].input).toEqual({
			image_urls: [expect.stringContaining('/assets/')],
			aspect_ratio: '4:3',
			num_images: 2,
		});
		task.meta.figures = `${hostName}: Generate → Remix on Ultra Edit: ${Date.now() - started} ms, 3 images`;
	});
});
