import { createHash, randomBytes } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';

import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { imageSize } from '../../nodes/FluxUltra/job/downloads';
import { createHarness } from '../../testkit/harness/context';
import { startMockBfl, type MockBfl, validateBflModelInput } from '../../testkit/mocks/bflServer';
import { startMockFal, type MockFal } from '../../testkit/mocks/falServer';
import { decodeImage, readLabel } from '../../testkit/mocks/images';
import { startMockReplicate, type MockReplicate } from '../../testkit/mocks/replicateServer';

/**
 * The mock providers serve FLUX.2 [pro]/[max]/[flex] and FLUX 3 Image as the real ones document
 * them (issue 29): the node runs each model on each mock over real loopback sockets with one binary
 * reference and one URL reference, and what the mock received (endpoint, field names, references in
 * order, byte for byte) is what the provider documents; a field the provider does not document is a
 * 422 naming it. The mock's picture names the model and draws the references, numbered, in order.
 */

const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
/** A solid-colour PNG (raw RGB rows, deflated): references a viewer and a test tell apart. */
function solid(rgb: [number, number, number], width: number, height: number): Buffer {
	const pixels = Buffer.alloc(width * height * 3);
	for (let i = 0; i < width * height; i++) pixels.set(rgb, i * 3);
	return pngOf(pixels, width, height);
}

/** A PNG of raw RGB pixels (filter none, deflated). */
function pngOf(pixels: Buffer, width: number, height: number): Buffer {
	const rows = Buffer.alloc((width * 3 + 1) * height);
	for (let y = 0; y < height; y++)
		pixels.copy(rows, y * (width * 3 + 1) + 1, y * width * 3, (y + 1) * width * 3);
	const chunk = (type: string, data: Buffer) => {
		const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
		const length = Buffer.alloc(4);
		length.writeUInt32BE(data.length);
		const crc = Buffer.alloc(4);
		crc.writeUInt32BE(crc32(typed));
		return Buffer.concat([length, typed, crc]);
	};
	const header = Buffer.alloc(13);
	header.writeUInt32BE(width, 0);
	header.writeUInt32BE(height, 4);
	header[8] = 8; // bit depth
	header[9] = 2; // RGB
	return Buffer.concat([
		Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
		chunk('IHDR', header),
		chunk('IDAT', deflateSync(rows)),
		chunk('IEND', Buffer.alloc(0)),
	]);
}

const RED = solid([255, 0, 0], 640, 512);
const BLUE = solid([0, 0, 255], 256, 256);
const item = () => ({
	json: {},
	binary: {
		product: { data: RED.toString('base64'), mimeType: 'image/png', fileName: 'product.png' },
	},
});

const MODELS = ['flux-2-pro', 'flux-2-max', 'flux-2-flex', 'flux-3-image'] as const;

describe('the mock providers serve the models beyond Ultra', () => {
	let bfl: MockBfl;
	let fal: MockFal;
	let replicate: MockReplicate;
	beforeAll(async () => {
		nock.enableNetConnect('127.0.0.1');
		bfl = await startMockBfl({ latencyMs: 100, scale: 0.5 });
		fal = await startMockFal({ latencyMs: 100, scale: 0.5 });
		replicate = await startMockReplicate({ latencyMs: 100, scale: 0.5 });
	});
	afterAll(async () => {
		await Promise.all([bfl.close(), fal.close(), replicate.close()]);
	});

	const credentials = () => ({
		bflApi: { apiKey: 'bfl-dummy-example', region: 'global', baseUrl: bfl.url },
		falApi: { apiKey: 'dummy-example-fal', baseUrl: fal.url },
		replicateApi: { apiKey: 'r8_dummy_example', baseUrl: replicate.url },
	});
	const run = (
		provider: string,
		model: string,
		url: string,
		options: Record<string, unknown> = {},
	) =>
		createHarness({
			params: {
				provider,
				operation: 'generate',
				model,
				prompt: 'the product of image 1 in the colours of image 2',
				options: {
					referenceImages: {
						image: [
							{ source: 'binary', binaryPropertyName: 'product' },
							{ source: 'url', url },
						],
					},
					...options,
				},
			},
			node: { typeVersion: 2 },
			items: [item()],
			credentials: credentials(),
			continueOnFail: true,
		}).run();

	/** What each mock received of its last job: endpoint, body, references as read. */
	const last = {
		bfl: () => {
			const task = [...bfl.tasks.values()].at(-1)!;
			return { endpoint: task.endpoint, body: task.input, references: task.references ?? [] };
		},
		fal: () => {
			const job = [...fal.jobs.values()].at(-1)!;
			return { endpoint: job.endpoint, body: job.input, references: job.references ?? [] };
		},
		replicate: () => {
			const p = [...replicate.predictions.values()].at(-1)!;
			return { endpoint: p.model, body: p.input, references: p.references ?? [] };
		},
	};
	const endpoints: Record<string, Record<(typeof MODELS)[number], string>> = {
		bfl: {
			'flux-2-pro': '/v1/flux-2-pro',
			'flux-2-max': '/v1/flux-2-max',
			'flux-2-flex': '/v1/flux-2-flex',
			'flux-3-image': '/v1/flux-3-image',
		},
		fal: {
			'flux-2-pro': '/fal-ai/flux-2-pro/edit',
			'flux-2-max': '/fal-ai/flux-2-max/edit',
			'flux-2-flex': '/fal-ai/flux-2-flex/edit',
			'flux-3-image': '/blackforestlabs/flux-3/edit-image',
		},
		replicate: {
			'flux-2-pro': 'black-forest-labs/flux-2-pro',
			'flux-2-max': 'black-forest-labs/flux-2-max',
			'flux-2-flex': 'black-forest-labs/flux-2-flex',
			'flux-3-image': 'black-forest-labs/flux-3-image',
		},
	};

	for (const provider of ['bfl', 'fal', 'replicate'] as const) {
		it.each(MODELS)(
			`${provider}: %s with a binary and a URL reference, in order`,
			async (model) => {
				const mock = { bfl, fal, replicate }[provider];
				const url = mock.serveFixture(`blue-${model}.png`, BLUE);
				// Every field the model has, set away from its default: a wrong wire name is a 422.
				const options: Record<string, Record<string, unknown>> = {
					'flux-2-pro': { aspectRatio: '3:2', seed: 7, outputFormat: 'png', safetyTolerance: '3' },
					'flux-2-max': { aspectRatio: 'match', megapixels: '2', seed: 8 },
					'flux-2-flex': {
						guidance: 4,
						steps: 20,
						...(provider === 'fal' ? {} : { promptUpsampling: false }),
					},
					'flux-3-image': {
						aspectRatio: '3:2',
						resolution: '1.5k',
						grounding: false,
						safetyTolerance: '3',
					},
				};
				const [out] = await run(provider, model, url, options[model]);
				expect(out[0].json.error).toBeUndefined();
				const received = last[provider]();
				expect(received.endpoint).toBe(endpoints[provider][model]);
				expect(received.references.map(sha)).toEqual([sha(RED), sha(BLUE)]);
				const bytes = Buffer.from(out[0].binary!.data.data, 'base64');
				const size = imageSize(bytes)!;
				expect(out[0].json).toMatchObject({
					provider,
					model,
					width: size.width,
					height: size.height,
					...(model === 'flux-3-image' ? { seed: null, contentType: 'image/png' } : {}),
				});
				expect(typeof out[0].json.seed).toBe(model === 'flux-3-image' ? 'object' : 'number');
				const label = readLabel(bytes).join(' ');
				expect(label).toContain(
					{
						'flux-2-pro': 'FLUX.2 [pro]',
						'flux-2-max': 'FLUX.2 [max]',
						'flux-2-flex': 'FLUX.2 [flex]',
						'flux-3-image': 'FLUX 3 Image',
					}[model],
				);
				expect(readLabel(bytes).at(-1)).toBe('reference images:');
			},
		);
	}

	it('a large binary reference goes through the mock storage (fal.ai) and Files API (Replicate), still in order', async () => {
		// Noise does not compress: a PNG over the 1 MB both inline at most.
		const noise = randomBytes(700 * 600 * 3);
		const large = pngOf(noise, 700, 600);
		expect(large.length).toBeGreaterThan(1_100_000);
		for (const [provider, mock] of [
			['fal', fal],
			['replicate', replicate],
		] as const) {
			const uploads = mock.counts.upload;
			const url = mock.serveFixture('blue-large.png', BLUE);
			const [out] = await createHarness({
				params: {
					provider,
					operation: 'generate',
					model: 'flux-2-pro',
					prompt: 'image 1 and image 2',
					options: {
						referenceImages: {
							image: [
								{ source: 'binary', binaryPropertyName: 'product' },
								{ source: 'url', url },
							],
						},
					},
				},
				node: { typeVersion: 2 },
				items: [
					{
						json: {},
						binary: {
							product: { data: large.toString('base64'), mimeType: 'image/png', fileName: 'p.png' },
						},
					},
				],
				credentials: credentials(),
				continueOnFail: true,
			}).run();
			expect(out[0].json.error, provider).toBeUndefined();
			expect(mock.counts.upload - uploads, provider).toBe(1);
			expect(last[provider]().references.map(sha), provider).toEqual([sha(large), sha(BLUE)]);
		}
	});

	it('the picture draws the references in order: image 1 (red) left of image 2 (blue)', async () => {
		const url = fal.serveFixture('blue-order.png', BLUE);
		const [out] = await run('fal', 'flux-3-image', url);
		const picture = decodeImage(Buffer.from(out[0].binary!.data.data, 'base64'))!;
		const colours: string[] = [];
		for (let x = 0; x < picture.width; x++) {
			// Scan a row through the thumbnails (in the lower part of the shaded panel).
			for (let y = Math.floor(picture.height * 0.25); y < picture.height; y += 4) {
				const o = (y * picture.width + x) * 4;
				const [r, g, b] = picture.rgba.subarray(o, o + 3);
				const c = r > 240 && g < 16 && b < 16 ? 'red' : b > 240 && r < 16 && g < 16 ? 'blue' : '';
				if (c && colours.at(-1) !== c) colours.push(c);
				if (c) break;
			}
		}
		expect(colours).toEqual(['red', 'blue']);
	});

	it('BFL: an undocumented field, or a missing prompt, is a 422 naming it (strict schema)', () => {
		expect(validateBflModelInput('flux-3-image', { prompt: 'x', seed: 1 })).toEqual([
			{ loc: ['body', 'seed'], msg: 'Extra inputs are not permitted', type: 'extra_forbidden' },
		]);
		expect(
			validateBflModelInput('flux-2-pro', { aspect_ratio: '1:1' }).map((d) => d.loc[1]),
		).toEqual(['prompt', 'aspect_ratio']);
		expect(
			validateBflModelInput('flux-2-pro', { prompt: 'x', guidance: 3 }).map((d) => d.loc[1]),
		).toEqual(['guidance']);
		expect(validateBflModelInput('flux-2-flex', { prompt: 'x', guidance: 3, steps: 20 })).toEqual(
			[],
		);
	});

	it('fal and Replicate: an undocumented field fails the job naming it', async () => {
		const falSubmit = await fetch(`${fal.url}/fal-ai/flux-2-pro`, {
			method: 'POST',
			headers: { authorization: 'Key dummy-example', 'content-type': 'application/json' },
			body: JSON.stringify({ prompt: 'x', aspect_ratio: '1:1' }),
		}).then(async (r) => (await r.json()) as { response_url: string });
		await new Promise((resolve) => setTimeout(resolve, 150));
		const result = await fetch(falSubmit.response_url, {
			headers: { authorization: 'Key dummy-example' },
		});
		expect(result.status).toBe(422);
		expect(await result.json()).toMatchObject({ detail: [{ loc: ['body', 'aspect_ratio'] }] });

		const created = await fetch(
			`${replicate.url}/v1/models/black-forest-labs/flux-3-image/predictions`,
			{
				method: 'POST',
				headers: { authorization: 'Bearer r8_dummy_example', 'content-type': 'application/json' },
				body: JSON.stringify({ input: { prompt: 'x', seed: 3 } }),
			},
		);
		expect(created.status).toBe(422);
		expect(await created.json()).toMatchObject({ invalid_fields: [{ field: 'input.seed' }] });
	});

	it('FLUX 3 Image 4k: a full-size PNG (~16 MP), streamed, its size and hash recorded', async () => {
		const [out] = await createHarness({
			params: {
				provider: 'bfl',
				operation: 'generate',
				model: 'flux-3-image',
				prompt: 'a poster',
				options: { resolution: '4k', aspectRatio: '1:1' },
			},
			node: { typeVersion: 2 },
			items: [{ json: {} }],
			credentials: credentials(),
			continueOnFail: true,
		}).run();
		expect(out[0].json.error).toBeUndefined();
		const bytes = Buffer.from(out[0].binary!.data.data, 'base64');
		expect(imageSize(bytes)).toEqual({ width: 4096, height: 4096 });
		expect(out[0].json).toMatchObject({ width: 4096, height: 4096, seed: null });
		expect(bfl.streamed.at(-1)).toEqual({
			id: [...bfl.tasks.values()].at(-1)!.id,
			width: 4096,
			height: 4096,
			bytes: bytes.length,
			sha256: sha(bytes),
		});
		expect(bytes.length).toBeGreaterThan(50_000_000);
	}, 120_000);
});
