import type { ICredentialDataDecryptedObject } from 'n8n-workflow';
import nock from 'nock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { costHintMessage } from '../../nodes/FluxUltra/run/spendCap';
import { createHarness } from '../../testkit/harness/context';
import { useVirtualClock } from '../../testkit/harness/clock';
import { fakeImages, GENERATE_PARAMS, mockFalJob } from '../../testkit/harness/falNock';
import { startMockBfl, type MockBfl } from '../../testkit/mocks/bflServer';
import { startMockFal, type MockFal } from '../../testkit/mocks/falServer';
import { skippableClock } from '../../testkit/mocks/loopback';
import { startMockRunflow, type MockRunflow } from '../../testkit/mocks/runflowServer';
import { useNock } from '../setupNock';

useNock();

/**
 * Issue 31, point 7: a run against the mock providers never reads as money spent. The mocks bill
 * nothing (a cost of 0 where the provider's answer carries one), and a run whose API Base URL is a
 * loopback address labels its list-price figures as an estimate, not a charge.
 */
describe('mock runs cost nothing', () => {
	let fal: MockFal;
	let runflow: MockRunflow;
	let bfl: MockBfl;
	const jobTime = skippableClock();
	beforeAll(async () => {
		nock.enableNetConnect('127.0.0.1');
		[fal, runflow, bfl] = await Promise.all([
			startMockFal({ latencyMs: 100, scale: 0.05, now: jobTime.now }),
			startMockRunflow({ latencyMs: 100, scale: 0.05, now: jobTime.now }),
			startMockBfl({ latencyMs: 100, scale: 0.05 }),
		]);
	});
	afterAll(async () => {
		await Promise.all([fal.close(), runflow.close(), bfl.close()]);
	});
	// The mocks are on loopback; every other host is still nock's.
	beforeEach(() => nock.enableNetConnect('127.0.0.1'));

	it('the BFL mock answers a submit with a cost of 0 credits', async () => {
		const response = await fetch(`${bfl.url}/v1/flux-pro-1.1-ultra`, {
			method: 'POST',
			headers: { 'x-key': 'bfl-dummy-example', 'content-type': 'application/json' },
			body: JSON.stringify({ prompt: 'a lighthouse' }),
		});
		expect(response.status).toBe(200);
		const body = (await response.json()) as Record<string, unknown>;
		expect(body).toHaveProperty('cost', 0);
	});

	it('the Runflow mock reports a finished run as costing "0"', async () => {
		const headers = {
			authorization: 'Bearer rf_live_dummy_example',
			'content-type': 'application/json',
		};
		const created = (await (
			await fetch(`${runflow.url}/v1/models/black-forest-labs/flux-1-1-pro-ultra/runs`, {
				method: 'POST',
				headers,
				body: JSON.stringify({ input: { prompt: 'a lighthouse' } }),
			})
		).json()) as { id: string };
		jobTime.skip(10_000);
		const run = (await (
			await fetch(`${runflow.url}/v1/runs/${created.id}`, { headers })
		).json()) as Record<string, unknown>;
		expect(run.status_code).toBe('succeeded');
		expect(run.cost).toBe('0');
	});

	const hintsOf = async (
		params: Record<string, unknown>,
		credentials: Record<string, ICredentialDataDecryptedObject>,
	) => {
		const harness = createHarness({ params, credentials });
		const hints: Array<{ message: string }> = [];
		Object.assign(harness.ctx, {
			addExecutionHints: (...h: Array<{ message: string }>) => hints.push(...h),
		});
		const [out] = await harness.run();
		return { out, hints: hints.map((h) => h.message) };
	};

	it.each([
		['fal.ai', 'fal', () => ({ falApi: { apiKey: 'dummy-fal-key', baseUrl: fal.url } })],
		[
			'Runflow',
			'runflow',
			() => ({ runflowApi: { apiKey: 'rf_live_dummy_example', baseUrl: runflow.url } }),
		],
		[
			'Black Forest Labs',
			'bfl',
			() => ({ bflApi: { apiKey: 'bfl-dummy-example', region: 'eu', baseUrl: bfl.url } }),
		],
	])(
		'a run on the %s mock (a loopback API Base URL) says its figure is an estimate, not a charge',
		async (_name, provider, credentials) => {
			const pending = hintsOf(
				{
					provider,
					operation: 'generate',
					prompt: 'a lighthouse',
					imageSource: 'none',
					numImages: 2,
					outputFormat: 'jpeg',
				},
				credentials(),
			);
			// The mocks' jobs take 100 ms of their clock: move it on until the run is done.
			const tick = setInterval(() => jobTime.skip(1000), 20);
			const { out, hints } = await pending.finally(() => clearInterval(tick));
			expect(out).toHaveLength(2);
			// Nothing the mock said was a charge: each image carries the list price, labelled as such.
			expect(out.map((i) => i.json.cost)).toEqual([
				{ usd: 0.06, source: 'list_price' },
				{ usd: 0.06, source: 'list_price' },
			]);
			expect(hints).toHaveLength(1);
			expect(hints[0]).not.toMatch(/^This run cost/);
			expect(hints[0]).toBe(
				'Estimate, not a charge: 2 images at list price would cost about $0.12 (the API Base URL is a loopback address: a mock, or a proxy on this computer)',
			);
		},
	);

	it('a run on the real host keeps its figure as a cost', async () => {
		useVirtualClock();
		mockFalJob({ images: fakeImages(1) });
		const { hints } = await hintsOf(GENERATE_PARAMS, {
			falApi: { apiKey: 'dummy-fal-key', baseUrl: '' },
		});
		expect(hints).toEqual(['This run cost about $0.06 (1 image: 1 at list price)']);
	});
});

describe('the cost hint', () => {
	const list = (usd: number) => ({ usd, source: 'list_price' as const });
	const reported = (usd: number) => ({ usd, source: 'provider' as const });

	it('counts a loopback run’s list prices apart from what a real host or a provider figure says', () => {
		expect(costHintMessage([list(0.06), reported(0.05)], [list(0.06)])).toBe(
			'This run cost about $0.11 (2 images: 1 as reported by the provider, 1 at list price). Estimate, not a charge: 1 image at list price would cost about $0.06 (the API Base URL is a loopback address: a mock, or a proxy on this computer)',
		);
		expect(costHintMessage([list(0.06)], [])).toBe(
			'This run cost about $0.06 (1 image: 1 at list price)',
		);
		expect(costHintMessage([], [])).toBeUndefined();
	});
});
