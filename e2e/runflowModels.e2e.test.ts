import { beforeAll, describe, expect, it } from 'vitest';

import { imageSize } from '../nodes/FluxUltra/job/downloads';
import { makeImage } from '../testkit/mocks/images';
import { startMockRunflow, type MockRunflow } from '../testkit/mocks/runflowServer';
import { binaryBytes, e2eHosts, workflowNode } from '../testkit/n8n';
import { codeNode, e2eN8n, fluxNode, rowWorkflow, SETUP_TIMEOUT, startNode } from './fixture';

/**
 * FLUX.2 [pro] and FLUX 3 Image on Runflow inside a real n8n with the package installed from its
 * tarball (issue 29): the node looks each slug up in the mock's models API (our guess of Runflow's
 * slugs, testkit/mocks/runflowModels.ts) and runs it with reference images from a binary field and
 * a URL, in order; a mock that serves none of them answers 404 and the item is refused before any
 * run, naming the providers that serve the model.
 */

const SCALE = 0.3;
const credentials = { runflowApi: { id: 'runflowApiExample01', name: 'Runflow account' } };

/** A FLUX node of version 2 (the Model field) on Runflow. */
function modelNode(name: string, x: number, model: string, options: Record<string, unknown>) {
	return workflowNode(
		name,
		'n8n-nodes-flux-ultra.fluxUltra',
		2,
		x,
		{ provider: 'runflow', operation: 'generate', model, prompt: '={{ $json.prompt }}', options },
		{ credentials },
	);
}

/** The URL reference: a PNG on the mock's own origin, which the mock fetches as Runflow would. */
const MUG = makeImage('png', 320, 320, 1, {
	provider: 'fixture',
	operation: 'reference',
	aspectRatio: '1:1',
	seed: 1,
});

function modelsWorkflow(mugUrl: string) {
	return rowWorkflow('runflowModels', 'e2e: FLUX.2 and FLUX 3 Image on Runflow', [
		startNode(),
		codeNode('Brief', "return [{ json: { prompt: 'a teal mug with the logo from image 1' } }];"),
		fluxNode('Logo', 440, { provider: 'runflow', options: {} }, { credentials }),
		modelNode('FLUX.2 pro', 660, 'flux-2-pro', {
			referenceImages: {
				image: [
					{ source: 'binary', binaryPropertyName: 'data' },
					{ source: 'url', url: mugUrl },
				],
			},
		}),
		modelNode('FLUX 3', 880, 'flux-3-image', {
			referenceImages: { image: [{ source: 'binary', binaryPropertyName: 'data' }] },
		}),
	]);
}

describe.each(e2eHosts())(
	'FLUX.2 and FLUX 3 Image on Runflow inside a real n8n (%s)',
	(hostName) => {
		const n8n = e2eN8n(hostName);
		let runflow: MockRunflow;
		let bare: MockRunflow;

		beforeAll(async () => {
			await n8n.install();
			runflow = await n8n.mock(startMockRunflow({ latencyMs: 300, scale: SCALE }));
			bare = await n8n.mock(startMockRunflow({ latencyMs: 300, scale: SCALE, fluxModels: [] }));
			await n8n.importCredentials([
				{
					id: 'runflowApiExample01',
					name: 'Runflow account',
					type: 'runflowApi',
					data: { apiKey: 'rf_live_dummy_e2e', baseUrl: runflow.url },
				},
				{
					id: 'runflowApiBare0001',
					name: 'Runflow without the new models',
					type: 'runflowApi',
					data: { apiKey: 'rf_live_dummy_e2e', baseUrl: bare.url },
				},
			]);
			const mugUrl = runflow.serveFixture('mug.png', MUG);
			const bareWorkflow = modelsWorkflow(mugUrl);
			await n8n.importWorkflows(modelsWorkflow(mugUrl), {
				...bareWorkflow,
				id: 'runflowModelsBare',
				name: 'e2e: FLUX 3 Image on a Runflow without it',
				nodes: [
					startNode(),
					codeNode('Brief', "return [{ json: { prompt: 'a teal mug' } }];"),
					{
						...modelNode('FLUX 3', 440, 'flux-3-image', {}),
						credentials: {
							runflowApi: { id: 'runflowApiBare0001', name: 'Runflow without the new models' },
						},
						continueOnFail: true,
					},
				],
				connections: {
					Start: { main: [[{ node: 'Brief', type: 'main', index: 0 }]] },
					Brief: { main: [[{ node: 'FLUX 3', type: 'main', index: 0 }]] },
				},
			});
		}, SETUP_TIMEOUT);

		it('runs each model on the slug its models API finds, references from binary and URL in order', async ({
			task,
		}) => {
			const started = Date.now();
			const before = runflow.runs.size;
			const runs = await n8n.execute('runflowModels');

			const pro = runs['FLUX.2 pro'];
			expect(pro.error).toBeUndefined();
			expect(pro.items[0].json).toMatchObject({ provider: 'runflow', model: 'flux-2-pro' });
			const flux3 = runs['FLUX 3'];
			expect(flux3.error).toBeUndefined();
			expect(flux3.items[0].json).toMatchObject({
				provider: 'runflow',
				model: 'flux-3-image',
				seed: null,
			});
			expect(imageSize(binaryBytes(n8n.instance, flux3.items[0]))).toEqual({
				width: Math.round(1024 * SCALE),
				height: Math.round(1024 * SCALE),
			});
			const made = [...runflow.runs.values()].slice(before);
			expect(made.map((r) => r.model)).toEqual([
				'black-forest-labs/flux-1-1-pro-ultra',
				'black-forest-labs/flux-2-pro/edit',
				'black-forest-labs/flux-3-image/edit',
			]);
			expect(made[1].input.image_urls).toEqual([
				expect.stringContaining('/assets/'),
				expect.stringMatching(/\/fixtures\/mug\.png$/),
			]);
			// Runflow read both: the uploaded binary, then the URL's bytes.
			expect(made[1].references).toHaveLength(2);
			expect(made[1].references![1].equals(MUG)).toBe(true);
			expect(made[2].input.image_urls).toEqual([expect.stringContaining('/assets/')]);
			task.meta.figures = `${hostName}: Ultra → FLUX.2 [pro] → FLUX 3 Image on Runflow: ${Date.now() - started} ms, 3 runs`;
		});

		it('a Runflow whose models API does not find the model: the item is refused before any run', async () => {
			const before = { ...bare.counts };
			const runs = await n8n.execute('runflowModelsBare');
			const refused = runs['FLUX 3'].items[0].json as Record<string, unknown>;
			expect(JSON.stringify(refused.error)).toContain('FLUX 3 Image is not available on Runflow');
			expect(bare.counts.models - before.models).toBe(1);
			expect(bare.counts.create - before.create).toBe(0);
		});
	},
);
