import { createHash, randomBytes } from 'node:crypto';

import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { imageSize } from '../../nodes/FluxUltra/job/downloads';
import { flux2Size as nodeFlux2Size } from '../../nodes/FluxUltra/parameters/models/flux2Pro';
import { createHarness } from '../../testkit/harness/context';
import { startMockBfl, type MockBfl, validateBflModelInput } from '../../testkit/mocks/bflServer';
import { startMockFal, type MockFal } from '../../testkit/mocks/falServer';
import { decodeImage, pixelsPng, readLabel, solidPng } from '../../testkit/mocks/images';
import { startMockReplicate, type MockReplicate } from '../../testkit/mocks/replicateServer';
import { startMockRunflow, type MockRunflow } from '../../testkit/mocks/runflowServer';

/**
 * The mock providers serve FLUX.2 [pro]/[max]/[flex] and FLUX 3 Image as the real ones document
 * them (issue 29): the node runs each model on each mock over real loopback sockets with one binary
 * reference and one URL reference, and what the mock received (endpoint, field names, references in
 * order, byte for byte) is what the provider documents; a field the provider does not document is a
 * 422 naming it. The mock's picture names the model and draws the references, numbered, in order.
 */

const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const RED = solidPng([255, 0, 0], 640, 512);
const BLUE = solidPng([0, 0, 255], 256, 256);
const item = () => ({
	json: {},
	binary: {
		product: { data: RED.toString('base64'), mimeType: 'image/png', fileName: 'product.png' },
	},
});

const MODELS = ['flux-2-pro', 'flux-2-max', 'flux-2-flex', 'flux-3-image'] as const;

/** The four mocks, started once for the file, over real loopback sockets. */
let bfl: MockBfl;
let fal: MockFal;
let replicate: MockReplicate;
let runflow: MockRunflow;
beforeAll(async () => {
	nock.enableNetConnect('127.0.0.1');
	bfl = await startMockBfl({ latencyMs: 100, scale: 0.5 });
	fal = await startMockFal({ latencyMs: 100, scale: 0.5 });
	replicate = await startMockReplicate({ latencyMs: 100, scale: 0.5 });
	runflow = await startMockRunflow({ latencyMs: 100, scale: 0.5 });
});
afterAll(async () => {
	await Promise.all([bfl.close(), fal.close(), replicate.close(), runflow.close()]);
});

type Provider = 'bfl' | 'fal' | 'replicate' | 'runflow';

/** Each provider's credential, pointed at its mock. */
const credentials = () => ({
	bflApi: { apiKey: 'bfl-dummy-example', region: 'global', baseUrl: bfl.url },
	falApi: { apiKey: 'dummy-example-fal', baseUrl: fal.url },
	replicateApi: { apiKey: 'r8_dummy_example', baseUrl: replicate.url },
	runflowApi: { apiKey: 'rf_live_dummy_example', baseUrl: runflow.url },
});

/** Generate with `model` on `provider`'s mock: references 1 the item's `product` file, 2 `url`. */
const run = (
	provider: Provider,
	model: string,
	url: string,
	options: Record<string, unknown> = {},
) =>
	createHarness({
		params: {
			provider,
			operation: 'generate',
			model,
			prompt: 'the product of image 1 in the colours of image 2',
			options: {
				referenceImages: {
					image: [
						{ source: 'binary', binaryPropertyName: 'product' },
						{ source: 'url', url },
					],
				},
				...options,
			},
		},
		node: { typeVersion: 2 },
		items: [item()],
		credentials: credentials(),
		continueOnFail: true,
	}).run();

/** What a mock received of its last job: endpoint, body, references as read. */
const last = (provider: Provider) => {
	if (provider === 'bfl') {
		const t = [...bfl.tasks.values()].at(-1)!;
		return { endpoint: t.endpoint, body: t.input, references: t.references ?? [] };
	}
	if (provider === 'fal') {
		const j = [...fal.jobs.values()].at(-1)!;
		return { endpoint: j.endpoint, body: j.input, references: j.references ?? [] };
	}
	if (provider === 'replicate') {
		const p = [...replicate.predictions.values()].at(-1)!;
		return { endpoint: p.model, body: p.input, references: p.references ?? [] };
	}
	const r = [...runflow.runs.values()].at(-1)!;
	return { endpoint: r.model, body: r.input, references: r.references ?? [] };
};

/** Submits to the fal mock's queue, waits for COMPLETED on its status link, then reads the result (status and body). */
async function falJob(endpoint: string, input: Record<string, unknown>) {
	const headers = { authorization: 'Key dummy-example', 'content-type': 'application/json' };
	const submitted = (await fetch(`${fal.url}${endpoint}`, {
		method: 'POST',
		headers,
		body: JSON.stringify(input),
	}).then(async (r) => await r.json())) as { status_url: string; response_url: string };
	for (;;) {
		const { status } = (await fetch(submitted.status_url, { headers }).then(
			async (r) => await r.json(),
		)) as { status: string };
		if (status === 'COMPLETED') break;
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
	const result = await fetch(submitted.response_url, { headers });
	return { status: result.status, body: (await result.json()) as unknown };
}

describe('the mock providers serve the models beyond Ultra', () => {
	const endpoints: Record<string, Record<(typeof MODELS)[number], string>> = {
		bfl: {
			'flux-2-pro': '/v1/flux-2-pro',
			'flux-2-max': '/v1/flux-2-max',
			'flux-2-flex': '/v1/flux-2-flex',
			'flux-3-image': '/v1/flux-3-image',
		},
		fal: {
			'flux-2-pro': '/fal-ai/flux-2-pro/edit',
			'flux-2-max': '/fal-ai/flux-2-max/edit',
			'flux-2-flex': '/fal-ai/flux-2-flex/edit',
			'flux-3-image': '/blackforestlabs/flux-3/edit-image',
		},
		replicate: {
			'flux-2-pro': 'black-forest-labs/flux-2-pro',
			'flux-2-max': 'black-forest-labs/flux-2-max',
			'flux-2-flex': 'black-forest-labs/flux-2-flex',
			'flux-3-image': 'black-forest-labs/flux-3-image',
		},
	};

	for (const provider of ['bfl', 'fal', 'replicate'] as const) {
		it.each(MODELS)(
			`${provider}: %s with a binary and a URL reference, in order`,
			async (model) => {
				const mock = { bfl, fal, replicate }[provider];
				const url = mock.serveFixture(`blue-${model}.png`, BLUE);
				// Every field the model has, set away from its default: a wrong wire name is a 422.
				const options: Record<string, Record<string, unknown>> = {
					'flux-2-pro': { aspectRatio: '3:2', seed: 7, outputFormat: 'png', safetyTolerance: '3' },
					'flux-2-max': { aspectRatio: 'match', megapixels: '2', seed: 8 },
					'flux-2-flex': {
						guidance: 4,
						steps: 20,
						...(provider === 'fal' ? {} : { promptUpsampling: false }),
					},
					'flux-3-image': {
						aspectRatio: '3:2',
						resolution: '1.5k',
						grounding: false,
						safetyTolerance: '3',
					},
				};
				const [out] = await run(provider, model, url, options[model]);
				expect(out[0].json.error).toBeUndefined();
				const received = last(provider);
				expect(received.endpoint).toBe(endpoints[provider][model]);
				expect(received.references.map(sha)).toEqual([sha(RED), sha(BLUE)]);
				const bytes = Buffer.from(out[0].binary!.data.data, 'base64');
				const size = imageSize(bytes)!;
				expect(out[0].json).toMatchObject({
					provider,
					model,
					width: size.width,
					height: size.height,
					...(model === 'flux-3-image' ? { seed: null, contentType: 'image/png' } : {}),
				});
				expect(typeof out[0].json.seed).toBe(model === 'flux-3-image' ? 'object' : 'number');
				const label = readLabel(bytes).join(' ');
				expect(label).toContain(
					{
						'flux-2-pro': 'FLUX.2 [pro]',
						'flux-2-max': 'FLUX.2 [max]',
						'flux-2-flex': 'FLUX.2 [flex]',
						'flux-3-image': 'FLUX 3 Image',
					}[model],
				);
				expect(readLabel(bytes).at(-1)).toBe('reference images:');
			},
		);
	}

	it('a large binary reference goes through the mock storage (fal.ai) and Files API (Replicate), still in order', async () => {
		// Noise does not compress: a PNG over the 1 MB both inline at most.
		const noise = randomBytes(700 * 600 * 3);
		const large = pixelsPng(noise, 700, 600);
		expect(large.length).toBeGreaterThan(1_100_000);
		for (const [provider, mock] of [
			['fal', fal],
			['replicate', replicate],
		] as const) {
			const uploads = mock.counts.upload;
			const url = mock.serveFixture('blue-large.png', BLUE);
			const [out] = await createHarness({
				params: {
					provider,
					operation: 'generate',
					model: 'flux-2-pro',
					prompt: 'image 1 and image 2',
					options: {
						referenceImages: {
							image: [
								{ source: 'binary', binaryPropertyName: 'product' },
								{ source: 'url', url },
							],
						},
					},
				},
				node: { typeVersion: 2 },
				items: [
					{
						json: {},
						binary: {
							product: { data: large.toString('base64'), mimeType: 'image/png', fileName: 'p.png' },
						},
					},
				],
				credentials: credentials(),
				continueOnFail: true,
			}).run();
			expect(out[0].json.error, provider).toBeUndefined();
			expect(mock.counts.upload - uploads, provider).toBe(1);
			expect(last(provider).references.map(sha), provider).toEqual([sha(large), sha(BLUE)]);
		}
	});

	it('the picture draws the references in order: image 1 (red) left of image 2 (blue)', async () => {
		const url = fal.serveFixture('blue-order.png', BLUE);
		const [out] = await run('fal', 'flux-3-image', url);
		const picture = decodeImage(Buffer.from(out[0].binary!.data.data, 'base64'))!;
		const colours: string[] = [];
		for (let x = 0; x < picture.width; x++) {
			// Scan a row through the thumbnails (in the lower part of the shaded panel).
			for (let y = Math.floor(picture.height * 0.25); y < picture.height; y += 4) {
				const o = (y * picture.width + x) * 4;
				const [r, g, b] = picture.rgba.subarray(o, o + 3);
				const c = r > 240 && g < 16 && b < 16 ? 'red' : b > 240 && r < 16 && g < 16 ? 'blue' : '';
				if (c && colours.at(-1) !== c) colours.push(c);
				if (c) break;
			}
		}
		expect(colours).toEqual(['red', 'blue']);
	});

	it('BFL: an undocumented field, or a missing prompt, is a 422 naming it (strict schema)', () => {
		expect(validateBflModelInput('flux-3-image', { prompt: 'x', seed: 1 })).toEqual([
			{ loc: ['body', 'seed'], msg: 'Extra inputs are not permitted', type: 'extra_forbidden' },
		]);
		expect(
			validateBflModelInput('flux-2-pro', { aspect_ratio: '1:1' }).map((d) => d.loc[1]),
		).toEqual(['prompt', 'aspect_ratio']);
		expect(
			validateBflModelInput('flux-2-pro', { prompt: 'x', guidance: 3 }).map((d) => d.loc[1]),
		).toEqual(['guidance']);
		expect(validateBflModelInput('flux-2-flex', { prompt: 'x', guidance: 3, steps: 20 })).toEqual(
			[],
		);
	});

	it('fal and Replicate: an undocumented field fails the job naming it', async () => {
		const result = await falJob('/fal-ai/flux-2-pro', { prompt: 'x', aspect_ratio: '1:1' });
		expect(result.status).toBe(422);
		expect(result.body).toMatchObject({ detail: [{ loc: ['body', 'aspect_ratio'] }] });

		const created = await fetch(
			`${replicate.url}/v1/models/black-forest-labs/flux-3-image/predictions`,
			{
				method: 'POST',
				headers: { authorization: 'Bearer r8_dummy_example', 'content-type': 'application/json' },
				body: JSON.stringify({ input: { prompt: 'x', seed: 3 } }),
			},
		);
		expect(created.status).toBe(422);
		expect(await created.json()).toMatchObject({ invalid_fields: [{ field: 'input.seed' }] });
	});

	it('FLUX 3 Image: a reference under 256 px a side is refused by the mock too (BF-44, FA-37), naming its position', async () => {
		const tiny = solidPng([0, 255, 0], 200, 300);
		const bflAnswer = await fetch(`${bfl.url}/v1/flux-3-image`, {
			method: 'POST',
			headers: { 'x-key': 'bfl-dummy-example', 'content-type': 'application/json' },
			body: JSON.stringify({
				prompt: 'x',
				images: [BLUE.toString('base64'), tiny.toString('base64')],
			}),
		});
		expect(bflAnswer.status).toBe(422);
		expect(await bflAnswer.json()).toMatchObject({ detail: [{ loc: ['body', 'images.1'] }] });

		const result = await falJob('/blackforestlabs/flux-3/edit-image', {
			prompt: 'x',
			image_urls: [`data:image/png;base64,${tiny.toString('base64')}`],
		});
		expect(result.status).toBe(422);
		expect(result.body).toMatchObject({ detail: [{ loc: ['body', 'image_urls', 0] }] });
	});

	it('FLUX 3 Image 4k: a full-size PNG (~16 MP), streamed, its size and hash recorded', async () => {
		const [out] = await createHarness({
			params: {
				provider: 'bfl',
				operation: 'generate',
				model: 'flux-3-image',
				prompt: 'a poster',
				options: { resolution: '4k', aspectRatio: '1:1' },
			},
			node: { typeVersion: 2 },
			items: [{ json: {} }],
			credentials: credentials(),
			continueOnFail: true,
		}).run();
		expect(out[0].json.error).toBeUndefined();
		const bytes = Buffer.from(out[0].binary!.data.data, 'base64');
		expect(imageSize(bytes)).toEqual({ width: 4096, height: 4096 });
		expect(out[0].json).toMatchObject({ width: 4096, height: 4096, seed: null });
		expect(bfl.streamed.at(-1)).toEqual({
			id: [...bfl.tasks.values()].at(-1)!.id,
			width: 4096,
			height: 4096,
			bytes: bytes.length,
			sha256: sha(bytes),
		});
		expect(bytes.length).toBeGreaterThan(50_000_000);
	}, 120_000);
});

/**
 * FLUX.2 [klein] 4B and 9B on every mock that serves them (BF-50, FA-30, RP-25, RF-34/RF-35): the
 * node's request is what each provider documents (endpoint or slug, field names, the references in
 * order, byte for byte), and a field klein does not have there is a 422 naming it.
 */
describe('the mock providers serve FLUX.2 [klein] 4B and 9B', () => {
	const PROVIDERS: readonly Provider[] = ['bfl', 'fal', 'replicate', 'runflow'];
	const KLEIN = ['flux-2-klein-4b', 'flux-2-klein-9b'] as const;
	const mockOf = (provider: Provider) => ({ bfl, fal, replicate, runflow })[provider];

	/** 4B at 3:2, 1 MP, PNG, seed 5 (Safety Tolerance where BFL takes it); 9B at Match First Reference. */
	const optionsFor = (provider: Provider, model: (typeof KLEIN)[number]) =>
		model === 'flux-2-klein-4b'
			? {
					aspectRatio: '3:2',
					megapixels: '1',
					seed: 5,
					outputFormat: 'png',
					...(provider === 'bfl' ? { safetyTolerance: '3' } : {}),
				}
			: { aspectRatio: 'match', seed: 6 };

	const expected = (provider: Provider, model: (typeof KLEIN)[number]) => {
		const size = nodeFlux2Size('3:2', 1);
		const four = model === 'flux-2-klein-4b';
		const slug = model.replace('flux-2-klein-', '');
		switch (provider) {
			case 'bfl':
				return {
					endpoint: `/v1/${model}`,
					body: four
						? { ...size, seed: 5, output_format: 'png', safety_tolerance: 3 }
						: { seed: 6 },
					absent: four ? [] : ['width', 'height'],
				};
			case 'fal':
				return {
					endpoint: `/fal-ai/flux-2/klein/${slug}/edit`,
					body: four ? { image_size: size, seed: 5, output_format: 'png' } : { seed: 6 },
					absent: ['safety_tolerance', ...(four ? [] : ['image_size'])],
				};
			case 'replicate':
				return {
					endpoint: `black-forest-labs/${model}`,
					body: four
						? { aspect_ratio: '3:2', output_megapixels: '1', seed: 5, output_format: 'png' }
						: { aspect_ratio: 'match_input_image', seed: 6 },
					absent: ['safety_tolerance', 'resolution', 'input_images'],
				};
			default:
				return {
					endpoint: `black-forest-labs/${model}/edit`,
					body: four ? { image_size: size, seed: 5, output_format: 'png' } : { seed: 6 },
					absent: ['safety_tolerance', ...(four ? [] : ['image_size'])],
				};
		}
	};

	/** The references field as each provider names it for klein. */
	const sentReferences = (provider: Provider, body: Record<string, unknown>) =>
		provider === 'bfl'
			? ['input_image', 'input_image_2', 'input_image_3'].map((k) => body[k]).filter(Boolean)
			: ((provider === 'replicate' ? body.images : body.image_urls) as unknown[]);

	for (const provider of PROVIDERS) {
		it.each(KLEIN)(
			`${provider}: %s with a binary and a URL reference, in order, under klein's names`,
			async (model) => {
				const url = mockOf(provider).serveFixture(`blue-${model}.png`, BLUE);
				const [out] = await run(provider, model, url, optionsFor(provider, model));
				expect(out[0].json.error).toBeUndefined();
				const received = last(provider);
				const want = expected(provider, model);
				expect(received.endpoint).toBe(want.endpoint);
				expect(received.body).toMatchObject({
					prompt: 'the product of image 1 in the colours of image 2',
					...want.body,
				});
				for (const key of want.absent) expect(received.body).not.toHaveProperty(key);
				const sent = sentReferences(provider, received.body);
				expect(sent).toHaveLength(2);
				// BFL gets the bytes the node read; the others the URL as it is (they fetch it).
				if (provider === 'bfl') expect(String(sent[1])).not.toMatch(/^http/);
				else expect(sent[1]).toBe(url);
				// Runflow's binary reference went through its assets API (RF-35: image_urls).
				if (provider === 'runflow') expect(String(sent[0])).toContain('/assets/');
				expect(received.references.map(sha)).toEqual([sha(RED), sha(BLUE)]);
				const bytes = Buffer.from(out[0].binary!.data.data, 'base64');
				const size = imageSize(bytes)!;
				// Match First Reference: the first reference's size (RED is 640×512), at the mock's scale.
				if (model === 'flux-2-klein-9b') expect(size.width / size.height).toBeCloseTo(640 / 512, 1);
				expect(out[0].json).toMatchObject({
					provider,
					model,
					width: size.width,
					height: size.height,
					seed: model === 'flux-2-klein-4b' ? 5 : 6,
				});
				const label = readLabel(bytes);
				expect(label.join(' ')).toContain(
					model === 'flux-2-klein-4b' ? 'FLUX.2 [klein] 4B' : 'FLUX.2 [klein] 9B',
				);
				expect(label.at(-1)).toBe('reference images:');
			},
		);
	}

	it("BFL: klein's four numbered references; a fifth, guidance or steps is a 422 naming it (BF-27)", () => {
		const image = BLUE.toString('base64');
		const four = Object.fromEntries(
			['input_image', 'input_image_2', 'input_image_3', 'input_image_4'].map((k) => [k, image]),
		);
		expect(validateBflModelInput('flux-2-klein-4b', { prompt: 'x', ...four })).toEqual([]);
		expect(
			validateBflModelInput('flux-2-klein-9b', {
				prompt: 'x',
				...four,
				input_image_5: image,
				guidance: 3,
				steps: 4,
			}).map((d) => [d.loc[1], d.type]),
		).toEqual([
			['input_image_5', 'extra_forbidden'],
			['guidance', 'extra_forbidden'],
			['steps', 'extra_forbidden'],
		]);
		expect(validateBflModelInput('flux-2-klein-4b', {}).map((d) => d.loc[1])).toEqual(['prompt']);
	});

	it('fal: klein has no safety tolerance and no `auto` size, takes at most 4 image_urls, needs them on edit, and answers png by default (FA-30, FA-55)', async () => {
		const image = `data:image/png;base64,${BLUE.toString('base64')}`;
		const refused = await falJob('/fal-ai/flux-2/klein/4b/edit', {
			prompt: 'x',
			safety_tolerance: '2',
			image_size: 'auto',
			image_urls: [image, image, image, image, image],
		});
		expect(refused.status).toBe(422);
		expect(
			(refused.body as { detail: Array<{ loc: unknown[] }> }).detail.map((d) => d.loc[1]),
		).toEqual(['safety_tolerance', 'image_urls', 'image_size']);
		const missing = await falJob('/fal-ai/flux-2/klein/9b/edit', { prompt: 'x' });
		expect(missing.status).toBe(422);
		expect(missing.body).toMatchObject({ detail: [{ loc: ['body', 'image_urls'] }] });
		const made = await falJob('/fal-ai/flux-2/klein/9b', {
			prompt: 'x',
			image_size: 'square',
			num_inference_steps: 4,
		});
		expect(made.status).toBe(200);
		expect(made.body).toMatchObject({
			images: [{ content_type: 'image/png', width: 256, height: 256 }],
			seed: expect.any(Number),
		});
	});

	it('Replicate: klein takes `images` (at most 5) and `output_megapixels`, refuses `safety_tolerance`, and answers a list of one URI (RP-25, RP-41)', async () => {
		const create = async (model: string, input: Record<string, unknown>) => {
			const answer = await fetch(
				`${replicate.url}/v1/models/black-forest-labs/${model}/predictions`,
				{
					method: 'POST',
					headers: {
						authorization: 'Bearer r8_dummy_example',
						'content-type': 'application/json',
						prefer: 'wait=5',
					},
					body: JSON.stringify({ input }),
				},
			);
			return { status: answer.status, body: (await answer.json()) as Record<string, unknown> };
		};
		const image = `data:image/png;base64,${BLUE.toString('base64')}`;
		const refused = await create('flux-2-klein-4b', {
			prompt: 'x',
			safety_tolerance: 2,
			resolution: '1 MP',
			images: [image, image, image, image, image, image],
		});
		expect(refused.status).toBe(422);
		expect(
			(refused.body.invalid_fields as Array<{ field: string }>).map((f) => f.field).sort(),
		).toEqual(['input.images', 'input.resolution', 'input.safety_tolerance']);
		const made = await create('flux-2-klein-9b', {
			prompt: 'x',
			images: [image],
			aspect_ratio: '16:9',
			output_megapixels: '0.5',
		});
		expect(made.status).toBe(201);
		expect(made.body.status).toBe('succeeded');
		expect(made.body.output).toEqual([expect.stringMatching(/\/output\.jpg$/)]);
	});

	it("Runflow: klein's documented slugs always answer; the edit model needs image_urls, takes no safety tolerance; the run answers images[] with the seed (RF-34, RF-35, RF-39)", async () => {
		const bare = await startMockRunflow({ latencyMs: 0, fluxModels: [] });
		try {
			const headers = {
				authorization: 'Bearer rf_live_dummy_example',
				'content-type': 'application/json',
			};
			const looked = await fetch(`${bare.url}/v1/models/black-forest-labs/flux-2-klein-9b/edit`, {
				headers,
			});
			expect(looked.status).toBe(200);
			expect(await looked.json()).toMatchObject({
				slug: 'flux-2-klein-9b/edit',
				inputs: expect.arrayContaining([
					expect.objectContaining({ name: 'image_urls', is_required: true }),
				]),
			});
			const runOf = async (slug: string, input: Record<string, unknown>) => {
				const answer = await fetch(`${bare.url}/v1/models/${slug}/runs`, {
					method: 'POST',
					headers,
					body: JSON.stringify({ input }),
				});
				return { status: answer.status, body: (await answer.json()) as Record<string, unknown> };
			};
			const refused = await runOf('black-forest-labs/flux-2-klein-4b/edit', {
				prompt: 'x',
				safety_tolerance: '2',
			});
			expect(refused.status).toBe(422);
			expect((refused.body.errors as Array<{ field: string }>).map((e) => e.field).sort()).toEqual([
				'input.image_urls',
				'input.safety_tolerance',
			]);
			const made = await runOf('black-forest-labs/flux-2-klein-4b', {
				prompt: 'x',
				image_size: { width: 512, height: 384 },
				seed: 11,
			});
			expect(made.status).toBe(201);
			await new Promise((resolve) => setTimeout(resolve, 20));
			const done = (await fetch(`${bare.url}/v1/runs/${String(made.body.id)}`, {
				headers,
			}).then(async (r) => await r.json())) as Record<string, unknown>;
			expect(done).toMatchObject({
				status_code: 'succeeded',
				output: {
					images: [{ url: expect.stringMatching(/\.png\?/), width: 512, height: 384 }],
					seed: 11,
				},
			});
			// The slugs Runflow does not document stay behind `fluxModels`: none here.
			const pro = await fetch(`${bare.url}/v1/models/black-forest-labs/flux-2-pro`, { headers });
			expect(pro.status).toBe(404);
		} finally {
			await bare.close();
		}
	});
});
