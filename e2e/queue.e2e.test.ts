import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startMockFal, type MockFal } from '../test/mock-provider/falServer';
import { activateWorkflow, createInstance, freePort, jsonFile, n8nHost, packPackage, startMain, stopAll, until, type N8nInstance } from './n8n';

/**
 * n8n in queue mode, the way it scales out: Redis (Debian's redis-server, installed by
 * scripts/install-redis.sh), one main instance taking webhooks, and two workers running the
 * executions. Concurrent webhook calls each bring a batch of briefs; every image must come back,
 * whichever worker ran the execution. The node keeps no state outside an execution, so nothing is
 * shared between workers but the provider.
 */

const HOST = process.env.E2E_QUEUE_HOST ?? 'n8n-2';
const CALLS = 6;
const BRIEFS_PER_CALL = 3;
const IMAGES_PER_BRIEF = 2;

function batchWorkflow() {
	return {
		id: 'queueBatch',
		name: 'e2e: queue-mode batch',
		nodes: [
			{
				id: '10000000-0000-4000-8000-000000000001',
				name: 'Webhook',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2,
				position: [0, 0],
				webhookId: 'b7b1f5a2-0c55-4f3e-9a51-7f1e2d3c4b5a',
				parameters: { httpMethod: 'POST', path: 'flux-batch', responseMode: 'lastNode', responseData: 'allEntries', options: {} },
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
					numImages: IMAGES_PER_BRIEF,
					outputFormat: 'jpeg',
					options: {},
				},
				credentials: { falApi: { id: 'falApiQueue0001', name: 'fal.ai (mock)' } },
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

describe(`queue mode (${HOST}): Redis, a main instance and two workers`, () => {
	let instance: N8nInstance;
	let fal: MockFal;
	let redis: ChildProcess;
	let port: number;
	const processes: Array<ChildProcess & { logs: string[] }> = [];

	beforeAll(async () => {
		execFileSync('bash', [resolve(__dirname, '..', 'scripts', 'install-redis.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
		const redisPort = await freePort();
		redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });

		const host = n8nHost(HOST);
		const tarball = packPackage(mkdtempSync(join(tmpdir(), 'flux-pack-')));
		port = await freePort();
		instance = createInstance(host, tarball, {
			EXECUTIONS_MODE: 'queue',
			QUEUE_BULL_REDIS_HOST: '127.0.0.1',
			QUEUE_BULL_REDIS_PORT: String(redisPort),
			N8N_PORT: String(port),
			N8N_LISTEN_ADDRESS: '127.0.0.1',
			WEBHOOK_URL: `http://127.0.0.1:${port}/`,
			N8N_DEFAULT_BINARY_DATA_MODE: 'filesystem',
			OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS: 'true',
		});
		fal = await startMockFal({ latencyMs: 800, scale: 0.1 });
		await instance.cli([
			'import:credentials',
			`--input=${jsonFile(instance, 'credentials.json', [{ id: 'falApiQueue0001', name: 'fal.ai (mock)', type: 'falApi', data: { apiKey: 'dummy-queue-key', baseUrl: fal.url } }])}`,
		]);
		await instance.cli(['import:workflow', `--input=${jsonFile(instance, 'batch.json', batchWorkflow())}`]);
		await activateWorkflow(instance, 'queueBatch');

		// Each process runs its own task-runner broker: give each a free port.
		await startMain(instance, processes);
		for (let w = 0; w < 2; w++) {
			const worker = instance.spawn(['worker', '--concurrency=2'], { N8N_RUNNERS_BROKER_PORT: String(await freePort()) });
			processes.push(worker);
			await until(`worker ${w + 1}`, () => /worker.*ready|ready.*worker|Worker started/i.test(worker.logs.join('')), 180_000, () => worker.logs.join(''));
		}
	}, 45 * 60_000);

	afterAll(async () => {
		await stopAll(processes);
		redis?.kill('SIGKILL');
		await fal?.close();
	});

	it(`${CALLS} concurrent webhook calls × ${BRIEFS_PER_CALL} briefs: every image comes back, executions spread over the workers`, async ({ task }) => {
		const started = Date.now();
		const responses = await Promise.all(
			Array.from({ length: CALLS }, async (_, call) => {
				const briefs = Array.from({ length: BRIEFS_PER_CALL }, (_, b) => ({ prompt: `call ${call} brief ${b}` }));
				const response = await fetch(`http://127.0.0.1:${port}/webhook/flux-batch`, {
					method: 'POST',
					headers: { 'content-type': 'application/json' },
					body: JSON.stringify({ briefs }),
				});
				const text = await response.text();
				expect(response.status, text.slice(0, 500)).toBe(200);
				return JSON.parse(text) as Array<Record<string, unknown>>;
			}),
		);
		const wall = Date.now() - started;

		for (const [call, items] of responses.entries()) {
			expect(items).toHaveLength(BRIEFS_PER_CALL * IMAGES_PER_BRIEF);
			items.forEach((item, n) => {
				expect(item).toMatchObject({ provider: 'fal', contentType: 'image/jpeg', aspectRatio: '4:3', imageCount: IMAGES_PER_BRIEF });
				expect(item.prompt).toBe(`call ${call} brief ${Math.floor(n / IMAGES_PER_BRIEF)}`);
				expect(item.fileSize).toBeGreaterThan(0);
			});
		}
		expect(fal.counts.submit).toBe(CALLS * BRIEFS_PER_CALL);
		expect(fal.counts.download).toBe(CALLS * BRIEFS_PER_CALL * IMAGES_PER_BRIEF);

		const ranBy = processes.slice(1).map((w) => (w.logs.join('').match(/started execution/gi) ?? []).length);
		expect(ranBy.reduce((a, b) => a + b, 0)).toBe(CALLS);
		expect(ranBy.every((n) => n > 0), `executions per worker: ${ranBy.join(', ')}`).toBe(true);
		task.meta.figures = `${HOST} queue mode: ${CALLS} executions (${CALLS * BRIEFS_PER_CALL} jobs, ${CALLS * BRIEFS_PER_CALL * IMAGES_PER_BRIEF} images) in ${wall} ms; executions per worker ${ranBy.join(' / ')}`;
	});
});
