import { describe, expect, it } from 'vitest';

import { useVirtualClock } from '../../../../testkit/harness/clock';
import { createHarness } from '../../../../testkit/harness/context';
import { fakeImages, GENERATE_PARAMS, mockFalJob } from '../../../../testkit/harness/falNock';
import { routeLikeN8n } from '../../../../testkit/harness/n8nRouting';
import { useNock } from '../../../setupNock';
import { errorOf } from '../../../../testkit/harness/errorItems';

useNock();

/** Three items: the middle one fails at fal.ai (moderation), the others make one image each. */
function threeItemsMiddleFails() {
	mockFalJob({ images: fakeImages(1) });
	mockFalJob({
		result: {
			status: 422,
			body: {
				detail: [{ loc: ['body', 'prompt'], msg: 'flagged', type: 'content_policy_violation' }],
			},
		},
	});
	mockFalJob({ images: fakeImages(1) });
	return createHarness({
		params: { ...GENERATE_PARAMS, options: { maxParallelJobs: 1 } },
		items: [{ json: { brief: 'a' } }, { json: { brief: 'b' } }, { json: { brief: 'c' } }],
		continueOnFail: true,
	});
}

describe('On Error settings, with n8n-core routing the output', () => {
	it('"Continue (using error output)": the failed item reaches output 2 with pairedItem, the good ones output 1', async () => {
		useVirtualClock();
		const [out] = await threeItemsMiddleFails().run();

		const [success, errors] = routeLikeN8n([out], 3);

		expect(success.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 2 }]);
		expect(success.every((i) => i.binary?.data)).toBe(true);
		expect(errors).toHaveLength(1);
		expect(errors[0].pairedItem).toEqual({ item: 1 });
		// What the next node sees, after n8n's routing and its normalisation of error items: the
		// node's error details, kind included (real n8n 2.x also merges in the input item's fields).
		expect(errors[0].json).toEqual({
			error: expect.objectContaining({
				kind: 'moderation',
				message: expect.stringContaining('[item 1]'),
			}),
		});
		expect(errorOf(errors[0]).description).toContain('Safety Tolerance');
	});

	it('"Continue (using error output)" also takes items refused before any request', async () => {
		useVirtualClock();
		mockFalJob({ images: fakeImages(1) });
		const harness = createHarness({
			params: { ...GENERATE_PARAMS, numImages: (i: number) => (i === 1 ? 9 : 1) },
			items: [{ json: {} }, { json: {} }],
			continueOnFail: true,
		});
		const [out] = await harness.run();

		const [success, errors] = routeLikeN8n([out], 2);

		expect(success).toHaveLength(1);
		expect(errors.map((i) => [i.pairedItem, errorOf(i).kind, errorOf(i).field])).toEqual([
			[{ item: 1 }, 'parameter', 'Number of Images'],
		]);
	});

	it('"Continue (regular output)": the error item stays in place, between the images', async () => {
		useVirtualClock();
		const [out] = await threeItemsMiddleFails().run();

		expect(out.map((i) => [i.pairedItem, errorOf(i).kind ?? 'image'])).toEqual([
			[{ item: 0 }, 'image'],
			[{ item: 1 }, 'moderation'],
			[{ item: 2 }, 'image'],
		]);
	});

	it('"Stop Workflow": the node fails with the item\'s error', async () => {
		useVirtualClock();
		mockFalJob({
			result: {
				status: 422,
				body: {
					detail: [{ loc: ['body', 'prompt'], msg: 'flagged', type: 'content_policy_violation' }],
				},
			},
		});
		const error = await createHarness({ params: GENERATE_PARAMS }).fail();
		expect(error.message).toContain('blocked the content');
	});
});
