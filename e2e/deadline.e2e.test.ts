import { beforeAll, describe, expect, it } from 'vitest';

import { errorOf } from '../testkit/harness/errorItems';
import { FAL_FAULT_MARKERS, startMockFal, type MockFal } from '../testkit/mocks/falServer';
import { e2eHosts } from '../testkit/n8n';
import { codeNode, e2eN8n, fluxNode, rowWorkflow, SETUP_TIMEOUT, startNode } from './fixture';

/**
 * Issue 18, finding 1, inside real n8n: fal.ai goes silent mid-answer (the mock's `[silent]`
 * marker: its status stream sends one event, then nothing, not even keep-alives). n8n 2.x's axios
 * hands such a body over wrapped in `Readable.from`, which `destroy()` does not stop; the item must
 * still end at its 10 s Timeout, with the job cancelled and the silent connection closed.
 */

const TIMEOUT_S = 10;

describe.each(e2eHosts())('a silent provider inside a real n8n (%s)', (hostName) => {
	const n8n = e2eN8n(hostName);
	let fal: MockFal;

	beforeAll(async () => {
		await n8n.install();
		fal = await n8n.mock(startMockFal({ latencyMs: 300, scale: 0.05 }));
		await n8n.importExamples({
			fal: { apiKey: 'dummy-e2e-fal-key', baseUrl: fal.url },
			runflow: { apiKey: 'rf_live_dummy_e2e', baseUrl: 'http://127.0.0.1:9' },
		});
		await n8n.importWorkflows(silentWorkflow());
	}, SETUP_TIMEOUT);

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
		const runs = await n8n.execute('silent').finally(() => clearInterval(watch));

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
	return rowWorkflow('silent', 'e2e: a provider that goes silent', [
		startNode(),
		codeNode('Briefs', `return [{ json: { prompt: 'a jetty ${FAL_FAULT_MARKERS.silent}' } }];`),
		fluxNode(
			'FLUX 1.1 Ultra',
			440,
			{
				provider: 'fal',
				options: { timeout: TIMEOUT_S },
			},
			{
				onError: 'continueErrorOutput',
				credentials: { falApi: { id: 'falApiExample01', name: 'fal.ai account' } },
			},
		),
	]);
}
