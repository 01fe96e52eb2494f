import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

import { unsupportedNotices } from '../../nodes/FluxUltra/providers/common/describe';
import { createHarness, type HarnessOptions } from '../../testkit/harness/context';
import { errorOf } from '../../testkit/harness/errorItems';
import { makePng } from '../../testkit/mocks/images';
import {
	startMockRunflow,
	type MockRunflow,
	type MockRunflowOptions,
} from '../../testkit/mocks/runflowServer';

/**
 * Runflow's Ultra inputs read at run time from its models API (`GET /v1/models/{owner}/{slug}`),
 * and Remix on Runflow's Ultra Edit when that API finds it: the node over real loopback sockets
 * against the mock Runflow, whose runs accept only the inputs its model description lists.
 */

const KEY = 'rf_live_dummy_example';
const mocks: MockRunflow[] = [];

async function mock(options: MockRunflowOptions = {}): Promise<MockRunflow> {
	const started = await startMockRunflow({ latencyMs: 150, scale: 0.03, ...options });
	mocks.push(started);
	return started;
}

afterEach(async () => {
	await Promise.all(mocks.splice(0).map(async (m) => await m.close()));
});

beforeAll(() => {
	nock.enableNetConnect('127.0.0.1');
});

const generate = {
	provider: 'runflow',
	operation: 'generate',
	prompt: 'a poster of a lighthouse',
	imageSource: 'none',
	aspectRatio: '1:1',
	numImages: 2,
	outputFormat: 'png',
	options: { enhancePrompt: true, safetyTolerance: '4' },
};

/** A harness whose execution hints are recorded (n8n's `addExecutionHints`). */
function run(
	m: MockRunflow,
	params: Record<string, unknown>,
	extra: { items?: number; continueOnFail?: boolean; binary?: Buffer } = {},
) {
	const items = Array.from({ length: extra.items ?? 1 }, (_, i) => ({
		json: { i },
		...(extra.binary
			? {
					binary: {
						photo: {
							data: extra.binary.toString('base64'),
							mimeType: 'image/png',
							fileName: 'photo.png',
						},
					},
				}
			: {}),
	}));
	const h = createHarness({
		params: params as HarnessOptions['params'],
		items,
		credentials: { runflowApi: { apiKey: KEY, baseUrl: m.url } },
		continueOnFail: extra.continueOnFail,
	});
	const hints: Array<{ message: string }> = [];
	(
		h.ctx as unknown as { addExecutionHints: (...h: Array<{ message: string }>) => void }
	).addExecutionHints = (...added) => void hints.push(...added);
	return { h, hints };
}

const runflowHints = (hints: Array<{ message: string }>) =>
	hints.filter((h) => /models API/.test(h.message));

describe('Runflow Ultra inputs read from its models API', () => {
	it('two schemas shape the request differently: each run carries the names and types its model lists', async () => {
		const guessed = await mock();
		const renamed = await mock({ schema: 'renamed' });

		const [a] = await run(guessed, generate).h.run();
		const [b] = await run(renamed, generate).h.run();

		expect(a).toHaveLength(2);
		expect(b).toHaveLength(2);
		expect([...guessed.runs.values()].map((r) => r.input)).toEqual([
			{
				prompt: 'a poster of a lighthouse',
				aspect_ratio: '1:1',
				num_images: 2,
				output_format: 'png',
				enhance_prompt: true,
				safety_tolerance: '4',
			},
		]);
		expect([...renamed.runs.values()].map((r) => r.input)).toEqual([
			{
				prompt: 'a poster of a lighthouse',
				aspect_ratio: '1:1',
				num_outputs: 2,
				output_format: 'png',
				prompt_upsampling: true,
				safety_tolerance: 4,
			},
		]);
		expect(guessed.counts.models).toBe(1);
		expect(renamed.counts.models).toBe(1);
	});

	it('an input image goes under the image input the model lists (image_urls[] on the renamed schema)', async () => {
		const m = await mock({ schema: 'renamed' });

		const [out] = await run(m, {
			...generate,
			numImages: 1,
			options: {},
			imageSource: 'url',
			imageUrl: 'https://images.example.com/shoe.png',
		}).h.run();

		expect(out).toHaveLength(1);
		expect([...m.runs.values()][0].input).toEqual({
			prompt: 'a poster of a lighthouse',
			aspect_ratio: '1:1',
			output_format: 'png',
			image_urls: ['https://images.example.com/shoe.png'],
		});
	});

	it('a field set that the model does not list is refused before any run, naming the field and the item', async () => {
		const m = await mock({ schema: 'renamed' });

		const error = await run(m, { ...generate, options: { raw: true } }, { items: 3 }).h.fail();

		expect(error.message).toMatch(
			/^Invalid value for "Raw": Runflow's FLUX 1\.1 \[pro\] Ultra model does not take it: .*num_outputs.*\[item 0\]$/,
		);
		expect(m.counts.create).toBe(0);
		expect(m.counts.models).toBe(1);
	});

	it('a value outside what the model lists is refused before any run; with Continue On Fail the other items still run', async () => {
		const m = await mock({ schema: 'renamed' });
		const params = {
			...generate,
			numImages: 1,
			options: (i: number) => ({ safetyTolerance: i === 1 ? '6' : '3' }),
		};

		const [out] = await run(m, params, { items: 3, continueOnFail: true }).h.run();

		expect(out.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(errorOf(out[1])).toMatchObject({ kind: 'parameter', field: 'Safety Tolerance' });
		expect(String(errorOf(out[1]).message)).toMatch(/takes 1–5/);
		expect(m.counts.create).toBe(2);
		expect([...m.runs.values()].map((r) => r.input.safety_tolerance)).toEqual([3, 3]);
	});

	for (const down of [500, 'unreachable', 'junk'] as const) {
		it(`models API ${down}: the run still works on the built-in names, says so in one hint, and asks once for 3 items`, async () => {
			const m = await mock({ down });
			const { h, hints } = run(
				m,
				{ ...generate, numImages: 1, options: { maxParallelJobs: 3 } },
				{ items: 3 },
			);

			const [out] = await h.run();

			expect(out).toHaveLength(3);
			expect(out.every((item) => item.binary?.data)).toBe(true);
			expect(m.counts.models).toBe(1);
			expect(m.counts.create).toBe(3);
			expect(runflowHints(hints)).toHaveLength(1);
			expect(runflowHints(hints)[0].message).toMatch(/built-in names/);
		});
	}

	it('models API that never answers: given up after the look-up timeout, the run goes on with the built-in names', async ({
		task,
	}) => {
		const m = await mock({ down: 'stall' });
		const { h, hints } = run(m, { ...generate, numImages: 1, options: {} }, { items: 2 });
		const started = Date.now();

		const [out] = await h.run();

		const elapsed = Date.now() - started;
		expect(out).toHaveLength(2);
		expect(m.counts.models).toBe(1);
		expect(runflowHints(hints)).toHaveLength(1);
		// The look-up gives up after 10 s; at the transport's default request timeout (30 s) this would fail.
		expect(elapsed).toBeLessThan(25_000);
		task.meta.figures = `stalled models API: run of 2 items ended after ${elapsed} ms (look-up cap 10 s)`;
	}, 60_000);

	it('reads the model once per execution, not per item, when it is up', async () => {
		const m = await mock();
		const { h, hints } = run(m, { ...generate, numImages: 1, options: {} }, { items: 3 });

		await h.run();

		expect(m.counts.models).toBe(1);
		expect(m.counts.create).toBe(3);
		expect(runflowHints(hints)).toHaveLength(0);
	});
});

describe('Remix on Runflow through FLUX 1.1 [pro] Ultra Edit', () => {
	const remix = {
		provider: 'runflow',
		operation: 'remix',
		prompt: '',
		imageSource: 'binary',
		binaryPropertyName: 'photo',
		numImages: 1,
		outputFormat: 'jpeg',
		aspectRatio: '16:9',
		options: {},
	};
	const photo = makePng(48, 48, 5);

	it('runs on the Ultra Edit model the models API found, the uploaded asset under its image_urls[]', async () => {
		const m = await mock({ ultraEdit: true });

		const [out] = await run(m, { ...remix, numImages: 2 }, { binary: photo }).h.run();

		expect(out).toHaveLength(2);
		expect(out[0].json).toMatchObject({ provider: 'runflow', operation: 'remix' });
		const [created] = [...m.runs.values()];
		expect(created.model).toBe('black-forest-labs/flux-1-1-pro-ultra/edit');
		const asset = [...m.assets.values()][0];
		expect(created.input).toEqual({
			image_urls: [expect.stringContaining(`/assets/${asset.id}`)],
			num_images: 2,
		});
	});

	it('sends the image as base64 when the model lists image_b64', async () => {
		const m = await mock({ ultraEdit: 'image_b64' });

		const [out] = await run(m, remix, { binary: photo }).h.run();

		expect(out).toHaveLength(1);
		expect([...m.runs.values()][0].input).toEqual({ image_b64: photo.toString('base64') });
	});

	it('without Ultra Edit at Runflow, Remix is refused: looked up, not found, no run', async () => {
		const m = await mock();

		const error = await run(m, remix, { binary: photo, items: 2 }).h.fail();

		expect(error.message).toMatch(
			/^Invalid value for "Operation": .*looked it up.*did not find it.*"fal\.ai".*\[item 0\]$/,
		);
		expect(m.counts.create).toBe(0);
		expect(m.counts.uploadCreate).toBe(0);
		expect(m.counts.models).toBe(1);
	});

	it('the editor notice says what is known before the run, not that Remix is impossible', () => {
		const notice = unsupportedNotices().find((n) => n.name === 'runflowRemixNotice');
		expect(notice?.displayName).toMatch(/looks it up when it runs/);
		expect(notice?.displayName).not.toMatch(/offers no/);
	});
});
