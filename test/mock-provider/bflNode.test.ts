import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { imageSize } from '../../nodes/FluxUltra/job/downloads';
import { createHarness } from '../../testkit/harness/context';
import { startMockBfl, type MockBfl } from '../../testkit/mocks/bflServer';
import { makeJpeg } from '../../testkit/mocks/images';
import { errorOf } from '../../testkit/harness/errorItems';

/** The node over real loopback sockets against the mock Black Forest Labs API: what `npm run demo` does. */
describe('the node against the loopback mock Black Forest Labs', () => {
	let mock: MockBfl;
	beforeAll(async () => {
		nock.enableNetConnect('127.0.0.1');
		mock = await startMockBfl({ latencyMs: 300, scale: 0.05 });
	});
	afterAll(async () => {
		await mock.close();
	});

	const credentials = (apiKey = 'bfl-dummy-example') => ({
		bflApi: { apiKey, region: 'eu', baseUrl: mock.url },
	});
	const generate = {
		provider: 'bfl',
		operation: 'generate',
		prompt: 'x',
		imageSource: 'none',
		aspectRatio: '9:16',
		numImages: 3,
		outputFormat: 'png',
		options: { seed: 40 },
	};

	it('makes Number of Images as that many jobs, real files of the requested ratio, seeds 40, 41, 42', async () => {
		const before = { ...mock.counts };
		const [out] = await createHarness({ params: generate, credentials: credentials() }).run();

		expect(out).toHaveLength(3);
		for (const [n, item] of out.entries()) {
			expect(imageSize(Buffer.from(item.binary!.data.data, 'base64'))).toEqual({
				width: 77,
				height: 138,
			});
			expect(item.json).toMatchObject({
				provider: 'bfl',
				width: 77,
				height: 138,
				contentType: 'image/png',
				imageIndex: n,
				imageCount: 3,
				seed: 40 + n,
			});
		}
		expect(mock.counts.submit - before.submit).toBe(3);
		expect(mock.counts.download - before.download).toBe(3);
	});

	it('remixes an incoming file: its bytes as base64 image_prompt', async () => {
		const photo = makeJpeg(40, 40, 3);
		const [out] = await createHarness({
			params: {
				...generate,
				operation: 'remix',
				prompt: '',
				numImages: 1,
				imageSource: 'binary',
				binaryPropertyName: 'photo',
				options: {},
			},
			items: [
				{
					json: {},
					binary: {
						photo: { data: photo.toString('base64'), mimeType: 'image/jpeg', fileName: 'p.jpg' },
					},
				},
			],
			credentials: credentials(),
		}).run();

		expect(out).toHaveLength(1);
		const task = [...mock.tasks.values()].pop()!;
		expect(task.input.image_prompt).toBe(photo.toString('base64'));
		expect(task.input.prompt).toBeUndefined();
	});

	it('maps moderation, failure and an empty balance to the same kinds as the other providers', async () => {
		const [out] = await createHarness({
			params: {
				...generate,
				numImages: 1,
				prompt: (i: number) => ['a forbidden subject', 'forbidden-input please', 'explode'][i],
			},
			items: [{ json: {} }, { json: {} }, { json: {} }],
			credentials: credentials(),
			continueOnFail: true,
		}).run();
		expect(out.map((i) => errorOf(i).kind)).toEqual(['moderation', 'moderation', 'job_failed']);

		const [broke] = await createHarness({
			params: generate,
			credentials: credentials('bfl-dummy-nocredit'),
			continueOnFail: true,
		}).run();
		expect(errorOf(broke[0])).toMatchObject({
			kind: 'credit',
			message: 'Your Black Forest Labs account is out of credit [item 0]',
		});
	});

	it('names the field when the schema refuses a value', async () => {
		// The mock refuses unknown fields, as a wrong wire name would be: a sanity check of the mock itself.
		const response = await fetch(`${mock.url}/v1/flux-pro-1.1-ultra`, {
			method: 'POST',
			headers: { 'x-key': 'bfl-dummy-example', 'content-type': 'application/json' },
			body: JSON.stringify({ prompt: 'x', num_images: 2, safety_tolerance: 9 }),
		});
		expect(response.status).toBe(422);
		const body = (await response.json()) as { detail: Array<{ loc: string[]; type: string }> };
		expect(body.detail.map((d) => [d.loc[1], d.type])).toEqual([
			['safety_tolerance', 'int_range'],
			['num_images', 'extra_forbidden'],
		]);
	});

	it('rides out 30% throttling and 503s: every image delivered, each job made once', async () => {
		const faulty = await startMockBfl({
			latencyMs: 200,
			scale: 0.05,
			faults: { rate: 0.3, seed: 11 },
		});
		try {
			const [out] = await createHarness({
				params: {
					...generate,
					prompt: (i: number) => `faulty ${i}`,
					numImages: 2,
					options: { maxParallelJobs: 4 },
				},
				items: Array.from({ length: 4 }, (_, i) => ({ json: { i } })),
				credentials: {
					bflApi: { apiKey: 'bfl-dummy-example', region: 'global', baseUrl: faulty.url },
				},
			}).run();
			expect(out).toHaveLength(8);
			expect(out.every((item) => item.json.error === undefined)).toBe(true);
			expect(faulty.tasks.size).toBe(8);
			expect(faulty.faults[429] + faulty.faults[503]).toBeGreaterThan(0);
		} finally {
			await faulty.close();
		}
	});
});
