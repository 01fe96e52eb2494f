import { describe, expect, it } from 'vitest';

import { FluxUltra } from '../../../../nodes/FluxUltra/FluxUltra.node';
import { useVirtualClock } from '../../../../testkit/harness/clock';
import { mockBflJob } from '../../../../testkit/harness/bflNock';
import { mockFalJob } from '../../../../testkit/harness/falNock';
import { binaryItem, runModel } from '../../../../testkit/harness/modelRun';
import { mockReplicateJob } from '../../../../testkit/harness/replicateNock';
import { makePng } from '../../../../testkit/mocks/images';
import { useNock } from '../../../setupNock';

/**
 * FLUX.2 [max], added as the recipe says (a declaration and a line per provider): the same fields
 * as [pro] (one editor field for both), its own endpoints, its own price in the spend cap.
 */

useNock();

const REF = makePng(300, 300, 3);

const run = (provider: string, options: Record<string, unknown>) =>
	runModel(provider, 'flux-2-max', options, {
		prompt: 'image 1 at night',
		items: [binaryItem({ ref: REF })],
	});

const withRef = { referenceImages: { image: [{ source: 'binary', binaryPropertyName: 'ref' }] } };

describe('FLUX.2 [max]', () => {
	it('shares its fields with FLUX.2 [pro] (and [flex] and [klein]) in the editor: one Megapixels field per node version, shown for each', () => {
		type Field = {
			name: string;
			options?: unknown;
			displayOptions?: { show?: Record<string, unknown> };
		};
		const properties = new FluxUltra().description.properties as Field[];
		const all = properties.flatMap((p) => [
			p,
			...(p.name === 'options' ? ((p.options as Field[]) ?? []) : []),
		]);
		const megapixels = all.filter((p) => p.name === 'megapixels');
		// Version 1 at the top level, version 2 in Options: one each.
		expect(megapixels).toHaveLength(2);
		for (const field of megapixels)
			expect(field.displayOptions?.show?.model ?? field.displayOptions?.show?.['/model']).toEqual([
				'flux-2-pro',
				'flux-2-max',
				'flux-2-flex',
				'flux-2-klein-9b',
				'flux-2-klein-4b',
			]);
	});

	it('on Black Forest Labs: /v1/flux-2-max with the reference as input_image', async () => {
		useVirtualClock();
		const job = mockBflJob({ model: 'flux-2-max', cost: 10 });
		const [out] = await run('bfl', withRef).run();
		expect(job.submitted()?.input_image).toBe(REF.toString('base64'));
		expect(out[0].json).toMatchObject({
			model: 'flux-2-max',
			cost: { usd: 0.1, source: 'provider' },
		});
	});

	it('on fal.ai: fal-ai/flux-2-max/edit with image_urls', async () => {
		useVirtualClock();
		const job = mockFalJob({ model: 'fal-ai/flux-2-max/edit' });
		const [out] = await run('fal', withRef).run();
		expect(job.submitted()?.image_urls).toEqual([
			`data:image/png;base64,${REF.toString('base64')}`,
		]);
		// $0.07 the first output MP + $0.03 for the reference's started megapixel (FA-34).
		expect(out[0].json).toMatchObject({
			model: 'flux-2-max',
			cost: { usd: 0.1, source: 'list_price' },
		});
	});

	it('on Replicate: black-forest-labs/flux-2-max with input_images', async () => {
		useVirtualClock();
		const job = mockReplicateJob({ model: 'black-forest-labs/flux-2-max' });
		await run('replicate', withRef).run();
		expect((job.submitted()?.input as Record<string, unknown>).input_images).toHaveLength(1);
	});

	it('Max Cost per Run counts its price: 4 MP × 4 images is $0.16 each, over a $0.60 cap before any request', async () => {
		const h = run('bfl', { megapixels: '4', numImages: 4, maxCostPerRun: 0.6 });
		await expect(h.run()).rejects.toThrow(/could cost up to \$0\.64/);
		expect(h.requests).toHaveLength(0);
	});
});
