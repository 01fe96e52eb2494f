import { describe, expect, it } from 'vitest';

import { useVirtualClock } from '../../../harness/clock';
import { createHarness } from '../../../harness/context';
import { fakeImages, GENERATE_PARAMS, mockFalJob } from '../../../harness/falNock';
import { useNock } from '../../../setup-nock';

useNock();

/**
 * The node attached to an AI Agent runs as n8n's tool variant, type `…fluxUltraTool` (derived from
 * `usableAsTool`). What the model gets back is `JSON.stringify` of the output items' JSON; n8n
 * replaces the JSON of an item carrying an error object with `{ error: message }`, and on n8n 1.x
 * a thrown error ends the whole workflow instead of reaching the model (e2e/agent.e2e.test.ts).
 */
const TOOL = { type: 'n8n-nodes-flux-ultra.fluxUltraTool', name: 'Generate image' };
const MODERATED = { status: 422, body: { detail: [{ loc: ['body', 'prompt'], msg: 'flagged by a content checker', type: 'content_policy_violation' }] } };

describe('as an AI Agent tool', () => {
	it('a refused job comes back as an item the model can read: message, what to change, kind, job id; no error object for n8n to strip', async () => {
		useVirtualClock();
		const job = mockFalJob({ result: MODERATED });
		const [out] = await createHarness({ params: GENERATE_PARAMS, node: TOOL }).run();

		expect(out).toHaveLength(1);
		expect(out[0].error).toBeUndefined();
		expect(out[0].pairedItem).toEqual({ item: 0 });
		expect(out[0].json).toMatchObject({
			error: expect.stringMatching(/^fal\.ai blocked the content.*\[item 0\]$/) as string,
			description: expect.stringContaining('Safety Tolerance') as string,
			errorKind: 'moderation',
			requestId: job.requestId,
		});
	});

	it('a value the model got wrong is refused before any request, naming the field, so the model can correct it', async () => {
		const harness = createHarness({ params: { ...GENERATE_PARAMS, aspectRatio: '16:10' }, node: TOOL });
		const [out] = await harness.run();

		expect(harness.requests).toHaveLength(0);
		expect(out[0].error).toBeUndefined();
		expect(out[0].json).toMatchObject({ errorKind: 'parameter', field: 'Aspect Ratio', error: expect.stringContaining('Invalid value for "Aspect Ratio"') as string });
	});

	it('On Error "Stop Workflow" on the tool still stops the workflow', async () => {
		useVirtualClock();
		mockFalJob({ result: MODERATED });
		const error = await createHarness({ params: GENERATE_PARAMS, node: { ...TOOL, onError: 'stopWorkflow' } }).fail();
		expect(error.message).toMatch(/^fal\.ai blocked the content/);
	});

	it('the regular node is unchanged: without Continue On Fail it fails', async () => {
		useVirtualClock();
		mockFalJob({ result: MODERATED });
		await expect(createHarness({ params: GENERATE_PARAMS }).fail()).resolves.toBeDefined();
	});

	it('images come out as from the regular node (n8n itself leaves the binary out of what the model gets)', async () => {
		useVirtualClock();
		mockFalJob({ images: fakeImages(1) });
		const [out] = await createHarness({ params: GENERATE_PARAMS, node: TOOL }).run();
		expect(out).toHaveLength(1);
		expect(out[0].binary?.data).toBeDefined();
		expect(out[0].json).toMatchObject({ provider: 'fal', imageIndex: 0, seed: expect.anything() as unknown });
	});
});
