import { beforeAll, describe, expect, it } from 'vitest';

import { errorOf } from '../testkit/harness/errorItems';
import { startMockFal, type MockFal } from '../testkit/mocks/falServer';
import { e2eHosts } from '../testkit/n8n';
import { codeNode, e2eN8n, fluxNode, rowWorkflow, SETUP_TIMEOUT, startNode } from './fixture';

/**
 * Cost, the spend cap and Download Image off, in a real n8n with the package installed from its
 * tarball, against the loopback mock fal.ai: what n8n keeps of the items and of the run-total hint,
 * and what reached the provider (jobs, downloads).
 */

function workflow(id: string, flux: Record<string, unknown>, onError?: string) {
	return rowWorkflow(id, `e2e: ${id}`, [
		startNode(),
		codeNode(
			'Briefs',
			"return ['mug', 'flyer', 'poster'].map((prompt) => ({ json: { prompt } }));",
		),
		fluxNode(
			'FLUX 1.1 Ultra',
			440,
			{
				provider: 'fal',
				numImages: 2,
				...flux,
			},
			{
				...(onError ? { onError } : {}),
				credentials: { falApi: { id: 'falApiCost01', name: 'fal.ai account' } },
			},
		),
	]);
}

describe.each(e2eHosts())('cost, spend cap and Download Image in a real n8n (%s)', (hostName) => {
	const n8n = e2eN8n(hostName);
	let fal: MockFal;

	beforeAll(async () => {
		await n8n.install();
		fal = await n8n.mock(startMockFal({ latencyMs: 200, scale: 0.05 }));
		await n8n.importCredentials([
			{
				id: 'falApiCost01',
				name: 'fal.ai account',
				type: 'falApi',
				data: { apiKey: 'dummy-e2e-fal-key', baseUrl: fal.url },
			},
		]);
		await n8n.importWorkflows(
			workflow('refused', { options: { maxCostPerRun: 0.3 } }),
			workflow(
				'capped',
				{ downloadImage: false, options: { maxCostPerRun: 0.25 } },
				'continueRegularOutput',
			),
		);
	}, SETUP_TIMEOUT);

	it('over the cap: the node fails with the figures and fal.ai receives no request', async ({
		task,
	}) => {
		const before = { ...fal.counts };
		const runs = await n8n.executeRaw('refused');
		const error = runs['FLUX 1.1 Ultra'].error;
		expect(error?.message).toBe(
			'This run could cost up to $0.36, more than "Max Cost per Run (USD)" allows ($0.30): 3 items, 6 images × $0.06 (fal.ai list price per image)',
		);
		expect(fal.counts).toEqual(before);
		task.meta.figures = `${hostName}: run refused by the cap, 0 requests at the fal mock: "${error?.message}"`;
	});

	it('Download Image off under the cap with Continue On Fail: links and cost, no binary, no download; the total as an execution hint', async ({
		task,
	}) => {
		const before = { ...fal.counts };
		const runs = await n8n.executeRaw('capped');
		const flux = runs['FLUX 1.1 Ultra'];
		const items = flux.data!.main[0]!;
		expect(items.map((i) => i.pairedItem)).toEqual([
			{ item: 0 },
			{ item: 0 },
			{ item: 1 },
			{ item: 1 },
			{ item: 2 },
		]);
		for (const item of items.slice(0, 4)) {
			expect(item.binary).toBeUndefined();
			expect(item.json).toMatchObject({
				cost: { usd: 0.06, source: 'list_price' },
				fileSize: null,
			});
			expect(String(item.json.url)).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
		}
		expect(String(errorOf(items[4]).message)).toMatch(
			/^Not run: "Max Cost per Run \(USD\)" is \$0\.25.* \[item 2\]$/,
		);
		expect(fal.counts.submit - before.submit).toBe(2);
		expect(fal.counts.download - before.download).toBe(0);
		expect(flux.hints).toEqual([
			{
				// The fal mock is on 127.0.0.1: its list prices are an estimate, not a charge (issue 31).
				message:
					'Estimate, not a charge: 4 images at list price would cost about $0.24 (the API Base URL is a loopback address: a mock, or a proxy on this computer)',
				type: 'info',
				location: 'outputPane',
			},
		]);
		task.meta.figures = `${hostName}: 3 items under a $0.25 cap: 2 jobs, 4 link items, 0 downloads, 1 error item; hint "${flux.hints?.[0]?.message}"`;
	});
});
