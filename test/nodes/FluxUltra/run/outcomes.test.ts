import { describe, expect, it } from 'vitest';

import { outputOf, PAID_JOBS_NAMED, type Outcome } from '../../../../nodes/FluxUltra/run/outcomes';
import { FluxError } from '../../../../nodes/FluxUltra/transport/errors';
import { createHarness } from '../../../../testkit/harness/context';

/**
 * Issue 27, finding 4: the error that stops the node names every other job that was paid for or
 * may still bill (provider, request ID, item, state) and how to collect it, in a bounded text.
 */

const ctx = () =>
	createHarness({ params: { provider: 'fal', operation: 'generate' }, items: [{ json: {} }] }).ctx;

const finished = (provider: string, requestId: string): Outcome => ({
	items: [{ json: { provider, requestId, imageIndex: 0 } }],
});

function stopError(outcomes: Array<Outcome | undefined>) {
	try {
		outputOf(ctx(), outcomes, (j) => j, false);
	} catch (error) {
		return error as Error & { description?: string };
	}
	throw new Error('expected outputOf to throw');
}

describe('the error that stops the node names the paid jobs it would drop', () => {
	it('names finished, submitted and may-still-bill jobs with their provider; not a job that provably stopped', () => {
		const outcomes: Array<Outcome | undefined> = new Array<Outcome | undefined>(6);
		outcomes[0] = finished('fal', 'fal-done-0');
		outcomes[1] = { failure: new FluxError('validation', 'fal.ai rejected the request') };
		outcomes[2] = {
			items: [{ json: { provider: 'replicate', requestId: 'rep-sub-2', status: 'submitted' } }],
		};
		outcomes[3] = {
			failure: new FluxError('timeout', 'The job did not finish', {
				requestId: 'bfl-late-3',
				provider: 'bfl',
			}),
		};
		outcomes[4] = {
			failure: new FluxError('job_failed', 'failed', {
				requestId: 'fal-stopped-4',
				provider: 'fal',
				jobStopped: true,
			}),
		};
		// outcomes[5]: never started (a hole, as the pool leaves it)
		const error = stopError(outcomes);
		const text = String(error.description);
		expect(error.message).toContain('[item 1]');
		expect(text).toContain('fal.ai fal-done-0 (item 0, finished, images not put out)');
		expect(text).toContain('Replicate rep-sub-2 (item 2, created, not waited for)');
		expect(text).toContain('Black Forest Labs bfl-late-3 (item 3, timed out, may still finish)');
		expect(text).not.toContain('fal-stopped-4');
		expect(text).toContain('Get Result');
		expect(text).toContain('1 job was not started');
	});

	it(`names at most ${PAID_JOBS_NAMED} jobs and counts the rest, whatever the batch`, () => {
		const outcomes: Array<Outcome | undefined> = Array.from({ length: 500 }, (_, j) =>
			finished('fal', `${'x'.repeat(300)}-${j}`),
		);
		outcomes.push({ failure: new FluxError('job_failed', 'failed') });
		const text = String(stopError(outcomes).description);
		expect(text).toContain(`and ${500 - PAID_JOBS_NAMED} more`);
		expect(text.length).toBeLessThan(4000);
	});

	it('adds nothing when no other job ran', () => {
		const error = stopError([{ failure: new FluxError('job_failed', 'failed') }]);
		expect(String(error.description ?? '')).not.toContain('Get Result');
	});
});
