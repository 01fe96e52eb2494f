import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { errorOf } from '../testkit/harness/errorItems';
import { FAL_FAULT_MARKERS, startMockFal, type MockFal } from '../testkit/mocks/falServer';
import {
	createInstance,
	e2eHosts,
	execute,
	importExamples,
	jsonFile,
	n8nHost,
	packPackage,
	workflowNode,
	type N8nInstance,
} from '../testkit/n8n';

/**
 * Issue 18, finding 1, inside real n8n: fal.ai goes silent mid-answer (the mock's `[silent]`
 * marker: its status stream sends one event, then nothing, not even keep-alives). n8n 2.x's axios
 * hands such a body over wrapped in `Readable.from`, which `destroy()` does not stop; the item must
 * still end at its 10 s Timeout, with the job cancelled and the silent connection closed.
 */

const TIMEOUT_S = 10;

describe.each(e2eHosts())('a silent provider inside a real n8n (%s)', (hostName) => {
	let instance: N8nInstance;
	let fal: MockFal;

	beforeAll(async () => {
		const host = n8nHost(hostName);
		instance = createInstance(host, packPackage(mkdtempSync(join(tmpdir(), 'flux-pack-'))));
		fal = await startMockFal({ latencyMs: 300, scale: 0.05 });
		await importExamples(instance, {
			fal: { apiKey: 'dummy-e2e-fal-key', baseUrl: fal.url },
			runflow: { apiKey: 'rf_live_dummy_e2e', baseUrl: 'http://127.0.0.1:9' },
		});
		await instance.cli([
			'import:workflow',
			`--input=${jsonFile(instance, 'silent.json', silentWorkflow())}`,
		]);
	}, 45 * 60_000);

	afterAll(async () => {
		await fal?.close();
	});

	it(`ends a job whose provider went silent at its ${TIMEOUT_S} s Timeout, cancels it, closes the connection`, async ({
		task,
	}) => {
		const before = { ...fal.counts, jobs: fal.jobs.size };
		// When the node gave up: the mock marks the job cancelled the moment the cancel arrives.
		let submittedAt: number | undefined;
		let cancelledAt: number | undefined;
		const watch = setInterval(() => {
			const job = [...fal.jobs.values()].find((j) => j.silent);
			submittedAt ??= job?.submittedAt;
			if (job?.cancelled) cancelledAt ??= Date.now();
		}, 20);
		const runs = await execute(instance, 'silent').finally(() => clearInterval(watch));

		const [, failed] = runs['FLUX 1.1 Ultra'].outputs;
		expect(failed.map((i) => i.pairedItem)).toEqual([{ item: 0 }]);
		expect(errorOf(failed[0])).toMatchObject({
			kind: 'timeout',
			message: `The job did not finish within ${TIMEOUT_S} seconds; fal.ai took the cancel [item 0]`,
		});
		expect(fal.jobs.size - before.jobs).toBe(1);
		expect(fal.counts.cancel - before.cancel).toBe(1);
		expect(submittedAt).toBeDefined();
		expect(cancelledAt).toBeDefined();
		const past = (cancelledAt! - submittedAt!) / 1000 - TIMEOUT_S;
		expect(past).toBeGreaterThanOrEqual(-0.5);
		expect(past).toBeLessThan(5);
		expect(fal.served.silent).toBeGreaterThan(0);
		expect(fal.served.silentOpen).toBe(0);
		task.meta.figures = `${hostName}: silent provider, Timeout ${TIMEOUT_S} s: wait ended and cancel sent ${past.toFixed(2)} s past the deadline; ${fal.served.silent} silent answer(s), ${fal.served.silentOpen} left open`;
	});
});

/** Manual Trigger → Code (1 brief marked `[silent]`) → FLUX (Timeout 10 s, On Error: Continue using error output). */
function silentWorkflow() {
	const node = workflowNode;
	return {
		id: 'silent',
		name: 'e2e: a provider that goes silent',
		nodes: [
			node('Start', 'n8n-nodes-base.manualTrigger', 1, 0, {}),
			node('Briefs', 'n8n-nodes-base.code', 2, 220, {
				jsCode: `return [{ json: { prompt: 'a jetty ${FAL_FAULT_MARKERS.silent}' } }];`,
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
					numImages: 1,
					outputFormat: 'png',
					options: { timeout: TIMEOUT_S },
				},
				{
					onError: 'continueErrorOutput',
					credentials: { falApi: { id: 'falApiExample01', name: 'fal.ai account' } },
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
