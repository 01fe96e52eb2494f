import { beforeAll, describe, expect, it } from 'vitest';

import { json, NGINX_504, startHostileProxy, type HostileProxy } from '../test/attack/hostileProxy';
import { errorOf } from '../testkit/harness/errorItems';
import { startMockFal, type MockFal } from '../testkit/mocks/falServer';
import { startMockReplicate, type MockReplicate } from '../testkit/mocks/replicateServer';
import { startMockRunflow, type MockRunflow } from '../testkit/mocks/runflowServer';
import { e2eHosts } from '../testkit/n8n';
import {
	codeNode,
	credential,
	e2eN8n,
	fluxNode,
	rowWorkflow,
	SETUP_TIMEOUT,
	startNode,
} from './fixture';

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
	return rowWorkflow(id, `e2e: ${id}`, [
		startNode(),
		codeNode(
			'Briefs',
			`return ['a mug ${PROXY_504}', 'a flyer ${NO_IMAGES}', 'a poster'].map((prompt) => ({ json: { prompt } }));`,
		),
		fluxNode(
			'FLUX 1.1 Ultra',
			440,
			{ provider: 'fal', fallbackFromFal: 'runflow', options: { maxParallelJobs: 1 } },
			{
				onError: 'continueRegularOutput',
				credentials: {
					falApi: { id: 'falApiPay0001', name: 'fal.ai via proxy' },
					runflowApi: { id: 'runflowApiPay01', name: 'Runflow account' },
				},
			},
		),
	]);
}

/** One Replicate item with fal.ai as its Fallback Provider, and a 10 s Timeout. */
function cancelWorkflow(id: string) {
	return rowWorkflow(id, `e2e: ${id}`, [
		startNode(),
		fluxNode(
			'FLUX 1.1 Ultra',
			220,
			{
				provider: 'replicate',
				fallbackFromReplicate: 'fal',
				prompt: 'a lighthouse that never finishes',
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
	]);
}

/** Takes `count`'s figures now; the function returned gives how much each has grown since. */
function since<Counts extends Record<string, number>>(count: () => Counts): () => Counts {
	const before = count();
	return () =>
		Object.fromEntries(
			Object.entries(count()).map(([key, now]) => [key, now - before[key]]),
		) as Counts;
}

describe.each(e2eHosts())('never pay twice behind a proxy, in a real n8n (%s)', (hostName) => {
	const n8n = e2eN8n(hostName);
	let fal: MockFal;
	let runflow: MockRunflow;
	let replicate: MockReplicate;
	let proxy: HostileProxy;
	let replicateProxy: HostileProxy;

	beforeAll(async () => {
		await n8n.install();
		[fal, runflow, replicate] = await Promise.all([
			n8n.mock(startMockFal({ latencyMs: 200, scale: 0.05 })),
			n8n.mock(startMockRunflow({ latencyMs: 200, scale: 0.05 })),
			n8n.mock(startMockReplicate({ latencyMs: 200, scale: 0.05 })),
		]);
		// Every status read shows the prediction still processing; the cancel answers "processing".
		replicateProxy = await n8n.mock(
			startHostileProxy(replicate.url, {
				after: (ex, up) => {
					const path = ex.path.split('?')[0];
					const still = () =>
						json(200, { ...(up.json as object), status: 'processing', output: null });
					if (ex.method === 'POST' && /^\/v1\/predictions\/[\w-]+\/cancel$/.test(path))
						return still();
					if (ex.method === 'GET' && /^\/v1\/predictions\/[\w-]+$/.test(path)) return still();
					return up;
				},
			}),
		);
		const emptyResults = new Set<string>();
		const submitted = (path: string) =>
			/^\/fal-ai\/flux-pro\/v1\.1-ultra$/.test(path.split('?')[0]);
		proxy = await n8n.mock(
			startHostileProxy(fal.url, {
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
			}),
		);
		await n8n.importCredentials([
			credential('falApi', 'falApiPay0001', 'fal.ai via proxy', {
				apiKey: 'dummy-e2e-fal-key',
				baseUrl: proxy.url,
			}),
			credential('runflowApi', 'runflowApiPay01', 'Runflow account', {
				apiKey: 'rf_live_dummy_example',
				baseUrl: runflow.url,
			}),
			credential('replicateApi', 'replicatePay0001', 'Replicate via proxy', {
				apiKey: 'r8_dummy_example',
				baseUrl: replicateProxy.url,
			}),
		]);
		await n8n.importWorkflows(workflow('paytwice'), cancelWorkflow('paytwicecancel'));
	}, SETUP_TIMEOUT);

	it('a proxy-504 submit is sent once and not moved; a COMPLETED job without images is not moved; the third item runs', async ({
		task,
	}) => {
		const grown = since(() => ({
			falSubmits: fal.counts.submit,
			falJobs: fal.jobs.size,
			runflowRuns: runflow.runs.size,
		}));
		const runs = await n8n.execute('paytwice');
		const items = runs['FLUX 1.1 Ultra'].items;
		const delta = grown();
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
		const grown = since(() => ({
			predictions: replicate.predictions.size,
			cancels: replicate.counts.cancel,
			falSubmits: fal.counts.submit,
		}));
		const runs = await n8n.execute('paytwicecancel');
		const items = runs['FLUX 1.1 Ultra'].items;
		const delta = grown();
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
