import { runInNewContext } from 'node:vm';

import nock from 'nock';
import { describe, expect, it } from 'vitest';

import { AGENT_FIXED_FIELDS } from '../../../nodes/FluxUltra/run/agentTool';
import { FluxUltra } from '../../../nodes/FluxUltra/FluxUltra.node';
import { IMAGE_INPUT, PROVIDER_PARAMS } from '../../../nodes/FluxUltra/parameters/table';
import { PROVIDERS } from '../../../nodes/FluxUltra/providers/registry';
import { useVirtualClock } from '../../../testkit/harness/clock';
import { createHarness, DUMMY_FAL_KEY } from '../../../testkit/harness/context';
import {
	CDN,
	fakeImages,
	GENERATE_PARAMS,
	mockFalJob,
	QUEUE,
} from '../../../testkit/harness/falNock';
import { makePng } from '../../../testkit/mocks/images';
import { useNock } from '../../setupNock';
import { errorOf } from '../../../testkit/harness/errorItems';
import { propertiesAt } from '../../../testkit/versions';

useNock();

describe('FluxUltra description', () => {
	const description = new FluxUltra().description;

	it('is usable as an AI Agent tool, with themed icons and a subtitle', () => {
		expect(description.usableAsTool).toBe(true);
		expect(description.icon).toEqual({
			light: 'file:fluxUltra.svg',
			dark: 'file:fluxUltra.dark.svg',
		});
		// Evaluate the subtitle expression the way the editor would, for each operation.
		const body = String(description.subtitle)
			.replace(/^=\{\{/, '')
			.replace(/\}\}$/, '');
		const evaluate = ($parameter: Record<string, string>) =>
			runInNewContext(body, { $parameter }) as string;
		expect(evaluate({ operation: 'generate', provider: 'fal' })).toBe('Generate · fal.ai');
		expect(evaluate({ operation: 'remix', provider: 'fal' })).toBe('Remix · fal.ai');
		expect(evaluate({ operation: 'generate', provider: 'runflow' })).toBe('Generate · Runflow');
		expect(evaluate({ operation: 'remix', provider: 'bfl' })).toBe('Remix · Black Forest Labs');
		expect(evaluate({ operation: 'generate', provider: 'replicate' })).toBe('Generate · Replicate');
		expect(evaluate({ operation: 'finetune', provider: 'fal' })).toBe(
			'Generate with Fine-Tune · fal.ai',
		);
		expect(evaluate({ operation: 'finetune', provider: 'bfl' })).toBe(
			'Generate with Fine-Tune · Black Forest Labs',
		);
	});

	it("declares each provider's credential, required where shown (which pair shows which: parameters/fallbackUi.test.ts)", () => {
		expect(description.credentials?.map((c) => [c.name, c.required])).toEqual([
			['falApi', true],
			['runflowApi', true],
			['bflApi', true],
			['replicateApi', true],
		]);
	});

	it('explains in the editor, next to the Operation, that Remix on Runflow depends on a model looked up at run time, and that Runflow and Replicate have no fine-tunes', () => {
		// (The notices of a model a provider does not serve follow the Model field: models.test.ts.)
		const notices = description.properties.filter(
			(p) => p.type === 'notice' && p.name !== 'agentToolNotice' && !p.displayOptions?.show?.model,
		);
		expect(notices.map((n) => n.displayOptions)).toEqual([
			{ show: { provider: ['runflow'], operation: ['remix'] } },
			{ show: { provider: ['runflow'], operation: ['finetune'] } },
			{ show: { provider: ['replicate'], operation: ['finetune'] } },
		]);
		expect(notices[0].displayName).toMatch(
			/^Remix on Runflow needs Runflow's FLUX 1\.1 \[pro\] Ultra Edit model.*looks it up when it runs/,
		);
		for (const notice of notices.slice(1))
			expect(notice.displayName).toMatch(
				/Generate with Fine-Tune is not available there.*"fal\.ai" or "Black Forest Labs"/,
			);
		// Right after the Operation, in both node versions' layouts.
		for (const version of [1, 2]) {
			const shown = propertiesAt(description.properties, version);
			const operationIndex = shown.findIndex((p) => p.name === 'operation');
			expect(notices.map((n) => shown.indexOf(n))).toEqual(
				[1, 2, 3].map((k) => operationIndex + k),
			);
		}
	});

	it('tells the author, on the AI Agent tool variant only, which fields the model may not set', () => {
		const notice = description.properties.find((p) => p.name === 'agentToolNotice');
		expect(notice?.type).toBe('notice');
		expect(notice?.displayOptions).toEqual({ show: { '@tool': [true] } });
		for (const field of AGENT_FIXED_FIELDS)
			expect(notice?.displayName).toContain(field.displayName);
		expect(AGENT_FIXED_FIELDS.map((f) => f.name).sort()).toEqual([
			// What goes into the file (the AI label, the prompt in it) is the workflow's choice.
			'aiLabel',
			'aiLabelPrompt',
			'imageUrl',
			'maxCostPerRun',
			'maxImageSize',
			'maxParallelJobs',
			// FLUX.2's Megapixels and FLUX 3's Resolution set the price; Reference Images are URLs fetched.
			'megapixels',
			'numImages',
			'referenceImages',
			'resolution',
			'safetyTolerance',
			'timeout',
			'webhookUrl',
		]);
	});

	it('offers every provider parameter of the table as a field', () => {
		const names = new Set<string>();
		const walk = (props: typeof description.properties) =>
			props.forEach((p) => {
				names.add(p.name);
				if (p.type === 'collection') walk(p.options as typeof description.properties);
			});
		walk(description.properties);
		for (const spec of PROVIDER_PARAMS) expect(names, spec.name).toContain(spec.name);
		for (const name of [IMAGE_INPUT.source.name, IMAGE_INPUT.url.name, IMAGE_INPUT.binary.name]) {
			expect(names).toContain(name);
		}
	});
});

describe('FluxUltra execute, fal.ai', () => {
	it('Generate with 4 images gives 4 items with the right binaries and metadata', async () => {
		const clock = useVirtualClock();
		const images = [...fakeImages(2, 'png', 64, 36), ...fakeImages(2, 'png', 36, 64)];
		const job = mockFalJob({ images, pending: ['IN_QUEUE', 'IN_PROGRESS'], seed: 1234 });
		const harness = createHarness({
			params: { ...GENERATE_PARAMS, numImages: 4, outputFormat: 'png', options: { seed: 1234 } },
		});

		const [out] = await harness.run();

		expect(out).toHaveLength(4);
		out.forEach((item, n) => {
			expect(item.pairedItem).toEqual({ item: 0 });
			const binary = item.binary!.data;
			expect(binary.mimeType).toBe('image/png');
			expect(binary.fileName).toBe(`flux-${job.requestId}-${n + 1}.png`);
			expect(Buffer.from(binary.data, 'base64').equals(images[n].bytes)).toBe(true);
			expect(item.json).toMatchObject({
				provider: 'fal',
				operation: 'generate',
				requestId: job.requestId,
				imageIndex: n,
				imageCount: 4,
				seed: 1234,
				width: images[n].width,
				height: images[n].height,
				contentType: 'image/png',
				fileSize: images[n].bytes.length,
				nsfw: images[n].nsfw,
			});
		});
		expect(job.submitted()).toEqual({
			prompt: GENERATE_PARAMS.prompt,
			aspect_ratio: '16:9',
			num_images: 4,
			output_format: 'png',
			safety_tolerance: '2',
			enhance_prompt: false,
			raw: false,
			sync_mode: false,
			seed: 1234,
		});
		expect(nock.isDone()).toBe(true);
		expect(clock.sleeps.length).toBeGreaterThanOrEqual(2);
	});

	it('signs API calls with "Key <key>" and sends no credential to the image CDN', async () => {
		useVirtualClock();
		mockFalJob({ images: fakeImages(2) });
		const harness = createHarness({ params: { ...GENERATE_PARAMS, numImages: 2 } });

		await harness.run();

		const api = harness.requests.filter((r) => r.url.startsWith(QUEUE));
		const cdn = harness.requests.filter((r) => r.url.startsWith(CDN));
		expect(api.length).toBeGreaterThanOrEqual(3);
		for (const r of api) expect(r.headers.authorization).toBe(`Key ${DUMMY_FAL_KEY}`);
		expect(cdn).toHaveLength(2);
		for (const r of cdn) expect(r.headers.authorization).toBeUndefined();
	});

	it('Remix with an image URL submits to the Redux endpoint', async () => {
		useVirtualClock();
		const job = mockFalJob({ operation: 'remix', images: fakeImages(1, 'jpeg') });
		const harness = createHarness({
			params: {
				...GENERATE_PARAMS,
				operation: 'remix',
				prompt: '',
				imageSource: 'url',
				imageUrl: 'https://example.com/product.png',
				options: { imagePromptStrength: 0.35 },
			},
		});

		const [out] = await harness.run();

		expect(out).toHaveLength(1);
		expect(out[0].json).toMatchObject({ operation: 'remix', contentType: 'image/jpeg' });
		const body = job.submitted()!;
		expect(body.image_url).toBe('https://example.com/product.png');
		expect(body.image_prompt_strength).toBe(0.35);
		expect(body).not.toHaveProperty('prompt');
	});

	it('Remix with an incoming binary sends the image inline, byte for byte', async () => {
		useVirtualClock();
		const job = mockFalJob({ operation: 'remix' });
		const input = makePng(20, 20, 7);
		const harness = createHarness({
			params: {
				...GENERATE_PARAMS,
				operation: 'remix',
				imageSource: 'binary',
				binaryPropertyName: 'photo',
			},
			items: [
				{
					json: {},
					binary: {
						photo: { data: input.toString('base64'), mimeType: 'image/png', fileName: 'in.png' },
					},
				},
			],
		});

		const [out] = await harness.run();

		expect(out).toHaveLength(1);
		expect(job.submitted()!.image_url).toBe(`data:image/png;base64,${input.toString('base64')}`);
	});

	it('sync mode decodes inline images instead of downloading them', async () => {
		useVirtualClock();
		const images = fakeImages(2, 'jpeg');
		mockFalJob({ images, inline: true });
		const harness = createHarness({
			params: { ...GENERATE_PARAMS, numImages: 2, options: { syncMode: true } },
		});

		const [out] = await harness.run();

		expect(out.map((i) => Buffer.from(i.binary!.data.data, 'base64'))).toEqual(
			images.map((i) => i.bytes),
		);
		expect(out[0].json.url).toBeNull();
		expect(harness.requests.some((r) => r.url.startsWith(CDN))).toBe(false);
	});

	it('keeps input order and pairing across several items', async () => {
		useVirtualClock();
		const first = mockFalJob({ images: fakeImages(2) });
		const second = mockFalJob({ images: fakeImages(1) });
		const harness = createHarness({
			params: {
				...GENERATE_PARAMS,
				numImages: (i: number) => (i === 0 ? 2 : 1),
				prompt: (i: number) => `prompt ${i}`,
			},
			items: [{ json: {} }, { json: {} }],
		});

		const [out] = await harness.run();

		expect(out.map((i) => [i.pairedItem, i.json.requestId])).toEqual([
			[{ item: 0 }, first.requestId],
			[{ item: 0 }, first.requestId],
			[{ item: 1 }, second.requestId],
		]);
		expect(first.submitted()!.prompt).toBe('prompt 0');
		expect(second.submitted()!.prompt).toBe('prompt 1');
	});

	it('puts the file in the output field and names it from the pattern', async () => {
		useVirtualClock();
		mockFalJob({ requestId: 'abc', images: fakeImages(1, 'jpeg'), seed: 77 });
		const harness = createHarness({
			params: {
				...GENERATE_PARAMS,
				options: { binaryPropertyOutput: 'image', fileName: 'ad {item}/{index} seed {seed}' },
			},
		});

		const [out] = await harness.run();

		expect(Object.keys(out[0].binary!)).toEqual(['image']);
		expect(out[0].binary!.image.fileName).toBe('ad-1-1-seed-77.jpg');
	});
});

describe('Max Image Size', () => {
	it('fails the item, not the run, when an image is larger than the option allows', async () => {
		useVirtualClock();
		const big = Buffer.concat([makePng(16, 16, 1), Buffer.alloc(1024 * 1024)]);
		mockFalJob({ images: [{ bytes: big, contentType: 'image/png' }] });
		mockFalJob();
		const harness = createHarness({
			params: { ...GENERATE_PARAMS, options: (i: number) => (i === 0 ? { maxImageSize: 1 } : {}) },
			items: [{ json: {} }, { json: {} }],
			continueOnFail: true,
		});

		const [out] = await harness.run();

		expect(errorOf(out[0])).toMatchObject({
			kind: 'download',
			message: 'An image from fal.ai is larger than 1 MB [item 0]',
		});
		expect(errorOf(out[0]).description).toContain('Max Image Size (MB)');
		expect(out[1].json.provider).toBe('fal');
	});
});

describe("hints for n8n's AI workflow builder", () => {
	const { builderHint } = new FluxUltra().description;

	it('name every provider, point at the nodes an image goes to next, and leak no wire format', () => {
		expect(builderHint?.searchHint).toBeDefined();
		for (const provider of PROVIDERS)
			expect(builderHint?.searchHint).toContain(provider.displayName);
		expect(builderHint?.relatedNodes?.map((r) => r.nodeType)).toEqual([
			'n8n-nodes-base.googleDrive',
			'n8n-nodes-base.awsS3',
			'n8n-nodes-base.wait',
			'n8n-nodes-base.splitInBatches',
			'@n8n/n8n-nodes-langchain.agent',
		]);
		// What no-builder-hint-leakage forbids: wire-format expressions and connection-type names.
		const text = JSON.stringify(builderHint);
		expect(text).not.toMatch(/=\{\{/);
		expect(text).not.toMatch(
			/\bai_(agent|chain|document|embedding|languageModel|memory|outputParser|retriever|reranker|textSplitter|tool|vectorStore)\b/,
		);
		for (const related of builderHint?.relatedNodes ?? [])
			expect(related.relationHint.length).toBeGreaterThan(10);
	});
});
