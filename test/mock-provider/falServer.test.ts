import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { imageSize } from '../../nodes/FluxUltra/job/downloads';
import { createHarness } from '../../testkit/harness/context';
import { startMockFal, type MockFal } from '../../testkit/mocks/falServer';
import { errorOf } from '../../testkit/harness/errorItems';

/** The whole path over real loopback sockets: node → mock fal.ai → files. What `npm run demo` does. */
describe('against the loopback mock fal.ai', () => {
	let mock: MockFal;
	beforeAll(async () => {
		nock.enableNetConnect('127.0.0.1');
		mock = await startMockFal({ latencyMs: 300, scale: 0.05 });
	});
	afterAll(async () => {
		await mock.close();
	});

	const credentials = () => ({ falApi: { apiKey: 'dummy-key', baseUrl: mock.url } });

	it('generates images of the requested aspect ratio as real files', async () => {
		const harness = createHarness({
			params: {
				provider: 'fal',
				operation: 'generate',
				prompt: 'x',
				imageSource: 'none',
				aspectRatio: '9:16',
				numImages: 3,
				outputFormat: 'png',
				options: {},
			},
			credentials: credentials(),
		});

		const [out] = await harness.run();

		expect(out).toHaveLength(3);
		for (const item of out) {
			const bytes = Buffer.from(item.binary!.data.data, 'base64');
			expect(imageSize(bytes)).toEqual({ width: 77, height: 138 });
			expect(item.json).toMatchObject({ width: 77, height: 138, contentType: 'image/png' });
		}
		expect(mock.counts.submit).toBe(1);
		expect(mock.counts.download).toBe(3);
	});

	it('remixes an incoming binary through the Redux endpoint', async () => {
		const generated = await createHarness({
			params: {
				provider: 'fal',
				operation: 'generate',
				prompt: 'x',
				imageSource: 'none',
				aspectRatio: '1:1',
				numImages: 1,
				outputFormat: 'jpeg',
				options: {},
			},
			credentials: credentials(),
		}).run();
		const [out] = await createHarness({
			params: {
				provider: 'fal',
				operation: 'remix',
				prompt: '',
				imageSource: 'binary',
				binaryPropertyName: 'data',
				aspectRatio: '16:9',
				numImages: 1,
				outputFormat: 'jpeg',
				options: {},
			},
			items: generated[0],
			credentials: credentials(),
		}).run();

		expect(out[0].json).toMatchObject({
			operation: 'remix',
			contentType: 'image/jpeg',
			width: 138,
			height: 77,
		});
		const remixJob = [...mock.jobs.values()].find((j) => j.endpoint.endsWith('/redux'));
		expect(String(remixJob?.input.image_url)).toMatch(/^data:image\/jpeg;base64,/);
	});

	it("turns the mock's validation error into a field-naming message", async () => {
		const harness = createHarness({
			params: {
				provider: 'fal',
				operation: 'generate',
				prompt: 'a forbidden subject',
				imageSource: 'none',
				aspectRatio: '1:1',
				numImages: 1,
				outputFormat: 'jpeg',
				options: {},
			},
			credentials: credentials(),
			continueOnFail: true,
		});

		const [out] = await harness.run();

		expect(errorOf(out[0]).kind).toBe('moderation');
	});
});
