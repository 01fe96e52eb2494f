import { createServer } from 'node:net';

import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

import { BREAKER_AFTER } from '../../nodes/FluxUltra/run/failover';
import { createHarness } from '../../testkit/harness/context';
import { useVirtualClock } from '../../testkit/harness/clock';
import { startMockBfl, type MockBfl } from '../../testkit/mocks/bflServer';
import { FAL_FAULT_MARKERS as M, startMockFal, type MockFal } from '../../testkit/mocks/falServer';
import { skippableClock } from '../../testkit/mocks/loopback';
import { startMockRunflow, type MockRunflow } from '../../testkit/mocks/runflowServer';
import { errorOf } from '../../testkit/harness/errorItems';

/**
 * Failover between providers over real loopback sockets: fal.ai first, Runflow (or BFL) as the
 * Fallback Provider. Every scenario counts the jobs each mock really created, which is how paying
 * twice would show.
 */
describe('failover to the Fallback Provider', () => {
	let fal: MockFal;
	let runflow: MockRunflow;
	let bfl: MockBfl;
	let closedPort: number;
	/** Moves the fal and Runflow mocks' job clocks ahead instead of sleeping until their jobs finish. */
	const jobTime = skippableClock();
	beforeAll(async () => {
		nock.enableNetConnect('127.0.0.1');
		[fal, runflow, bfl] = await Promise.all([
			startMockFal({ latencyMs: 100, scale: 0.05, keepAliveMs: 200, now: jobTime.now }),
			startMockRunflow({ latencyMs: 100, scale: 0.05, now: jobTime.now }),
			startMockBfl({ latencyMs: 100, scale: 0.05 }),
		]);
		closedPort = await new Promise<number>((done) => {
			const probe = createServer();
			probe.listen(0, '127.0.0.1', () => {
				const { port } = probe.address() as { port: number };
				probe.close(() => done(port));
			});
		});
	});
	afterAll(async () => {
		await Promise.all([fal.close(), runflow.close(), bfl.close()]);
	});
	afterEach(() => {
		vi.restoreAllMocks();
	});

	const run = (
		prompts: string[],
		{
			fallback = 'runflow',
			options = {},
			falUrl,
			operation = 'generate',
			numImages = 1,
		}: {
			fallback?: string;
			options?: Record<string, unknown>;
			falUrl?: string;
			operation?: string;
			numImages?: number;
		} = {},
	) =>
		createHarness({
			params: {
				provider: 'fal',
				fallbackFromFal: fallback,
				operation,
				prompt: (i: number) => prompts[i],
				imageSource: operation === 'remix' ? 'url' : 'none',
				imageUrl: 'https://example.com/in.png',
				numImages,
				outputFormat: 'png',
				options: { maxParallelJobs: 1, ...options },
			},
			items: prompts.map(() => ({ json: {} })),
			credentials: {
				falApi: { apiKey: 'dummy-fal-key', baseUrl: falUrl ?? fal.url },
				runflowApi: { apiKey: 'rf_live_dummy_example', baseUrl: runflow.url },
				bflApi: { apiKey: 'bfl-dummy-example', region: 'eu', baseUrl: bfl.url },
			},
			continueOnFail: true,
		});

	const jobs = () => ({
		fal: fal.jobs.size,
		runflow: runflow.runs.size,
		bfl: bfl.tasks.size,
		falSubmits: fal.counts.submit,
	});
	const delta = (before: ReturnType<typeof jobs>) => {
		const now = jobs();
		return {
			fal: now.fal - before.fal,
			runflow: now.runflow - before.runflow,
			bfl: now.bfl - before.bfl,
			falSubmits: now.falSubmits - before.falSubmits,
		};
	};

	it('moves items to the fallback when the first provider cannot be reached at all', async () => {
		useVirtualClock();
		const before = jobs();
		const [out] = await run(['a lighthouse', 'a harbour'], {
			falUrl: `http://127.0.0.1:${closedPort}`,
		}).run();

		expect(out.map((i) => i.json.provider)).toEqual(['runflow', 'runflow']);
		expect(out[0].json.failover).toEqual({ from: 'fal', reason: 'fal.ai could not be reached' });
		expect(out.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		expect(out[0].binary?.data).toBeDefined();
		expect(delta(before)).toMatchObject({ fal: 0, runflow: 2 });
	});

	it('moves an item whose creation fal keeps refusing (429) after the retries', async () => {
		useVirtualClock();
		const before = jobs();
		const [out] = await run([`a quay ${M.busy}`]).run();

		expect(out[0].json).toMatchObject({
			provider: 'runflow',
			failover: { from: 'fal', reason: 'fal.ai kept refusing new jobs (HTTP 429)' },
		});
		// Retried at fal (nothing was created there), then exactly one run.
		expect(delta(before)).toMatchObject({ fal: 0, falSubmits: 5, runflow: 1 });
	});

	it("never moves an item whose submit got nginx's 503 page from a base URL that is not fal's own host: it may be a proxy that forwarded it", async () => {
		useVirtualClock();
		const before = jobs();
		const [out] = await run([`a pier ${M.ingress503}`]).run();

		expect(errorOf(out[0])).toMatchObject({ kind: 'maybe_submitted', safeToRunElsewhere: false });
		expect(out[0].json.failover).toBeUndefined();
		expect(delta(before)).toMatchObject({ falSubmits: 1, runflow: 0 });
	});

	it('moves an item when the fal account is out of credit, without retrying there', async () => {
		const before = jobs();
		const [out] = await run([`a jetty ${M.noCredit}`]).run();

		expect(out[0].json).toMatchObject({
			provider: 'runflow',
			failover: { from: 'fal', reason: 'the fal.ai account is out of credit' },
		});
		expect(delta(before)).toMatchObject({ fal: 0, falSubmits: 1, runflow: 1 });
	});

	it('moves an item whose job fal failed on its side', async () => {
		const before = jobs();
		const [out] = await run([`a dock ${M.jobFails}`]).run();

		expect(out[0].json).toMatchObject({
			provider: 'runflow',
			failover: { from: 'fal', reason: 'fal.ai failed the job on its side' },
		});
		expect(delta(before)).toMatchObject({ fal: 1, runflow: 1 });
	});

	it('never moves an item whose creation answer was lost: the job may exist and bill', async () => {
		const before = jobs();
		const [out] = await run([`a wharf ${M.lostAnswer}`]).run();

		expect(out).toHaveLength(1);
		expect(errorOf(out[0]).kind).toBe('maybe_submitted');
		expect(out[0].json.failover).toBeUndefined();
		expect(delta(before)).toMatchObject({ fal: 1, falSubmits: 1, runflow: 0 });
	});

	it('never moves an item whose content was blocked', async () => {
		const before = jobs();
		const [out] = await run(['a forbidden thing']).run();

		expect(errorOf(out[0]).kind).toBe('moderation');
		expect(delta(before)).toMatchObject({ fal: 1, runflow: 0 });
	});

	it(`opens a breaker after ${BREAKER_AFTER} failures in a row: later items go straight to the fallback`, async () => {
		useVirtualClock();
		const before = jobs();
		const prompts = Array.from({ length: 6 }, (_, i) => `a boat ${i} ${M.busy}`);
		const [out] = await run(prompts).run();

		expect(out.map((i) => i.json.provider)).toEqual(Array(6).fill('runflow'));
		// The first three each spent fal's five attempts; the next three sent nothing to fal.
		expect(delta(before)).toMatchObject({ fal: 0, falSubmits: 3 * 5, runflow: 6 });
		expect(String((out[3].json.failover as { reason: string }).reason)).toBe(
			'fal.ai failed 3 items in a row in this run (last: fal.ai kept refusing new jobs (HTTP 429)), so later items went straight to Runflow',
		);
	});

	it('a success at the first provider resets the count: no breaker for failures that are not in a row', async () => {
		useVirtualClock();
		const before = jobs();
		const prompts = [
			`a ${M.busy}`,
			`b ${M.busy}`,
			'c fine',
			`d ${M.busy}`,
			`e ${M.busy}`,
			'f fine',
		];
		const [out] = await run(prompts).run();

		expect(out.map((i) => i.json.provider)).toEqual([
			'runflow',
			'runflow',
			'fal',
			'runflow',
			'runflow',
			'fal',
		]);
		expect(delta(before)).toMatchObject({ fal: 2, falSubmits: 4 * 5 + 2, runflow: 4 });
	});

	it('splits an item again for a fallback that makes one image per request, keeping image order', async () => {
		const before = jobs();
		const [out] = await run([`a cove ${M.jobFails}`], { fallback: 'bfl', numImages: 2 }).run();

		expect(out.map((i) => [i.json.provider, i.json.imageIndex, i.json.imageCount])).toEqual([
			['bfl', 0, 2],
			['bfl', 1, 2],
		]);
		expect(delta(before)).toMatchObject({ fal: 1, bfl: 2, runflow: 0 });
	});

	it('when the fallback fails too, the item fails with its error and says it had moved', async () => {
		const before = jobs();
		const [out] = await run([`a bay ${M.noCredit} explode`]).run();

		expect(out).toHaveLength(1);
		expect(errorOf(out[0]).message).toMatch(/Runflow/);
		expect(String(errorOf(out[0]).description)).toContain(
			'The item had moved from fal.ai to the fallback Runflow: the fal.ai account is out of credit.',
		);
		expect(delta(before)).toMatchObject({ fal: 0, falSubmits: 1 });
	});

	it('refuses, before any request, an item the fallback could not run', async () => {
		const before = jobs();
		const [out] = await run(['a variation'], { operation: 'remix' }).run();

		expect(errorOf(out[0]).kind).toBe('parameter');
		expect(String(errorOf(out[0]).message)).toContain('Runflow is the Fallback Provider');
		expect(delta(before)).toMatchObject({ fal: 0, falSubmits: 0, runflow: 0 });
	});

	it('never moves an item that timed out at fal, even though fal took the cancel: its 202 does not prove the job stopped', async () => {
		const before = { ...jobs(), cancels: fal.counts.cancel };
		const [out] = await run([`a jetty ${M.stuck}`], { options: { timeout: 10 } }).run();

		expect(errorOf(out[0])).toMatchObject({ kind: 'timeout', safeToRunElsewhere: false });
		expect(out[0].json.failover).toBeUndefined();
		expect(fal.counts.cancel - before.cancels).toBe(1);
		expect(delta(before)).toMatchObject({ fal: 1, runflow: 0 });
	}, 30_000);

	it('with Wait for Completion off, a job that failed over is collected by Get Result on the fallback, with its credential', async () => {
		const before = jobs();
		const [submitted] = await createHarness({
			params: {
				provider: 'fal',
				fallbackFromFal: 'runflow',
				operation: 'generate',
				prompt: (i: number) => [`a reef ${M.noCredit}`, 'a cape'][i],
				imageSource: 'none',
				numImages: 1,
				outputFormat: 'png',
				waitForCompletion: false,
				options: {},
			},
			items: [{ json: {} }, { json: {} }],
			credentials: {
				falApi: { apiKey: 'dummy-fal-key', baseUrl: fal.url },
				runflowApi: { apiKey: 'rf_live_dummy_example', baseUrl: runflow.url },
			},
		}).run();
		expect(submitted.map((i) => [i.json.provider, i.json.status, i.json.failover ?? null])).toEqual(
			[
				['runflow', 'submitted', { from: 'fal', reason: 'the fal.ai account is out of credit' }],
				['fal', 'submitted', null],
			],
		);
		jobTime.skip(1_000); // both mocks finish a job in 100 ms: both jobs are done now

		const [images] = await createHarness({
			params: {
				provider: 'fal',
				fallbackFromFal: 'runflow',
				operation: 'getResult',
				requestId: (i: number) => submitted[i].json.requestId,
				jobLinks: (i: number) => submitted[i].json.links,
				options: {},
			},
			items: submitted,
			credentials: {
				falApi: { apiKey: 'dummy-fal-key', baseUrl: fal.url },
				runflowApi: { apiKey: 'rf_live_dummy_example', baseUrl: runflow.url },
			},
		}).run();

		expect(images.map((i) => [i.json.provider, i.json.requestId, i.pairedItem])).toEqual([
			['runflow', submitted[0].json.requestId, { item: 0 }],
			['fal', submitted[1].json.requestId, { item: 1 }],
		]);
		expect(images.every((i) => i.binary?.data)).toBe(true);
		expect(delta(before)).toMatchObject({ fal: 1, falSubmits: 2, runflow: 1 });
	});
});
