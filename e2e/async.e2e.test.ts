import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, it } from 'vitest';

import { startMockFal, type MockFal } from '../testkit/mocks/falServer';
import {
	activateWorkflow,
	createInstance,
	e2eHosts,
	freePort,
	importExamples,
	jsonFile,
	n8nHost,
	packPackage,
	startMain,
	stopAll,
	until,
	waitForWebhook,
	type N8nInstance,
} from '../testkit/n8n';
import {
	BRIEFS,
	expectCollected,
	startCollector,
	SUBMIT_COLLECT_PATH,
	submitCollectWorkflow,
	triggerSubmitCollect,
} from './submitCollect';

/**
 * Submit now, collect later, in a running n8n (`n8n start`: the Wait node's resume URL needs its
 * webhook server). The README's example (see ./submitCollect.ts): FLUX "Submit jobs" (Wait for
 * Completion off, Completion Webhook URL `{{ $execution.resumeUrl }}`) → Wait (On Webhook Call) →
 * the submitted jobs → FLUX "Collect images" (Get Result) → still running? → images. The mock
 * fal.ai calls the resume URL when a job completes; the images must reach the end byte-exact.
 */

const LATENCY_MS = 1500;
const SCALE = 0.25;

describe.each(e2eHosts())('submit now, collect later in a running n8n (%s)', (hostName) => {
	let instance: N8nInstance;
	let fal: MockFal;
	let port: number;
	const processes: Array<ChildProcess & { logs: string[] }> = [];
	let collector: Awaited<ReturnType<typeof startCollector>>;

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
		collector = await startCollector();
		await importExamples(instance, {
			fal: { apiKey: 'dummy-e2e-fal-key', baseUrl: fal.url },
			runflow: { apiKey: 'rf_live_dummy_e2e', baseUrl: 'http://127.0.0.1:9' },
		});
		await instance.cli([
			'import:workflow',
			`--input=${jsonFile(instance, 'async.json', submitCollectWorkflow(collector.url))}`,
		]);
		await activateWorkflow(instance, 'asyncSubmitCollect');
		const main = await startMain(instance, processes);
		await waitForWebhook(instance, SUBMIT_COLLECT_PATH, () => main.logs.join(''));
	}, 45 * 60_000);

	afterAll(async () => {
		await stopAll(processes);
		await fal?.close();
		await collector?.close();
	});

	it(`${BRIEFS} briefs: submitted without waiting, resumed by fal.ai's webhook, collected byte-exact`, async ({
		task,
	}) => {
		const logs = () => processes[0].logs.join('');
		const started = Date.now();
		await triggerSubmitCollect(port, logs);
		await until(
			`${BRIEFS} images at the end of the workflow`,
			() => collector.delivered.length >= BRIEFS,
			120_000,
			logs,
		);
		const wall = Date.now() - started;
		const figures = await expectCollected(fal, collector.delivered, SCALE);
		task.meta.figures = `${hostName}: submit → Wait (webhook) → Get Result, ${BRIEFS - 1} jobs of ${LATENCY_MS} ms and one of ${4 * LATENCY_MS} ms: last image delivered ${wall} ms after the trigger (the straggler after ${figures.stragglerReads} status reads); webhook calls answered ${figures.webhookAnswers}`;
	});
});
