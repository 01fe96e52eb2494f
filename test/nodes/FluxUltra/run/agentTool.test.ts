import { describe, expect, it } from 'vitest';

import { AGENT_PROMPT_MAX_BYTES, capPrompt } from '../../../../nodes/FluxUltra/run/agentTool';

import { useVirtualClock } from '../../../../testkit/harness/clock';
import { createHarness } from '../../../../testkit/harness/context';
import { fakeImages, GENERATE_PARAMS, mockFalJob } from '../../../../testkit/harness/falNock';
import { useNock } from '../../../setupNock';
import { errorOf } from '../../../../testkit/harness/errorItems';

useNock();

/**
 * The node attached to an AI Agent runs as n8n's tool variant, type `…fluxUltraTool` (derived from
 * `usableAsTool`). What the model gets back is `JSON.stringify` of the output items' JSON; n8n
 * replaces the JSON of an item carrying an error object with `{ error: message }`, and on n8n 1.x
 * a thrown error ends the whole workflow instead of reaching the model (e2e/agent.e2e.test.ts).
 */
const TOOL = { type: 'n8n-nodes-flux-ultra.fluxUltraTool', name: 'Generate image' };
const MODERATED = {
	status: 422,
	body: {
		detail: [
			{
				loc: ['body', 'prompt'],
				msg: 'flagged by a content checker',
				type: 'content_policy_violation',
			},
		],
	},
};

describe('as an AI Agent tool', () => {
	it('a refused job comes back as an item the model can read: message, what to change, kind, job id; no error object for n8n to strip', async () => {
		useVirtualClock();
		const job = mockFalJob({ result: MODERATED });
		const [out] = await createHarness({ params: GENERATE_PARAMS, node: TOOL }).run();

		expect(out).toHaveLength(1);
		expect(out[0].error).toBeUndefined();
		expect(out[0].pairedItem).toEqual({ item: 0 });
		expect(errorOf(out[0])).toMatchObject({
			message: expect.stringMatching(/^fal\.ai blocked the content.*\[item 0\]$/) as string,
			description: expect.stringContaining('Safety Tolerance') as string,
			kind: 'moderation',
			requestId: job.requestId,
		});
	});

	it('a value the model got wrong is refused before any request, naming the field, so the model can correct it', async () => {
		const harness = createHarness({
			params: { ...GENERATE_PARAMS, aspectRatio: '16:10' },
			node: TOOL,
		});
		const [out] = await harness.run();

		expect(harness.requests).toHaveLength(0);
		expect(out[0].error).toBeUndefined();
		expect(errorOf(out[0])).toMatchObject({
			kind: 'parameter',
			field: 'Aspect Ratio',
			message: expect.stringContaining('Invalid value for "Aspect Ratio"') as string,
		});
	});

	it('On Error "Stop Workflow" on the tool still stops the workflow', async () => {
		useVirtualClock();
		mockFalJob({ result: MODERATED });
		const error = await createHarness({
			params: GENERATE_PARAMS,
			node: { ...TOOL, onError: 'stopWorkflow' },
		}).fail();
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
		expect(out[0].json).toMatchObject({
			provider: 'fal',
			imageIndex: 0,
			seed: expect.anything() as unknown,
		});
	});
});

describe('the prompt echoed to the model', () => {
	const jsonBytes = (text: string) => Buffer.byteLength(JSON.stringify(text));

	it('is kept whole when short', () => {
		expect(capPrompt('a ceramic mug on a walnut table')).toBe('a ceramic mug on a walnut table');
	});

	it.each([
		['ASCII', 'a mug on a table, '.repeat(500)],
		['quotes and backslashes (escaped in JSON)', '"quoted" \\ '.repeat(400)],
		['CJK (3 bytes a character)', '秋のコーヒー'.repeat(300)],
		['emoji (surrogate pairs, never split)', '☕🍂'.repeat(400)],
	])('is cut to %s within the budget, marked "…"', (_, prompt) => {
		const cut = capPrompt(prompt);
		expect(jsonBytes(cut)).toBeLessThanOrEqual(AGENT_PROMPT_MAX_BYTES);
		expect(jsonBytes(cut)).toBeGreaterThan(AGENT_PROMPT_MAX_BYTES - 12);
		expect(cut.endsWith('…')).toBe(true);
		expect(prompt.startsWith(cut.slice(0, -1))).toBe(true);
		expect(cut).not.toMatch(/[\uD800-\uDBFF]…$/);
	});

	it('a prompt of almost 10,000 characters: the image JSON the model gets stays under 2 KB; the regular node keeps the whole prompt', async () => {
		useVirtualClock();
		const prompt = `${'Autumn coffee hero shot with maple leaves and golden light. '.repeat(160).slice(0, 9_990)}in 16:9.`;
		mockFalJob({ images: fakeImages(1) });
		const [asTool] = await createHarness({
			params: { ...GENERATE_PARAMS, prompt },
			node: TOOL,
		}).run();
		expect(Buffer.byteLength(JSON.stringify(asTool[0].json))).toBeLessThan(2048);
		expect(String(asTool[0].json.prompt).endsWith('…')).toBe(true);

		mockFalJob({ images: fakeImages(1) });
		const [regular] = await createHarness({ params: { ...GENERATE_PARAMS, prompt } }).run();
		expect(regular[0].json.prompt).toBe(prompt);
	});
});
