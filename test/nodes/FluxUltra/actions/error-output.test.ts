import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';

import { useVirtualClock } from '../../../harness/clock';
import { createHarness } from '../../../harness/context';
import { fakeImages, GENERATE_PARAMS, mockFalJob } from '../../../harness/falNock';
import { routeLikeN8n } from '../../../harness/n8nRouting';
import { useNock } from '../../../setup-nock';

useNock();

/** Three items: the middle one fails at fal.ai (moderation), the others make one image each. */
function threeItemsMiddleFails() {
	mockFalJob({ images: fakeImages(1) });
	mockFalJob({
		result: { status: 422, body: { detail: [{ loc: ['body', 'prompt'], msg: 'flagged', type: 'content_policy_violation' }] } },
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
		expect(errors[0].json).toMatchObject({ errorKind: 'moderation', error: expect.stringContaining('[item 1]') });
		expect(errors[0].error).toBeInstanceOf(NodeApiError);
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
		expect(errors.map((i) => [i.pairedItem, i.json.errorKind, i.json.field])).toEqual([[{ item: 1 }, 'parameter', 'Number of Images']]);
		expect(errors[0].error).toBeInstanceOf(NodeOperationError);
	});

	it('"Continue (regular output)": the error item stays in place, between the images', async () => {
		useVirtualClock();
		const [out] = await threeItemsMiddleFails().run();

		expect(out.map((i) => [i.pairedItem, i.json.errorKind ?? 'image'])).toEqual([
			[{ item: 0 }, 'image'],
			[{ item: 1 }, 'moderation'],
			[{ item: 2 }, 'image'],
		]);
	});

	it('"Stop Workflow": the node fails with the item\'s error', async () => {
		useVirtualClock();
		mockFalJob({
			result: { status: 422, body: { detail: [{ loc: ['body', 'prompt'], msg: 'flagged', type: 'content_policy_violation' }] } },
		});
		const error = await createHarness({ params: GENERATE_PARAMS }).fail();
		expect(error.message).toContain('blocked the content');
	});
});
