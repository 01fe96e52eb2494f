import { createServer } from 'node:http';

import { expect } from 'vitest';

import { imageSize } from '../nodes/FluxUltra/job/downloads';
import type { MockFal } from '../testkit/mocks/falServer';
import { listenLoopback, readBody } from '../testkit/mocks/loopback';
import { exampleWorkflows, until } from '../testkit/n8n';
import type { N8nFixture } from './fixture';

/**
 * The submit-now-collect-later example as the e2e suites run it (a running n8n, regular or queue
 * mode): the README's example workflow as it is, but started by a Webhook trigger instead of the
 * Manual Trigger, with a fourth brief the mock fal.ai takes four times as long over (it must go
 * round the example's "still running?" loop), and its images handed to an HTTP Request node that
 * POSTs them to a collector.
 */

export const EXAMPLE = 'submit-then-collect-fal.workflow.json';
/** The example's three briefs, and a fourth the mock takes four times as long over. */
export const BRIEFS = 4;
export const STRAGGLER = 'A lighthouse in a storm at night, long exposure [slow]';
export const SUBMIT_COLLECT_PATH = 'flux-submit-collect';

export interface Delivered {
	query: Record<string, string>;
	bytes: Buffer;
}

/** A loopback server that keeps every image POSTed to it, with its query. */
export async function startCollector() {
	const delivered: Delivered[] = [];
	const loopback = await listenLoopback(
		createServer((req, res) => {
			void readBody(req).then((bytes) => {
				delivered.push({
					query: Object.fromEntries(new URL(req.url ?? '/', 'http://collector').searchParams),
					bytes,
				});
				res.writeHead(200, { 'content-type': 'application/json' });
				res.end('{}');
			});
		}),
	);
	return { ...loopback, delivered };
}

/**
 * The collector (closed with the fixture's mocks), and the workflow imported and activated, its
 * images POSTed to the collector; the workflow listens once `n8n.start(SUBMIT_COLLECT_PATH)` is done.
 */
export async function importSubmitCollect(n8n: N8nFixture) {
	const collector = await n8n.mock(startCollector());
	await n8n.importWorkflows(submitCollectWorkflow(collector.url));
	await n8n.activate('asyncSubmitCollect');
	return collector;
}

/** The example, triggered by a webhook, its straggler loop shortened to 2 s, its images POSTed to `collector`. */
export function submitCollectWorkflow(collector: string, id = 'asyncSubmitCollect') {
	const example = exampleWorkflows().find((e) => e.file === EXAMPLE)!.workflow as {
		nodes: Array<Record<string, unknown> & { name: string; parameters: Record<string, unknown> }>;
		connections: Record<string, unknown>;
	};
	const workflow = structuredClone(example);
	const trigger = workflow.nodes.find((n) => n.type === 'n8n-nodes-base.manualTrigger')!;
	Object.assign(trigger, {
		type: 'n8n-nodes-base.webhook',
		typeVersion: 2,
		webhookId: '3f0c9a7e-1d2b-4c5e-8f6a-7b9c0d1e2f30',
		parameters: {
			httpMethod: 'POST',
			path: SUBMIT_COLLECT_PATH,
			responseMode: 'onReceived',
			options: {},
		},
	});
	workflow.nodes.find((n) => n.name === 'Wait 30 seconds')!.parameters.amount = 2;
	const briefs = workflow.nodes.find((n) => n.name === 'Campaign briefs')!.parameters;
	briefs.jsCode = String(briefs.jsCode).replace(
		'\n];',
		`\n  { json: { prompt: ${JSON.stringify(STRAGGLER)} }, pairedItem: 0 },\n];`,
	);
	workflow.nodes.push({
		id: 'c7d1e2f3-5a6b-4c7d-8e9f-0a1b2c3d4e99',
		name: 'Deliver',
		type: 'n8n-nodes-base.httpRequest',
		typeVersion: 4.2,
		position: [1760, 120],
		parameters: {
			method: 'POST',
			url: `${collector}/image`,
			sendQuery: true,
			specifyQuery: 'keypair',
			queryParameters: { parameters: [{ name: 'json', value: '={{ JSON.stringify($json) }}' }] },
			sendBody: true,
			contentType: 'binaryData',
			inputDataFieldName: 'data',
			options: {},
		},
	});
	workflow.connections['Images ready'] = { main: [[{ node: 'Deliver', type: 'main', index: 0 }]] };
	return { ...workflow, id, name: `e2e: submit now, collect later (${id})` };
}

/**
 * What a finished run must show: each job created once, the execution resumed through the URL fal
 * was given, the straggler collected after going round the loop, and every image at the end of the
 * workflow byte-exact (the file fal serves at the image's link). Returns figures for the report.
 *
 * n8n 1.x only: its waiting-webhook handler reads the execution's status, then resumes it, with no
 * lock between the two (n8n 1.123.81 `webhooks/waiting-webhooks.js`), so two of fal's completion
 * calls arriving at the same moment can both resume the run: the rest of the workflow then runs
 * twice and each image reaches the end twice (seen 2 times in 6 runs here, under load). No job is
 * created or paid twice (Get Result only reads); docs/submit-collect.md says so. There, the images
 * must be the jobs' images, each at least once, and the reads may double; n8n 2.x must deliver each
 * exactly once.
 */
export async function expectCollected(
	fal: MockFal,
	delivered: Delivered[],
	scale: number,
	hostName: string,
) {
	const mayResumeTwice = hostName === 'n8n-1';
	expect(fal.counts.submit).toBe(BRIEFS);
	const hooks = fal.webhooks;
	expect(hooks).toHaveLength(BRIEFS);
	expect(hooks.every((h) => new URL(h.url).pathname.startsWith('/webhook-waiting/'))).toBe(true);
	expect(hooks.some((h) => h.status === 200)).toBe(true);
	// Get Result reads each job's status once per pass: the jobs done at the first pass once (a
	// job submitted a moment after the one whose webhook resumed the run may take a second
	// pass); the straggler went round the loop ("running" → Wait → Get Result again).
	const jobs = [...fal.jobs.values()];
	const straggler = jobs.find((j) => j.input.prompt === STRAGGLER)!;
	expect(straggler.statusRequests).toBeGreaterThanOrEqual(2);
	expect(
		jobs
			.filter((j) => j !== straggler)
			.map((j) => j.statusRequests)
			.every((n) => n >= 1 && n <= (mayResumeTwice ? 4 : 2)),
	).toBe(true);

	const seen = delivered.map((d) => JSON.parse(d.query.json) as Record<string, unknown>);
	if (mayResumeTwice) {
		expect(delivered.length).toBeGreaterThanOrEqual(BRIEFS);
		expect([...new Set(seen.map((j) => j.requestId))].sort()).toEqual([...fal.jobs.keys()].sort());
	} else {
		expect(delivered).toHaveLength(BRIEFS);
		expect(seen.map((j) => j.requestId).sort()).toEqual([...fal.jobs.keys()].sort());
	}
	for (const [n, image] of delivered.entries()) {
		const json = seen[n];
		expect(json).toMatchObject({
			provider: 'fal',
			operation: 'generate',
			aspectRatio: '16:9',
			contentType: 'image/jpeg',
			imageIndex: 0,
			imageCount: 1,
		});
		expect(json.fileName).toMatch(/^campaign-[1-4]-1\.jpg$/);
		const original = Buffer.from(await (await fetch(String(json.url))).arrayBuffer());
		expect(image.bytes.equals(original)).toBe(true);
		expect(json.fileSize).toBe(original.length);
		expect(imageSize(image.bytes)).toEqual({
			width: Math.round(2752 * scale),
			height: Math.round(1536 * scale),
		});
	}
	return {
		stragglerReads: straggler.statusRequests,
		webhookAnswers: hooks.map((h) => h.status).join('/'),
	};
}

/**
 * Starts the workflow through its Webhook trigger and waits until every image reached the
 * collector; returns how long that took, in ms.
 */
export async function triggerAndCollect(
	port: number,
	delivered: Delivered[],
	logs: () => string,
): Promise<number> {
	const started = Date.now();
	const response = await fetch(`http://127.0.0.1:${port}/webhook/${SUBMIT_COLLECT_PATH}`, {
		method: 'POST',
		body: '{}',
		headers: { 'content-type': 'application/json' },
	});
	expect(response.status, `${await response.text()}\n${logs().slice(-4000)}`).toBe(200);
	await until(
		`${BRIEFS} images at the end of the workflow`,
		() => delivered.length >= BRIEFS,
		120_000,
		logs,
	);
	return Date.now() - started;
}
