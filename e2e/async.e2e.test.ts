import { beforeAll, describe, it } from 'vitest';

import { startMockFal, type MockFal } from '../testkit/mocks/falServer';
import { e2eHosts } from '../testkit/n8n';
import { e2eN8n, SETUP_TIMEOUT } from './fixture';
import {
	BRIEFS,
	expectCollected,
	importSubmitCollect,
	SUBMIT_COLLECT_PATH,
	triggerAndCollect,
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
	const n8n = e2eN8n(hostName);
	let fal: MockFal;
	let collector: Awaited<ReturnType<typeof importSubmitCollect>>;

	beforeAll(async () => {
		await n8n.install({ server: true });
		fal = await n8n.mock(startMockFal({ latencyMs: LATENCY_MS, scale: SCALE }));
		await n8n.importExamples({
			fal: { apiKey: 'dummy-e2e-fal-key', baseUrl: fal.url },
			runflow: { apiKey: 'rf_live_dummy_e2e', baseUrl: 'http://127.0.0.1:9' },
		});
		collector = await importSubmitCollect(n8n);
		await n8n.start(SUBMIT_COLLECT_PATH);
	}, SETUP_TIMEOUT);

	it(`${BRIEFS} briefs: submitted without waiting, resumed by fal.ai's webhook, collected byte-exact`, async ({
		task,
	}) => {
		const wall = await triggerAndCollect(n8n.port, collector.delivered, n8n.logs);
		const figures = await expectCollected(fal, collector.delivered, SCALE, hostName);
		task.meta.figures = `${hostName}: submit → Wait (webhook) → Get Result, ${BRIEFS - 1} jobs of ${LATENCY_MS} ms and one of ${4 * LATENCY_MS} ms: last image delivered ${wall} ms after the trigger (the straggler after ${figures.stragglerReads} status reads); webhook calls answered ${figures.webhookAnswers}`;
	});
});
