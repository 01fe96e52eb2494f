import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { imageSize } from '../nodes/FluxUltra/helpers/images';
import { startMockFal, type MockFal } from '../test/mock-provider/falServer';
import { listenLoopback, readBody } from '../test/mock-provider/loopback';
import { activateWorkflow, createInstance, e2eHosts, exampleWorkflows, freePort, importExamples, jsonFile, n8nHost, packPackage, startMain, stopAll, until, waitForWebhook, type N8nInstance } from './n8n';

/**
 * Submit now, collect later, in a running n8n (`n8n start`: the Wait node's resume URL needs its
 * webhook server). The README's example workflow as it is, but started by a Webhook trigger instead
 * of the Manual Trigger and with its images handed to an HTTP Request node: FLUX "Submit jobs" (Wait
 * for Completion off, Completion Webhook URL `{{ $execution.resumeUrl }}`) → Wait (On Webhook Call)
 * → the submitted jobs → FLUX "Collect images" (Get Result) → still running? → images. The mock
 * fal.ai calls the resume URL when a job completes; the images must reach the end byte-exact.
 */

const EXAMPLE = 'submit-then-collect-fal.workflow.json';
const LATENCY_MS = 1500;
const SCALE = 0.25;
/** The example's three briefs, and a fourth the mock takes four times as long over. */
const BRIEFS = 4;
const STRAGGLER = 'A lighthouse in a storm at night, long exposure [slow]';

interface Delivered {
	query: Record<string, string>;
	bytes: Buffer;
	contentType: string;
}

/** The example, triggered by a webhook, its straggler loop shortened, its images POSTed to `collector`. */
function e2eVariant(collector: string) {
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
		parameters: { httpMethod: 'POST', path: 'flux-submit-collect', responseMode: 'onReceived', options: {} },
	});
	workflow.nodes.find((n) => n.name === 'Wait 30 seconds')!.parameters.amount = 2;
	const briefs = workflow.nodes.find((n) => n.name === 'Campaign briefs')!.parameters;
	briefs.jsCode = String(briefs.jsCode).replace('\n];', `\n  { json: { prompt: ${JSON.stringify(STRAGGLER)} }, pairedItem: 0 },\n];`);
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
	return { ...workflow, id: 'asyncSubmitCollect', name: 'e2e: submit now, collect later' };
}

describe.each(e2eHosts())('submit now, collect later in a running n8n (%s)', (hostName) => {
	let instance: N8nInstance;
	let fal: MockFal;
	let port: number;
	const processes: ChildProcess[] = [];
	const delivered: Delivered[] = [];
	let collector: Awaited<ReturnType<typeof listenLoopback>>;

	beforeAll(async () => {
		const host = n8nHost(hostName);
		const tarball = packPackage(mkdtempSync(join(tmpdir(), 'flux-pack-')));
		port = await freePort();
		instance = createInstance(host, tarball, {
			N8N_PORT: String(port),
			N8N_LISTEN_ADDRESS: '127.0.0.1',
			WEBHOOK_URL: `http://127.0.0.1:${port}/`,
			N8N_DEFAULT_BINARY_DATA_MODE: 'filesystem',
		});
		fal = await startMockFal({ latencyMs: LATENCY_MS, scale: SCALE });
		collector = await listenLoopback(
			createServer((req, res) => {
				void readBody(req).then((bytes) => {
					const query = Object.fromEntries(new URL(req.url ?? '/', 'http://collector').searchParams);
					delivered.push({ query, bytes, contentType: req.headers['content-type'] ?? '' });
					res.writeHead(200, { 'content-type': 'application/json' });
					res.end('{}');
				});
			}),
		);
		await importExamples(instance, {
			fal: { apiKey: 'dummy-e2e-fal-key', baseUrl: fal.url },
			runflow: { apiKey: 'rf_live_dummy_e2e', baseUrl: 'http://127.0.0.1:9' },
		});
		await instance.cli(['import:workflow', `--input=${jsonFile(instance, 'async.json', e2eVariant(collector.url))}`]);
		await activateWorkflow(instance, 'asyncSubmitCollect');
		const main = await startMain(instance, processes);
		await waitForWebhook(instance, 'flux-submit-collect', () => main.logs.join(''));
	}, 45 * 60_000);

	afterAll(async () => {
		await stopAll(processes);
		await fal?.close();
		await collector?.close();
	});

	it(`${BRIEFS} briefs: submitted without waiting, resumed by fal.ai's webhook, collected byte-exact`, async ({ task }) => {
		const started = Date.now();
		const response = await fetch(`http://127.0.0.1:${port}/webhook/flux-submit-collect`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
		const main = processes[0] as ChildProcess & { logs: string[] };
		expect(response.status, `${await response.text()}\n${main.logs.join('').split('\n').filter((l) => /activ|workflow|error|issue/i.test(l)).join('\n').slice(-6000)}`).toBe(200);
		await until(`${BRIEFS} images at the end of the workflow`, () => delivered.length >= BRIEFS, 120_000, () => main.logs.join(''));
		const wall = Date.now() - started;

		// Each job created once; the execution was resumed through the URL fal was given.
		expect(fal.counts.submit).toBe(BRIEFS);
		const hooks = fal.webhooks;
		expect(hooks).toHaveLength(BRIEFS);
		expect(hooks.every((h) => new URL(h.url).pathname.startsWith('/webhook-waiting/'))).toBe(true);
		expect(hooks.some((h) => h.status === 200)).toBe(true);
		// Get Result reads each job's status once per pass: the jobs done at the first pass once (a
		// job submitted a moment after the one whose webhook resumed the run may take a second
		// pass); the straggler went round the loop ("running" → Wait → Get Result again).
		const jobsByPrompt = [...fal.jobs.values()];
		const straggler = jobsByPrompt.find((j) => j.input.prompt === STRAGGLER)!;
		expect(straggler.statusRequests).toBeGreaterThanOrEqual(2);
		expect(jobsByPrompt.filter((j) => j !== straggler).map((j) => j.statusRequests).every((n) => n === 1 || n === 2)).toBe(true);

		expect(delivered).toHaveLength(BRIEFS);
		const jobs = [...fal.jobs.keys()].sort();
		const seen = delivered.map((d) => JSON.parse(d.query.json) as Record<string, unknown>);
		expect(seen.map((j) => j.requestId).sort()).toEqual(jobs);
		for (const [n, image] of delivered.entries()) {
			const json = seen[n];
			expect(json).toMatchObject({ provider: 'fal', operation: 'generate', aspectRatio: '16:9', contentType: 'image/jpeg', imageIndex: 0, imageCount: 1 });
			expect(json.fileName).toMatch(/^campaign-[1-4]-1\.jpg$/);
			// Byte-exact: what n8n handed on is the file fal serves at the image's link.
			const original = Buffer.from(await (await fetch(String(json.url))).arrayBuffer());
			expect(image.bytes.equals(original)).toBe(true);
			expect(json.fileSize).toBe(original.length);
			expect(imageSize(image.bytes)).toEqual({ width: Math.round(2752 * SCALE), height: Math.round(1536 * SCALE) });
		}
		task.meta.figures = `${hostName}: submit → Wait (webhook) → Get Result, ${BRIEFS - 1} jobs of ${LATENCY_MS} ms and one of ${4 * LATENCY_MS} ms: last image delivered ${wall} ms after the trigger (the straggler after ${straggler.statusRequests} status reads); webhook calls answered ${hooks.map((h) => h.status).join('/')}`;
	});
});
