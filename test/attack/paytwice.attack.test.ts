import nock from 'nock';
import { afterAll, beforeAll, describe, expect, type TestContext } from 'vitest';

import { listPriceUsd } from '../../nodes/FluxUltra/job/cost';
import { falProvider } from '../../nodes/FluxUltra/providers/fal/fal.provider';
import { createHarness } from '../../testkit/harness/context';
import {
	PREDICTIONS_PATH,
	REPLICATE_API,
	REPLICATE_DELIVERY,
} from '../../testkit/harness/replicateNock';
import { makePng } from '../../testkit/mocks/images';
import { useVirtualClock } from '../../testkit/harness/clock';
import { errorOf } from '../../testkit/harness/errorItems';
import { startMockBfl, type MockBfl } from '../../testkit/mocks/bflServer';
import { FAL_FAULT_MARKERS as M, startMockFal, type MockFal } from '../../testkit/mocks/falServer';
import { startMockReplicate, type MockReplicate } from '../../testkit/mocks/replicateServer';
import { startMockRunflow, type MockRunflow } from '../../testkit/mocks/runflowServer';
import { attack } from './attack';
import {
	json,
	NGINX_502,
	type Answer,
	NGINX_504,
	startHostileProxy,
	type HostileProxy,
	type ProxyHooks,
} from './hostileProxy';

/**
 * Issue 18, findings 2, 4 and 5, and issue 27, findings 1, 2 and 4: never pay twice against a
 * proxy, a lying provider, a cancel that proves nothing and a hostile result list, and no paid job
 * lost when the node stops. Every case runs the node through n8n-core's real request helpers over loopback
 * sockets, with a Fallback Provider set, and counts the jobs each mock provider really created:
 * that count is how paying twice would show.
 */

const KEYS = {
	falApi: (baseUrl: string) => ({ apiKey: 'dummy-fal-key', baseUrl }),
	runflowApi: (baseUrl: string) => ({ apiKey: 'rf_live_dummy_example', baseUrl }),
	bflApi: (baseUrl: string) => ({ apiKey: 'bfl-dummy-example', region: 'eu', baseUrl }),
	replicateApi: (baseUrl: string) => ({ apiKey: 'r8_dummy_example', baseUrl }),
};
type ProviderId = 'fal' | 'runflow' | 'bfl' | 'replicate';
const CREDENTIAL: Record<ProviderId, keyof typeof KEYS> = {
	fal: 'falApi',
	runflow: 'runflowApi',
	bfl: 'bflApi',
	replicate: 'replicateApi',
};

describe('never pay twice: proxies, lying providers, hostile result lists (issue 18)', () => {
	let fal: MockFal;
	let runflow: MockRunflow;
	let bfl: MockBfl;
	let replicate: MockReplicate;
	const proxies: HostileProxy[] = [];
	beforeAll(async () => {
		nock.enableNetConnect('127.0.0.1');
		[fal, runflow, bfl, replicate] = await Promise.all([
			startMockFal({ latencyMs: 100, scale: 0.05, keepAliveMs: 200 }),
			startMockRunflow({ latencyMs: 100, scale: 0.05 }),
			startMockBfl({ latencyMs: 100, scale: 0.05 }),
			startMockReplicate({ latencyMs: 100, scale: 0.05 }),
		]);
	});
	afterAll(async () => {
		await Promise.all([
			fal.close(),
			runflow.close(),
			bfl.close(),
			replicate.close(),
			...proxies.map((p) => p.close()),
		]);
	});

	const mockOf = (id: ProviderId) => ({ fal, runflow, bfl, replicate })[id].url;
	/** Jobs each mock really created (fal: submits that reached it, too). */
	const jobs = () => ({
		fal: fal.jobs.size,
		falSubmits: fal.counts.submit,
		runflow: runflow.runs.size,
		bfl: bfl.tasks.size,
		replicate: replicate.predictions.size,
	});
	const since = (before: ReturnType<typeof jobs>) => {
		const now = jobs();
		return Object.fromEntries(
			Object.entries(now).map(([k, v]) => [k, v - before[k as keyof typeof before]]),
		) as ReturnType<typeof jobs>;
	};

	async function proxied(target: ProviderId, hooks: ProxyHooks): Promise<HostileProxy> {
		const proxy = await startHostileProxy(mockOf(target), hooks);
		proxies.push(proxy);
		return proxy;
	}

	/** One run of the node: `primary` (through `via` when given) with `fallback` as its Fallback Provider. */
	const run = (
		primary: ProviderId,
		fallback: ProviderId,
		{
			via,
			prompts = ['a lighthouse at dusk'],
			options = {},
			numImages = 1,
		}: {
			via?: string;
			prompts?: string[];
			options?: Record<string, unknown>;
			numImages?: number;
		} = {},
	) => {
		const credentials: Record<string, Record<string, string>> = {};
		for (const id of [primary, fallback])
			credentials[CREDENTIAL[id]] = KEYS[CREDENTIAL[id]](id === primary && via ? via : mockOf(id));
		return createHarness({
			params: {
				provider: primary,
				[`fallbackFrom${primary[0].toUpperCase()}${primary.slice(1)}`]: fallback,
				operation: 'generate',
				prompt: (i: number) => prompts[i],
				imageSource: 'none',
				numImages,
				outputFormat: 'png',
				options: { maxParallelJobs: 1, ...options },
			},
			items: prompts.map(() => ({ json: {} })),
			credentials,
			continueOnFail: true,
		}).run();
	};

	// ---- Finding 2: a job-creating request answered by a proxy after it went upstream ----

	for (const [name, page] of [
		['504', NGINX_504],
		['502', NGINX_502],
	] as const) {
		attack(
			'2 proxy 5xx',
			`a submit the user's nginx forwarded to fal, then answered ${name} (nginx page, no x-fal-request-id), is sent once and not moved`,
			async (context) => {
				useVirtualClock();
				const proxy = await proxied('fal', {
					after: (ex, up) =>
						ex.method === 'POST' && ex.path.startsWith('/fal-ai/flux-pro/v1.1-ultra') ? page : up,
				});
				const before = jobs();
				const [out] = await run('fal', 'runflow', { via: proxy.url });
				const delta = since(before);
				context.task.meta.figures = `submits seen by fal: ${delta.falSubmits}, fal jobs: ${delta.fal}, fallback (Runflow) jobs: ${delta.runflow}`;

				expect(delta).toMatchObject({ falSubmits: 1, fal: 1, runflow: 0 });
				expect(out).toHaveLength(1);
				expect(errorOf(out[0])).toMatchObject({
					kind: 'maybe_submitted',
					safeToRunElsewhere: false,
				});
				expect(out[0].pairedItem).toEqual({ item: 0 });
			},
		);
	}

	attack(
		'2 proxy 5xx',
		'a proxy that refuses the connection before forwarding: the item still moves (it provably never arrived) and says it may',
		async (context) => {
			useVirtualClock();
			const before = jobs();
			const [out] = await run('fal', 'runflow', { via: 'http://127.0.0.1:9' });
			const delta = since(before);
			context.task.meta.figures = `submits seen by fal: ${delta.falSubmits}, fallback (Runflow) jobs: ${delta.runflow}`;

			expect(delta).toMatchObject({ falSubmits: 0, runflow: 1 });
			expect(out[0].json).toMatchObject({ provider: 'runflow', failover: { from: 'fal' } });
		},
	);

	attack(
		'2 proxy 5xx',
		'without a Fallback Provider, an item that provably never reached fal says so on its error (safeToRunElsewhere: true)',
		async () => {
			useVirtualClock();
			const [out] = await createHarness({
				params: {
					provider: 'fal',
					operation: 'generate',
					prompt: `a quay ${M.busy}`,
					imageSource: 'none',
					numImages: 1,
					outputFormat: 'png',
					options: {},
				},
				items: [{ json: {} }],
				credentials: { falApi: KEYS.falApi(fal.url) },
				continueOnFail: true,
			}).run();
			expect(errorOf(out[0])).toMatchObject({ kind: 'rate_limit', safeToRunElsewhere: true });
		},
	);

	// ---- Finding 4: a job that succeeded (or may still) but whose answer could not be read ----

	const badAnswers: Array<{
		name: string;
		primary: ProviderId;
		fallback: ProviderId;
		hooks: ProxyHooks;
	}> = [
		{
			name: 'fal COMPLETED with no images',
			primary: 'fal',
			fallback: 'runflow',
			hooks: {
				after: (ex, up) =>
					ex.method === 'GET' && /\/requests\/[\w-]+$/.test(ex.path) && up.status === 200
						? json(200, { images: [], seed: 1 })
						: up,
			},
		},
		{
			name: 'Black Forest Labs Ready without a sample',
			primary: 'bfl',
			fallback: 'fal',
			hooks: {
				after: (ex, up) => {
					const body = up.json as { status?: string; result?: Record<string, unknown> } | undefined;
					if (!ex.path.startsWith('/v1/get_result') || body?.status !== 'Ready') return up;
					return json(200, { ...body, result: { ...body.result, sample: null } });
				},
			},
		},
		{
			name: 'Black Forest Labs "Task not found" right after it accepted the submit',
			primary: 'bfl',
			fallback: 'fal',
			hooks: {
				after: (ex, up) =>
					ex.path.startsWith('/v1/get_result')
						? json(200, { id: 'x', status: 'Task not found', result: null })
						: up,
			},
		},
		{
			name: 'Replicate succeeded without output',
			primary: 'replicate',
			fallback: 'fal',
			hooks: {
				after: (_ex, up) => {
					const body = up.json as { status?: string } | undefined;
					return body?.status === 'succeeded' ? json(up.status, { ...body, output: null }) : up;
				},
			},
		},
		{
			name: 'Runflow succeeded with an output shape the node does not know',
			primary: 'runflow',
			fallback: 'fal',
			hooks: {
				after: (_ex, up) => {
					const body = up.json as
						| { status?: string; status_code?: string; output?: unknown }
						| undefined;
					if (
						!body ||
						!/succeeded|completed/.test(String(body.status_code ?? body.status)) ||
						!body.output
					)
						return up;
					return json(up.status, {
						...body,
						output: { artifacts: [{ kind: 'picture', href: 'https://example.com/x.png' }] },
					});
				},
			},
		},
	];
	for (const c of badAnswers) {
		attack(
			'4 failover after a bad answer',
			`${c.name}: a bad answer, not a failure — not moved to the fallback`,
			async (context) => {
				useVirtualClock();
				const proxy = await proxied(c.primary, c.hooks);
				const before = jobs();
				const [out] = await run(c.primary, c.fallback, { via: proxy.url });
				const delta = since(before);
				context.task.meta.figures = `${c.primary} jobs: ${delta[c.primary]}, fallback (${c.fallback}) jobs: ${delta[c.fallback]}`;

				expect(delta[c.primary]).toBe(1);
				expect(delta[c.fallback]).toBe(0);
				expect(out).toHaveLength(1);
				expect(out[0].json.failover).toBeUndefined();
				expect(errorOf(out[0])).toMatchObject({ kind: 'bad_response', safeToRunElsewhere: false });
			},
		);
	}

	attack(
		'4 failover after a bad answer',
		'fal answers the cancel 202 for a job that was IN_PROGRESS at the timeout: it may still finish, so the item is not moved',
		async (context) => {
			useVirtualClock();
			const proxy = await proxied('fal', {
				// No status stream through this proxy (polling), and the stuck job reported as running.
				before: (ex) =>
					ex.path.includes('/status/stream') ? json(404, { detail: 'Not Found' }) : undefined,
				after: (ex, up) => {
					const body = up.json as { status?: string } | undefined;
					return ex.path.includes('/status') && body?.status === 'IN_QUEUE'
						? json(200, { ...body, status: 'IN_PROGRESS' })
						: up;
				},
			});
			const before = { ...jobs(), cancels: fal.counts.cancel };
			const [out] = await run('fal', 'runflow', {
				via: proxy.url,
				prompts: [`a jetty ${M.stuck}`],
				options: { timeout: 10 },
			});
			const delta = since(before);
			context.task.meta.figures = `cancels sent: ${fal.counts.cancel - before.cancels}, fal jobs: ${delta.fal}, fallback (Runflow) jobs: ${delta.runflow}`;

			expect(fal.counts.cancel - before.cancels).toBe(1);
			expect(delta).toMatchObject({ fal: 1, runflow: 0 });
			expect(out[0].json.failover).toBeUndefined();
			expect(errorOf(out[0])).toMatchObject({ kind: 'timeout', safeToRunElsewhere: false });
		},
	);

	// ---- Finding 5: a result that lists far more images than were asked for ----

	const flood =
		(count: number): ProxyHooks['after'] =>
		(ex, up) => {
			const body = up.json as { images?: Array<Record<string, unknown>> } | undefined;
			if (ex.method !== 'GET' || !/\/requests\/[\w-]+$/.test(ex.path) || !body?.images?.length)
				return up;
			const first = body.images[0];
			return json(200, {
				...body,
				images: Array.from({ length: count }, (_, n) => ({
					...first,
					url: `${String(first.url)}?copy=${n}`,
				})),
			});
		};

	attack(
		'5 hostile result list',
		'a 1-image job answered with 2,000 images: one image item, one download, the cost of one image',
		async (context) => {
			const proxy = await proxied('fal', { after: flood(2000), downloadDelayMs: 30 });
			const price = listPriceUsd(falProvider, 'generate');
			const [out] = await run('fal', 'runflow', {
				via: proxy.url,
				options: { maxParallelJobs: 2, maxCostPerRun: price },
			});
			const reported = out.reduce(
				(sum, item) => sum + Number((item.json.cost as { usd?: number } | undefined)?.usd ?? 0),
				0,
			);
			context.task.meta.figures = `items out: ${out.length}, downloads: ${proxy.downloads.total}, most at once: ${proxy.downloads.maxInFlight}, cost reported: $${reported} (cap $${price})`;

			expect(out).toHaveLength(1);
			expect(out[0].binary?.data).toBeDefined();
			expect(out[0].json).toMatchObject({ imageIndex: 0, imageCount: 1 });
			expect(proxy.downloads.total).toBe(1);
			expect(reported).toBeLessThanOrEqual(price);
		},
	);

	attack(
		'5 hostile result list',
		'a 3-image job answered with 2,000 images: three items, downloaded at most Max Parallel Jobs at once',
		async (context) => {
			const proxy = await proxied('fal', { after: flood(2000), downloadDelayMs: 50 });
			const [out] = await run('fal', 'runflow', {
				via: proxy.url,
				numImages: 3,
				options: { maxParallelJobs: 1 },
			});
			context.task.meta.figures = `items out: ${out.length}, downloads: ${proxy.downloads.total}, most at once: ${proxy.downloads.maxInFlight} (limit 1)`;

			expect(out.map((i) => i.json.imageIndex)).toEqual([0, 1, 2]);
			expect(proxy.downloads.total).toBe(3);
			expect(proxy.downloads.maxInFlight).toBe(1);
		},
	);
	attack(
		'5 hostile result list',
		'Get Result of a 2-image job answered with 2,000 images: two items, the cost of two',
		async (context) => {
			const proxy = await proxied('fal', { after: flood(2000), downloadDelayMs: 20 });
			const credentials = { falApi: KEYS.falApi(proxy.url) };
			const [submitted] = await createHarness({
				params: {
					provider: 'fal',
					operation: 'generate',
					prompt: 'a cape',
					imageSource: 'none',
					numImages: 2,
					outputFormat: 'png',
					waitForCompletion: false,
					options: {},
				},
				items: [{ json: {} }],
				credentials,
			}).run();
			await new Promise((done) => setTimeout(done, 400)); // the mock finishes a job in 100 ms
			const [out] = await createHarness({
				params: {
					provider: 'fal',
					operation: 'getResult',
					requestId: submitted[0].json.requestId,
					jobLinks: submitted[0].json.links,
					options: { maxParallelJobs: 2 },
				},
				items: submitted,
				credentials,
			}).run();
			const reported = out.reduce(
				(sum, item) => sum + Number((item.json.cost as { usd?: number } | undefined)?.usd ?? 0),
				0,
			);
			context.task.meta.figures = `items out: ${out.length}, downloads: ${proxy.downloads.total}, most at once: ${proxy.downloads.maxInFlight} (limit 2), cost reported: $${reported}`;

			expect(out.map((i) => i.json.imageIndex)).toEqual([0, 1]);
			expect(proxy.downloads.total).toBe(2);
			expect(proxy.downloads.maxInFlight).toBeLessThanOrEqual(2);
			expect(reported).toBeCloseTo(2 * listPriceUsd(falProvider, 'generate'), 6);
		},
	);

	// ---- Issue 27, finding 1: a cancel that proves nothing is not proof of a stop ----

	/**
	 * Replicate behind a proxy that shows the prediction as still `processing` to every status read
	 * (so it times out, and a read after the cancel proves nothing either) and answers the cancel
	 * with `cancelAnswer`.
	 */
	const stuckReplicate = async (cancelAnswer: (up: Answer & { json?: unknown }) => Answer) =>
		await proxied('replicate', {
			after: (ex, up) => {
				const path = ex.path.split('?')[0];
				if (ex.method === 'POST' && /^\/v1\/predictions\/[\w-]+\/cancel$/.test(path))
					return cancelAnswer(up);
				if (ex.method === 'GET' && /^\/v1\/predictions\/[\w-]+$/.test(path))
					return json(200, { ...(up.json as object), status: 'processing', output: null });
				return up;
			},
		});
	const withStatus = (status: string | undefined) => (up: Answer & { json?: unknown }) => {
		const body = { ...(up.json as Record<string, unknown>), status, output: null };
		if (status === undefined) delete body.status;
		return json(200, body);
	};

	/**
	 * One item on `primary` behind `proxy`, fal.ai its Fallback Provider: the item's output and the
	 * jobs each mock got meanwhile, also noted as the attack's figures.
	 */
	const runToFal = async (
		context: TestContext,
		primary: 'replicate' | 'runflow',
		proxy: HostileProxy,
		options: Record<string, unknown> = {},
	) => {
		const before = jobs();
		const [out] = await run(primary, 'fal', { via: proxy.url, options });
		const delta = since(before);
		const made = primary === 'replicate' ? 'Replicate predictions' : 'Runflow runs';
		context.task.meta.figures = `${made}: ${delta[primary]}, fallback (fal) jobs: ${delta.fal}`;
		return { out, delta };
	};

	/** The Replicate item moved: one prediction, one fal.ai job that made its image, the move noted. */
	const expectMovedFromReplicate = ({ out, delta }: Awaited<ReturnType<typeof runToFal>>) => {
		expect(delta).toMatchObject({ replicate: 1, fal: 1 });
		expect(out[0].json).toMatchObject({ provider: 'fal', failover: { from: 'replicate' } });
	};

	const unproven: Array<{ name: string; answer: (up: Answer & { json?: unknown }) => Answer }> = [
		{ name: '"processing"', answer: withStatus('processing') },
		{ name: '"starting"', answer: withStatus('starting') },
		{ name: 'an unknown word ("stopping")', answer: withStatus('stopping') },
		{ name: 'no status at all', answer: withStatus(undefined) },
		{
			name: 'an unreadable body',
			answer: () => ({
				status: 200,
				headers: { 'content-type': 'text/html' },
				body: '<html><body>ok</body></html>',
			}),
		},
	];
	for (const c of unproven) {
		attack(
			'27.1 cancel without proof',
			`Replicate times out and answers the cancel 200 with ${c.name}: not safe to run elsewhere, the Fallback Provider is not called`,
			async (context) => {
				useVirtualClock();
				const proxy = await stuckReplicate(c.answer);
				const cancelsBefore = replicate.counts.cancel;
				const { out, delta } = await runToFal(context, 'replicate', proxy, { timeout: 10 });
				const cancels = replicate.counts.cancel - cancelsBefore;
				context.task.meta.figures = `cancels sent: ${cancels}, ${context.task.meta.figures}`;

				expect(cancels).toBe(1);
				expect(delta).toMatchObject({ replicate: 1, fal: 0, falSubmits: 0 });
				expect(out).toHaveLength(1);
				expect(out[0].json.failover).toBeUndefined();
				const error = errorOf(out[0]);
				expect(error).toMatchObject({ kind: 'timeout', safeToRunElsewhere: false });
				// The words match the verdict: it may still bill, and it is named so it can be collected.
				expect(error.description).toMatch(/may still finish and bill/);
				expect(error.description).toContain('Get Result');
				expect(error.description).not.toMatch(/so the job stops/);
			},
		);
	}

	attack(
		'27.1 cancel without proof',
		'Replicate answers the cancel "canceled": the prediction provably stopped, so the item moves to the Fallback Provider',
		async (context) => {
			useVirtualClock();
			const proxy = await stuckReplicate(withStatus('canceled'));
			const moved = await runToFal(context, 'replicate', proxy, { timeout: 10 });

			expectMovedFromReplicate(moved);
			expect(String((moved.out[0].json.failover as { reason: string }).reason)).toMatch(
				/confirmed it stopped/,
			);
		},
	);

	attack(
		'27.1 cancel without proof',
		'Replicate answers the cancel "processing", a status read right after shows "canceled": that read is the proof, and the item moves',
		async (context) => {
			useVirtualClock();
			let cancelled = false;
			const proxy = await proxied('replicate', {
				after: (ex, up) => {
					const path = ex.path.split('?')[0];
					if (ex.method === 'POST' && path.endsWith('/cancel')) {
						cancelled = true;
						return json(200, { ...(up.json as object), status: 'processing', output: null });
					}
					if (ex.method === 'GET' && /^\/v1\/predictions\/[\w-]+$/.test(path))
						return json(200, {
							...(up.json as object),
							status: cancelled ? 'canceled' : 'processing',
							output: null,
						});
					return up;
				},
			});
			expectMovedFromReplicate(await runToFal(context, 'replicate', proxy, { timeout: 10 }));
		},
	);

	// ---- Issue 27, finding 2: a provider's "canceled" is proof only where the provider says so ----

	attack(
		'27.2 canceled is not failed',
		'a Runflow run that ends "canceled" (Runflow\'s cancel neither aborts the inference nor refunds): not safe, the Fallback Provider is not called',
		async (context) => {
			useVirtualClock();
			const proxy = await proxied('runflow', {
				after: (ex, up) =>
					ex.method === 'GET' && /^\/v1\/runs\/[^/?]+/.test(ex.path)
						? json(200, { ...(up.json as object), status_code: 'canceled', output: null })
						: up,
			});
			const { out, delta } = await runToFal(context, 'runflow', proxy);

			expect(delta).toMatchObject({ runflow: 1, fal: 0, falSubmits: 0 });
			expect(out[0].json.failover).toBeUndefined();
			const error = errorOf(out[0]);
			expect(error).toMatchObject({ safeToRunElsewhere: false });
			expect(error.requestId).toBeTruthy();
			expect(error.description).toMatch(/may .*bill/);
		},
	);

	attack(
		'27.2 canceled is not failed',
		'a Replicate prediction that ends "canceled" while polled (Replicate: canceled means predict() was stopped) still moves: it provably stopped',
		async (context) => {
			useVirtualClock();
			const proxy = await proxied('replicate', {
				after: (ex, up) =>
					ex.method === 'GET' && /^\/v1\/predictions\/[\w-]+$/.test(ex.path.split('?')[0])
						? json(200, { ...(up.json as object), status: 'canceled', output: null })
						: up,
			});
			expectMovedFromReplicate(await runToFal(context, 'replicate', proxy));
		},
	);

	// ---- Issue 27, finding 4: when the node must stop, no paid job vanishes without a trace ----

	attack(
		'27.4 paid work named',
		'three fal items, default On Error: items 0 and 2 finish, item 1 fails at fal — the error names both paid request ids, fal.ai and Get Result, and item 3 is never started',
		async (context) => {
			const own = await startMockFal({ latencyMs: 250, scale: 0.05 });
			try {
				const prompts = [
					`a cup ${M.slow}`,
					`a fork ${M.jobFails}`,
					`a plate ${M.slow}`,
					'a napkin (item 3)',
				];
				const error = await createHarness({
					params: {
						provider: 'fal',
						operation: 'generate',
						prompt: (i: number) => prompts[i],
						imageSource: 'none',
						numImages: 1,
						outputFormat: 'png',
						options: { maxParallelJobs: 3 },
					},
					items: prompts.map(() => ({ json: {} })),
					credentials: { falApi: KEYS.falApi(own.url) },
				}).fail();
				const idOf = (marker: string) =>
					[...own.jobs.values()].find((j) => String(j.input.prompt).startsWith(marker))?.id;
				const [paid0, failed1, paid2, started3] = ['a cup', 'a fork', 'a plate', 'a napkin'].map(
					idOf,
				);
				const description = String(error.description ?? '');
				context.task.meta.figures = `fal jobs: ${own.jobs.size} (item 3 started: ${started3 !== undefined}), description ${description.length} chars`;

				expect(paid0 && failed1 && paid2).toBeTruthy();
				// Stops starting new jobs: item 3 waited for a slot that the failure freed.
				expect(started3).toBeUndefined();
				expect(own.counts.submit).toBe(3);
				expect(error.message).toContain('[item 1]');
				expect(description).toContain(failed1!);
				expect(description).toContain(paid0!);
				expect(description).toContain(paid2!);
				expect(description).toContain('fal.ai');
				expect(description).toContain('Get Result');
				expect(description).toContain('1 job was not started');
				expect(description.length).toBeLessThan(4000);
			} finally {
				await own.close();
			}
		},
	);

	attack(
		'27.4 paid work named',
		"a Replicate job times out and its cancel takes a while: no new job starts from the timeout on, though another item's slot frees meanwhile",
		async (context) => {
			useVirtualClock();
			const key = { apiKey: 'r8_dummy_example', baseUrl: REPLICATE_API };
			const input = (b: unknown) => (b as { input?: { prompt?: string } }).input?.prompt ?? '';
			const prediction = (id: string, status: string, extra: Record<string, unknown> = {}) => ({
				id,
				status,
				output: null,
				urls: {
					get: `${REPLICATE_API}/v1/predictions/${id}`,
					cancel: `${REPLICATE_API}/v1/predictions/${id}/cancel`,
				},
				...extra,
			});
			let cancelArrived = false;
			let lateCreated = 0;
			const api = nock(REPLICATE_API)
				.persist()
				.post(PREDICTIONS_PATH, (b) => input(b).includes('stuck'))
				.reply(201, prediction('stuck0', 'starting'))
				.post(PREDICTIONS_PATH, (b) => input(b).includes('quick'))
				.reply(201, prediction('quick1', 'starting'))
				.post(PREDICTIONS_PATH, (b) => input(b).includes('late'))
				.reply(201, () => {
					lateCreated++;
					return prediction('late2', 'starting');
				})
				.get('/v1/predictions/stuck0')
				.reply(200, prediction('stuck0', 'processing'))
				// The cancel takes half a second to answer; the other item finishes as it arrives.
				.post('/v1/predictions/stuck0/cancel')
				.delay(500)
				.reply(200, () => {
					cancelArrived = true;
					return prediction('stuck0', 'canceled');
				})
				.get('/v1/predictions/quick1')
				.reply(200, () =>
					cancelArrived
						? prediction('quick1', 'succeeded', {
								output: `${REPLICATE_DELIVERY}/xezq/quick1/output.png`,
							})
						: prediction('quick1', 'processing'),
				);
			// The cancel is on its way: the other item may now finish (and free its slot).
			api.on('request', (_req: unknown, interceptor: { path?: string }) => {
				if (String(interceptor.path).endsWith('/cancel')) cancelArrived = true;
			});
			const delivery = nock(REPLICATE_DELIVERY)
				.persist()
				.get('/xezq/quick1/output.png')
				.reply(200, makePng(32, 18, 1), { 'content-type': 'image/png' });
			try {
				const prompts = ['a stuck kettle', 'a quick spoon', 'a late saucer'];
				const error = await createHarness({
					params: {
						provider: 'replicate',
						operation: 'generate',
						prompt: (i: number) => prompts[i],
						imageSource: 'none',
						numImages: 1,
						outputFormat: 'png',
						// Item 0 runs out of time at 10 s; item 1 may wait much longer.
						options: (i: number) => ({ maxParallelJobs: 2, timeout: i === 0 ? 10 : 600 }),
					},
					items: prompts.map(() => ({ json: {} })),
					credentials: { replicateApi: key },
				}).fail();
				const description = String(error.description ?? '');
				context.task.meta.figures = `jobs created after the timeout: ${lateCreated}; error names item 1's job: ${description.includes('quick1')}`;

				expect(error.message).toMatch(/did not finish within 10 seconds.*\[item 0\]$/);
				expect(lateCreated).toBe(0);
				expect(description).toContain('quick1');
				expect(description).toContain('1 job was not started');
			} finally {
				api.persist(false);
				delivery.persist(false);
				nock.cleanAll();
				nock.enableNetConnect('127.0.0.1');
			}
		},
	);
});
