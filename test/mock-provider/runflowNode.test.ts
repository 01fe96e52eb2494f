import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { imageSize } from '../../nodes/FluxUltra/job/downloads';
import { createHarness } from '../../testkit/harness/context';
import { makePng } from '../../testkit/mocks/images';
import { startMockRunflow, type MockRunflow } from '../../testkit/mocks/runflowServer';
import { errorOf } from '../../testkit/harness/errorItems';

/** The node over real loopback sockets against the mock Runflow API: what `npm run demo` does. */
describe('the node against the loopback mock Runflow', () => {
	let mock: MockRunflow;
	beforeAll(async () => {
		nock.enableNetConnect('127.0.0.1');
		mock = await startMockRunflow({ latencyMs: 300, scale: 0.05 });
	});
	afterAll(async () => {
		await mock.close();
	});

	const credentials = (apiKey = 'rf_live_dummy_example') => ({
		runflowApi: { apiKey, baseUrl: mock.url },
	});
	const generate = {
		provider: 'runflow',
		operation: 'generate',
		prompt: 'x',
		imageSource: 'none',
		aspectRatio: '9:16',
		numImages: 3,
		outputFormat: 'png',
		options: {},
	};

	it('generates images of the requested aspect ratio as real files', async () => {
		const before = { ...mock.counts };
		const [out] = await createHarness({ params: generate, credentials: credentials() }).run();

		expect(out).toHaveLength(3);
		for (const item of out) {
			expect(imageSize(Buffer.from(item.binary!.data.data, 'base64'))).toEqual({
				width: 77,
				height: 138,
			});
			expect(item.json).toMatchObject({
				provider: 'runflow',
				width: 77,
				height: 138,
				contentType: 'image/png',
			});
		}
		expect(mock.counts.create - before.create).toBe(1);
		expect(mock.counts.download - before.download).toBe(3);
	});

	it('uploads an incoming file through the presigned PUT (which refuses any Authorization header)', async () => {
		const photo = makePng(40, 40, 3);
		const [out] = await createHarness({
			params: { ...generate, numImages: 1, imageSource: 'binary', binaryPropertyName: 'photo' },
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
		const asset = [...mock.assets.values()].pop()!;
		expect(asset.confirmed).toBe(true);
		expect(asset.bytes?.equals(photo)).toBe(true);
		const run = [...mock.runs.values()].pop()!;
		expect(String(run.input.image_url)).toContain(`/assets/${asset.id}`);
	});

	it('maps a moderated run and an empty balance to the same kinds as fal.ai', async () => {
		const [moderated] = await createHarness({
			params: { ...generate, prompt: 'a forbidden subject' },
			credentials: credentials(),
			continueOnFail: true,
		}).run();
		expect(errorOf(moderated[0]).kind).toBe('moderation');

		const [broke] = await createHarness({
			params: generate,
			credentials: credentials('rf_live_dummy_nocredit'),
			continueOnFail: true,
		}).run();
		expect(errorOf(broke[0])).toMatchObject({
			kind: 'credit',
			message: 'Your Runflow account is out of credit [item 0]',
		});
	});
});

describe('the node against mocks that inject faults', () => {
	it('rides out 30% throttling and 503s on both mock providers: every image delivered, each job made once', async () => {
		nock.enableNetConnect('127.0.0.1');
		const { startMockFal } = await import('../../testkit/mocks/falServer');
		const fal = await startMockFal({ latencyMs: 200, scale: 0.05, faults: { rate: 0.3, seed: 7 } });
		const runflow = await startMockRunflow({
			latencyMs: 200,
			scale: 0.05,
			faults: { rate: 0.3, seed: 7 },
		});
		try {
			for (const [provider, credentials] of [
				['fal', { falApi: { apiKey: 'dummy-key', baseUrl: fal.url } }],
				['runflow', { runflowApi: { apiKey: 'rf_live_dummy_example', baseUrl: runflow.url } }],
			] as const) {
				const items = Array.from({ length: 6 }, (_, i) => ({ json: { i } }));
				const [out] = await createHarness({
					params: {
						provider,
						operation: 'generate',
						prompt: (i: number) => `faulty ${i}`,
						imageSource: 'none',
						aspectRatio: '1:1',
						numImages: 2,
						outputFormat: 'png',
						options: { maxParallelJobs: 3 },
					},
					items,
					credentials,
				}).run();
				expect(out).toHaveLength(12);
				expect(out.every((item) => item.json.error === undefined)).toBe(true);
			}
			expect(fal.counts.submit).toBe(6);
			expect(runflow.counts.create).toBe(6);
			expect(fal.faults[429] + fal.faults[503]).toBeGreaterThan(0);
			expect(runflow.faults[429] + runflow.faults[503]).toBeGreaterThan(0);
		} finally {
			await fal.close();
			await runflow.close();
		}
	});
});
