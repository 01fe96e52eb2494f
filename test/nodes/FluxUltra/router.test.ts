import { NodeOperationError } from 'n8n-workflow';
import nock from 'nock';
import { describe, expect, it } from 'vitest';

import { useVirtualClock } from '../../../testkit/harness/clock';
import { createHarness } from '../../../testkit/harness/context';
import {
	ENDPOINT_PATH,
	fakeImages,
	GENERATE_PARAMS,
	mockFalJob,
	QUEUE,
} from '../../../testkit/harness/falNock';
import { useNock } from '../../setupNock';

useNock();

const twoItems = [{ json: { n: 0 } }, { json: { n: 1 } }, { json: { n: 2 } }];

describe('router: bad input never costs a request', () => {
	it('fails on an invalid item before any request, naming the field and the item', async () => {
		const harness = createHarness({
			params: { ...GENERATE_PARAMS, numImages: (i: number) => (i === 2 ? 9 : 1) },
			items: twoItems,
		});

		const error = await harness.fail();

		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error.message).toBe(
			'Invalid value for "Number of Images": must be a whole number from 1 to 4 [item 2]',
		);
		expect(error.description).toBe(
			'Received 9. Change "Number of Images", or the expression that sets it, and run the workflow again.',
		);
		expect(error.context.itemIndex).toBe(2);
		// Items 0 and 1 were valid, but nothing was sent: the run would have failed anyway.
		expect(harness.requests).toHaveLength(0);
	});

	it('reports a missing input binary field by name, listing what the item has', async () => {
		const harness = createHarness({
			params: {
				...GENERATE_PARAMS,
				operation: 'remix',
				imageSource: 'binary',
				binaryPropertyName: 'image',
			},
			items: [
				{
					json: {},
					binary: {
						data: { data: '', mimeType: 'image/png' },
						thumb: { data: '', mimeType: 'image/png' },
					},
				},
			],
		});

		const error = await harness.fail();

		expect(error.message).toBe(
			'Invalid value for "Input Binary Field": the incoming item has no binary field "image" (it has: data, thumb) [item 0]',
		);
		expect(harness.requests).toHaveLength(0);
	});

	it('refuses a binary that is not an image before any request', async () => {
		const harness = createHarness({
			params: {
				...GENERATE_PARAMS,
				operation: 'remix',
				imageSource: 'binary',
				binaryPropertyName: 'data',
			},
			items: [
				{
					json: {},
					binary: {
						data: { data: Buffer.from('%PDF-1.7').toString('base64'), mimeType: 'application/pdf' },
					},
				},
			],
		});

		const error = await harness.fail();

		expect(error.message).toBe(
			'Invalid value for "Input Binary Field": the file in "data" is application/pdf, not an image [item 0]',
		);
		expect(harness.requests).toHaveLength(0);
	});
});

describe('router: Continue On Fail', () => {
	it('turns each failed item into an error item and still delivers the others, in order', async () => {
		useVirtualClock();
		const first = mockFalJob({ images: fakeImages(2) });
		const third = mockFalJob({ images: fakeImages(1) });
		nock(QUEUE)
			.post(ENDPOINT_PATH.generate)
			.reply(422, {
				detail: [{ loc: ['body', 'prompt'], msg: 'flagged', type: 'content_policy_violation' }],
			});
		const prompts = ['good one', '', 'good two', 'provider says no'];
		const harness = createHarness({
			params: {
				...GENERATE_PARAMS,
				prompt: (i: number) => prompts[i],
				numImages: (i: number) => (i === 0 ? 2 : 1),
			},
			items: prompts.map((p) => ({ json: { p } })),
			continueOnFail: true,
		});

		const [out] = await harness.run();

		expect(out.map((i) => i.pairedItem)).toEqual([
			{ item: 0 },
			{ item: 0 },
			{ item: 1 },
			{ item: 2 },
			{ item: 3 },
		]);
		expect(out[0].json.requestId).toBe(first.requestId);
		expect(out[1].binary?.data).toBeDefined();
		expect(out[2].json).toEqual({
			error: {
				message: 'Invalid value for "Prompt": is required and cannot be empty [item 1]',
				description:
					'Received "". Change "Prompt", or the expression that sets it, and run the workflow again.',
				kind: 'parameter',
				field: 'Prompt',
				// Bad input would be refused elsewhere too.
				safeToRunElsewhere: false,
			},
		});
		expect(out[2].binary).toBeUndefined();
		expect(out[3].json.requestId).toBe(third.requestId);
		expect(out[4].json).toMatchObject({
			error: {
				message: 'fal.ai blocked the content: it was flagged by the content checker [item 3]',
				kind: 'moderation',
			},
		});
		// The invalid item cost nothing: three submits for the three valid items.
		expect(harness.requests.filter((r) => r.method === 'POST')).toHaveLength(3);
		expect(nock.isDone()).toBe(true);
	});

	it('without Continue On Fail, stops at the first provider failure with its item index', async () => {
		useVirtualClock();
		mockFalJob();
		nock(QUEUE).post(ENDPOINT_PATH.generate).reply(401, { detail: 'Unauthorized' });
		const harness = createHarness({ params: GENERATE_PARAMS, items: twoItems });

		const error = await harness.fail();

		expect(error.message).toBe('fal.ai refused the API key (HTTP 401) [item 1]');
		expect(error.context.itemIndex).toBe(1);
		expect(harness.requests.filter((r) => r.method === 'POST')).toHaveLength(2);
	});
});
