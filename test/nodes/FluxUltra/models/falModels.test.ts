import nock from 'nock';
import { describe, expect, it } from 'vitest';

import { flux2Size } from '../../../../nodes/FluxUltra/parameters/models/flux2Pro';
import { useVirtualClock } from '../../../../testkit/harness/clock';
import { mockBflJob } from '../../../../testkit/harness/bflNock';
import { errorOf } from '../../../../testkit/harness/errorItems';
import { fakeImages, mockFalJob, mockFalUpload, QUEUE } from '../../../../testkit/harness/falNock';
import { binaryItem, runModel } from '../../../../testkit/harness/modelRun';
import { makePng } from '../../../../testkit/mocks/images';
import { useNock } from '../../../setupNock';

/**
 * FLUX.2 [pro] and FLUX 3 Image on fal.ai (issue 29), through the node on nock: text-to-image and
 * edit endpoints (a job with references goes to the edit one), references as `image_urls` in order
 * (small binaries inline as data URIs, large ones uploaded to fal's storage, URLs as they are),
 * fal's string safety tolerance, unconfirmed names sent only when set, failover between providers of
 * the same model.
 */

useNock();

const SMALL = makePng(300, 300, 1);
const run = (model: string, options: Record<string, unknown>, files: Record<string, Buffer> = {}) =>
	runModel('fal', model, options, {
		prompt: 'image 1 in the style of image 2',
		items: [binaryItem(files)],
		continueOnFail: true,
	});

describe('FLUX.2 [pro] on fal.ai', () => {
	it('without references: fal-ai/flux-2-pro with image_size in pixels and the tolerance as text', async () => {
		useVirtualClock();
		const job = mockFalJob({ model: 'fal-ai/flux-2-pro', seed: 9 });
		const [out] = await run('flux-2-pro', {
			aspectRatio: '3:2',
			megapixels: '1',
			seed: 9,
			safetyTolerance: '4',
		}).run();
		expect(job.submitted()).toEqual({
			prompt: 'image 1 in the style of image 2',
			seed: 9,
			output_format: 'jpeg',
			safety_tolerance: '4',
			image_size: flux2Size('3:2', 1),
		});
		expect(out[0].json).toMatchObject({
			provider: 'fal',
			model: 'flux-2-pro',
			seed: 9,
			cost: { usd: 0.03, source: 'list_price' },
		});
	});

	it('with references: the edit endpoint, image_urls in order (binary inline, then a URL as it is); Match First Reference is "auto"', async () => {
		useVirtualClock();
		const job = mockFalJob({ model: 'fal-ai/flux-2-pro/edit' });
		const [out] = await run(
			'flux-2-pro',
			{
				aspectRatio: 'match',
				referenceImages: {
					image: [
						{ source: 'binary', binaryPropertyName: 'product' },
						{ source: 'url', url: 'https://images.example.com/style.png' },
					],
				},
			},
			{ product: SMALL },
		).run();
		expect(job.submitted()?.image_urls).toEqual([
			`data:image/png;base64,${SMALL.toString('base64')}`,
			'https://images.example.com/style.png',
		]);
		expect(job.submitted()?.image_size).toBe('auto');
		// 1 MP out is counted as the worst case (Match: 4 MP), a URL reference as 4 MP, the binary as 1.
		expect(out[0].json.cost).toEqual({
			usd: 0.03 + 0.015 * 3 + 0.015 * (1 + 4),
			source: 'list_price',
		});
	});
});

describe('FLUX 3 Image on fal.ai', () => {
	it('text-to-image sends prompt and aspect ratio; the unconfirmed names only when set away from the default', async () => {
		useVirtualClock();
		const plain = mockFalJob({
			model: 'blackforestlabs/flux-3/text-to-image',
		});
		await run('flux-3-image', {}).run();
		expect(plain.submitted()).toEqual({
			prompt: 'image 1 in the style of image 2',
			aspect_ratio: 'auto',
		});
		const set = mockFalJob({
			model: 'blackforestlabs/flux-3/text-to-image',
		});
		const [out] = await run('flux-3-image', { resolution: '2k', grounding: false }).run();
		expect(set.submitted()).toMatchObject({ resolution: '2k', grounding: false });
		expect(out[0].json).toMatchObject({ model: 'flux-3-image', seed: null, cost: { usd: 0.1 } });
	});

	it('edit-image: references uploaded to fal storage when large, in order', async () => {
		useVirtualClock();
		const large = makePng(600, 600, 3);
		const upload = mockFalUpload('ref-large');
		const job = mockFalJob({
			model: 'blackforestlabs/flux-3/edit-image',
		});
		// Inline up to fal's inline size; this one is made larger than that by padding.
		const padded = Buffer.concat([large, Buffer.alloc(2 * 1024 * 1024)]);
		await run(
			'flux-3-image',
			{
				referenceImages: {
					image: [
						{ source: 'url', url: 'https://images.example.com/a.png' },
						{ source: 'binary', binaryPropertyName: 'big' },
					],
				},
			},
			{ big: padded },
		).run();
		expect(job.submitted()?.image_urls).toEqual([
			'https://images.example.com/a.png',
			upload.fileUrl,
		]);
	});

	it('refuses a reference over 4 MP before any request: fal takes at most 4 MP per reference (BFL 16)', async () => {
		const h = run(
			'flux-3-image',
			{ referenceImages: { image: [{ source: 'binary', binaryPropertyName: 'huge' }] } },
			{ huge: makePng(2100, 2100, 1) },
		);
		const [out] = await h.run();
		expect(h.requests).toHaveLength(0);
		expect(errorOf(out[0]).message).toContain('takes at most 4 MP per reference on fal.ai');
	});

	it('a reference just over the limit is named by its pixels and a size over it, not “is 4 MP; at most 4 MP”', async () => {
		// Ultra's 16:9 image (2752×1536, 4.03 MP), the demo's first try at a FLUX 3 reference on fal.ai.
		const h = run(
			'flux-3-image',
			{ referenceImages: { image: [{ source: 'binary', binaryPropertyName: 'ultra' }] } },
			{ ultra: makePng(2752, 1536, 1) },
		);
		const [out] = await h.run();
		expect(h.requests).toHaveLength(0);
		const message = errorOf(out[0]).message;
		expect(message).toContain('is 2752×1536 px (4.04 MP)');
		expect(message).not.toMatch(/is 4 MP/);
	});
});

describe('failover between providers of the same model', () => {
	it('a FLUX 3 Image item moves from fal.ai (out of balance: the submit made no job) to Black Forest Labs, references re-sent the way BFL takes them', async () => {
		useVirtualClock();
		nock(QUEUE)
			.post('/blackforestlabs/flux-3/edit-image')
			.reply(402, { detail: 'User is locked. Reason: Exhausted balance.' });
		const bfl = mockBflJob({ model: 'flux-3-image', image: fakeImages(1, 'png')[0] });
		const h = runModel(
			'fal',
			'flux-3-image',
			{ referenceImages: { image: [{ source: 'binary', binaryPropertyName: 'product' }] } },
			{
				prompt: 'image 1 on a beach',
				params: { fallbackFromFal: 'bfl' },
				items: [binaryItem({ product: SMALL })],
				continueOnFail: true,
			},
		);
		const [out] = await h.run();
		expect(bfl.submitted()?.images).toEqual([SMALL.toString('base64')]);
		expect(out[0].json).toMatchObject({ provider: 'bfl', model: 'flux-3-image' });
		expect(out[0].json.failover).toBeDefined();
	});
});
