import { createHash, randomUUID } from 'node:crypto';

import { beforeAll, describe, expect, it } from 'vitest';

import { flux2Size as nodeFlux2Size } from '../nodes/FluxUltra/parameters/models/flux2Pro';
import { imageSize } from '../nodes/FluxUltra/shared/imageBytes';
import { errorOf } from '../testkit/harness/errorItems';
import { startMockBfl, type MockBfl } from '../testkit/mocks/bflServer';
import { startMockFal, type MockFal } from '../testkit/mocks/falServer';
import { readLabel, solidPng } from '../testkit/mocks/images';
import { flux3Size, MODEL_NAMES, type MockModel } from '../testkit/mocks/models';
import { startMockReplicate, type MockReplicate } from '../testkit/mocks/replicateServer';
import { startMockRunflow, type MockRunflow } from '../testkit/mocks/runflowServer';
import { binaryBytes, e2eHosts, workflowNode, type NodeRun } from '../testkit/n8n';
import { credential, e2eN8n, SETUP_TIMEOUT, startNode } from './fixture';

/**
 * Issue 29 in a real n8n: FLUX.2 [pro], [max], [flex], [klein] 4B and 9B and FLUX 3 Image on every
 * provider that serves them (Black Forest Labs, fal.ai, Replicate, Runflow), each job with two
 * reference images — the item's binary field first, a URL second — against mocks that check the
 * request against each provider's documented field names (an unknown or missing one fails the job).
 * Checked: the item JSON (model, width and height read from the file, `seed` null for FLUX 3), the
 * file, and what each mock received (endpoint, field names and values, the references in order,
 * byte for byte). On Runflow, [klein] runs at its documented slugs (RF-34) and the others at the
 * slugs the node looks up in Runflow's models API (RF-45); the binary reference goes through
 * Runflow's assets API. A Runflow whose models API does not have FLUX 3 Image refuses the item
 * before any run, naming the providers that serve it. One FLUX 3 4k job lands a full-size ~16 MP
 * PNG in n8n's binary data intact (size and SHA-256) within the default Max Image Size.
 *
 * The reference URL is published on each mock's own origin (`serveFixture`): the credential's base
 * URL is the one loopback origin the node's link policy downloads from (BFL's references are
 * downloaded by the node and sent as base64), and the other mocks download it themselves, as those
 * providers do with a URL.
 */

const SCALE = 0.5;
const FLUX = 'n8n-nodes-flux-ultra.fluxUltra';
const PROVIDERS = ['bfl', 'fal', 'replicate', 'runflow'] as const;
type Provider = (typeof PROVIDERS)[number];
const MODELS: MockModel[] = [
	'flux-2-pro',
	'flux-2-max',
	'flux-2-flex',
	'flux-2-klein-4b',
	'flux-2-klein-9b',
	'flux-3-image',
];

const RED = solidPng([255, 0, 0], 640, 512);
const BLUE = solidPng([0, 0, 255], 256, 256);
const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/**
 * Each model's options, the same on every provider but where one lacks the field: fal and Runflow
 * have no Prompt Upsampling switch for [flex] (FA-29, RF-48), only BFL a Safety Tolerance for
 * [klein] (FA-30, RP-25, RF-35).
 */
function optionsFor(provider: Provider, model: MockModel): Record<string, unknown> {
	switch (model) {
		case 'flux-2-pro':
			return {
				aspectRatio: '3:2',
				megapixels: '1',
				seed: 7,
				outputFormat: 'png',
				safetyTolerance: '3',
			};
		case 'flux-2-max':
			return { aspectRatio: 'match', seed: 8 };
		case 'flux-2-flex':
			return {
				aspectRatio: '1:1',
				megapixels: '0.5',
				outputFormat: 'png',
				guidance: 4,
				steps: 20,
				...(provider === 'fal' || provider === 'runflow' ? {} : { promptUpsampling: false }),
			};
		case 'flux-2-klein-4b':
			return {
				aspectRatio: '3:2',
				megapixels: '1',
				seed: 9,
				outputFormat: 'png',
				...(provider === 'bfl' ? { safetyTolerance: '3' } : {}),
			};
		case 'flux-2-klein-9b':
			return { aspectRatio: 'match', seed: 10 };
		default:
			return { aspectRatio: '3:2', resolution: '1.5k', grounding: false, safetyTolerance: '3' };
	}
}

/** What each provider must have received for each model (beyond prompt and the references). */
function expectedBody(provider: Provider, model: MockModel): Record<string, unknown> {
	const pro = nodeFlux2Size('3:2', 1);
	const flex = nodeFlux2Size('1:1', 0.5);
	const table: Record<Provider, Record<MockModel, Record<string, unknown>>> = {
		bfl: {
			'flux-2-pro': { ...pro, seed: 7, output_format: 'png', safety_tolerance: 3 },
			'flux-2-max': { seed: 8 },
			'flux-2-flex': {
				...flex,
				output_format: 'png',
				guidance: 4,
				steps: 20,
				prompt_upsampling: false,
			},
			'flux-2-klein-4b': { ...pro, seed: 9, output_format: 'png', safety_tolerance: 3 },
			'flux-2-klein-9b': { seed: 10 },
			'flux-3-image': {
				aspect_ratio: '3:2',
				resolution: '1.5k',
				grounding: false,
				safety_tolerance: 3,
			},
		},
		fal: {
			'flux-2-pro': { image_size: pro, seed: 7, output_format: 'png', safety_tolerance: '3' },
			'flux-2-max': { image_size: 'auto', seed: 8 },
			'flux-2-flex': {
				image_size: flex,
				output_format: 'png',
				guidance_scale: 4,
				num_inference_steps: 20,
			},
			'flux-2-klein-4b': { image_size: pro, seed: 9, output_format: 'png' },
			'flux-2-klein-9b': { seed: 10, output_format: 'jpeg' },
			'flux-3-image': { aspect_ratio: '3:2', resolution: '1.5k', grounding: false },
		},
		replicate: {
			'flux-2-pro': {
				aspect_ratio: '3:2',
				resolution: '1 MP',
				seed: 7,
				output_format: 'png',
				safety_tolerance: 3,
			},
			'flux-2-max': {
				aspect_ratio: 'match_input_image',
				resolution: 'match_input_image',
				seed: 8,
				output_format: 'jpg',
			},
			'flux-2-flex': {
				aspect_ratio: '1:1',
				resolution: '0.5 MP',
				output_format: 'png',
				guidance: 4,
				steps: 20,
				prompt_upsampling: false,
			},
			'flux-2-klein-4b': {
				aspect_ratio: '3:2',
				output_megapixels: '1',
				seed: 9,
				output_format: 'png',
			},
			'flux-2-klein-9b': { aspect_ratio: 'match_input_image', seed: 10, output_format: 'jpg' },
			'flux-3-image': {
				aspect_ratio: '3:2',
				resolution: '1.5k',
				grounding: false,
				safety_tolerance: 3,
				output_format: 'png',
			},
		},
		// The names the mock's models API lists (fal-style, RF-35, RF-48) and klein's documented ones.
		runflow: {
			'flux-2-pro': { image_size: pro, seed: 7, output_format: 'png', safety_tolerance: '3' },
			'flux-2-max': { image_size: 'auto', seed: 8 },
			'flux-2-flex': {
				image_size: flex,
				output_format: 'png',
				guidance_scale: 4,
				num_inference_steps: 20,
			},
			'flux-2-klein-4b': { image_size: pro, seed: 9, output_format: 'png' },
			'flux-2-klein-9b': { seed: 10, output_format: 'jpeg' },
			'flux-3-image': {
				aspect_ratio: '3:2',
				resolution: '1.5k',
				grounding: false,
				safety_tolerance: 3,
			},
		},
	};
	return table[provider][model];
}

/** Fields a provider lacks for a model, which must not have been sent (klein: FA-30, RP-25, RF-35; Match First Reference). */
const ABSENT: Partial<Record<Provider, Partial<Record<MockModel, string[]>>>> = {
	bfl: { 'flux-2-klein-9b': ['width', 'height'] },
	fal: {
		'flux-2-klein-4b': ['safety_tolerance'],
		'flux-2-klein-9b': ['safety_tolerance', 'image_size'],
	},
	replicate: {
		'flux-2-klein-4b': ['safety_tolerance', 'resolution'],
		'flux-2-klein-9b': ['safety_tolerance', 'resolution', 'output_megapixels'],
	},
	runflow: {
		'flux-2-flex': ['prompt_upsampling'],
		'flux-2-klein-4b': ['safety_tolerance'],
		'flux-2-klein-9b': ['safety_tolerance', 'image_size'],
	},
};

/** Where each provider's job must have gone (BF-23, BF-41, BF-50; FA-26, FA-36; RP-20, RP-27; RF-34, RF-45). */
const ENDPOINTS: Record<Provider, Record<MockModel, string>> = {
	bfl: {
		'flux-2-pro': '/v1/flux-2-pro',
		'flux-2-max': '/v1/flux-2-max',
		'flux-2-flex': '/v1/flux-2-flex',
		'flux-2-klein-4b': '/v1/flux-2-klein-4b',
		'flux-2-klein-9b': '/v1/flux-2-klein-9b',
		'flux-3-image': '/v1/flux-3-image',
	},
	fal: {
		'flux-2-pro': '/fal-ai/flux-2-pro/edit',
		'flux-2-max': '/fal-ai/flux-2-max/edit',
		'flux-2-flex': '/fal-ai/flux-2-flex/edit',
		'flux-2-klein-4b': '/fal-ai/flux-2/klein/4b/edit',
		'flux-2-klein-9b': '/fal-ai/flux-2/klein/9b/edit',
		'flux-3-image': '/blackforestlabs/flux-3/edit-image',
	},
	replicate: {
		'flux-2-pro': 'black-forest-labs/flux-2-pro',
		'flux-2-max': 'black-forest-labs/flux-2-max',
		'flux-2-flex': 'black-forest-labs/flux-2-flex',
		'flux-2-klein-4b': 'black-forest-labs/flux-2-klein-4b',
		'flux-2-klein-9b': 'black-forest-labs/flux-2-klein-9b',
		'flux-3-image': 'black-forest-labs/flux-3-image',
	},
	// Jobs with references go to each model's `/edit` (RF-34 for [klein]; RF-45 for the others).
	runflow: {
		'flux-2-pro': 'black-forest-labs/flux-2-pro/edit',
		'flux-2-max': 'black-forest-labs/flux-2-max/edit',
		'flux-2-flex': 'black-forest-labs/flux-2-flex/edit',
		'flux-2-klein-4b': 'black-forest-labs/flux-2-klein-4b/edit',
		'flux-2-klein-9b': 'black-forest-labs/flux-2-klein-9b/edit',
		'flux-3-image': 'black-forest-labs/flux-3-image/edit',
	},
};

/** The field carrying the references, as each provider names it. */
function referencesSent(provider: Provider, model: MockModel, body: Record<string, unknown>) {
	if (provider === 'bfl')
		return model === 'flux-3-image'
			? (body.images as unknown[])
			: ['input_image', 'input_image_2', 'input_image_3'].map((k) => body[k]).filter(Boolean);
	if (provider === 'fal' || provider === 'runflow') return body.image_urls as unknown[];
	return (
		model === 'flux-3-image' || model.startsWith('flux-2-klein') ? body.images : body.input_images
	) as unknown[];
}

const CREDENTIALS = {
	bfl: { bflApi: { id: 'bflApiModels01', name: 'BFL account' } },
	fal: { falApi: { id: 'falApiModels01', name: 'fal.ai account' } },
	replicate: { replicateApi: { id: 'replicateModels01', name: 'Replicate account' } },
	runflow: { runflowApi: { id: 'runflowModels01', name: 'Runflow account' } },
	runflowBare: {
		runflowApi: { id: 'runflowModelsBare1', name: 'Runflow without the looked-up models' },
	},
};

const nodeName = (provider: string, model: string) => `${provider} ${model}`;

/**
 * A version-2 FLUX node for `model` on `provider` (`runflowBare`: Runflow, through the mock whose
 * models API has none of the looked-up slugs); its errors become items, so every case reports.
 */
function modelNode(
	provider: keyof typeof CREDENTIALS,
	model: string,
	x: number,
	options: Record<string, unknown>,
) {
	return workflowNode(
		nodeName(provider, model),
		FLUX,
		2,
		x,
		{
			provider: provider === 'runflowBare' ? 'runflow' : provider,
			operation: 'generate',
			model,
			prompt: 'the product of image 1 on the background colour of image 2',
			options,
		},
		{ id: randomUUID(), credentials: CREDENTIALS[provider], onError: 'continueRegularOutput' },
	);
}

/** Start → References (the item: binary `product`, the URL per provider) → every case side by side. */
function modelsWorkflow(urls: Record<Provider, string>) {
	const cases = PROVIDERS.flatMap((provider) =>
		MODELS.map((model) =>
			modelNode(provider, model, 440, {
				...optionsFor(provider, model),
				referenceImages: {
					image: [
						{ source: 'binary', binaryPropertyName: 'product' },
						{ source: 'url', url: `={{ $json.urls.${provider} }}` },
					],
				},
			}),
		),
	);
	// A Runflow whose models API does not have FLUX 3 Image: refused before any run.
	const refused = modelNode('runflowBare', 'flux-3-image', 440, {
		referenceImages: { image: [{ source: 'binary', binaryPropertyName: 'product' }] },
	});
	const references = workflowNode('References', 'n8n-nodes-base.code', 2, 220, {
		jsCode: `return [{ json: { urls: ${JSON.stringify(urls)} }, binary: { product: { data: '${RED.toString('base64')}', mimeType: 'image/png', fileName: 'product.png' } } }];`,
	});
	const all = [...cases, refused];
	return {
		id: 'modelsAll',
		name: 'e2e: every model on every provider, references from binary and URL',
		nodes: [startNode(), references, ...all],
		connections: {
			Start: { main: [[{ node: 'References', type: 'main', index: 0 }]] },
			References: { main: [all.map((n) => ({ node: n.name, type: 'main', index: 0 }))] },
		},
		settings: { executionOrder: 'v1' },
		pinData: {},
	};
}

/** One FLUX 3 Image 4k job on BFL, Max Image Size left at its default. */
function fourKWorkflow() {
	const node = modelNode('bfl', 'flux-3-image', 220, { resolution: '4k', aspectRatio: '1:1' });
	return {
		id: 'modelsFourK',
		name: 'e2e: FLUX 3 Image 4k',
		nodes: [startNode(), node],
		connections: { Start: { main: [[{ node: node.name, type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1' },
		pinData: {},
	};
}

describe.each(e2eHosts())('FLUX.2 and FLUX 3 Image in a real n8n (%s)', (hostName) => {
	const n8n = e2eN8n(hostName);
	let bfl: MockBfl;
	let fal: MockFal;
	let replicate: MockReplicate;
	let runflow: MockRunflow;
	let runflowBare: MockRunflow;
	const bytesOf = (item: NodeRun['items'][number]) => binaryBytes(n8n.instance, item);

	beforeAll(async () => {
		// Binary data on disk, as most instances keep it: a 50 MB file is not printed by `n8n execute`.
		await n8n.install({ env: { N8N_DEFAULT_BINARY_DATA_MODE: 'filesystem' } });
		bfl = await n8n.mock(startMockBfl({ latencyMs: 300, scale: SCALE }));
		fal = await n8n.mock(startMockFal({ latencyMs: 300, scale: SCALE }));
		replicate = await n8n.mock(startMockReplicate({ latencyMs: 300, scale: SCALE }));
		runflow = await n8n.mock(startMockRunflow({ latencyMs: 300, scale: SCALE }));
		runflowBare = await n8n.mock(
			startMockRunflow({ latencyMs: 300, scale: SCALE, fluxModels: [] }),
		);
		await n8n.importCredentials([
			credential('bflApi', 'bflApiModels01', 'BFL account', {
				apiKey: 'bfl-dummy-e2e',
				region: 'global',
				baseUrl: bfl.url,
			}),
			credential('falApi', 'falApiModels01', 'fal.ai account', {
				apiKey: 'dummy-e2e-fal-key',
				baseUrl: fal.url,
			}),
			credential('replicateApi', 'replicateModels01', 'Replicate account', {
				apiKey: 'r8_dummy_e2e',
				baseUrl: replicate.url,
			}),
			credential('runflowApi', 'runflowModels01', 'Runflow account', {
				apiKey: 'rf_live_dummy_e2e',
				baseUrl: runflow.url,
			}),
			credential('runflowApi', 'runflowModelsBare1', 'Runflow without the looked-up models', {
				apiKey: 'rf_live_dummy_e2e',
				baseUrl: runflowBare.url,
			}),
		]);
		const urls = {
			bfl: bfl.serveFixture('blue.png', BLUE),
			fal: fal.serveFixture('blue.png', BLUE),
			replicate: replicate.serveFixture('blue.png', BLUE),
			runflow: runflow.serveFixture('blue.png', BLUE),
		};
		await n8n.importWorkflows(modelsWorkflow(urls), fourKWorkflow());
	}, SETUP_TIMEOUT);

	it('each new model on BFL, fal.ai, Replicate and Runflow: references from a binary field and a URL, in order; the documented fields; the item read from the file; a Runflow without the model refuses before any run', async ({
		task,
	}) => {
		const started = Date.now();
		const bareBefore = { ...runflowBare.counts };
		const runs = await n8n.execute('modelsAll');
		const seconds = (Date.now() - started) / 1000;

		/** The mock's record of the one job each case made. */
		const received = {
			bfl: [...bfl.tasks.values()].map((t) => ({
				endpoint: t.endpoint,
				body: t.input,
				seed: t.seed,
				references: t.references ?? [],
			})),
			fal: [...fal.jobs.values()].map((j) => ({
				endpoint: j.endpoint,
				body: j.input,
				seed: j.seed,
				references: j.references ?? [],
			})),
			replicate: [...replicate.predictions.values()].map((p) => ({
				endpoint: p.model,
				body: p.input,
				seed: p.seed,
				references: p.references ?? [],
			})),
			runflow: [...runflow.runs.values()].map((r) => ({
				endpoint: r.model,
				body: r.input,
				seed: r.seed,
				references: r.references ?? [],
			})),
		};
		let passed = 0;
		for (const provider of PROVIDERS) {
			for (const model of MODELS) {
				const name = nodeName(provider, model);
				const items = runs[name].items;
				expect(items, name).toHaveLength(1);
				const [item] = items;
				expect(errorOf(item), name).toEqual({});
				// The file: an image whose size the item reports, the picture naming the model and
				// drawing the two references.
				const bytes = bytesOf(item);
				const size = imageSize(bytes);
				expect(size, name).toBeDefined();
				const png = bytes[0] === 0x89;
				expect(item.binary?.data?.mimeType, name).toBe(png ? 'image/png' : 'image/jpeg');
				expect(item.json, name).toMatchObject({
					provider,
					model,
					width: size!.width,
					height: size!.height,
					contentType: png ? 'image/png' : 'image/jpeg',
					fileSize: bytes.length,
				});
				if (model === 'flux-3-image') {
					expect(item.json.seed, name).toBeNull();
					expect(png, name).toBe(true);
					// 1.5k at 3:2, as the mock makes it at SCALE.
					const [w, h] = flux3Size('3:2', '1.5k');
					expect(size, name).toEqual({
						width: Math.round(w * SCALE),
						height: Math.round(h * SCALE),
					});
				}
				const label = readLabel(bytes);
				expect(label.join(' '), name).toContain(MODEL_NAMES[model]);
				expect(label.at(-1), name).toBe('reference images:');

				// The request: one job at the documented endpoint, the documented names and values,
				// the references in order (binary first, URL second), byte for byte.
				const jobs = received[provider].filter((r) => r.endpoint === ENDPOINTS[provider][model]);
				expect(jobs, name).toHaveLength(1);
				const [job] = jobs;
				expect(job.body, name).toMatchObject({
					prompt: 'the product of image 1 on the background colour of image 2',
					...expectedBody(provider, model),
				});
				for (const key of ABSENT[provider]?.[model] ?? [])
					expect(job.body, `${name}: ${key}`).not.toHaveProperty(key);
				const sent = referencesSent(provider, model, job.body);
				expect(sent, name).toHaveLength(2);
				// Runflow gets the binary one as an asset it stores (its assets API, RF-35: image_urls).
				if (provider === 'runflow') expect(sent[0], name).toMatch(/\/assets\//);
				// fal.ai, Replicate and Runflow get the URL as it is (they fetch it); BFL gets bytes the node read.
				if (provider !== 'bfl') expect(sent[1], name).toMatch(/\/fixtures\/blue\.png$/);
				else
					expect(
						sent.every((s) => typeof s === 'string' && !s.startsWith('http')),
						name,
					).toBe(true);
				expect(job.references.map(sha), name).toEqual([sha(RED), sha(BLUE)]);
				// FLUX.2's seed is the job's (the one set, or the provider's own); FLUX 3 has none.
				if (model !== 'flux-3-image') expect(item.json.seed, name).toBe(job.seed);
				passed++;
			}
		}
		// A Runflow without FLUX 3 Image: refused after one look-up, before any upload or run, naming
		// the providers that serve the model.
		const refused = runs[nodeName('runflowBare', 'flux-3-image')].items;
		expect(refused).toHaveLength(1);
		expect(errorOf(refused[0])).toMatchObject({ kind: 'parameter', field: 'Model' });
		expect(errorOf(refused[0]).message).toContain('FLUX 3 Image is not available on Runflow');
		expect(errorOf(refused[0]).message).toContain(
			'Providers that serve it: fal.ai, Black Forest Labs, Replicate.',
		);
		expect(runflowBare.counts.models - bareBefore.models).toBe(1);
		expect(runflowBare.counts.create).toBe(bareBefore.create);
		expect(runflowBare.counts.uploadCreate).toBe(bareBefore.uploadCreate);
		task.meta.figures = `${hostName} (n8n ${n8n.host.version}): ${passed} model × provider cases passed (FLUX.2 [pro]/[max]/[flex]/[klein] 4B/[klein] 9B, FLUX 3 Image on BFL, fal.ai, Replicate, Runflow; 2 references each, binary then URL) + a Runflow without FLUX 3 Image refusing it, in ${seconds.toFixed(1)} s`;
	});

	it('FLUX 3 Image 4k on BFL: the full-size ~16 MP PNG lands in n8n binary data intact (size and SHA-256), within the default Max Image Size', async ({
		task,
	}) => {
		const started = Date.now();
		const runs = await n8n.execute('modelsFourK');
		const seconds = (Date.now() - started) / 1000;
		const [item] = runs[nodeName('bfl', 'flux-3-image')].items;
		expect(errorOf(item)).toEqual({});
		const bytes = bytesOf(item);
		const sent = bfl.streamed.at(-1)!;
		expect(sent).toMatchObject({ width: 4096, height: 4096 });
		expect(bytes.length).toBe(sent.bytes);
		expect(sha(bytes)).toBe(sent.sha256);
		expect(imageSize(bytes)).toEqual({ width: 4096, height: 4096 });
		expect(item.binary?.data?.mimeType).toBe('image/png');
		expect(item.json).toMatchObject({
			model: 'flux-3-image',
			width: 4096,
			height: 4096,
			seed: null,
			fileSize: sent.bytes,
		});
		task.meta.figures = `${hostName}: FLUX 3 Image 4k, ${(sent.bytes / 1e6).toFixed(1)} MB PNG (4096×4096) intact in n8n's binary data, ${seconds.toFixed(1)} s`;
	});
});
