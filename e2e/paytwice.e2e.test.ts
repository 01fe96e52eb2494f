import { beforeAll, describe, expect, it } from 'vitest';

import { json, NGINX_504, startHostileProxy, type HostileProxy } from '../test/attack/hostileProxy';
import { errorOf } from '../testkit/harness/errorItems';
import { startMockFal, type MockFal } from '../testkit/mocks/falServer';
import { startMockRunflow, type MockRunflow } from '../testkit/mocks/runflowServer';
import { e2eHosts } from '../testkit/n8n';
import { codeNode, e2eN8n, fluxNode, rowWorkflow, SETUP_TIMEOUT, startNode } from './fixture';

/**
 * Never pay twice (issue 18, findings 2 and 4) in a real n8n, the package installed from its
 * tarball: fal.ai behind a user's nginx-like proxy on loopback, Runflow as the Fallback Provider.
 * One item's submit is forwarded to fal and answered 504 by the proxy; another's job completes at
 * fal with a result listing no image (a bad answer). Neither may be resent nor moved.
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
			{
				provider: 'fal',
				fallbackFromFal: 'runflow',
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
	]);
}

describe.each(e2eHosts())('never pay twice behind a proxy, in a real n8n (%s)', (hostName) => {
	const n8n = e2eN8n(hostName);
	let fal: MockFal;
	let runflow: MockRunflow;
	let proxy: HostileProxy;

	beforeAll(async () => {
		await n8n.install();
		[fal, runflow] = await Promise.all([
			n8n.mock(startMockFal({ latencyMs: 200, scale: 0.05 })),
			n8n.mock(startMockRunflow({ latencyMs: 200, scale: 0.05 })),
		]);
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
		]);
		await n8n.importWorkflows(workflow('paytwice'));
	}, SETUP_TIMEOUT);

	it('a proxy-504 submit is sent once and not moved; a COMPLETED job without images is not moved; the third item runs', async ({
		task,
	}) => {
		const before = {
			falSubmits: fal.counts.submit,
			falJobs: fal.jobs.size,
			runflowRuns: runflow.runs.size,
		};
		const runs = await n8n.execute('paytwice');
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
});
