import nock from 'nock';
import { describe, expect, it } from 'vitest';

import { flux2Size } from '../../../../nodes/FluxUltra/parameters/models/flux2Pro';
import { useVirtualClock } from '../../../../testkit/harness/clock';
import { BFL_API, mockBflJob } from '../../../../testkit/harness/bflNock';
import { errorOf } from '../../../../testkit/harness/errorItems';
import { fakeImages, mockFalJob, QUEUE } from '../../../../testkit/harness/falNock';
import { binaryItem, runModel } from '../../../../testkit/harness/modelRun';
import { mockReplicateJob } from '../../../../testkit/harness/replicateNock';
import {
	mockRunflowJob,
	mockRunflowUpload,
	RUNFLOW_STORAGE,
} from '../../../../testkit/harness/runflowNock';
import { makePng } from '../../../../testkit/mocks/images';
import { useNock } from '../../../setupNock';

/**
 * FLUX.2 [klein] 4B and 9B (issue 29), added as the recipe says — two declarations and a line in
 * each provider's `<provider>.models.ts` — through the node on nock: every model × provider with and
 * without references (BFL's numbered `input_image`s, fal's and Runflow's `/edit` endpoints with
 * `image_urls`, Replicate's `images`), each provider's names, the price rule of each line, the
 * refusals before any request (a 5th reference, the fields klein lacks, Safety Tolerance where only
 * a safety checker exists), the spend cap's worst case, and failover between providers of klein.
 */

useNock();

const REF = makePng(300, 300, 5);
const REF_B64 = REF.toString('base64');
const REF_URI = `data:image/png;base64,${REF_B64}`;
const SIZE = flux2Size('1:1', 1);

const withRef = { referenceImages: { image: [{ source: 'binary', binaryPropertyName: 'ref' }] } };

const run = (provider: string, model: string, options: Record<string, unknown>, params = {}) =>
	runModel(provider, model, options, {
		prompt: 'the cup from image 1 on a shelf',
		params,
		items: [binaryItem({ ref: REF })],
		continueOnFail: true,
	});

type Klein = { id: 'flux-2-klein-4b' | 'flux-2-klein-9b'; size: '4b' | '9b' };
const KLEIN: Klein[] = [
	{ id: 'flux-2-klein-4b', size: '4b' },
	{ id: 'flux-2-klein-9b', size: '9b' },
];

/** List prices (no cost in the answer) of 1 MP out, without and with one ≤ 1 MP reference. */
const PRICES = {
	// BF-35/BF-51: 1.4¢ (1.5¢) the first MP, 0.1¢ (0.2¢) each input MP.
	bfl: { '4b': [0.014, 0.015], '9b': [0.015, 0.017] },
	// The model's rule (MF-12): 4B 1.4¢ per MP in and out; 9B 1.5¢ first, 1.1¢ per input MP.
	fal: { '4b': [0.014, 0.028], '9b': [0.015, 0.026] },
	replicate: { '4b': [0.014, 0.028], '9b': [0.015, 0.026] },
	// RF-34: 4B 0.5¢ per MP, edit 0.5¢ per image; 9B 0.6¢ per MP, edit 1.1¢ per MP in and out.
	runflow: { '4b': [0.005, 0.005], '9b': [0.006, 0.022] },
} as const;

describe.each(KLEIN)('$id on each provider', ({ id, size }) => {
	it('Black Forest Labs: its own endpoint, the size as pixels, the tolerance as a number; the reference as input_image', async () => {
		useVirtualClock();
		const plain = mockBflJob({ model: `flux-2-klein-${size}`, cost: undefined, seed: 3 });
		const [out] = await run('bfl', id, { seed: 3, safetyTolerance: '0' }).run();
		expect(plain.submitted()).toEqual({
			prompt: 'the cup from image 1 on a shelf',
			seed: 3,
			output_format: 'jpeg',
			safety_tolerance: 0,
			...SIZE,
		});
		expect(out[0].json).toMatchObject({
			provider: 'bfl',
			model: id,
			seed: 3,
			cost: { usd: PRICES.bfl[size][0], source: 'list_price' },
		});

		const edit = mockBflJob({ model: `flux-2-klein-${size}`, cost: undefined });
		const [edited] = await run('bfl', id, withRef).run();
		expect(edit.submitted()).toMatchObject({ input_image: REF_B64, safety_tolerance: 2 });
		expect(edit.submitted()).not.toHaveProperty('input_image_2');
		expect(edited[0].json.cost).toEqual({ usd: PRICES.bfl[size][1], source: 'list_price' });
	});

	it('fal.ai: fal-ai/flux-2/klein/<size>, then /edit with image_urls; no safety_tolerance; output_format always sent', async () => {
		useVirtualClock();
		const plain = mockFalJob({ model: `fal-ai/flux-2/klein/${size}`, seed: 8 });
		const [out] = await run('fal', id, {}).run();
		expect(plain.submitted()).toEqual({
			prompt: 'the cup from image 1 on a shelf',
			output_format: 'jpeg',
			image_size: SIZE,
		});
		expect(out[0].json).toMatchObject({
			provider: 'fal',
			model: id,
			seed: 8,
			cost: { usd: PRICES.fal[size][0], source: 'list_price' },
		});

		const edit = mockFalJob({ model: `fal-ai/flux-2/klein/${size}/edit` });
		const [edited] = await run('fal', id, { ...withRef, aspectRatio: 'match' }).run();
		// Match First Reference: no image_size, so fal's edit takes the input image's (FA-55).
		expect(edit.submitted()).toEqual({
			prompt: 'the cup from image 1 on a shelf',
			output_format: 'jpeg',
			image_urls: [REF_URI],
		});
		// Match counts the largest output, 4 MP, as the worst case: 4B 1.4¢ × (4 + 1), 9B 1.5¢ + 1.1¢ × (3 + 1).
		expect(edited[0].json.cost).toEqual({
			usd: size === '4b' ? 0.07 : 0.059,
			source: 'list_price',
		});
	});

	it('Replicate: black-forest-labs/flux-2-klein-<size> with aspect_ratio, output_megapixels, jpg; images in order', async () => {
		useVirtualClock();
		const model = `black-forest-labs/flux-2-klein-${size}`;
		const plain = mockReplicateJob({ model });
		const [out] = await run('replicate', id, { aspectRatio: '3:2', megapixels: '2' }).run();
		expect(plain.submitted()?.input).toEqual({
			prompt: 'the cup from image 1 on a shelf',
			output_format: 'jpg',
			aspect_ratio: '3:2',
			output_megapixels: '2',
		});
		expect(out[0].json).toMatchObject({ provider: 'replicate', model: id });

		const edit = mockReplicateJob({ model });
		const [edited] = await run('replicate', id, {
			...withRef,
			webhookUrl: 'https://hooks.example.com/k',
		}).run();
		expect(edit.submitted()).toMatchObject({
			input: { images: [REF_URI], aspect_ratio: '1:1', output_megapixels: '1' },
			webhook: 'https://hooks.example.com/k',
		});
		expect(edited[0].json.cost).toEqual({ usd: PRICES.replicate[size][1], source: 'list_price' });
	});

	it('Runflow: black-forest-labs/flux-2-klein-<size>, then its /edit model with the uploaded reference in image_urls; Runflow’s own prices', async () => {
		useVirtualClock();
		const plain = mockRunflowJob({
			model: `black-forest-labs/flux-2-klein-${size}`,
		});
		const h = run('runflow', id, { seed: 5 });
		const [out] = await h.run();
		// A static line: no look-up of Ultra's inputs in Runflow's models API, whose answer is not klein's.
		expect(h.requests.filter((r) => r.url.includes('flux-1-1-pro-ultra'))).toEqual([]);
		expect(plain.submitted()?.input).toEqual({
			prompt: 'the cup from image 1 on a shelf',
			seed: 5,
			output_format: 'jpeg',
			image_size: SIZE,
		});
		expect(out[0].json).toMatchObject({
			provider: 'runflow',
			model: id,
			cost: { usd: PRICES.runflow[size][0], source: 'list_price' },
		});

		const upload = mockRunflowUpload(`klein-${size}-example`);
		const edit = mockRunflowJob({
			model: `black-forest-labs/flux-2-klein-${size}/edit`,
		});
		const [edited] = await run('runflow', id, {
			...withRef,
			webhookUrl: 'https://hooks.example.com/r',
		}).run();
		expect(edit.submitted()).toMatchObject({
			input: { image_urls: [upload.assetUrl], image_size: SIZE },
			callback_url: 'https://hooks.example.com/r',
		});
		expect(edited[0].json).toMatchObject({
			model: id,
			cost: { usd: PRICES.runflow[size][1], source: 'list_price' },
		});
	});

	it('a 5th reference is refused before any request, on every provider', async () => {
		for (const provider of ['bfl', 'fal', 'replicate', 'runflow']) {
			const h = run(provider, id, {
				referenceImages: {
					image: Array.from({ length: 5 }, () => ({ source: 'binary', binaryPropertyName: 'ref' })),
				},
			});
			const [out] = await h.run();
			expect(h.requests, provider).toHaveLength(0);
			expect(errorOf(out[0]), provider).toMatchObject({ field: 'Reference Images' });
			expect(errorOf(out[0]).message, provider).toMatch(
				new RegExp(
					`5 reference images; FLUX\\.2 \\[klein\\] ${size.toUpperCase()}.* takes at most 4`,
				),
			);
		}
	});
});

describe('FLUX.2 [klein] on Runflow: the answer', () => {
	it('reads a fal-style `images[]` output (RF-35, RF-39) into the item, with its size and type', async () => {
		useVirtualClock();
		const image = fakeImages(1, 'png', 96, 64)[0];
		const url = `${RUNFLOW_STORAGE}/outputs/klein/0.png?X-Amz-Signature=example`;
		mockRunflowJob({
			model: 'black-forest-labs/flux-2-klein-9b',
			terminal: {
				status_code: 'succeeded',
				output: {
					images: [{ url, width: 96, height: 64, content_type: 'image/png' }],
					seed: 11,
				},
			},
		});
		nock(RUNFLOW_STORAGE)
			.get('/outputs/klein/0.png')
			.query(true)
			.reply(200, image.bytes, { 'content-type': 'image/png' });
		const [out] = await run('runflow', 'flux-2-klein-9b', {}).run();
		expect(out[0].json).toMatchObject({
			provider: 'runflow',
			model: 'flux-2-klein-9b',
			seed: 11,
			width: 96,
			height: 64,
			contentType: 'image/png',
		});
		expect(out[0].binary?.data).toBeDefined();
	});
});

describe('FLUX.2 [klein]: what it lacks is refused, naming the field and the model', () => {
	it.each([
		[{ steps: 10 }, 'Steps', 'FLUX.2 [klein] takes no step count'],
		[{ guidance: 4 }, 'Guidance', 'FLUX.2 [klein] takes no guidance'],
		[{ promptUpsampling: true }, 'Prompt Upsampling', 'FLUX.2 [klein] has no prompt upsampling'],
		[{ resolution: '2k' }, 'Resolution', 'FLUX.2 takes Megapixels instead'],
		[{ raw: true }, 'Raw', 'FLUX.2 has no raw mode'],
	])('%o', async (options, field, why) => {
		const h = runModel('fal', () => 'flux-2-klein-9b', options, {
			prompt: 'a cup',
			storedParams: { model: '={{ $json.model }}' },
			continueOnFail: true,
		});
		const [out] = await h.run();
		expect(h.requests).toHaveLength(0);
		expect(errorOf(out[0])).toMatchObject({ kind: 'parameter', field });
		expect(errorOf(out[0]).message).toContain(`is not a FLUX.2 [klein] 9B parameter (${why}`);
	});

	it('Safety Tolerance other than 2 is refused where klein has only a safety checker (fal.ai, Replicate, Runflow), pointing to Black Forest Labs', async () => {
		for (const [provider, name] of [
			['fal', 'fal.ai'],
			['replicate', 'Replicate'],
			['runflow', 'Runflow'],
		]) {
			const h = run(provider, 'flux-2-klein-4b', { safetyTolerance: '4' });
			const [out] = await h.run();
			expect(h.requests, provider).toHaveLength(0);
			expect(errorOf(out[0]), provider).toMatchObject({ field: 'Safety Tolerance' });
			expect(errorOf(out[0]).message, provider).toContain(
				`${name} cannot honour it for FLUX.2 [klein] 4B: ${name} has no safety tolerance for FLUX.2 [klein], only a safety checker`,
			);
			expect(errorOf(out[0]).message, provider).toContain('or choose Black Forest Labs');
		}
	});

	it('Safety Tolerance 6 is outside klein’s 0–5, even on Black Forest Labs', async () => {
		const h = run('bfl', 'flux-2-klein-4b', { safetyTolerance: '6' });
		const [out] = await h.run();
		expect(h.requests).toHaveLength(0);
		expect(errorOf(out[0])).toMatchObject({ field: 'Safety Tolerance' });
	});
});

describe('FLUX.2 [klein] and Max Cost per Run', () => {
	// 2 items × 2 images at 4 MP with 4 URL references each (a URL counts as 4 MP before the job).
	const worst = (provider: string, cap: number) =>
		runModel(
			provider,
			'flux-2-klein-9b',
			{
				megapixels: '4',
				numImages: 2,
				maxCostPerRun: cap,
				referenceImages: {
					image: Array.from({ length: 4 }, (_, n) => ({
						source: 'url',
						url: `https://images.example.com/${n}.png`,
					})),
				},
			},
			{ prompt: 'a cup', items: [{ json: {} }, { json: {} }] },
		);

	it.each([
		// The model's rule (fal, Replicate): 1.5¢ + 3 × 1.1¢ + 16 × 1.1¢ = $0.224 an image.
		['fal', 0.896],
		['replicate', 0.896],
		// BFL's line: 1.5¢ + 3 × 0.2¢ + 16 × 0.2¢ = $0.053 an image.
		['bfl', 0.212],
		// Runflow's edit line: 1.1¢ × (4 + 16) = $0.22 an image.
		['runflow', 0.88],
	])('on %s the worst case is $%s, counted before any request', async (provider, total) => {
		const h = worst(provider, 0.01);
		await expect(h.run()).rejects.toThrow(`could cost up to $${total}`);
		expect(h.requests).toHaveLength(0);
	});
});

describe('failover between providers of FLUX.2 [klein]', () => {
	it('a [klein] 4B item moves from fal.ai (out of balance: no job made) to Runflow’s edit model, its reference uploaded there', async () => {
		useVirtualClock();
		nock(QUEUE)
			.post('/fal-ai/flux-2/klein/4b/edit')
			.reply(402, { detail: 'User is locked. Reason: Exhausted balance.' });
		const upload = mockRunflowUpload('klein-failover-example');
		const runflow = mockRunflowJob({
			model: 'black-forest-labs/flux-2-klein-4b/edit',
		});
		const [out] = await run('fal', 'flux-2-klein-4b', withRef, {
			fallbackFromFal: 'runflow',
		}).run();
		expect(runflow.submitted()?.input).toMatchObject({ image_urls: [upload.assetUrl] });
		expect(out[0].json).toMatchObject({ provider: 'runflow', model: 'flux-2-klein-4b' });
		expect(out[0].json.failover).toBeDefined();
	});

	it('a [klein] 9B item moves from Black Forest Labs (no credits: no job made) to Replicate, the reference re-sent as Replicate takes it', async () => {
		useVirtualClock();
		nock(BFL_API).post('/v1/flux-2-klein-9b').reply(402, { detail: 'Insufficient credits' });
		const replicate = mockReplicateJob({
			model: 'black-forest-labs/flux-2-klein-9b',
		});
		const [out] = await run('bfl', 'flux-2-klein-9b', withRef, {
			fallbackFromBfl: 'replicate',
		}).run();
		expect(replicate.submitted()?.input).toMatchObject({ images: [REF_URI] });
		expect(out[0].json).toMatchObject({ provider: 'replicate', model: 'flux-2-klein-9b' });
		expect(out[0].json.failover).toBeDefined();
	});

	it('a Safety Tolerance only BFL honours is refused before any request when the Fallback Provider cannot honour it', async () => {
		const h = run('bfl', 'flux-2-klein-4b', { safetyTolerance: '5' }, { fallbackFromBfl: 'fal' });
		const [out] = await h.run();
		expect(h.requests).toHaveLength(0);
		expect(errorOf(out[0]).message).toContain('fal.ai is the Fallback Provider');
	});
});
