import fc from 'fast-check';
import type { INodeProperties } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';

import { FluxUltra } from '../../../nodes/FluxUltra/FluxUltra.node';
import { FINETUNE_STRENGTH_DEFAULT } from '../../../nodes/FluxUltra/parameters/table';
import { validateItemParameters } from '../../../nodes/FluxUltra/parameters/validation';
import { fieldsFor } from '../../../nodes/FluxUltra/providers/common/fields';
import { bflProvider } from '../../../nodes/FluxUltra/providers/bfl/bfl.provider';
import { useVirtualClock } from '../../../testkit/harness/clock';
import { errorOf } from '../../../testkit/harness/errorItems';
import { createHarness, DUMMY_BFL_KEY, DUMMY_FAL_KEY } from '../../../testkit/harness/context';
import {
	BFL_FINETUNE_PATH,
	BFL_GENERATE_PARAMS,
	BFL_POLL_HOST,
	mockBflJob,
} from '../../../testkit/harness/bflNock';
import {
	ENDPOINT_PATH,
	fakeImages,
	GENERATE_PARAMS,
	mockFalJob,
	QUEUE,
} from '../../../testkit/harness/falNock';
import { useNock } from '../../setupNock';
import { propertiesAt } from '../../../testkit/versions';

useNock();

const FINETUNE_ID = 'a1b2c3d4-0000-example-finetune';
const BFL_US1 = 'https://api.us1.bfl.ai';
const finetune = (extra: Record<string, unknown> = {}) => ({
	...GENERATE_PARAMS,
	operation: 'finetune',
	prompt: 'a TOK mug on a walnut table',
	finetuneId: FINETUNE_ID,
	finetuneStrength: FINETUNE_STRENGTH_DEFAULT,
	...extra,
});

describe('Generate with Fine-Tune on fal.ai', () => {
	it('submits to the fine-tuned Ultra endpoint with finetune_id and finetune_strength, and outputs the same items as Generate', async () => {
		useVirtualClock();
		const job = mockFalJob({
			operation: 'finetune',
			images: fakeImages(2, 'png', 64, 36),
			seed: 5,
		});
		const h = createHarness({
			params: finetune({ numImages: 2, outputFormat: 'png', options: { seed: 5, raw: true } }),
		});

		const [out] = await h.run();

		expect(h.requests[0].url).toBe(`${QUEUE}${ENDPOINT_PATH.finetune}`);
		expect(h.requests[0].headers.authorization).toBe(`Key ${DUMMY_FAL_KEY}`);
		expect(job.submitted()).toEqual({
			finetune_id: FINETUNE_ID,
			finetune_strength: 1.2,
			prompt: 'a TOK mug on a walnut table',
			aspect_ratio: '16:9',
			num_images: 2,
			output_format: 'png',
			enhance_prompt: false,
			raw: true,
			safety_tolerance: '2',
			seed: 5,
			sync_mode: false,
		});
		expect(out).toHaveLength(2);
		expect(out.map((item) => item.json)).toMatchObject([
			{
				provider: 'fal',
				operation: 'finetune',
				requestId: job.requestId,
				imageIndex: 0,
				imageCount: 2,
				seed: 5,
				width: 64,
				height: 36,
				contentType: 'image/png',
			},
			{
				provider: 'fal',
				operation: 'finetune',
				requestId: job.requestId,
				imageIndex: 1,
				imageCount: 2,
				seed: 5,
			},
		]);
		expect(out[0].binary?.data.mimeType).toBe('image/png');
		// fal's answer has no cost: the fine-tune's list price, not Ultra's.
		expect(out.map((item) => item.json.cost)).toEqual([
			{ usd: 0.07, source: 'list_price' },
			{ usd: 0.07, source: 'list_price' },
		]);
	});

	it('sends a strength of 0 and an input image as on Generate', async () => {
		useVirtualClock();
		const job = mockFalJob({ operation: 'finetune' });
		await createHarness({
			params: finetune({
				finetuneStrength: 0,
				imageSource: 'url',
				imageUrl: 'https://example.com/ref.jpg',
				options: { imagePromptStrength: 0.4 },
			}),
		}).run();

		expect(job.submitted()).toMatchObject({
			finetune_strength: 0,
			image_url: 'https://example.com/ref.jpg',
			image_prompt_strength: 0.4,
		});
	});

	it('Generate leaves fine-tune values out, even when left behind in the parameters', async () => {
		useVirtualClock();
		const job = mockFalJob({ operation: 'generate' });
		await createHarness({
			params: { ...GENERATE_PARAMS, finetuneId: FINETUNE_ID, finetuneStrength: 1.5 },
		}).run();

		expect(job.submitted()).not.toHaveProperty('finetune_id');
		expect(job.submitted()).not.toHaveProperty('finetune_strength');
	});
});

describe('Generate with Fine-Tune on Black Forest Labs', () => {
	const bfl = (extra: Record<string, unknown> = {}) =>
		finetune({
			...BFL_GENERATE_PARAMS,
			operation: 'finetune',
			finetuneId: 'my-org/brand-lora',
			...extra,
		});

	it('submits to /v1/flux-pro-1.1-ultra-finetuned on the single-cluster US host (Region Global), follows polling_url as for Ultra, and sends no raw', async () => {
		useVirtualClock();
		const job = mockBflJob({ host: BFL_US1, path: BFL_FINETUNE_PATH, seed: 11 });
		const h = createHarness({
			params: bfl({ finetuneStrength: 0.9, options: { seed: 11, enhancePrompt: true } }),
		});

		const [out] = await h.run();

		expect(h.requests[0].url).toBe(`${BFL_US1}${BFL_FINETUNE_PATH}`);
		expect(h.requests[0].headers['x-key']).toBe(DUMMY_BFL_KEY);
		expect(job.submitted()).toEqual({
			finetune_id: 'my-org/brand-lora',
			finetune_strength: 0.9,
			prompt: 'a ceramic mug on a walnut table',
			aspect_ratio: '16:9',
			output_format: 'jpeg',
			prompt_upsampling: true,
			safety_tolerance: 2,
			seed: 11,
		});
		expect(
			h.requests.some((r) => r.url.startsWith(`${BFL_POLL_HOST}/v1/get_result?id=${job.id}`)),
		).toBe(true);
		expect(out[0].json).toMatchObject({
			provider: 'bfl',
			operation: 'finetune',
			requestId: job.id,
			seed: 11,
		});
	});

	it.each([
		['eu', 'https://api.eu1.bfl.ai'],
		['us', BFL_US1],
	])(
		'Region %s sends the fine-tune to %s, where BFL finds fine-tunes trained there; Generate stays on the Region host',
		async (region, host) => {
			useVirtualClock();
			const credentials = { bflApi: { apiKey: DUMMY_BFL_KEY, region, baseUrl: '' } };
			mockBflJob({ host, path: BFL_FINETUNE_PATH });
			const h = createHarness({ params: bfl(), credentials });
			await h.run();
			expect(h.requests[0].url).toBe(`${host}${BFL_FINETUNE_PATH}`);

			mockBflJob({ host: `https://api.${region}.bfl.ai` });
			const g = createHarness({ params: BFL_GENERATE_PARAMS, credentials });
			await g.run();
			expect(g.requests[0].url).toBe(`https://api.${region}.bfl.ai/v1/flux-pro-1.1-ultra`);
		},
	);

	it('refuses Raw with the reason before any request, and only on the fine-tuned endpoint', async () => {
		const h = createHarness({ params: bfl({ options: { raw: true } }) });
		const error = await h.fail();

		expect(error.message).toBe(
			'Invalid value for "Raw": Black Forest Labs cannot honour it: its fine-tuned Ultra endpoint has no raw mode. Turn "Raw" off in Options, or use Generate without the fine-tune for a raw image. [item 0]',
		);
		expect(h.requests).toHaveLength(0);
		expect(fieldsFor(bflProvider, 'generate').raw).toMatchObject({ wire: 'raw' });
	});
});

describe('fine-tune fields are checked before anything is paid for', () => {
	it.each([
		[
			'an empty Fine-Tune ID',
			{ finetuneId: '' },
			'Invalid value for "Fine-Tune ID": is required and cannot be empty [item 1]',
		],
		[
			'a Fine-Tune ID with spaces',
			{ finetuneId: 'my brand lora' },
			'Invalid value for "Fine-Tune ID": must be one fine-tune ID, without spaces [item 1]',
		],
		[
			'a strength above 2',
			{ finetuneStrength: 2.5 },
			'Invalid value for "Fine-Tune Strength": must be a number from 0 to 2 [item 1]',
		],
		[
			'a negative strength',
			{ finetuneStrength: -0.1 },
			'Invalid value for "Fine-Tune Strength": must be a number from 0 to 2 [item 1]',
		],
		[
			'an empty strength',
			{ finetuneStrength: '' },
			'Invalid value for "Fine-Tune Strength": must be a number from 0 to 2 [item 1]',
		],
		[
			'a strength that is not a number',
			{ finetuneStrength: 'strong' },
			'Invalid value for "Fine-Tune Strength": must be a number from 0 to 2 [item 1]',
		],
	])(
		'%s in the second item fails the node naming the field and the item, with 0 requests',
		async (_, bad, message) => {
			const params = Object.fromEntries(
				Object.entries(finetune()).map(([key, value]) => [
					key,
					key in bad ? (i: number) => (i === 1 ? bad[key as keyof typeof bad] : value) : value,
				]),
			);
			const h = createHarness({ params, items: [{ json: {} }, { json: {} }] });
			const error = await h.fail();

			expect(error.message).toBe(message);
			expect(h.requests).toHaveLength(0);
		},
	);

	it('refuses any Fine-Tune ID or Strength an expression can produce that is not one, naming the field, on fal.ai and BFL, with 0 requests', async () => {
		const text = fc.string({ maxLength: 20 });
		const badStrength = fc.oneof(
			fc.double({ min: 2, minExcluded: true, noNaN: true }),
			fc.double({ max: 0, maxExcluded: true, noNaN: true }),
			fc.constantFrom(Number.NaN, Infinity, '', ' ', true, null),
			text.filter((s) => Number.isNaN(Number(s)) || s.trim() === ''),
			fc.object({ maxDepth: 1 }),
		);
		const badId = fc.oneof(
			fc.constantFrom('', '   ', 'two words', 'x'.repeat(201), true),
			fc.object({ maxDepth: 1 }),
			fc.array(fc.integer(), { minLength: 1 }),
		);
		let runs = 0;
		await fc.assert(
			fc.asyncProperty(
				fc.constantFrom('fal', 'bfl'),
				fc.oneof(
					badStrength.map((v) => ['finetuneStrength', v] as const),
					badId.map((v) => ['finetuneId', v] as const),
				),
				async (provider, [field, value]) => {
					runs++;
					const h = createHarness({ params: finetune({ provider, [field]: value }) });
					const error = await h.fail();
					expect(error.message).toMatch(
						new RegExp(
							`^Invalid value for "${field === 'finetuneId' ? 'Fine-Tune ID' : 'Fine-Tune Strength'}": .+ \\[item 0\\]$`,
							's',
						),
					);
					expect(h.requests).toHaveLength(0);
				},
			),
			{ numRuns: 200, seed: 1313 },
		);
		expect(runs).toBe(200);
	});

	it('accepts the strength as text from an expression, and trims the ID', () => {
		const request = validateItemParameters({
			operation: 'finetune',
			main: { prompt: 'x', finetuneId: `  ${FINETUNE_ID} `, finetuneStrength: '1.5' },
			options: {},
			imageSource: 'none',
			imageUrl: undefined,
			binaryPropertyName: undefined,
		});
		expect(request.params).toMatchObject({ finetune_id: FINETUNE_ID, finetune_strength: 1.5 });
	});
});

describe('providers without fine-tuned Ultra refuse it before any request', () => {
	it.each([
		[
			'runflow',
			/^Invalid value for "Operation": Runflow offers no FLUX 1\.1 \[pro\] ultra fine-tuned model, so Generate with Fine-Tune is not available there\..*"fal\.ai" or "Black Forest Labs".*\[item 0\]$/,
		],
		[
			'replicate',
			/^Invalid value for "Operation": This node does not run fine-tunes on Replicate, so Generate with Fine-Tune is not available there\..*"fal\.ai" or "Black Forest Labs".*\[item 0\]$/,
		],
	])('%s', async (provider, message) => {
		const h = createHarness({ params: finetune({ provider }) });
		const error = await h.fail();

		expect(error.message).toMatch(message);
		expect(h.requests).toHaveLength(0);
	});

	it('a Fallback Provider is refused for a fine-tune, before any request: no other provider has the fine-tune', async () => {
		const h = createHarness({ params: finetune({ fallbackFromFal: 'bfl' }) });
		const error = await h.fail();

		expect(error.message).toBe(
			'Invalid value for "Fallback Provider": a fine-tune runs only at the provider it was trained at, so no other provider can take over a Generate with Fine-Tune item. Set "Fallback Provider" to None. [item 0]',
		);
		expect(h.requests).toHaveLength(0);
	});

	it('under Continue On Fail, as an error item naming the Operation, still with 0 requests', async () => {
		const h = createHarness({ params: finetune({ provider: 'replicate' }), continueOnFail: true });
		const [out] = await h.run();

		expect(errorOf(out[0])).toMatchObject({
			kind: 'parameter',
			field: 'Operation',
			message: expect.stringMatching(
				/^Invalid value for "Operation": This node does not run fine-tunes on Replicate/,
			),
		});
		expect(h.requests).toHaveLength(0);
	});
});

describe('the fine-tune fields in the editor (version 1, as saved workflows have them)', () => {
	const properties = propertiesAt(new FluxUltra().description.properties, 1);

	it('offer Generate with Fine-Tune as an operation', () => {
		const operation = properties.find((p) => p.name === 'operation')!;
		expect(operation.options).toContainEqual(
			expect.objectContaining({ name: 'Generate with Fine-Tune', value: 'finetune' }),
		);
	});

	it('show Fine-Tune ID (required) and Fine-Tune Strength (0–2, default 1.2) for that operation only', () => {
		const id = properties.filter((p) => p.name === 'finetuneId');
		const strength = properties.filter((p) => p.name === 'finetuneStrength');
		expect(id).toHaveLength(1);
		expect(strength).toHaveLength(1);
		expect(id[0]).toMatchObject({
			type: 'string',
			required: true,
			default: '',
			displayOptions: { show: { '@version': [1], operation: ['finetune'] } },
		});
		expect(strength[0]).toMatchObject({
			type: 'number',
			required: true,
			default: 1.2,
			typeOptions: { minValue: 0, maxValue: 2, numberPrecision: 2 },
			displayOptions: { show: { '@version': [1], operation: ['finetune'] } },
		});
	});

	it('place them first, then the prompt and the Input Image as on Generate, and keep every Ultra option', () => {
		const shown = (operation: string) =>
			properties
				.filter((p) => {
					const show = p.displayOptions?.show ?? {};
					// Generate's Model and the other models' fields (issue 29) are not Ultra's to compare.
					return (
						!('provider' in show) &&
						!('model' in show) &&
						p.name !== 'model' &&
						(!show.operation || (show.operation as string[]).includes(operation)) &&
						!('imageSource' in show) &&
						!('@tool' in show)
					);
				})
				.map((p) => p.name);
		expect(shown('finetune').slice(2, 6)).toEqual([
			'finetuneId',
			'finetuneStrength',
			'prompt',
			'imageSource',
		]);
		expect(shown('finetune').filter((n) => !n.startsWith('finetune'))).toEqual(shown('generate'));
		const options = properties.find((p) => p.name === 'options')!.options as INodeProperties[];
		const optionsFor = (operation: string) =>
			options
				.filter(
					(o) =>
						!o.displayOptions?.show?.['/model'] &&
						(!o.displayOptions?.show?.['/operation'] ||
							(o.displayOptions.show['/operation'] as string[]).includes(operation)),
				)
				.map((o) => o.name);
		expect(optionsFor('finetune')).toEqual(optionsFor('generate'));
	});
});
