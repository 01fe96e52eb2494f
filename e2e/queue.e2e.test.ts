import { execFileSync, spawn } from 'node:child_process';
import { resolve } from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { startMockFal, type MockFal } from '../testkit/mocks/falServer';
import { e2eHosts, freePort, until } from '../testkit/n8n';
import { e2eN8n, SETUP_TIMEOUT } from './fixture';
import {
	BRIEFS,
	expectCollected,
	importSubmitCollect,
	SUBMIT_COLLECT_PATH,
	triggerAndCollect,
} from './submitCollect';

/**
 * n8n in queue mode, the way it scales out: Redis (Debian's redis-server, installed by
 * scripts/install-redis.sh), one main instance taking webhooks, and two workers running the
 * executions. Concurrent webhook calls each bring a batch of briefs; every image must come back,
 * whichever worker ran the execution. The node keeps no state outside an execution, so nothing is
 * shared between workers but the provider. Then 1,000 items: 10 concurrent calls of 100 briefs,
 * one image each, against a fast mock: every item comes back, nothing twice. Last, the
 * submit-now-collect-later example: its execution sleeps in the database while the jobs run and is
 * resumed on a worker by the provider's webhook call.
 */

/** The hosts: E2E_QUEUE_HOST (comma-separated), else those of the suite (E2E_HOSTS, or both). */
const HOSTS = process.env.E2E_QUEUE_HOST
	? process.env.E2E_QUEUE_HOST.split(',').map((h) => h.trim())
	: e2eHosts();
const CALLS = 6;
const BRIEFS_PER_CALL = 3;
const IMAGES_PER_BRIEF = 2;
/** The 1,000-item run. */
const LARGE = { calls: 10, briefsPerCall: 100, latencyMs: 50 };

function batchWorkflow(
	{
		id,
		path,
		webhookId,
		credential,
		numImages,
		options,
	}: {
		id: string;
		path: string;
		webhookId: string;
		credential: string;
		numImages: number;
		options: Record<string, unknown>;
	} = {
		id: 'queueBatch',
		path: 'flux-batch',
		webhookId: 'b7b1f5a2-0c55-4f3e-9a51-7f1e2d3c4b5a',
		credential: 'falApiQueue0001',
		numImages: IMAGES_PER_BRIEF,
		options: {},
	},
) {
	return {
		id,
		name: `e2e: queue-mode batch (${path})`,
		nodes: [
			{
				id: '10000000-0000-4000-8000-000000000001',
				name: 'Webhook',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2,
				position: [0, 0],
				webhookId,
				parameters: {
					httpMethod: 'POST',
					path,
					responseMode: 'lastNode',
					responseData: 'allEntries',
					options: {},
				},
			},
			{
				id: '10000000-0000-4000-8000-000000000002',
				name: 'Split briefs',
				type: 'n8n-nodes-base.splitOut',
				typeVersion: 1,
				position: [220, 0],
				parameters: { fieldToSplitOut: 'body.briefs', options: {} },
			},
			{
				id: '10000000-0000-4000-8000-000000000003',
				name: 'FLUX 1.1 Ultra',
				type: 'n8n-nodes-flux-ultra.fluxUltra',
				typeVersion: 1,
				position: [440, 0],
				parameters: {
					provider: 'fal',
					operation: 'generate',
					prompt: '={{ $json.prompt }}',
					imageSource: 'none',
					aspectRatio: '4:3',
					numImages,
					outputFormat: 'jpeg',
					options,
				},
				credentials: { falApi: { id: credential, name: `fal.ai (mock ${credential})` } },
			},
		],
		connections: {
			Webhook: { main: [[{ node: 'Split briefs', type: 'main', index: 0 }]] },
			'Split briefs': { main: [[{ node: 'FLUX 1.1 Ultra', type: 'main', index: 0 }]] },
		},
		settings: { executionOrder: 'v1' },
		pinData: {},
	};
}

/** POSTs briefs to a production webhook; the items its last node put out. */
async function postBriefs(
	port: number,
	path: string,
	prompts: string[],
): Promise<Array<Record<string, unknown>>> {
	const response = await fetch(`http://127.0.0.1:${port}/webhook/${path}`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ briefs: prompts.map((prompt) => ({ prompt })) }),
	});
	const text = await response.text();
	expect(response.status, text.slice(0, 500)).toBe(200);
	return JSON.parse(text) as Array<Record<string, unknown>>;
}

describe.each(HOSTS)('queue mode (%s): Redis, a main instance and two workers', (HOST) => {
	const n8n = e2eN8n(HOST);
	let fal: MockFal;
	let fastFal: MockFal;
	let asyncFal: MockFal;
	let collector: Awaited<ReturnType<typeof importSubmitCollect>>;
	const large = {
		id: 'queueLarge',
		path: 'flux-large',
		webhookId: 'c8c2f6b3-1d66-4a4f-8b62-8a2f3e4d5c6b',
		credential: 'falApiQueue0002',
		numImages: 1,
		options: { maxParallelJobs: 16 },
	};

	beforeAll(async () => {
		execFileSync('bash', [resolve(__dirname, '..', 'scripts', 'install-redis.sh')], {
			stdio: ['ignore', 'ignore', 'inherit'],
		});
		const redisPort = await freePort();
		const redis = spawn(
			'redis-server',
			['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
			{ stdio: 'ignore' },
		);
		n8n.onClose(() => void redis.kill('SIGKILL'));

		await n8n.install({
			server: true,
			env: {
				EXECUTIONS_MODE: 'queue',
				QUEUE_BULL_REDIS_HOST: '127.0.0.1',
				QUEUE_BULL_REDIS_PORT: String(redisPort),
				OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS: 'true',
			},
		});
		fal = await n8n.mock(startMockFal({ latencyMs: 800, scale: 0.1 }));
		fastFal = await n8n.mock(
			startMockFal({ latencyMs: LARGE.latencyMs, scale: 0.02, imagePool: 8 }),
		);
		asyncFal = await n8n.mock(startMockFal({ latencyMs: 1500, scale: 0.1 }));
		await n8n.importCredentials([
			{
				id: 'falApiQueue0001',
				name: 'fal.ai (mock falApiQueue0001)',
				type: 'falApi',
				data: { apiKey: 'dummy-queue-key', baseUrl: fal.url },
			},
			{
				id: 'falApiQueue0002',
				name: 'fal.ai (mock falApiQueue0002)',
				type: 'falApi',
				data: { apiKey: 'dummy-queue-key', baseUrl: fastFal.url },
			},
			// The credential the example workflows name.
			{
				id: 'falApiExample01',
				name: 'fal.ai account',
				type: 'falApi',
				data: { apiKey: 'dummy-queue-key', baseUrl: asyncFal.url },
			},
		]);
		await n8n.importWorkflows(batchWorkflow(), batchWorkflow(large));
		await n8n.activate('queueBatch', 'queueLarge');
		collector = await importSubmitCollect(n8n);

		// Each process runs its own task-runner broker: give each a free port.
		await n8n.start('flux-batch', 'flux-large', SUBMIT_COLLECT_PATH);
		for (let w = 0; w < 2; w++) {
			const worker = n8n.spawn(['worker', '--concurrency=2'], {
				N8N_RUNNERS_BROKER_PORT: String(await freePort()),
			});
			await until(
				`worker ${w + 1}`,
				() => /worker.*ready|ready.*worker|Worker started/i.test(worker.logs.join('')),
				180_000,
				() => worker.logs.join(''),
			);
		}
	}, SETUP_TIMEOUT);

	it(`${CALLS} concurrent webhook calls × ${BRIEFS_PER_CALL} briefs: every image comes back, executions spread over the workers`, async ({
		task,
	}) => {
		const started = Date.now();
		const responses = await Promise.all(
			Array.from(
				{ length: CALLS },
				async (_, call) =>
					await postBriefs(
						n8n.port,
						'flux-batch',
						Array.from({ length: BRIEFS_PER_CALL }, (_, b) => `call ${call} brief ${b}`),
					),
			),
		);
		const wall = Date.now() - started;

		for (const [call, items] of responses.entries()) {
			expect(items).toHaveLength(BRIEFS_PER_CALL * IMAGES_PER_BRIEF);
			items.forEach((item, n) => {
				expect(item).toMatchObject({
					provider: 'fal',
					contentType: 'image/jpeg',
					aspectRatio: '4:3',
					imageCount: IMAGES_PER_BRIEF,
				});
				expect(item.prompt).toBe(`call ${call} brief ${Math.floor(n / IMAGES_PER_BRIEF)}`);
				expect(item.fileSize).toBeGreaterThan(0);
			});
		}
		expect(fal.counts.submit).toBe(CALLS * BRIEFS_PER_CALL);
		expect(fal.counts.download).toBe(CALLS * BRIEFS_PER_CALL * IMAGES_PER_BRIEF);

		const ranBy = n8n.processes
			.slice(1)
			.map((w) => (w.logs.join('').match(/started execution/gi) ?? []).length);
		expect(ranBy.reduce((a, b) => a + b, 0)).toBe(CALLS);
		expect(
			ranBy.every((n) => n > 0),
			`executions per worker: ${ranBy.join(', ')}`,
		).toBe(true);
		task.meta.figures = `${HOST} queue mode: ${CALLS} executions (${CALLS * BRIEFS_PER_CALL} jobs, ${CALLS * BRIEFS_PER_CALL * IMAGES_PER_BRIEF} images) in ${wall} ms; executions per worker ${ranBy.join(' / ')}`;
	});

	it(`${LARGE.calls * LARGE.briefsPerCall} items in ${LARGE.calls} concurrent executions over the two workers: nothing lost, nothing twice`, async ({
		task,
	}) => {
		const workers = n8n.processes.slice(1);
		const ranBefore = workers.map(
			(w) => (w.logs.join('').match(/started execution/gi) ?? []).length,
		);
		const started = Date.now();
		const responses = await Promise.all(
			Array.from(
				{ length: LARGE.calls },
				async (_, call) =>
					await postBriefs(
						n8n.port,
						'flux-large',
						Array.from({ length: LARGE.briefsPerCall }, (_, b) => `large ${call}-${b}`),
					),
			),
		);
		const wall = Date.now() - started;

		const items = responses.flat();
		expect(items).toHaveLength(LARGE.calls * LARGE.briefsPerCall);
		for (const [call, out] of responses.entries()) {
			expect(out.map((item) => item.prompt)).toEqual(
				Array.from({ length: LARGE.briefsPerCall }, (_, b) => `large ${call}-${b}`),
			);
		}
		expect(
			items.every(
				(item) =>
					item.provider === 'fal' && item.contentType === 'image/jpeg' && Number(item.fileSize) > 0,
			),
		).toBe(true);
		expect(new Set(items.map((item) => item.requestId)).size).toBe(items.length);
		expect(fastFal.counts.submit).toBe(items.length);
		expect(fastFal.counts.download).toBe(items.length);
		const ranBy = workers.map(
			(w, n) => (w.logs.join('').match(/started execution/gi) ?? []).length - ranBefore[n],
		);
		expect(ranBy.reduce((a, b) => a + b, 0)).toBe(LARGE.calls);
		expect(
			ranBy.every((n) => n > 0),
			`executions per worker: ${ranBy.join(', ')}`,
		).toBe(true);
		task.meta.figures = `${HOST} queue mode: ${items.length} items in (${LARGE.calls} executions of ${LARGE.briefsPerCall}), ${items.length} images out, ${fastFal.counts.submit} jobs, mock latency ${LARGE.latencyMs} ms, Max Parallel Jobs 16: ${wall} ms; executions per worker ${ranBy.join(' / ')}`;
	});

	it('submit now, collect later: the execution sleeps while the jobs run and a worker resumes it on the webhook call', async ({
		task,
	}) => {
		const workers = n8n.processes.slice(1);
		const wall = await triggerAndCollect(n8n.port, collector.delivered, n8n.logs);
		const figures = await expectCollected(asyncFal, collector.delivered, 0.1, HOST);
		task.meta.figures = `${HOST} queue mode: submit → Wait (webhook) → Get Result, ${BRIEFS} jobs (one a straggler): last image ${wall} ms after the trigger; webhook calls answered ${figures.webhookAnswers}; worker log lines "started execution": ${workers.map((w) => (w.logs.join('').match(/started execution/gi) ?? []).length).join(' / ')}`;
	});
});
