import { describe, expect, it } from 'vitest';

import { useVirtualClock } from '../../../../testkit/harness/clock';
import { fakeImages } from '../../../../testkit/harness/falNock';
import { binaryItem, runModel } from '../../../../testkit/harness/modelRun';
import { mockReplicateJob } from '../../../../testkit/harness/replicateNock';
import { makePng } from '../../../../testkit/mocks/images';
import { useNock } from '../../../setupNock';

/**
 * FLUX.2 [pro] and FLUX 3 Image on Replicate (issue 29), through the node on nock: the official
 * model's predictions, references as its list field in order (small files inline as data URIs,
 * URLs as they are), Replicate's own names (`jpg`, "N MP", `match_input_image`), the webhook beside
 * the input, PNG asked for FLUX 3 Image.
 */

useNock();

const REF = makePng(300, 300, 2);
const run = (model: string, options: Record<string, unknown>) =>
	runModel('replicate', model, options, {
		prompt: 'image 1, in snow',
		items: [binaryItem({ ref: REF })],
		continueOnFail: true,
	});

describe('FLUX.2 [pro] on Replicate', () => {
	it('sends its names: aspect ratio and "N MP", jpg, the tolerance as a number, input_images in order; the webhook beside the input', async () => {
		useVirtualClock();
		const job = mockReplicateJob({
			model: 'black-forest-labs/flux-2-pro',
			image: fakeImages(1, 'jpeg')[0],
		});
		const [out] = await run('flux-2-pro', {
			aspectRatio: '4:5',
			megapixels: '2',
			safetyTolerance: '5',
			seed: 12,
			webhookUrl: 'https://hooks.example.com/done',
			referenceImages: {
				image: [
					{ source: 'url', url: 'https://images.example.com/a.png' },
					{ source: 'binary', binaryPropertyName: 'ref' },
				],
			},
		}).run();
		expect(job.submitted()).toMatchObject({
			input: {
				prompt: 'image 1, in snow',
				seed: 12,
				safety_tolerance: 5,
				output_format: 'jpg',
				aspect_ratio: '4:5',
				resolution: '2 MP',
				input_images: [
					'https://images.example.com/a.png',
					`data:image/png;base64,${REF.toString('base64')}`,
				],
			},
			webhook: 'https://hooks.example.com/done',
		});
		expect(out[0].json).toMatchObject({ provider: 'replicate', model: 'flux-2-pro' });
	});

	it('Match First Reference is match_input_image for both ratio and resolution', async () => {
		useVirtualClock();
		const job = mockReplicateJob({ model: 'black-forest-labs/flux-2-pro' });
		await run('flux-2-pro', {
			aspectRatio: 'match',
			referenceImages: { image: [{ source: 'binary', binaryPropertyName: 'ref' }] },
		}).run();
		expect(job.submitted()?.input).toMatchObject({
			aspect_ratio: 'match_input_image',
			resolution: 'match_input_image',
		});
	});
});

describe('FLUX 3 Image on Replicate', () => {
	it('sends only its fields, grounding always, PNG asked for; images in order; seed null in the item', async () => {
		useVirtualClock();
		const job = mockReplicateJob({
			model: 'black-forest-labs/flux-3-image',
			image: fakeImages(1, 'png')[0],
			seed: 77,
		});
		const [out] = await run('flux-3-image', {
			resolution: '1.5k',
			referenceImages: { image: [{ source: 'binary', binaryPropertyName: 'ref' }] },
		}).run();
		expect(job.submitted()?.input).toEqual({
			prompt: 'image 1, in snow',
			aspect_ratio: 'auto',
			resolution: '1.5k',
			grounding: true,
			safety_tolerance: 2,
			output_format: 'png',
			images: [`data:image/png;base64,${REF.toString('base64')}`],
		});
		expect(out[0].json).toMatchObject({
			model: 'flux-3-image',
			seed: null,
			cost: { usd: 0.07, source: 'list_price' },
		});
	});
});
