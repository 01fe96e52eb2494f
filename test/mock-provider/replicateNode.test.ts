import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { imageSize } from '../../nodes/FluxUltra/job/downloads';
import { createHarness } from '../../testkit/harness/context';
import { makePng } from '../../testkit/mocks/images';
import { startMockReplicate, type MockReplicate } from '../../testkit/mocks/replicateServer';
import { errorOf } from '../../testkit/harness/errorItems';

/** The node over real loopback sockets against the mock Replicate API: what `npm run demo` does. */
describe('the node against the loopback mock Replicate', () => {
	let mock: MockReplicate;
	beforeAll(async () => {
		nock.enableNetConnect('127.0.0.1');
		mock = await startMockReplicate({ latencyMs: 300, scale: 0.05 });
	});
	afterAll(async () => {
		await mock.close();
	});

	const credentials = (apiKey = 'r8_dummy_example') => ({
		replicateApi: { apiKey, baseUrl: mock.url },
	});
	const generate = {
		provider: 'replicate',
		operation: 'generate',
		prompt: 'x',
		imageSource: 'none',
		aspectRatio: '3:2',
		numImages: 2,
		outputFormat: 'jpeg',
		options: {},
	};

	it('creates one prediction per image and delivers real files of the requested ratio, without Prefer: wait', async () => {
		const before = { ...mock.counts };
		const [out] = await createHarness({ params: generate, credentials: credentials() }).run();

		expect(out).toHaveLength(2);
		for (const item of out) {
			expect(imageSize(Buffer.from(item.binary!.data.data, 'base64'))).toEqual({
				width: 125,
				height: 83,
			});
			expect(item.json).toMatchObject({
				provider: 'replicate',
				contentType: 'image/jpeg',
				imageCount: 2,
			});
			expect(typeof item.json.seed).toBe('number');
		}
		expect(mock.counts.create - before.create).toBe(2);
		expect(mock.counts.waited - before.waited).toBe(0);
		expect(mock.counts.download - before.download).toBe(2);
	});

	it('uploads a file over 1 MB through the Files API, and the mock accepts its URL as image_prompt', async () => {
		const photo = Buffer.concat([makePng(40, 40, 3), Buffer.alloc(1200 * 1024)]);
		const before = mock.counts.upload;
		const [out] = await createHarness({
			params: {
				...generate,
				operation: 'remix',
				numImages: 1,
				imageSource: 'binary',
				binaryPropertyName: 'photo',
			},
			items: [
				{
					json: {},
					binary: {
						photo: { data: photo.toString('base64'), mimeType: 'image/png', fileName: 'p.png' },
					},
				},
			],
			credentials: credentials(),
		}).run();

		expect(out).toHaveLength(1);
		expect(mock.counts.upload - before).toBe(1);
		const file = [...mock.files.values()].pop()!;
		expect(file.bytes.equals(photo)).toBe(true);
		expect(file.name).toBe('p.png');
		expect([...mock.predictions.values()].pop()!.input.image_prompt).toBe(
			`${mock.url}/v1/files/${file.id}`,
		);
	});

	it('cancels the prediction at Replicate when the execution is cancelled', async () => {
		const controller = new AbortController();
		const harness = createHarness({
			params: { ...generate, numImages: 1 },
			credentials: credentials(),
			signal: controller.signal,
			continueOnFail: true,
		});
		const polls = mock.counts.poll;
		const before = mock.counts.cancel;
		const running = harness.run();
		// Once the node polls, the prediction is running: cancel the execution then.
		while (mock.counts.poll === polls) await new Promise((resolve) => setTimeout(resolve, 5));
		controller.abort();
		const [out] = await running;
		expect(errorOf(out[0]).kind).toBe('cancelled');
		expect(mock.counts.cancel - before).toBe(1);
		expect([...mock.predictions.values()].pop()!.canceledAt).toBeDefined();
	});

	it('maps moderation, failure and an empty balance to the same kinds as the other providers', async () => {
		const [out] = await createHarness({
			params: {
				...generate,
				numImages: 1,
				prompt: (i: number) => ['a forbidden subject', 'explode'][i],
			},
			items: [{ json: {} }, { json: {} }],
			credentials: credentials(),
			continueOnFail: true,
		}).run();
		expect(out.map((i) => errorOf(i).kind)).toEqual(['moderation', 'job_failed']);

		const [broke] = await createHarness({
			params: generate,
			credentials: credentials('r8_dummy_nocredit'),
			continueOnFail: true,
		}).run();
		expect(errorOf(broke[0])).toMatchObject({
			kind: 'credit',
			message: 'Your Replicate account is out of credit [item 0]',
		});
	});

	it('rides out 30% throttling and 503s: every image delivered, each prediction made once', async () => {
		const faulty = await startMockReplicate({
			latencyMs: 200,
			scale: 0.05,
			faults: { rate: 0.3, seed: 5 },
		});
		try {
			const [out] = await createHarness({
				params: {
					...generate,
					prompt: (i: number) => `faulty ${i}`,
					options: { maxParallelJobs: 4 },
				},
				items: Array.from({ length: 4 }, (_, i) => ({ json: { i } })),
				credentials: { replicateApi: { apiKey: 'r8_dummy_example', baseUrl: faulty.url } },
			}).run();
			expect(out).toHaveLength(8);
			expect(out.every((item) => item.json.error === undefined)).toBe(true);
			expect(faulty.predictions.size).toBe(8);
			expect(faulty.faults[429] + faulty.faults[503]).toBeGreaterThan(0);
		} finally {
			await faulty.close();
		}
	});
});
