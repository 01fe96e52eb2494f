import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import { holdsExpression } from '../../../../nodes/FluxUltra/operations/itemParameters';
import { startMockFal, type MockFal } from '../../../../testkit/mocks/falServer';
import { createHarness } from '../../../../testkit/harness/context';

/**
 * What the node spends per item and per request, found by the scale series of `npm run bench` in
 * real n8n 2.x: there, n8n loads and decrypts the credential from its database on every signed
 * request unless the node hands it over, and resolves every parameter of every item through its
 * expression engine. Over real loopback sockets and n8n-core's own request helpers.
 */
describe('per-item and per-request cost', () => {
	let mock: MockFal;
	beforeAll(async () => {
		nock.enableNetConnect('127.0.0.1');
		mock = await startMockFal({ latencyMs: 60, scale: 0.02 });
	});
	afterAll(async () => {
		await mock.close();
	});

	const ITEMS = 5;
	const harnessFor = () =>
		createHarness({
			params: {
				provider: 'fal',
				operation: 'generate',
				prompt: (i: number) => `brief ${i}`,
				imageSource: 'none',
				aspectRatio: '1:1',
				numImages: 1,
				outputFormat: 'jpeg',
				options: { maxParallelJobs: 3 },
			},
			items: Array.from({ length: ITEMS }, () => ({ json: {} })),
			credentials: { falApi: { apiKey: 'dummy-scale-key', baseUrl: mock.url } },
		});

	it('reads the credential once per execution, not once per signed request, and still signs every API request', async () => {
		const harness = harnessFor();
		const getCredentials = vi.spyOn(harness.ctx, 'getCredentials');
		const before = { ...mock.counts };

		const [out] = await harness.run();

		expect(out).toHaveLength(ITEMS);
		expect(mock.counts.submit - before.submit).toBe(ITEMS);
		// Submit, status stream and result read per job: 3 signed requests × ITEMS, one credential read.
		expect(getCredentials).toHaveBeenCalledTimes(1);
		const apiCalls = harness.requests.filter((r) => !r.url.includes('/files/'));
		expect(apiCalls.length).toBeGreaterThanOrEqual(3 * ITEMS);
		for (const call of apiCalls) expect(call.headers.authorization).toBe('Key dummy-scale-key');
		// Downloads carry no key.
		for (const call of harness.requests.filter((r) => r.url.includes('/files/')))
			expect(call.headers.authorization).toBeUndefined();
	});

	it('reads a parameter without an expression once per execution, and an expression once per item', async () => {
		const harness = harnessFor();
		const getNodeParameter = vi.spyOn(harness.ctx, 'getNodeParameter');

		const [out] = await harness.run();

		expect(out.map((item) => item.json.prompt)).toEqual(
			Array.from({ length: ITEMS }, (_, i) => `brief ${i}`),
		);
		const reads = (name: string) => getNodeParameter.mock.calls.filter(([n]) => n === name).length;
		expect(reads('aspectRatio')).toBe(1);
		expect(reads('options')).toBe(1);
		expect(reads('prompt')).toBe(ITEMS);
	});
});

describe('holdsExpression', () => {
	it('finds an expression at any depth of a stored value, and nothing in fixed values', () => {
		expect(holdsExpression('={{ $json.prompt }}')).toBe(true);
		expect(holdsExpression({ fileName: 'a', nested: [{ seed: '={{ $json.seed }}' }] })).toBe(true);
		expect(
			holdsExpression({ fileName: 'flux-{index}', maxParallelJobs: 16, list: ['a', 1, null] }),
		).toBe(false);
		expect(holdsExpression(undefined)).toBe(false);
		expect(holdsExpression('a = b')).toBe(false);
	});
});
