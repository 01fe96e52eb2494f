import { join } from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { imageSize } from '../nodes/FluxUltra/job/downloads';
import { startMockBfl, type MockBfl } from '../testkit/mocks/bflServer';
import { startMockFal, type MockFal } from '../testkit/mocks/falServer';
import { ULTRA_SIZES } from '../testkit/mocks/images';
import { startMockReplicate, type MockReplicate } from '../testkit/mocks/replicateServer';
import { startMockRunflow, type MockRunflow } from '../testkit/mocks/runflowServer';
import { errorOf } from '../testkit/harness/errorItems';
import {
	binaryBytes,
	e2eHosts,
	exampleWorkflows,
	inspectInstall,
	workflowNode,
	type NodeRun,
} from '../testkit/n8n';
import { codeNode, e2eN8n, fluxNode, rowWorkflow, SETUP_TIMEOUT, startNode } from './fixture';

/**
 * The README's example workflows, run by a real n8n with the package installed as a community node
 * from its npm tarball, against the loopback mock providers (reached through the credentials'
 * API Base URL). Then a workflow that adds what users chain: a downstream node receiving the
 * images, and a bad item under "On Error: Continue".
 */

const SCALE = 0.25;

function expectImageOf(
	bytesOf: (item: NodeRun['items'][number]) => Buffer,
	item: NodeRun['items'][number],
	mimeType: string,
	ratio: string,
) {
	const [w, h] = ULTRA_SIZES[ratio];
	const size = {
		width: Math.max(16, Math.round(w * SCALE)),
		height: Math.max(16, Math.round(h * SCALE)),
	};
	expect(item.binary?.data?.mimeType).toBe(mimeType);
	expect(imageSize(bytesOf(item))).toEqual(size);
	expect(item.json).toMatchObject({ ...size, contentType: mimeType, aspectRatio: ratio });
	expect(item.json.fileSize).toBe(bytesOf(item).length);
}

/**
 * n8n's own SSRF protection (off by default in 2.x; n8n 1.x has none): the examples run once more
 * on n8n 2.x with it on, the loopback mocks allowed through n8n's own variables, as a user with a
 * proxy or mock on a private address would allow it. Real provider hosts are public and need nothing.
 */
const SSRF_ON = { N8N_SSRF_PROTECTION_ENABLED: 'true', N8N_SSRF_ALLOWED_IP_RANGES: '127.0.0.1/32' };
const variants: Array<[string, string, NodeJS.ProcessEnv]> = [
	...e2eHosts().map((host): [string, string, NodeJS.ProcessEnv] => [host, host, {}]),
	...(e2eHosts().includes('n8n-2')
		? [['n8n-2, SSRF protection on', 'n8n-2', SSRF_ON] as [string, string, NodeJS.ProcessEnv]]
		: []),
];

describe.each(variants)('inside a real n8n (%s)', (label, hostName, extraEnv) => {
	const n8n = e2eN8n(hostName);
	let fal: MockFal;
	let runflow: MockRunflow;
	let bfl: MockBfl;
	let replicate: MockReplicate;
	const bytesOf = (item: NodeRun['items'][number]) => binaryBytes(n8n.instance, item);
	const expectImage = (item: NodeRun['items'][number], mimeType: string, ratio: string) =>
		expectImageOf(bytesOf, item, mimeType, ratio);

	beforeAll(async () => {
		await n8n.install({ env: extraEnv });
		fal = await n8n.mock(startMockFal({ latencyMs: 400, scale: SCALE, keepAliveMs: 1000 }));
		runflow = await n8n.mock(startMockRunflow({ latencyMs: 400, scale: SCALE }));
		bfl = await n8n.mock(startMockBfl({ latencyMs: 400, scale: SCALE }));
		replicate = await n8n.mock(startMockReplicate({ latencyMs: 400, scale: SCALE }));
		const t = Date.now();
		await n8n.importExamples({
			fal: { apiKey: 'dummy-e2e-fal-key', baseUrl: fal.url },
			runflow: { apiKey: 'rf_live_dummy_e2e', baseUrl: runflow.url },
			bfl: { apiKey: 'bfl-dummy-e2e', baseUrl: bfl.url },
			replicate: { apiKey: 'r8_dummy_e2e', baseUrl: replicate.url },
		});
		await n8n.importWorkflows(downstreamWorkflow(), faultsWorkflow(), failoverWorkflow());
		const { host, timings } = n8n;
		process.stderr.write(
			`[e2e] n8n ${host.version} on Node 24 (${host.node}); host ${timings.host} ms, package install ${timings.install} ms, imports ${Date.now() - t} ms\n`,
		);
	}, SETUP_TIMEOUT);

	it("installs the packed package alone, with no dependencies: the zod it runs with is n8n's", ({
		task,
	}) => {
		const installed = inspectInstall(n8n.host, join(n8n.instance.userFolder, '.n8n', 'nodes'));
		expect(installed.modules).toEqual(['n8n-nodes-flux-ultra']);
		expect(installed.dependencies).toEqual({});
		expect(installed.ownNodeModules).toBe(false);
		expect(installed.ownZod).toBe(false);
		expect(installed.zodWithoutHost).toBeNull();
		// n8n's own zod, on the NODE_PATH n8n sets for community nodes: 3.25.x has the v3 API at its root.
		expect(installed.hostZod.version).toMatch(/^3\.25\./);
		task.meta.figures = `${label}: package installed alone (no dependencies); zod ${installed.hostZod.version} from n8n ${n8n.host.version}`;
	});

	it('loads the community package: fal.ai example — 2 prompts → 4 PNGs → 4 remixed JPEGs, paired', async ({
		task,
	}) => {
		const started = Date.now();
		const [fileIndex] = [...exampleWorkflows().entries()].find(([, e]) => e.file.includes('fal'))!;
		const runs = await n8n.execute(`example${fileIndex}`);

		const generated = runs['Generate images'];
		expect(generated.error).toBeUndefined();
		expect(generated.items).toHaveLength(4);
		generated.items.forEach((item, n) => {
			expectImage(item, 'image/png', n < 2 ? '16:9' : '1:1');
			expect(item.pairedItem).toEqual({ item: n < 2 ? 0 : 1 });
			expect(item.json.provider).toBe('fal');
		});
		const remixed = runs['Remix each image'];
		expect(remixed.items).toHaveLength(4);
		remixed.items.forEach((item, n) => {
			expectImage(item, 'image/jpeg', '16:9');
			expect(item.pairedItem).toEqual({ item: n });
			expect(item.binary!.data.fileName).toBe(`autumn-${n + 1}.jpg`);
		});
		// The remix really received the generated PNGs (large ones go through fal storage).
		const remixJobs = [...fal.jobs.values()].filter((j) => j.endpoint.endsWith('/redux'));
		expect(remixJobs).toHaveLength(4);
		task.meta.figures = `${label}: n8n execute of the fal.ai example: ${Date.now() - started} ms (8 images)`;
	});

	it('Runflow example — Generate, then the image as image prompt through a Runflow asset upload', async ({
		task,
	}) => {
		const started = Date.now();
		const [fileIndex] = [...exampleWorkflows().entries()].find(([, e]) =>
			e.file.includes('runflow'),
		)!;
		const runs = await n8n.execute(`example${fileIndex}`);

		const generated = runs['Generate images'];
		expect(generated.items).toHaveLength(2);
		generated.items.forEach((item, n) => {
			expectImage(item, 'image/jpeg', n === 0 ? '16:9' : '1:1');
			expect(item.json.provider).toBe('runflow');
		});
		const billboards = runs['Billboard from each image'];
		expect(billboards.items).toHaveLength(2);
		billboards.items.forEach((item, n) => {
			expectImage(item, 'image/jpeg', '21:9');
			expect(item.pairedItem).toEqual({ item: n });
		});
		expect([...runflow.assets.values()].filter((a) => a.confirmed)).toHaveLength(2);
		task.meta.figures = `${label}: n8n execute of the Runflow example: ${Date.now() - started} ms (4 images, 2 uploads)`;
	});

	it('Black Forest Labs example — two variants per brief as one job each (seeds 1000, 1001), then a remix of each from the binary', async ({
		task,
	}) => {
		const started = Date.now();
		const [fileIndex] = [...exampleWorkflows().entries()].find(([, e]) => e.file.includes('-bfl'))!;
		const runs = await n8n.execute(`example${fileIndex}`);

		const variants = runs['Generate two variants'];
		expect(variants.error).toBeUndefined();
		expect(variants.items).toHaveLength(4);
		variants.items.forEach((item, n) => {
			expectImage(item, 'image/png', n < 2 ? '16:9' : '1:1');
			expect(item.pairedItem).toEqual({ item: n < 2 ? 0 : 1 });
			expect(item.json).toMatchObject({
				provider: 'bfl',
				imageIndex: n % 2,
				imageCount: 2,
				seed: 1000 + (n % 2),
			});
		});
		const remixed = runs['Remix each variant'];
		expect(remixed.items).toHaveLength(4);
		remixed.items.forEach((item, n) => {
			expectImage(item, 'image/jpeg', '16:9');
			expect(item.pairedItem).toEqual({ item: n });
		});
		// Each remix received its variant's bytes as base64 image_prompt.
		const remixTasks = [...bfl.tasks.values()].filter((t) => t.input.image_prompt !== undefined);
		expect(remixTasks).toHaveLength(4);
		expect(bfl.tasks.size).toBe(8);
		task.meta.figures = `${label}: n8n execute of the BFL example: ${Date.now() - started} ms (8 images, 8 jobs)`;
	});

	it('Replicate example — Generate, then two posters per image with it as image prompt', async ({
		task,
	}) => {
		const started = Date.now();
		const [fileIndex] = [...exampleWorkflows().entries()].find(([, e]) =>
			e.file.includes('-replicate'),
		)!;
		const runs = await n8n.execute(`example${fileIndex}`);

		const generated = runs['Generate images'];
		expect(generated.items).toHaveLength(2);
		generated.items.forEach((item, n) => {
			expectImage(item, 'image/jpeg', n === 0 ? '4:3' : '1:1');
			expect(item.json.provider).toBe('replicate');
		});
		const posters = runs['Posters from each image'];
		expect(posters.items).toHaveLength(4);
		posters.items.forEach((item, n) => {
			expectImage(item, 'image/jpeg', '9:16');
			expect(item.pairedItem).toEqual({ item: n < 2 ? 0 : 1 });
			expect(item.json).toMatchObject({ imageIndex: n % 2, imageCount: 2 });
		});
		expect(
			[...replicate.predictions.values()].filter((p) => p.input.image_prompt !== undefined),
		).toHaveLength(4);
		task.meta.figures = `${label}: n8n execute of the Replicate example: ${Date.now() - started} ms (6 images, 6 predictions)`;
	});

	it('a downstream node receives the images; a bad item under "On Error: Continue" comes out as an error item in place', async () => {
		const runs = await n8n.execute('downstream');

		const flux = runs['FLUX 1.1 Ultra'];
		expect(flux.items.map((i) => i.pairedItem)).toEqual([
			{ item: 0 },
			{ item: 1 },
			{ item: 2 },
			{ item: 2 },
		]);
		// Real n8n keeps only `error` in the JSON of an item that carries n8n's error object.
		expect(String(errorOf(flux.items[1]).message)).toMatch(
			/^Invalid value for "Number of Images": .* \[item 1\]$/,
		);

		const downstream = runs['Tag for the campaign'];
		expect(downstream.items).toHaveLength(4);
		for (const n of [0, 2, 3]) {
			const item = downstream.items[n];
			expect(item.json.campaign).toBe('autumn-launch');
			expectImage(item, 'image/png', '1:1');
			expect(bytesOf(item).equals(bytesOf(flux.items[n]))).toBe(true);
		}
	});

	it('faults real n8n exposed: a job stuck in the queue, 500s on reads, a download cut mid-body — under the error output', async ({
		task,
	}) => {
		const before = { ...fal.counts, ...fal.served };
		const started = Date.now();
		const runs = await n8n.execute('faults');
		const seconds = (Date.now() - started) / 1000;

		const flux = runs['FLUX 1.1 Ultra'];
		const [success, failed] = flux.outputs;
		// The stuck job ends at its 10 s Timeout, is cancelled at fal, and goes down the error output.
		expect(failed.map((i) => i.pairedItem)).toEqual([{ item: 1 }]);
		expect(errorOf(failed[0])).toMatchObject({
			kind: 'timeout',
			message: 'The job did not finish within 10 seconds; fal.ai took the cancel [item 1]',
		});
		// The others all arrive on output 1, byte-exact downstream, nothing paid twice.
		expect(success.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 2 }, { item: 3 }]);
		const downstream = runs['Publish'];
		expect(downstream.items).toHaveLength(3);
		downstream.items.forEach((item, n) => {
			expectImage(item, 'image/png', '1:1');
			expect(bytesOf(item).equals(bytesOf(success[n]))).toBe(true);
		});
		expect(runs['Retry later'].items.map((i) => String(errorOf(i).message))).toEqual([
			expect.stringContaining('did not finish within 10 seconds'),
		]);
		expect(fal.counts.submit - before.submit).toBe(4);
		expect(fal.counts.cancel - before.cancel).toBe(1);
		expect(fal.served.status500 - before.status500).toBe(1);
		expect(fal.served.result500 - before.result500).toBe(1);
		expect(fal.served.cutDownloads - before.cutDownloads).toBe(1);
		expect(seconds).toBeLessThan(40);
		task.meta.figures = `${label}: faults workflow ${seconds.toFixed(1)} s (stuck job ended at its 10 s Timeout, cancel sent; 1 status 500, 1 result 500, 1 cut download ridden out; 4 jobs created for 4 items)`;
	});

	it('failover: fal.ai out of credit or failing a job hands the item to Runflow; a lost creation answer never does', async ({
		task,
	}) => {
		const before = {
			falJobs: fal.jobs.size,
			falSubmits: fal.counts.submit,
			runflowRuns: runflow.runs.size,
		};
		const started = Date.now();
		const runs = await n8n.execute('failover');
		const seconds = (Date.now() - started) / 1000;

		const [success, failed] = runs['FLUX 1.1 Ultra'].outputs;
		expect(success.map((i) => [i.pairedItem, i.json.provider, i.json.failover ?? null])).toEqual([
			[{ item: 0 }, 'fal', null],
			[{ item: 1 }, 'runflow', { from: 'fal', reason: 'the fal.ai account is out of credit' }],
			[{ item: 2 }, 'runflow', { from: 'fal', reason: 'fal.ai failed the job on its side' }],
		]);
		success.forEach((item) => expectImage(item, 'image/png', '1:1'));
		expect(failed.map((i) => i.pairedItem)).toEqual([{ item: 3 }]);
		expect(errorOf(failed[0]).kind).toBe('maybe_submitted');
		expect(String(errorOf(failed[0]).message)).toMatch(
			/^The job may have been created at fal\.ai, but the answer was lost/,
		);
		// Jobs created: fal 3 (the good one, the failed one, the lost answer), Runflow 2: none twice.
		expect(fal.jobs.size - before.falJobs).toBe(3);
		expect(fal.counts.submit - before.falSubmits).toBe(4);
		expect(runflow.runs.size - before.runflowRuns).toBe(2);
		task.meta.figures = `${label}: failover workflow ${seconds.toFixed(1)} s (4 items: 1 on fal.ai, 2 failed over to Runflow, 1 lost answer kept on the error output; jobs fal 3, Runflow 2)`;
	});
});

/**
 * Manual Trigger → Code (4 briefs with the fal mock's fault markers) → FLUX on fal.ai with Runflow
 * as Fallback Provider (both credentials, On Error: Continue using error output).
 */
function failoverWorkflow() {
	const workflow = faultsWorkflow();
	const flux = workflow.nodes.find((n) => n.name === 'FLUX 1.1 Ultra')! as Record<
		string,
		unknown
	> & { parameters: Record<string, unknown> };
	flux.parameters = {
		...flux.parameters,
		fallbackFromFal: 'runflow',
		options: { maxParallelJobs: 2 },
	};
	flux.credentials = {
		falApi: { id: 'falApiExample01', name: 'fal.ai account' },
		runflowApi: { id: 'runflowApiExample01', name: 'Runflow account' },
	};
	workflow.nodes.find((n) => n.name === 'Briefs')!.parameters = {
		jsCode:
			"return ['mug', 'jetty [no-credit]', 'harbour [job-fails]', 'lighthouse [lost-answer]'].map((prompt) => ({ json: { prompt } }));",
	};
	return { ...workflow, id: 'failover', name: 'e2e: failover from fal.ai to Runflow' };
}

/**
 * Manual Trigger → Code (4 briefs with the fal mock's fault markers) → FLUX (On Error: Continue
 * using error output, Timeout 10 s) → "Publish" on output 1, "Retry later" on output 2.
 */
function faultsWorkflow() {
	const workflow = downstreamWorkflow();
	const flux = workflow.nodes.find((n) => n.name === 'FLUX 1.1 Ultra')!;
	flux.parameters = {
		...flux.parameters,
		numImages: 1,
		options: { timeout: 10, maxParallelJobs: 4 },
	};
	(flux as Record<string, unknown>).onError = 'continueErrorOutput';
	workflow.nodes.find((n) => n.name === 'Briefs')!.parameters = {
		jsCode:
			"return ['mug', 'jetty [stuck]', 'harbour [flaky-reads]', 'lighthouse [cut-download]'].map((prompt) => ({ json: { prompt } }));",
	};
	const tag = workflow.nodes.find((n) => n.name === 'Tag for the campaign')!;
	tag.name = 'Publish';
	const retry = {
		...tag,
		id: '00000000-0000-4000-8000-000000000009',
		name: 'Retry later',
		position: [660, 200],
	};
	return {
		...workflow,
		id: 'faults',
		name: 'e2e: faults under the error output',
		nodes: [...workflow.nodes, retry],
		connections: {
			...workflow.connections,
			'FLUX 1.1 Ultra': {
				main: [
					[{ node: 'Publish', type: 'main', index: 0 }],
					[{ node: 'Retry later', type: 'main', index: 0 }],
				],
			},
		},
	};
}

/** Manual Trigger → Code (3 briefs, the second asks for 9 images) → FLUX (On Error: Continue) → Set. */
function downstreamWorkflow() {
	return rowWorkflow('downstream', 'e2e: downstream node and a bad item', [
		startNode(),
		codeNode(
			'Briefs',
			"return [{ json: { prompt: 'mug', n: 1 } }, { json: { prompt: 'flyer', n: 9 } }, { json: { prompt: 'poster', n: 2 } }];",
		),
		fluxNode(
			'FLUX 1.1 Ultra',
			440,
			{
				provider: 'fal',
				numImages: '={{ $json.n }}',
				options: {},
			},
			{
				onError: 'continueRegularOutput',
				credentials: { falApi: { id: 'falApiExample01', name: 'fal.ai account' } },
			},
		),
		workflowNode('Tag for the campaign', 'n8n-nodes-base.set', 3.4, 660, {
			assignments: {
				assignments: [{ id: 'a1', name: 'campaign', value: 'autumn-launch', type: 'string' }],
			},
			includeOtherFields: true,
			options: {},
		}),
	]);
}
