import { NodeOperationError } from 'n8n-workflow';
import nock from 'nock';
import { describe, expect, it } from 'vitest';

import { money } from '../../../../nodes/FluxUltra/job/cost';
import { useVirtualClock } from '../../../../testkit/harness/clock';
import { createHarness } from '../../../../testkit/harness/context';
import {
	fakeImages,
	GENERATE_PARAMS,
	mockFalJob,
	QUEUE,
} from '../../../../testkit/harness/falNock';
import { routeLikeN8n } from '../../../../testkit/harness/n8nRouting';
import { useNock } from '../../../setupNock';
import { errorOf } from '../../../../testkit/harness/errorItems';

useNock();

const submits = (harness: ReturnType<typeof createHarness>) =>
	harness.requests.filter((r) => r.method === 'POST');

describe('Max Cost per Run (USD)', () => {
	it('over the cap, without Continue On Fail: fails before any request, with the figures', async () => {
		const harness = createHarness({
			params: { ...GENERATE_PARAMS, numImages: 2, options: { maxCostPerRun: 0.3 } },
			items: [{ json: {} }, { json: {} }, { json: {} }, { json: {} }],
		});
		const error = await harness.fail();
		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error.message).toBe(
			'This run could cost up to $0.48, more than "Max Cost per Run (USD)" allows ($0.30): 4 items, 8 images × $0.06 (fal.ai list price per image)',
		);
		expect(error.description).toMatch(
			/^Nothing was sent to fal\.ai\. Raise "Max Cost per Run \(USD\)"/,
		);
		expect(harness.requests).toHaveLength(0);
	});

	it('with Continue On Fail: the items that fit run in order, the rest are error items in place (invalid items are not counted)', async () => {
		useVirtualClock();
		mockFalJob({ images: fakeImages(2) });
		mockFalJob({ images: fakeImages(2) });
		const harness = createHarness({
			// Item 1 is invalid: refused by validation, it costs nothing and does not count.
			params: {
				...GENERATE_PARAMS,
				numImages: (i: number) => (i === 1 ? 9 : 2),
				options: { maxCostPerRun: 0.25, maxParallelJobs: 1 },
			},
			items: [{ json: {} }, { json: {} }, { json: {} }, { json: {} }, { json: {} }],
			continueOnFail: true,
		});
		const [out] = await harness.run();

		expect(submits(harness)).toHaveLength(2);
		expect(out.map((i) => [i.pairedItem, errorOf(i).kind ?? 'image'])).toEqual([
			[{ item: 0 }, 'image'],
			[{ item: 0 }, 'image'],
			[{ item: 1 }, 'parameter'],
			[{ item: 2 }, 'image'],
			[{ item: 2 }, 'image'],
			[{ item: 3 }, 'spend_cap'],
			[{ item: 4 }, 'spend_cap'],
		]);
		expect(errorOf(out[5]).message).toBe(
			'Not run: "Max Cost per Run (USD)" is $0.25, the items before this one may cost up to $0.24, and this item\'s 2 images × $0.06 would make $0.36 [item 3]',
		);
		expect(errorOf(out[5]).description).toContain(
			'Nothing was sent to fal.ai for this item. The whole run would cost up to $0.48 (4 items, 8 images × $0.06',
		);
		// Under "Continue (using error output)" the refused items go to the error output.
		const [, errors] = routeLikeN8n([out], 5);
		expect(errors.map((i) => i.pairedItem)).toEqual([{ item: 1 }, { item: 3 }, { item: 4 }]);
	});

	it('a run that costs exactly the cap runs (no float noise: 3 × $0.06 is $0.18)', async () => {
		useVirtualClock();
		mockFalJob({ images: fakeImages(3) });
		const harness = createHarness({
			params: { ...GENERATE_PARAMS, numImages: 3, options: { maxCostPerRun: 0.18 } },
		});
		const [out] = await harness.run();
		expect(out).toHaveLength(3);
	});

	it('an expression-valued cap is read from the first item, like Max Parallel Jobs', async () => {
		const harness = createHarness({
			params: {
				...GENERATE_PARAMS,
				options: (i: number) => ({ maxCostPerRun: i === 0 ? 0.1 : 100 }),
			},
			items: [{ json: {} }, { json: {} }],
		});
		expect((await harness.fail()).message).toContain('allows ($0.10): 2 items, 2 images');
		expect(harness.requests).toHaveLength(0);
	});

	it('Remix on fal.ai is capped at the Ultra Redux list price ($0.25 an image)', async () => {
		const harness = createHarness({
			params: {
				...GENERATE_PARAMS,
				operation: 'remix',
				imageSource: 'url',
				imageUrl: 'https://example.com/in.png',
				options: { maxCostPerRun: 0.2 },
			},
		});
		expect((await harness.fail()).message).toContain(
			'1 item, 1 image × $0.25 (fal.ai list price per image)',
		);
	});

	it('with a Fallback Provider, the cap counts the higher list price of the two: an item may run on either', async () => {
		const harness = createHarness({
			params: {
				...GENERATE_PARAMS,
				provider: 'bfl',
				fallbackFromBfl: 'fal',
				operation: 'remix',
				imageSource: 'url',
				imageUrl: 'https://example.com/a.png',
				options: { maxCostPerRun: 0.2 },
			},
		});
		const error = await harness.fail();
		expect(error.message).toBe(
			'This run could cost up to $0.25, more than "Max Cost per Run (USD)" allows ($0.20): 1 item, 1 image × $0.25 (the higher list price of Black Forest Labs and the fallback fal.ai per image)',
		);
		expect(harness.requests).toHaveLength(0);
	});

	it('0 (the default) is no cap', async () => {
		useVirtualClock();
		mockFalJob({ images: fakeImages(4) });
		const [out] = await createHarness({ params: { ...GENERATE_PARAMS, numImages: 4 } }).run();
		expect(out).toHaveLength(4);
	});
});

describe('run total and cost figures', () => {
	it('a host without execution hints (older n8n, the harness) runs as before', async () => {
		useVirtualClock();
		mockFalJob({ images: fakeImages(1) });
		const harness = createHarness({ params: GENERATE_PARAMS });
		expect('addExecutionHints' in harness.ctx).toBe(false);
		const [out] = await harness.run();
		expect(out[0].json.cost).toEqual({ usd: 0.06, source: 'list_price' });
	});

	it('no hint when no image came out', async () => {
		useVirtualClock();
		mockFalJob({
			result: {
				status: 422,
				body: {
					detail: [{ loc: ['body', 'prompt'], msg: 'flagged', type: 'content_policy_violation' }],
				},
			},
		});
		const harness = createHarness({ params: GENERATE_PARAMS, continueOnFail: true });
		const hints: unknown[] = [];
		Object.assign(harness.ctx, { addExecutionHints: (...h: unknown[]) => hints.push(...h) });
		await harness.run();
		expect(hints).toEqual([]);
	});

	it('money is written as people write it', () => {
		expect([0.06, 0.055, 0.48, 1.5, 12, 0.000125].map(money)).toEqual([
			'$0.06',
			'$0.055',
			'$0.48',
			'$1.50',
			'$12.00',
			'$0.0001',
		]);
	});
});

describe('Download Image off in sync mode', () => {
	it('an inline (data URI) image has no link to pass on, so it is still stored as binary, without any request beyond the job', async () => {
		useVirtualClock();
		const images = fakeImages(2, 'png', 8, 8);
		mockFalJob({ images, inline: true });
		const harness = createHarness({
			params: {
				...GENERATE_PARAMS,
				numImages: 2,
				outputFormat: 'png',
				downloadImage: false,
				options: { syncMode: true },
			},
		});
		const [out] = await harness.run();
		expect(harness.requests.every((r) => r.url.startsWith(QUEUE))).toBe(true);
		expect(out.map((i) => i.json.url)).toEqual([null, null]);
		expect(Buffer.from(out[1].binary!.data.data, 'base64').equals(images[1].bytes)).toBe(true);
		// No base64 in the JSON.
		expect(JSON.stringify(out.map((i) => i.json))).not.toContain('base64');
		expect(nock.pendingMocks()).toEqual([]);
	});
});
