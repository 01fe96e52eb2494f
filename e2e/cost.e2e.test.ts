import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startMockFal, type MockFal } from '../testkit/mocks/falServer';
import {
	createInstance,
	e2eHosts,
	firstJsonObject,
	jsonFile,
	n8nHost,
	packPackage,
	workflowNode,
	type N8nInstance,
} from '../testkit/n8n';
import { errorOf } from '../testkit/harness/errorItems';

/**
 * Cost, the spend cap and Download Image off, in a real n8n with the package installed from its
 * tarball, against the loopback mock fal.ai: what n8n keeps of the items and of the run-total hint,
 * and what reached the provider (jobs, downloads).
 */

interface TaskRun {
	data?: {
		main: Array<Array<{
			json: Record<string, unknown>;
			binary?: unknown;
			pairedItem?: unknown;
		}> | null>;
	};
	error?: { message?: string; description?: string };
	hints?: Array<{ message: string; type?: string; location?: string }>;
}

/** `n8n execute` of a workflow: each node's first run as n8n stored it, hints included. */
async function executeRaw(instance: N8nInstance, id: string): Promise<Record<string, TaskRun>> {
	const stdout = await instance
		.cli(['execute', `--id=${id}`, '--rawOutput'])
		.catch((error: Error & { stdout?: string }) => error.stdout ?? '');
	const run = firstJsonObject(stdout) as {
		data: { resultData: { runData: Record<string, TaskRun[]> } };
	};
	return Object.fromEntries(
		Object.entries(run.data.resultData.runData).map(([name, runs]) => [name, runs[0]]),
	);
}

function workflow(id: string, flux: Record<string, unknown>, onError?: string) {
	const node = workflowNode;
	return {
		id,
		name: `e2e: ${id}`,
		nodes: [
			node('Start', 'n8n-nodes-base.manualTrigger', 1, 0, {}),
			node('Briefs', 'n8n-nodes-base.code', 2, 220, {
				jsCode: "return ['mug', 'flyer', 'poster'].map((prompt) => ({ json: { prompt } }));",
			}),
			node(
				'FLUX 1.1 Ultra',
				'n8n-nodes-flux-ultra.fluxUltra',
				1,
				440,
				{
					provider: 'fal',
					operation: 'generate',
					prompt: '={{ $json.prompt }}',
					imageSource: 'none',
					aspectRatio: '1:1',
					numImages: 2,
					outputFormat: 'png',
					...flux,
				},
				{
					...(onError ? { onError } : {}),
					credentials: { falApi: { id: 'falApiCost01', name: 'fal.ai account' } },
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

describe.each(e2eHosts())('cost, spend cap and Download Image in a real n8n (%s)', (hostName) => {
	let instance: N8nInstance;
	let fal: MockFal;

	beforeAll(async () => {
		instance = createInstance(
			n8nHost(hostName),
			packPackage(mkdtempSync(join(tmpdir(), 'flux-pack-'))),
		);
		fal = await startMockFal({ latencyMs: 200, scale: 0.05 });
		await instance.cli([
			'import:credentials',
			`--input=${jsonFile(instance, 'credentials.json', [{ id: 'falApiCost01', name: 'fal.ai account', type: 'falApi', data: { apiKey: 'dummy-e2e-fal-key', baseUrl: fal.url } }])}`,
		]);
		const workflows = [
			workflow('refused', { options: { maxCostPerRun: 0.3 } }),
			workflow(
				'capped',
				{ downloadImage: false, options: { maxCostPerRun: 0.25 } },
				'continueRegularOutput',
			),
		];
		for (const wf of workflows)
			await instance.cli([
				'import:workflow',
				`--input=${jsonFile(instance, `wf-${wf.id}.json`, wf)}`,
			]);
	}, 45 * 60_000);

	afterAll(async () => {
		await fal?.close();
	});

	it('over the cap: the node fails with the figures and fal.ai receives no request', async ({
		task,
	}) => {
		const before = { ...fal.counts };
		const runs = await executeRaw(instance, 'refused');
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
		const runs = await executeRaw(instance, 'capped');
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
