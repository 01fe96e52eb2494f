import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { json, NGINX_504, startHostileProxy, type HostileProxy } from '../test/attack/hostileProxy';
import { errorOf } from '../testkit/harness/errorItems';
import { startMockFal, type MockFal } from '../testkit/mocks/falServer';
import { startMockReplicate, type MockReplicate } from '../testkit/mocks/replicateServer';
import { startMockRunflow, type MockRunflow } from '../testkit/mocks/runflowServer';
import {
	createInstance,
	e2eHosts,
	execute,
	jsonFile,
	n8nHost,
	packPackage,
	workflowNode,
	type N8nInstance,
} from '../testkit/n8n';

/**
 * Never pay twice (issue 18, findings 2 and 4) in a real n8n, the package installed from its
 * tarball: fal.ai behind a user's nginx-like proxy on loopback, Runflow as the Fallback Provider.
 * One item's submit is forwarded to fal and answered 504 by the proxy; another's job completes at
 * fal with a result listing no image (a bad answer). Neither may be resent nor moved.
 *
 * Issue 27, finding 1: a Replicate (mock) prediction behind a proxy that shows it `processing` to
 * every read runs out of its 10 s Timeout; the cancel answers 200 with `"status": "processing"`,
 * which proves nothing. The item must not move to the Fallback Provider (fal.ai), and its error
 * must say the job may still bill.
 */

const PROXY_504 = '[proxy-504]';
const NO_IMAGES = '[no-images]';

function workflow(id: string) {
	const node = workflowNode;
	return {
		id,
		name: `e2e: ${id}`,
		nodes: [
			node('Start', 'n8n-nodes-base.manualTrigger', 1, 0, {}),
			node('Briefs', 'n8n-nodes-base.code', 2, 220, {
				jsCode: `return ['a mug ${PROXY_504}', 'a flyer ${NO_IMAGES}', 'a poster'].map((prompt) => ({ json: { prompt } }));`,
			}),
			node(
				'FLUX 1.1 Ultra',
				'n8n-nodes-flux-ultra.fluxUltra',
				1,
				440,
				{
					provider: 'fal',
					fallbackFromFal: 'runflow',
					operation: 'generate',
					prompt: '={{ $json.prompt }}',
					imageSource: 'none',
					aspectRatio: '1:1',
					numImages: 1,
					outputFormat: 'png',
					options: { maxParallelJobs: 1 },
				},
				{
					onError: 'continueRegularOutput',
					credentials: {
						falApi: { id: 'falApiPay0001', name: 'fal.ai via proxy' },
						runflowApi: { id: 'runflowApiPay01', name: 'Runflow account' },
					},
				},
			),
		],
		connections: {
			Start: { main: [[{ node: 'Briefs', type: 'main', index: 0 }]] },
			Briefs: { main: [[{ node: 'FLUX 1.1 Ultra', type: 'main', index: 0 }]] },
		},
		settings: { executionOrder: 'v1' },
		pinData: {},
	};
}

/** One Replicate item with fal.ai as its Fallback Provider, and a 10 s Timeout. */
function cancelWorkflow(id: string) {
	const node = workflowNode;
	return {
		id,
		name: `e2e: ${id}`,
		nodes: [
			node('Start', 'n8n-nodes-base.manualTrigger', 1, 0, {}),
			node(
				'FLUX 1.1 Ultra',
				'n8n-nodes-flux-ultra.fluxUltra',
				1,
				220,
				{
					provider: 'replicate',
					fallbackFromReplicate: 'fal',
					operation: 'generate',
					prompt: 'a lighthouse that never finishes',
					imageSource: 'none',
					aspectRatio: '1:1',
					numImages: 1,
					outputFormat: 'png',
					options: { timeout: 10 },
				},
				{
					onError: 'continueRegularOutput',
					credentials: {
						replicateApi: { id: 'replicatePay0001', name: 'Replicate via proxy' },
						falApi: { id: 'falApiPay0001', name: 'fal.ai via proxy' },
					},
				},
			),
		],
		connections: {
			Start: { main: [[{ node: 'FLUX 1.1 Ultra', type: 'main', index: 0 }]] },
		},
		settings: { executionOrder: 'v1' },
		pinData: {},
	};
}

describe.each(e2eHosts())('never pay twice behind a proxy, in a real n8n (%s)', (hostName) => {
	let instance: N8nInstance;
	let fal: MockFal;
	let runflow: MockRunflow;
	let replicate: MockReplicate;
	let proxy: HostileProxy;
	let replicateProxy: HostileProxy;

	beforeAll(async () => {
		instance = createInstance(
			n8nHost(hostName),
			packPackage(mkdtempSync(join(tmpdir(), 'flux-pack-'))),
		);
		[fal, runflow, replicate] = await Promise.all([
			startMockFal({ latencyMs: 200, scale: 0.05 }),
			startMockRunflow({ latencyMs: 200, scale: 0.05 }),
			startMockReplicate({ latencyMs: 200, scale: 0.05 }),
		]);
		// Every status read shows the prediction still processing; the cancel answers "processing".
		replicateProxy = await startHostileProxy(replicate.url, {
			after: (ex, up) => {
				const path = ex.path.split('?')[0];
				const still = () =>
					json(200, { ...(up.json as object), status: 'processing', output: null });
				if (ex.method === 'POST' && /^\/v1\/predictions\/[\w-]+\/cancel$/.test(path))
					return still();
				if (ex.method === 'GET' && /^\/v1\/predictions\/[\w-]+$/.test(path)) return still();
				return up;
			},
		});
		const emptyResults = new Set<string>();
		const submitted = (path: string) =>
			/^\/fal-ai\/flux-pro\/v1\.1-ultra$/.test(path.split('?')[0]);
		proxy = await startHostileProxy(fal.url, {
			after: (ex, up) => {
				const prompt = submitted(ex.path)
					? String(
							(JSON.parse(ex.body.toString('utf8') || '{}') as { prompt?: unknown }).prompt ?? '',
						)
					: '';
				if (prompt.includes(PROXY_504)) return NGINX_504;
				if (prompt.includes(NO_IMAGES))
					emptyResults.add(String((up.json as { request_id?: unknown })?.request_id));
				const result = /\/requests\/([\w-]+)$/.exec(ex.path.split('?')[0]);
				if (ex.method === 'GET' && result && emptyResults.has(result[1]) && up.status === 200)
					return json(200, { images: [], seed: 1 });
				return up;
			},
		});
		await instance.cli([
			'import:credentials',
			`--input=${jsonFile(instance, 'credentials.json', [
				{
					id: 'falApiPay0001',
					name: 'fal.ai via proxy',
					type: 'falApi',
					data: { apiKey: 'dummy-e2e-fal-key', baseUrl: proxy.url },
				},
				{
					id: 'runflowApiPay01',
					name: 'Runflow account',
					type: 'runflowApi',
					data: { apiKey: 'rf_live_dummy_example', baseUrl: runflow.url },
				},
				{
					id: 'replicatePay0001',
					name: 'Replicate via proxy',
					type: 'replicateApi',
					data: { apiKey: 'r8_dummy_example', baseUrl: replicateProxy.url },
				},
			])}`,
		]);
		for (const wf of [workflow('paytwice'), cancelWorkflow('paytwicecancel')]) {
			await instance.cli([
				'import:workflow',
				`--input=${jsonFile(instance, `wf-${wf.id}.json`, wf)}`,
			]);
		}
	}, 45 * 60_000);

	afterAll(async () => {
		await Promise.all([
			fal?.close(),
			runflow?.close(),
			replicate?.close(),
			proxy?.close(),
			replicateProxy?.close(),
		]);
	});

	it('a proxy-504 submit is sent once and not moved; a COMPLETED job without images is not moved; the third item runs', async ({
		task,
	}) => {
		const before = {
			falSubmits: fal.counts.submit,
			falJobs: fal.jobs.size,
			runflowRuns: runflow.runs.size,
		};
		const runs = await execute(instance, 'paytwice');
		const items = runs['FLUX 1.1 Ultra'].items;
		const delta = {
			falSubmits: fal.counts.submit - before.falSubmits,
			falJobs: fal.jobs.size - before.falJobs,
			runflowRuns: runflow.runs.size - before.runflowRuns,
		};
		task.meta.figures = `${hostName}: 3 items, submits seen by fal ${delta.falSubmits} (jobs ${delta.falJobs}), fallback (Runflow) jobs ${delta.runflowRuns}; kinds ${items.map((i) => errorOf(i).kind ?? 'image').join(', ')}`;

		expect(delta).toEqual({ falSubmits: 3, falJobs: 3, runflowRuns: 0 });
		expect(items).toHaveLength(3);
		expect(errorOf(items[0])).toMatchObject({ kind: 'maybe_submitted', safeToRunElsewhere: false });
		expect(errorOf(items[1])).toMatchObject({ kind: 'bad_response', safeToRunElsewhere: false });
		expect(items[2].json).toMatchObject({ provider: 'fal', imageIndex: 0 });
		expect(items.map((i) => i.json.failover)).toEqual([undefined, undefined, undefined]);
	});

	it('a Replicate job that timed out, whose cancel answers "processing", is not moved to the Fallback Provider and says it may still bill', async ({
		task,
	}) => {
		const before = {
			predictions: replicate.predictions.size,
			cancels: replicate.counts.cancel,
			falSubmits: fal.counts.submit,
		};
		const runs = await execute(instance, 'paytwicecancel');
		const items = runs['FLUX 1.1 Ultra'].items;
		const delta = {
			predictions: replicate.predictions.size - before.predictions,
			cancels: replicate.counts.cancel - before.cancels,
			falSubmits: fal.counts.submit - before.falSubmits,
		};
		const error = errorOf(items[0]);
		task.meta.figures = `${hostName}: Replicate predictions ${delta.predictions}, cancels ${delta.cancels}, fallback (fal) submits ${delta.falSubmits}; ${error.kind}, safeToRunElsewhere ${String(error.safeToRunElsewhere)}`;

		expect(delta).toEqual({ predictions: 1, cancels: 1, falSubmits: 0 });
		expect(items).toHaveLength(1);
		expect(items[0].json.failover).toBeUndefined();
		expect(error).toMatchObject({ kind: 'timeout', safeToRunElsewhere: false });
		expect(error.message).toBe(
			'The job did not finish within 10 seconds; Replicate took the cancel [item 0]',
		);
		expect(error.description).toMatch(/may still finish and bill/);
		expect(error.description).toContain('Get Result');
	}, 120_000);
});
