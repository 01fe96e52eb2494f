import jpeg from 'jpeg-js';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createHarness } from '../../testkit/harness/context';
import { startMockFal, type MockFal } from '../../testkit/mocks/falServer';
import { decodeImage, makeImage, readLabel, ULTRA_SIZES, wrap } from '../../testkit/mocks/images';

/**
 * A mock image says what it is and what was asked, so nobody mistakes it for a failed generation:
 * read back from the bytes the node received, at Ultra's size.
 */
describe("the mock providers' images", () => {
	let mock: MockFal;
	beforeAll(async () => {
		nock.enableNetConnect('127.0.0.1');
		mock = await startMockFal({ latencyMs: 100 });
	});
	afterAll(async () => {
		await mock.close();
	});
	const credentials = () => ({ falApi: { apiKey: 'dummy-key', baseUrl: mock.url } });
	const prompt =
		'Studio product photo of a matte ceramic coffee mug on a walnut table, soft morning light';

	it('carry "MOCK IMAGE", the provider, operation, aspect ratio, seed and the whole prompt, wrapped', async () => {
		const [out] = await createHarness({
			params: {
				provider: 'fal',
				operation: 'generate',
				prompt,
				imageSource: 'none',
				aspectRatio: '16:9',
				numImages: 1,
				outputFormat: 'jpeg',
				options: { seed: 4242 },
			},
			credentials: credentials(),
		}).run();
		const bytes = Buffer.from(out[0].binary!.data.data, 'base64');
		const lines = readLabel(bytes);

		expect(lines[0]).toBe('MOCK IMAGE');
		expect(lines).toContain('fal.ai (mock) - generate');
		expect(lines).toContain(`aspect ratio 16:9 - seed 4242 - ${ULTRA_SIZES['16:9'].join('x')}`);
		const from = lines.findIndex((l) => l.startsWith('prompt: '));
		expect(from).toBeGreaterThan(0);
		expect(lines.slice(from).join(' ')).toBe(`prompt: ${prompt}`);
		expect(lines.length - from).toBeGreaterThan(1);
	});

	it('show a remix’s input image inside, scaled', async () => {
		// A pure green input: the mock's own backgrounds never reach it.
		const side = 96;
		const green = Buffer.alloc(side * side * 4);
		for (let i = 0; i < side * side; i++) green.set([0, 255, 0, 255], i * 4);
		const input = Buffer.from(jpeg.encode({ data: green, width: side, height: side }, 95).data);
		const [out] = await createHarness({
			params: {
				provider: 'fal',
				operation: 'remix',
				prompt: '',
				imageSource: 'binary',
				binaryPropertyName: 'data',
				aspectRatio: '1:1',
				numImages: 1,
				outputFormat: 'png',
				options: {},
			},
			items: [
				{
					json: {},
					binary: {
						data: { data: input.toString('base64'), mimeType: 'image/jpeg', fileName: 'green.jpg' },
					},
				},
			],
			credentials: credentials(),
		}).run();
		const bytes = Buffer.from(out[0].binary!.data.data, 'base64');

		const lines = readLabel(bytes);
		expect(lines.join(' ')).toContain('fal.ai (mock) - remix (Ultra Redux)');
		expect(lines[lines.length - 1]).toBe('input image:');
		const image = decodeImage(bytes)!;
		let greenPixels = 0;
		for (let i = 0; i < image.width * image.height; i++) {
			if (image.rgba[i * 4 + 1] > 200 && image.rgba[i * 4] < 60 && image.rgba[i * 4 + 2] < 60)
				greenPixels++;
		}
		// Scaled up from 96² to a third of the picture's side: far more pixels than the input has.
		expect(greenPixels).toBeGreaterThan((image.width / 4) ** 2);
	});

	it('wrap a prompt into lines of whole words that fit', () => {
		expect(wrap('a matte ceramic coffee mug', 12)).toEqual(['a matte', 'ceramic', 'coffee mug']);
		expect(wrap('supercalifragilistic', 8)).toEqual(['supercal', 'ifragili', 'stic']);
		expect(wrap('“café” — ok', 20)).toEqual(['"cafe" - ok']);
	});

	it('are made fast enough for suites that make hundreds (4 MP JPEG and PNG with a label)', (context) => {
		const [w, h] = ULTRA_SIZES['16:9'];
		const label = {
			provider: 'fal.ai (mock)',
			operation: 'generate',
			aspectRatio: '16:9',
			seed: 1,
			prompt,
		};
		const ms: Record<string, number> = {};
		for (const format of ['jpeg', 'png'] as const) {
			const started = performance.now();
			for (let i = 0; i < 3; i++) makeImage(format, w, h, i + 1, label);
			ms[format] = (performance.now() - started) / 3;
		}
		context.task.meta.figures = `ms per 2752×1536 image with a label: JPEG ${ms.jpeg.toFixed(0)}, PNG ${ms.png.toFixed(0)}`;
		// Wide bound: about 0.5–1 s each on two shared cores.
		expect(Math.max(ms.jpeg, ms.png)).toBeLessThan(5000);
	});
});
