import { createBlackForestLabs } from '@ai-sdk/black-forest-labs';
import { createFalClient } from '@fal-ai/client';
import Replicate from 'replicate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { imageSize, sniffImage } from '../../nodes/FluxUltra/job/downloads';
import { startMockBfl, type MockBfl } from '../../testkit/mocks/bflServer';
import { startMockFal, type MockFal } from '../../testkit/mocks/falServer';
import { makePng } from '../../testkit/mocks/images';
import { startMockReplicate, type MockReplicate } from '../../testkit/mocks/replicateServer';

/**
 * Contract suite: each vendor's own JavaScript client runs a job against our loopback mock of that
 * vendor. If a client cannot complete a job there, the mock does not speak the protocol the way the
 * vendor's code understands it, and the node's tests against that mock prove less than they claim.
 * The clients are devDependencies only; the node never loads them.
 */

const SCALE = 0.05;

async function bytesOf(url: string): Promise<Buffer> {
	const response = await fetch(url);
	expect(response.status, url).toBe(200);
	return Buffer.from(await response.arrayBuffer());
}

describe('@fal-ai/client against the mock fal.ai', () => {
	let mock: MockFal;
	beforeAll(async () => {
		mock = await startMockFal({ latencyMs: 300, scale: SCALE });
	});
	afterAll(async () => {
		await mock.close();
	});

	// The client has its hosts built in; the middleware sends the same paths to the mock instead.
	const client = () =>
		createFalClient({
			credentials: 'dummy-contract-key:example',
			requestMiddleware: async (request) => ({
				...request,
				url: request.url.replace(/^https:\/\/(queue\.fal\.run|rest\.fal\.ai)/, mock.url),
			}),
		});

	it('subscribe: queue submit, status until COMPLETED, result, then the image files', async () => {
		const before = { ...mock.counts };
		const result = await client().subscribe('fal-ai/flux-pro/v1.1-ultra', {
			input: {
				prompt: 'contract test',
				aspect_ratio: '21:9',
				num_images: 2,
				output_format: 'png',
				seed: 5,
			} as never,
		});
		const data = result.data as {
			images: Array<{ url: string; width: number; height: number }>;
			seed: number;
		};
		expect(data.images).toHaveLength(2);
		expect(data.seed).toBe(5);
		for (const image of data.images) {
			expect(imageSize(await bytesOf(image.url))).toEqual({
				width: image.width,
				height: image.height,
			});
		}
		expect(result.requestId).toMatch(/^[\w-]+$/);
		expect(mock.counts.submit - before.submit).toBe(1);
		expect(mock.counts.result - before.result).toBe(1);
	});

	it("subscribe to the fine-tuned Ultra endpoint with input typed by the client (its names are fal's), and a 422 without finetune_strength", async () => {
		// Typed, not cast: the client's FluxProV11UltraFinetunedInput checks the field names at compile time.
		const result = await client().subscribe('fal-ai/flux-pro/v1.1-ultra-finetuned', {
			input: {
				prompt: 'contract test',
				finetune_id: 'contract-finetune-example',
				finetune_strength: 1.2,
				aspect_ratio: '1:1',
				output_format: 'png',
			},
		});
		expect(result.data.images).toHaveLength(1);
		const job = [...mock.jobs.values()].find(
			(j) => j.input.finetune_id === 'contract-finetune-example',
		);
		expect(job?.endpoint).toBe('/fal-ai/flux-pro/v1.1-ultra-finetuned');

		const missing = client().subscribe('fal-ai/flux-pro/v1.1-ultra-finetuned', {
			input: { prompt: 'x', finetune_id: 'y' } as never,
		});
		await expect(missing).rejects.toMatchObject({ status: 422 });
	});

	it('storage.upload then a Redux job with the uploaded file as image_url', async () => {
		const fal = client();
		const url = await fal.storage.upload(
			new Blob([new Uint8Array(makePng(24, 24, 2))], { type: 'image/png' }),
		);
		expect(url.startsWith(mock.url)).toBe(true);
		const result = await fal.subscribe('fal-ai/flux-pro/v1.1-ultra/redux', {
			input: { image_url: url } as never,
		});
		expect((result.data as { images: unknown[] }).images).toHaveLength(1);
		expect(mock.counts.upload).toBeGreaterThan(0);
	});
});

describe("replicate (Replicate's JavaScript client) against the mock Replicate", () => {
	let mock: MockReplicate;
	beforeAll(async () => {
		mock = await startMockReplicate({ latencyMs: 300, scale: SCALE });
	});
	afterAll(async () => {
		await mock.close();
	});

	const client = () =>
		new Replicate({
			auth: 'r8_dummy_contract_example',
			baseUrl: `${mock.url}/v1`,
			useFileOutput: false,
		});

	it("run (Prefer: wait, then the output URL), as the client's README shows", async () => {
		const before = { ...mock.counts };
		const output = await client().run('black-forest-labs/flux-1.1-pro-ultra', {
			input: {
				prompt: 'contract test',
				aspect_ratio: '16:9',
				output_format: 'png',
				safety_tolerance: 2,
				seed: 7,
			},
		});
		expect(typeof output).toBe('string');
		const bytes = await bytesOf(output as unknown as string);
		expect(sniffImage(bytes)?.mimeType).toBe('image/png');
		expect(imageSize(bytes)).toEqual({
			width: Math.round(2752 * SCALE),
			height: Math.round(1536 * SCALE),
		});
		expect(mock.counts.create - before.create).toBe(1);
		expect(mock.counts.waited - before.waited).toBe(1);
	});

	it('predictions.create, then wait() polling urls.get until succeeded', async () => {
		const replicate = client();
		const created = await replicate.predictions.create({
			model: 'black-forest-labs/flux-1.1-pro-ultra',
			input: { prompt: 'contract poll', raw: true },
		});
		expect(created.status).toBe('starting');
		const done = await replicate.wait(created, { interval: 50 });
		expect(done.status).toBe('succeeded');
		expect(sniffImage(await bytesOf(done.output as string))?.mimeType).toBe('image/jpeg');
		expect(done.logs).toMatch(/seed/);
	});

	it('a Buffer input goes through the Files API and is accepted as image_prompt; cancel answers canceled', async () => {
		const replicate = client();
		const uploadsBefore = mock.counts.upload;
		const output = await replicate.run('black-forest-labs/flux-1.1-pro-ultra', {
			input: { prompt: 'with image', image_prompt: makePng(20, 20, 4) },
		});
		expect(mock.counts.upload - uploadsBefore).toBe(1);
		const prediction = [...mock.predictions.values()].pop()!;
		expect(String(prediction.input.image_prompt)).toMatch(new RegExp(`^${mock.url}/v1/files/`));
		expect(sniffImage(await bytesOf(output as unknown as string))).toBeDefined();

		const slow = await replicate.predictions.create({
			model: 'black-forest-labs/flux-1.1-pro-ultra',
			input: { prompt: 'cancel me' },
		});
		const canceled = await replicate.predictions.cancel(slow.id);
		expect(canceled.status).toBe('canceled');
	});
});

describe('@ai-sdk/black-forest-labs against the mock Black Forest Labs', () => {
	let mock: MockBfl;
	beforeAll(async () => {
		mock = await startMockBfl({ latencyMs: 300, scale: SCALE });
	});
	afterAll(async () => {
		await mock.close();
	});

	const provider = () =>
		createBlackForestLabs({
			apiKey: 'bfl-dummy-contract-example',
			baseURL: `${mock.url}/v1`,
			pollIntervalMillis: 50,
			pollTimeoutMillis: 10_000,
		});

	it('doGenerate: submit to flux-pro-1.1-ultra, poll the polling_url until Ready, download the sample', async () => {
		const before = { ...mock.counts };
		const model = provider().image('flux-pro-1.1-ultra');
		const result = await model.doGenerate({
			prompt: 'contract test',
			n: 1,
			size: undefined,
			aspectRatio: '9:16',
			seed: 11,
			files: undefined,
			mask: undefined,
			providerOptions: {
				blackForestLabs: {
					outputFormat: 'png',
					raw: true,
					safetyTolerance: 6,
					promptUpsampling: true,
				},
			},
		});
		expect(result.images).toHaveLength(1);
		const bytes = Buffer.from(result.images[0] as Uint8Array);
		expect(sniffImage(bytes)?.mimeType).toBe('image/png');
		expect(imageSize(bytes)).toEqual({
			width: Math.round(1536 * SCALE),
			height: Math.round(2752 * SCALE),
		});
		expect(result.providerMetadata?.blackForestLabs).toMatchObject({ images: [{ seed: 11 }] });
		expect(mock.counts.submit - before.submit).toBe(1);
		expect(mock.counts.download - before.download).toBe(1);
		const task = [...mock.tasks.values()].pop()!;
		expect(task.input).toMatchObject({
			prompt: 'contract test',
			aspect_ratio: '9:16',
			seed: 11,
			output_format: 'png',
			prompt_upsampling: true,
			safety_tolerance: 6,
		});
	});

	it('an image prompt as base64, as the client sends it', async () => {
		const model = provider().image('flux-pro-1.1-ultra');
		const png = makePng(16, 16, 1).toString('base64');
		const result = await model.doGenerate({
			prompt: 'remix',
			n: 1,
			size: undefined,
			aspectRatio: undefined,
			seed: undefined,
			files: undefined,
			mask: undefined,
			providerOptions: { blackForestLabs: { imagePrompt: png, imagePromptStrength: 0.5 } },
		});
		expect(sniffImage(Buffer.from(result.images[0] as Uint8Array))?.mimeType).toBe('image/jpeg');
		expect([...mock.tasks.values()].pop()!.input).toMatchObject({
			image_prompt: png,
			image_prompt_strength: 0.5,
		});
	});
});
