import nock from 'nock';
import { describe, expect, it } from 'vitest';

import { flux2Size } from '../../../../nodes/FluxUltra/parameters/models/flux2Pro';
import { useVirtualClock } from '../../../../testkit/harness/clock';
import { mockBflJob } from '../../../../testkit/harness/bflNock';
import { errorOf } from '../../../../testkit/harness/errorItems';
import { fakeImages } from '../../../../testkit/harness/falNock';
import { binaryItem, runModel, type ModelRun } from '../../../../testkit/harness/modelRun';
import { mockRunflowSlug } from '../../../../testkit/harness/runflowNock';
import { makeJpeg, makePng } from '../../../../testkit/mocks/images';
import { useNock } from '../../../setupNock';

/**
 * FLUX.2 [pro] and FLUX 3 Image on Black Forest Labs (issue 29), end to end through the node on
 * nock over the real HTTP path: the Model field, reference images from binary fields and URLs in
 * order, one job per image, the price rule in the spend cap, the item's `model` and `seed`, and
 * every refusal before any request.
 */

useNock();

const LOGO = makePng(300, 300, 4);
const SHOT = makeJpeg(320, 256, 6);
const TINY = makePng(100, 100, 2);

const refs = (...entries: Array<Record<string, string>>) => ({ image: entries });

const run = (
	model: string,
	options: Record<string, unknown>,
	extra: Partial<ModelRun> = {},
	params: Record<string, unknown> = {},
) =>
	runModel('bfl', model, options, {
		prompt: 'the logo from image 1 on the mug from image 2',
		params,
		items: [binaryItem({ logo: LOGO, shot: SHOT, tiny: TINY })],
		...extra,
	});

describe('FLUX.2 [pro] on Black Forest Labs', () => {
	it('sends the references in order (binary, then a URL the node fetches), the size as pixels, one job per image with seed, seed+1; items name the model', async () => {
		useVirtualClock();
		const fetched = makePng(260, 260, 9);
		nock('https://images.example.com')
			.get('/mug.png')
			.once()
			.reply(200, fetched, { 'content-type': 'image/png' });
		const jobs = [0, 1].map((n) =>
			mockBflJob({
				id: `flux2-${n}-example`,
				model: 'flux-2-pro',
				cost: 4.5,
				seed: 100 + n,
				image: fakeImages(1, 'jpeg', 64, 36)[0],
			}),
		);
		const h = run('flux-2-pro', {
			referenceImages: refs(
				{ source: 'binary', binaryPropertyName: 'logo' },
				{ source: 'url', url: 'https://images.example.com/mug.png' },
			),
			aspectRatio: '16:9',
			megapixels: '2',
			numImages: 2,
			seed: 100,
			safetyTolerance: '3',
			outputFormat: 'jpeg',
		});
		const [out] = await h.run();

		const size = flux2Size('16:9', 2);
		expect(jobs[0].submitted()).toEqual({
			prompt: 'the logo from image 1 on the mug from image 2',
			seed: 100,
			output_format: 'jpeg',
			safety_tolerance: 3,
			...size,
			input_image: LOGO.toString('base64'),
			input_image_2: fetched.toString('base64'),
		});
		expect(jobs[1].submitted()?.seed).toBe(101);
		// The URL is fetched once for both jobs, without the key.
		const downloads = h.requests.filter((r) => r.url.startsWith('https://images.example.com'));
		expect(downloads).toHaveLength(1);
		expect(downloads[0].headers['x-key']).toBeUndefined();
		expect(out).toHaveLength(2);
		expect(out[0].json).toMatchObject({
			provider: 'bfl',
			model: 'flux-2-pro',
			seed: 100,
			imageIndex: 0,
			imageCount: 2,
			width: 64,
			height: 36,
			contentType: 'image/jpeg',
			cost: { usd: 0.045, source: 'provider' },
		});
		expect(out[1].json).toMatchObject({ model: 'flux-2-pro', seed: 101, imageIndex: 1 });
	});

	it('sizes: 1 MP at 1:1 is 1024×1024; 4 MP at 16:9 stays within 4 MP; all multiples of 16', () => {
		expect(flux2Size('1:1', 1)).toEqual({ width: 1008, height: 1008 });
		for (const ratio of ['16:9', '2:3', '4:5', '9:16']) {
			for (const mp of [0.5, 1, 2, 4]) {
				const { width, height } = flux2Size(ratio, mp);
				expect(width % 16, `${ratio} ${mp}`).toBe(0);
				expect(height % 16, `${ratio} ${mp}`).toBe(0);
				expect(width * height).toBeLessThanOrEqual(4 * 1_048_576);
			}
		}
	});

	it('Match First Reference sends no width or height', async () => {
		useVirtualClock();
		const job = mockBflJob({ model: 'flux-2-pro' });
		await run('flux-2-pro', {
			referenceImages: refs({ source: 'binary', binaryPropertyName: 'shot' }),
			aspectRatio: 'match',
		}).run();
		expect(job.submitted()).not.toHaveProperty('width');
		expect(job.submitted()).not.toHaveProperty('height');
		expect(job.submitted()?.input_image).toBe(SHOT.toString('base64'));
	});

	it('refuses 9 references before any request: FLUX.2 [pro] takes at most 8', async () => {
		const h = run(
			'flux-2-pro',
			{
				referenceImages: refs(
					...Array.from({ length: 9 }, () => ({ source: 'binary', binaryPropertyName: 'logo' })),
				),
			},
			{ continueOnFail: true },
		);
		const [out] = await h.run();
		expect(h.requests).toHaveLength(0);
		expect(errorOf(out[0])).toMatchObject({ kind: 'parameter', field: 'Reference Images' });
		expect(errorOf(out[0]).message).toContain('9 reference images; FLUX.2 [pro] takes at most 8');
	});
});

describe('FLUX 3 Image on Black Forest Labs', () => {
	it('sends only its own fields with the references as an `images` list; seed null whatever the answer says; the price by resolution class when the answer has none', async () => {
		useVirtualClock();
		const job = mockBflJob({
			model: 'flux-3-image',
			cost: undefined,
			seed: 42,
			image: fakeImages(1, 'png', 80, 45)[0],
		});
		const [out] = await run('flux-3-image', {
			referenceImages: refs(
				{ source: 'binary', binaryPropertyName: 'shot' },
				{ source: 'binary', binaryPropertyName: 'logo' },
			),
			resolution: '4k',
			aspectRatio: '16:9',
			grounding: false,
		}).run();
		expect(job.submitted()).toEqual({
			prompt: 'the logo from image 1 on the mug from image 2',
			aspect_ratio: '16:9',
			resolution: '4k',
			safety_tolerance: 2,
			grounding: false,
			images: [SHOT.toString('base64'), LOGO.toString('base64')],
		});
		expect(out[0].json).toMatchObject({
			model: 'flux-3-image',
			seed: null,
			contentType: 'image/png',
			width: 80,
			height: 45,
			cost: { usd: 0.607, source: 'list_price' },
		});
	});

	it('refuses a reference under 256×256 px before any request, naming its position', async () => {
		const h = run(
			'flux-3-image',
			{
				referenceImages: refs(
					{ source: 'binary', binaryPropertyName: 'logo' },
					{ source: 'binary', binaryPropertyName: 'tiny' },
				),
			},
			{ continueOnFail: true },
		);
		const [out] = await h.run();
		expect(h.requests).toHaveLength(0);
		expect(errorOf(out[0])).toMatchObject({ field: 'Reference Images (image 2)' });
		expect(errorOf(out[0]).message).toContain('100×100 px; FLUX 3 Image needs at least 256×256');
	});

	it('refuses a Completion Webhook URL: BFL’s FLUX 3 endpoint takes none', async () => {
		const h = run(
			'flux-3-image',
			{ webhookUrl: 'https://hooks.example.com/x' },
			{ continueOnFail: true },
		);
		const [out] = await h.run();
		expect(h.requests).toHaveLength(0);
		expect(errorOf(out[0])).toMatchObject({ field: 'Completion Webhook URL' });
	});

	it('an expression that picks FLUX 3 Image while Seed is set is refused, naming the field and the model', async () => {
		const h = runModel(
			'bfl',
			() => 'flux-3-image',
			{ seed: 5 },
			{
				prompt: 'a mug',
				storedParams: { model: '={{ $json.model }}' },
				continueOnFail: true,
			},
		);
		const [out] = await h.run();
		expect(h.requests).toHaveLength(0);
		expect(errorOf(out[0])).toMatchObject({ kind: 'parameter', field: 'Seed' });
		expect(errorOf(out[0]).message).toContain(
			'is not a FLUX 3 Image parameter (the model has no seed)',
		);
	});

	it('Max Cost per Run counts the resolution class before the first job: 2 items × 2 images at 4k ($2.428) is over $2, at 1k it runs', async () => {
		const items = [{ json: {} }, { json: {} }];
		const over = runModel(
			'bfl',
			'flux-3-image',
			{ resolution: '4k', numImages: 2, maxCostPerRun: 2 },
			{
				prompt: 'a mug',
				items,
			},
		);
		await expect(over.run()).rejects.toThrow(/could cost up to \$2\.428/);
		expect(over.requests).toHaveLength(0);

		useVirtualClock();
		for (let n = 0; n < 4; n++) mockBflJob({ model: 'flux-3-image', cost: 4.8 });
		const fits = runModel(
			'bfl',
			'flux-3-image',
			{ resolution: '1k', numImages: 2, maxCostPerRun: 2 },
			{
				prompt: 'a mug',
				items,
			},
		);
		const [out] = await fits.run();
		expect(out).toHaveLength(4);
		expect(out.map((i) => i.json.cost)).toEqual(Array(4).fill({ usd: 0.048, source: 'provider' }));
	});
});

describe('a model a provider does not serve', () => {
	// Runflow serves the models it finds in its models API (RF-45): its 404 is "not served".
	const lookups = (h: { requests: Array<{ method: string; url: string }> }) =>
		h.requests.filter((r) => !(r.method === 'GET' && r.url.includes('/v1/models/')));

	it('is refused before any request, naming the providers that serve it', async () => {
		for (const provider of ['runflow']) {
			mockRunflowSlug('black-forest-labs/flux-3-image', { status: 404 });
			const h = runModel(
				provider,
				'flux-3-image',
				{},
				{
					prompt: 'a mug',
					continueOnFail: true,
				},
			);
			const [out] = await h.run();
			expect(lookups(h), provider).toHaveLength(0);
			expect(errorOf(out[0])).toMatchObject({ kind: 'parameter', field: 'Model' });
			expect(errorOf(out[0]).message).toContain(
				'Providers that serve it: fal.ai, Black Forest Labs, Replicate.',
			);
		}
	});

	it('as the Fallback Provider too', async () => {
		mockRunflowSlug('black-forest-labs/flux-2-pro', { status: 404 });
		const h = runModel(
			'bfl',
			'flux-2-pro',
			{},
			{
				prompt: 'a mug',
				params: { fallbackFromBfl: 'runflow' },
				continueOnFail: true,
			},
		);
		const [out] = await h.run();
		expect(lookups(h)).toHaveLength(0);
		expect(errorOf(out[0]).message).toContain('Runflow is the Fallback Provider');
	});
});

describe('Ultra picked by a Model expression', () => {
	it('refuses a field only the other models have, naming it and Ultra, before any request', async () => {
		const h = runModel(
			'bfl',
			() => 'flux-1.1-pro-ultra',
			{ resolution: '4k' },
			{
				prompt: 'a mug',
				storedParams: { model: '={{ $json.model }}' },
				continueOnFail: true,
			},
		);
		const [out] = await h.run();
		expect(h.requests).toHaveLength(0);
		expect(errorOf(out[0])).toMatchObject({ kind: 'parameter', field: 'Resolution' });
		expect(errorOf(out[0]).message).toContain(
			'is not a FLUX 1.1 [pro] Ultra parameter (Ultra renders about 4 megapixels at every ratio)',
		);
	});

	it('runs as Ultra when nothing foreign is set (the same request as without a Model)', async () => {
		useVirtualClock();
		const job = mockBflJob();
		const h = runModel(
			'bfl',
			() => 'flux-1.1-pro-ultra',
			{ seed: 4 },
			{
				prompt: 'a mug',
				storedParams: { model: '={{ $json.model }}' },
			},
		);
		const [out] = await h.run();
		expect(job.submitted()).toMatchObject({ prompt: 'a mug', seed: 4, aspect_ratio: '16:9' });
		expect(out[0].json).not.toHaveProperty('model');
	});
});

describe('FLUX 3 Image files are larger than Ultra’s', () => {
	// A file past Ultra's 40 MB default, as a 4k PNG (~16.8 MP) can be: a real PNG padded after its end.
	const big = {
		bytes: Buffer.concat([makePng(64, 36, 1), Buffer.alloc(41 * 1024 * 1024)]),
		contentType: 'image/png',
	};

	it('Max Image Size left unset is 100 MB for FLUX 3 Image: a 41 MB PNG comes out whole', async () => {
		useVirtualClock();
		mockBflJob({ model: 'flux-3-image', image: big, cost: 60.7 });
		const [out] = await run('flux-3-image', { resolution: '4k' }).run();
		expect(out[0].json).toMatchObject({ model: 'flux-3-image', fileSize: big.bytes.length });
	});

	it('set to 40 MB, the same file is refused as too large (and named as paid)', async () => {
		useVirtualClock();
		mockBflJob({ model: 'flux-3-image', image: big, cost: 60.7 });
		const [out] = await run(
			'flux-3-image',
			{ resolution: '4k', maxImageSize: 40 },
			{ continueOnFail: true },
		).run();
		expect(errorOf(out[0]).kind).toBe('download');
	});
});
