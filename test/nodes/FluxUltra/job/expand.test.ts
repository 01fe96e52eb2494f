import nock from 'nock';
import { describe, expect, it } from 'vitest';

import { seedAt, splitRequest } from '../../../../nodes/FluxUltra/job/expand';
import { SEED_BIG_MAX, SEED_MAX } from '../../../../nodes/FluxUltra/parameters/table';
import { validateItemParameters } from '../../../../nodes/FluxUltra/parameters/validation';
import { PROVIDERS, providerById } from '../../../../nodes/FluxUltra/providers/registry';
import { BFL_GENERATE_PARAMS, mockBflJob } from '../../../../testkit/harness/bflNock';
import { useVirtualClock } from '../../../../testkit/harness/clock';
import { createHarness } from '../../../../testkit/harness/context';
import { fakeImages } from '../../../../testkit/harness/falNock';
import { useNock } from '../../../setupNock';
import { errorOf } from '../../../../testkit/harness/errorItems';

useNock();

const request = (numImages: number, seed?: number) =>
	validateItemParameters({
		operation: 'generate',
		main: { prompt: 'p', aspectRatio: '1:1', numImages, outputFormat: 'png' },
		options: seed === undefined ? {} : { seed },
		imageSource: 'none',
		imageUrl: undefined,
		binaryPropertyName: undefined,
	});

describe('one job per image on providers that make one image per request', () => {
	it('keeps the request whole where the provider makes every image at once', () => {
		const whole = request(4, 3);
		expect(splitRequest(providerById('fal')!, whole)).toEqual([{ request: whole }]);
		expect(splitRequest(providerById('bfl')!, request(1, 3))).toHaveLength(1);
	});

	it('splits Number of Images into one request each, seeds seed, seed+1, …, sharing one input-image slot', () => {
		const parts = splitRequest(providerById('replicate')!, request(3, 10));
		expect(
			parts.map((p) => [
				p.request.params.num_images,
				p.request.params.seed,
				p.part?.firstImage,
				p.part?.imageCount,
			]),
		).toEqual([
			[1, 10, 0, 3],
			[1, 11, 1, 3],
			[1, 12, 2, 3],
		]);
		expect(new Set(parts.map((p) => p.part?.shared)).size).toBe(1);
		expect(
			splitRequest(providerById('bfl')!, request(2)).map((p) => 'seed' in p.request.params),
		).toEqual([false, false]);
	});

	it('counts seeds exactly past 2^53 (as bigints, as seeds travel) and wraps past the largest to 0', () => {
		expect(seedAt(SEED_MAX - 1, 1)).toBe(SEED_MAX);
		expect(seedAt(SEED_MAX, 1)).toBe(BigInt(SEED_MAX) + BigInt(1));
		expect(seedAt(SEED_BIG_MAX, 1)).toBe(0);
		expect(seedAt(SEED_BIG_MAX - BigInt(1), 3)).toBe(1);
	});

	it('declares "one request per image" in the field map exactly where the provider makes one image per request', () => {
		for (const provider of PROVIDERS) {
			expect(provider.fields.num_images.status === 'per_request', provider.id).toBe(
				provider.imagesPerRequest === 1,
			);
		}
	});

	it("keeps the images that were made when one of an item's requests fails, with the failure as an error item in place", async () => {
		useVirtualClock();
		const images = fakeImages(3, 'png', 20, 20);
		const jobs = [
			mockBflJob({ image: images[0] }),
			mockBflJob({ terminal: { status: 'Content Moderated' } }),
			mockBflJob({ image: images[2] }),
		];
		const [out] = await createHarness({
			params: { ...BFL_GENERATE_PARAMS, numImages: 3, options: { maxParallelJobs: 3 } },
			continueOnFail: true,
		}).run();
		expect(out.map((i) => errorOf(i).kind ?? i.json.imageIndex)).toEqual([0, 'moderation', 2]);
		expect(out.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 0 }, { item: 0 }]);
		expect(errorOf(out[1]).requestId).toBe(jobs[1].id);
		expect(nock.isDone()).toBe(true);
	});
});
