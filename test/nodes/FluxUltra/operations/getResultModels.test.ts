import nock from 'nock';
import type { INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';

import { FluxUltra } from '../../../../nodes/FluxUltra/FluxUltra.node';
import { MODELS as MODELS_ALL } from '../../../../nodes/FluxUltra/parameters/models';
import { outputOf, type Outcome } from '../../../../nodes/FluxUltra/run/outcomes';
import { FluxError } from '../../../../nodes/FluxUltra/transport/errors';
import { mockBflJob } from '../../../../testkit/harness/bflNock';
import { useVirtualClock } from '../../../../testkit/harness/clock';
import {
	createHarness,
	DUMMY_BFL_KEY,
	DUMMY_FAL_KEY,
	DUMMY_REPLICATE_KEY,
} from '../../../../testkit/harness/context';
import { errorOf } from '../../../../testkit/harness/errorItems';
import { fakeImages, mockFalJob, QUEUE } from '../../../../testkit/harness/falNock';
import { runModel } from '../../../../testkit/harness/modelRun';
import { mockReplicateJob } from '../../../../testkit/harness/replicateNock';
import { useNock } from '../../../setupNock';

/**
 * Get Result for model jobs (issue 29): a FLUX.2 [pro] or FLUX 3 Image job created with Wait for
 * Completion off is collected by Get Result on each provider that serves it, its items carrying
 * `model` (and `seed: null` for FLUX 3 Image) as Generate's do; on fal.ai the status and result are
 * read under the model's own app (from the item's links, or built from the model when the item has
 * none or the Model option names it), and a link off fal's queue host is refused with no request.
 */

useNock();

const KEYS = [DUMMY_FAL_KEY, DUMMY_BFL_KEY, DUMMY_REPLICATE_KEY];

/** Requests that carried a dummy key to a host other than `allowedHost`. */
const keysSentOffHost = (
	requests: Array<{ url: string; headers: Record<string, unknown> }>,
	allowedHost: string,
) =>
	requests.filter(
		(r) =>
			new URL(r.url).host !== allowedHost &&
			KEYS.some((key) => JSON.stringify(r.headers).includes(key)),
	);

/** Generate with Wait for Completion off: the one submit-only item. */
async function submit(provider: string, model: string, options: Record<string, unknown> = {}) {
	const [out] = await runModel(
		provider,
		model,
		{ waitForCompletion: false, ...options },
		{
			prompt: 'a red mug on a desk',
		},
	).run();
	expect(out).toHaveLength(1);
	expect(out[0].json).toMatchObject({ status: 'submitted', model });
	return out[0];
}

/** Get Result (version 2) over incoming items, Request ID from each item as the editor defaults it. */
function collect(
	provider: string,
	items: INodeExecutionData[],
	options: Record<string, unknown> = {},
	requestId: unknown = (i: number) => items[i].json.requestId,
) {
	return createHarness({
		params: { provider, operation: 'getResult', requestId, options },
		node: { typeVersion: 2 },
		items,
		continueOnFail: true,
	});
}

const MODELS = [
	{
		model: 'flux-2-pro',
		seed: 9,
		aspectRatio: '1:1',
		fal: { model: 'fal-ai/flux-2-pro', app: '/fal-ai/flux-2-pro' },
		bfl: 'flux-2-pro',
		replicate: 'black-forest-labs/flux-2-pro',
	},
	{
		model: 'flux-3-image',
		seed: null,
		aspectRatio: 'auto',
		fal: { model: 'blackforestlabs/flux-3/text-to-image', app: '/blackforestlabs/flux-3' },
		bfl: 'flux-3-image',
		replicate: 'black-forest-labs/flux-3-image',
	},
] as const;

describe.each(MODELS)('Get Result collects a $model job', (m) => {
	it('fal.ai: status and result read under the model app from the item links; the item has model', async () => {
		useVirtualClock();
		const job = mockFalJob({ ...m.fal, pending: [], seed: 9 });
		const submitted = await submit('fal', m.model);
		expect(submitted.json.links).toMatchObject({
			status: `${QUEUE}${m.fal.app}/requests/${job.requestId}/status`,
		});
		const harness = collect('fal', [submitted]);
		const [out] = await harness.run();
		expect(out).toHaveLength(1);
		expect(out[0].json).toMatchObject({
			provider: 'fal',
			operation: 'generate',
			model: m.model,
			requestId: job.requestId,
			seed: m.seed,
			prompt: 'a red mug on a desk',
			aspectRatio: m.aspectRatio,
		});
		expect(submitted.json.aspectRatio).toBe(m.aspectRatio);
		expect(out[0].binary?.data).toBeDefined();
		expect(harness.requests.map((r) => new URL(r.url).pathname)).toEqual([
			`${m.fal.app}/requests/${job.requestId}/status`,
			`${m.fal.app}/requests/${job.requestId}`,
			expect.stringMatching(/^\/files\//),
		]);
		expect(keysSentOffHost(harness.requests, 'queue.fal.run')).toEqual([]);
		expect(nock.isDone()).toBe(true);
	});

	it('fal.ai: an item without links is read under the model app it names, not under Ultra', async () => {
		useVirtualClock();
		const job = mockFalJob({ ...m.fal, pending: [], seed: 9 });
		const submitted = await submit('fal', m.model);
		const bare = { json: { ...submitted.json, links: {} } };
		const harness = collect('fal', [bare]);
		const [out] = await harness.run();
		expect(errorOf(out[0])).toEqual({});
		expect(out[0].json).toMatchObject({ model: m.model, requestId: job.requestId, seed: m.seed });
		expect(harness.requests[0].url).toBe(
			`${QUEUE}${m.fal.app}/requests/${job.requestId}/status?logs=0`,
		);
	});

	it('fal.ai: a typed-in Request ID with the Model option set is read under that model app', async () => {
		useVirtualClock();
		nock(QUEUE)
			.get(`${m.fal.app}/requests/typed-1/status`)
			.query({ logs: '0' })
			.reply(200, { status: 'IN_PROGRESS' });
		const harness = collect('fal', [{ json: {} }], { jobModel: m.model }, 'typed-1');
		const [out] = await harness.run();
		expect(out[0].json).toMatchObject({
			provider: 'fal',
			model: m.model,
			status: 'running',
			providerStatus: 'IN_PROGRESS',
			requestId: 'typed-1',
		});
		expect(nock.isDone()).toBe(true);
	});

	it('Black Forest Labs: the polling URL the item carries; the item has model', async () => {
		useVirtualClock();
		const job = mockBflJob({ model: m.bfl, pending: [], seed: 9 });
		const submitted = await submit('bfl', m.model);
		const harness = collect('bfl', [submitted]);
		const [out] = await harness.run();
		expect(out).toHaveLength(1);
		expect(out[0].json).toMatchObject({
			provider: 'bfl',
			model: m.model,
			requestId: job.id,
			seed: m.seed,
		});
		expect(out[0].binary?.data).toBeDefined();
		expect(keysSentOffHost(harness.requests, 'api.us1.bfl.ai')).toEqual([]);
		expect(nock.isDone()).toBe(true);
	});

	it('Replicate: the prediction URL the item carries; the item has model', async () => {
		useVirtualClock();
		const job = mockReplicateJob({ model: m.replicate, pending: [], seed: 9 });
		const submitted = await submit('replicate', m.model);
		const harness = collect('replicate', [submitted]);
		const [out] = await harness.run();
		expect(out).toHaveLength(1);
		expect(out[0].json).toMatchObject({
			provider: 'replicate',
			model: m.model,
			requestId: job.id,
			seed: m.seed,
		});
		expect(harness.requests[0].url).toBe(`https://api.replicate.com/v1/predictions/${job.id}`);
		expect(keysSentOffHost(harness.requests, 'api.replicate.com')).toEqual([]);
		expect(nock.isDone()).toBe(true);
	});
});

describe('Get Result for model jobs: the cost a waiting run reports', () => {
	// FLUX.2 [pro] at 4 MP: $0.03 + 3 × $0.015; FLUX 3 Image at 1k: $0.048, not the 4k price.
	const cases = [
		{ model: 'flux-2-pro', options: { megapixels: '4' }, usd: 0.075, fal: MODELS[0].fal },
		{ model: 'flux-3-image', options: { resolution: '1k' }, usd: 0.048, fal: MODELS[1].fal },
	];
	it.each(cases)(
		'$model on fal.ai: the list price the submit-only item recorded ($usd), as a waiting run gives it',
		async ({ model, options, usd, fal }) => {
			useVirtualClock();
			mockFalJob({ ...fal, pending: [] });
			const submitted = await submit('fal', model, options);
			expect(submitted.json.listPriceUsd).toBe(usd);
			const [out] = await collect('fal', [submitted]).run();
			expect(out[0].json).toMatchObject({ model, cost: { usd, source: 'list_price' } });

			mockFalJob({ ...fal, pending: [] });
			const [waited] = await runModel('fal', model, options, { prompt: 'p' }).run();
			expect(waited[0].json.cost).toEqual(out[0].json.cost);
		},
	);

	it('an Ultra submit-only item keeps its keys: no model, no listPriceUsd', async () => {
		mockFalJob({ pending: [] });
		const [out] = await createHarness({
			params: {
				provider: 'fal',
				operation: 'generate',
				prompt: 'p',
				options: { waitForCompletion: false },
			},
			node: { typeVersion: 2 },
		}).run();
		expect(out[0].json).not.toHaveProperty('model');
		expect(out[0].json).not.toHaveProperty('listPriceUsd');
	});
});

describe('Get Result for model jobs: hostile items', () => {
	const hostile = [
		['an attacker host', 'https://attacker.example/fal-ai/flux-2-pro/requests/r1/status'],
		['another fal host', 'https://fal.run/fal-ai/flux-2-pro/requests/r1/status'],
		['a look-alike host', 'https://queue.fal.run.attacker.example/fal-ai/flux-2-pro/requests/r1'],
	];
	it.each(hostile)(
		'fal.ai: a status link to %s in a FLUX.2 [pro] item is refused before any request',
		async (_, link) => {
			const item = {
				json: {
					provider: 'fal',
					operation: 'generate',
					model: 'flux-2-pro',
					status: 'submitted',
					requestId: 'r1',
					links: { status: link },
				},
			};
			const harness = collect('fal', [item]);
			const [out] = await harness.run();
			expect(errorOf(out[0])).toMatchObject({ kind: 'parameter', field: 'Job Links' });
			expect(harness.requests).toEqual([]);
		},
	);

	it('an aspect ratio the model does not offer is not echoed into the images', async () => {
		useVirtualClock();
		const job = mockFalJob({ ...MODELS[1].fal, pending: [] });
		const submitted = await submit('fal', 'flux-3-image');
		const forged = { json: { ...submitted.json, aspectRatio: '<img src=x onerror=alert(1)>' } };
		const [out] = await collect('fal', [forged]).run();
		expect(out[0].json).toMatchObject({ requestId: job.requestId, model: 'flux-3-image' });
		expect(out[0].json.aspectRatio ?? null).toBeNull();
	});

	it('a model job on Runflow (which serves FLUX.2 [pro] through its models API) is read at its run, not refused', async () => {
		// Before Runflow's model lines this item was refused naming the providers that serve the
		// model; now Runflow serves every declared model, and a run's address does not depend on it.
		useVirtualClock();
		const item = { json: { provider: 'runflow', model: 'flux-2-pro', requestId: 'r1', links: {} } };
		const harness = collect('runflow', [item]);
		const [out] = await harness.run();
		expect(out[0].json.error === undefined || errorOf(out[0]).field !== 'Model').toBe(true);
		// Nothing answers here (no mock), so the status read is retried: always the run's address.
		expect(new Set(harness.requests.map((r) => r.url))).toEqual(
			new Set(['https://api.runflow.io/v1/runs/r1']),
		);
	});

	it('a model the node does not know is refused naming the field, with no request', async () => {
		const item = { json: { provider: 'fal', model: 'flux-9-ultra', requestId: 'r1', links: {} } };
		const harness = collect('fal', [item]);
		const [out] = await harness.run();
		expect(errorOf(out[0])).toMatchObject({ kind: 'parameter', field: 'Model' });
		expect(harness.requests).toEqual([]);
	});

	it('the Model option wins over the item and keeps its links checked', async () => {
		useVirtualClock();
		const images = fakeImages(1);
		const job = mockFalJob({
			model: 'fal-ai/flux-2-max',
			pending: [],
			images,
		});
		const submitted = await submit('fal', 'flux-2-max');
		const [out] = await collect('fal', [submitted], { jobModel: 'flux-2-max' }).run();
		expect(out[0].json).toMatchObject({ model: 'flux-2-max', requestId: job.requestId });
	});
});

describe('every paid model job is named with its model, so that Get Result can collect it', () => {
	const stopText = (outcomes: Outcome[]) => {
		const ctx = createHarness({
			params: { provider: 'fal', operation: 'generate' },
			items: [{ json: {} }],
		}).ctx;
		try {
			outputOf(ctx, outcomes, (j) => j, false);
		} catch (error) {
			return String((error as { description?: string }).description);
		}
		throw new Error('expected outputOf to throw');
	};

	it('the error that stops the node names the model of a submitted or failed model job, and Model in Options', () => {
		const text = stopText([
			{ failure: new FluxError('job_failed', 'failed') },
			{
				items: [
					{
						json: {
							provider: 'fal',
							model: 'flux-2-pro',
							requestId: 'sub-1',
							status: 'submitted',
						},
					},
				],
			},
			{
				failure: new FluxError('timeout', 'late', {
					requestId: 'late-2',
					provider: 'bfl',
					model: 'flux-3-image',
				}),
			},
			{ items: [{ json: { provider: 'fal', requestId: 'ultra-3', status: 'submitted' } }] },
		]);
		expect(text).toContain('fal.ai sub-1 (FLUX.2 [pro], item 1, created, not waited for)');
		expect(text).toContain('Black Forest Labs late-2 (FLUX 3 Image, item 2, timed out');
		expect(text).toContain('fal.ai ultra-3 (item 3, created, not waited for)');
		expect(text).toContain('and the model named with it as Model in Options');
	});

	it('an Ultra-only run keeps its words', () => {
		const text = stopText([
			{ failure: new FluxError('job_failed', 'failed') },
			{ items: [{ json: { provider: 'fal', requestId: 'ultra-1', status: 'submitted' } }] },
		]);
		expect(text).toContain('(Provider fal.ai, each Request ID above) instead');
	});

	it('a model job whose image could not be fetched: its error item carries requestId and model', async () => {
		useVirtualClock();
		mockFalJob({
			model: 'fal-ai/flux-2-pro',
			pending: [],
			result: {
				status: 200,
				body: { images: [{ url: 'https://v3.fal.media/files/gone.png' }], seed: 1 },
			},
		});
		nock('https://v3.fal.media').get('/files/gone.png').times(5).reply(404, 'gone');
		const [out] = await runModel(
			'fal',
			'flux-2-pro',
			{},
			{
				prompt: 'p',
				continueOnFail: true,
			},
		).run();
		expect(errorOf(out[0])).toMatchObject({ kind: 'download', model: 'flux-2-pro' });
		expect(errorOf(out[0]).requestId).toMatch(/^req-/);
	});
});

describe('the editor: Get Result has a Model option, From the Request by default', () => {
	it('in the Options of both versions, for Get Result only, offering every model', () => {
		const collections = new FluxUltra().description.properties.filter((p) => p.name === 'options');
		expect(collections).toHaveLength(2);
		for (const collection of collections) {
			const field = (collection.options as INodeProperties[]).find((p) => p.name === 'jobModel');
			expect(field).toMatchObject({
				displayName: 'Model',
				type: 'options',
				default: '',
				displayOptions: { show: { '/operation': ['getResult'] } },
			});
			expect((field!.options as Array<{ value: string }>).map((o) => o.value).sort()).toEqual(
				['', ...MODELS_ALL.map((m) => m.id)].sort(),
			);
		}
	});
});
