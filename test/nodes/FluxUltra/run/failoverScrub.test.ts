import nock from 'nock';
import { describe, expect, it } from 'vitest';

import { useVirtualClock } from '../../../../testkit/harness/clock';
import { createHarness, DUMMY_FAL_KEY } from '../../../../testkit/harness/context';
import { errorOf } from '../../../../testkit/harness/errorItems';
import { ENDPOINT_PATH, GENERATE_PARAMS, QUEUE } from '../../../../testkit/harness/falNock';
import { RUNFLOW_API, RUNS_PATH } from '../../../../testkit/harness/runflowNock';
import { useNock } from '../../../setupNock';

useNock();

/**
 * A key the fallback provider echoes into its answer must be masked like the first provider's: by
 * the session's own scrubber, which knows the key, not only by the shape-based redaction (which a
 * plain word-like key passes).
 */
const PLAIN_RUNFLOW_KEY = 'dummyexamplekeyword';
describe('failover and secrets', () => {
	it("masks the Fallback Provider's key in the error of an item that failed over", async () => {
		useVirtualClock();
		nock(QUEUE)
			.post(ENDPOINT_PATH.generate)
			.reply(402, { detail: 'User is locked. Reason: Exhausted balance.' });
		nock(RUNFLOW_API)
			.post(RUNS_PATH)
			.reply(401, { code: 'UNAUTHORIZED', message: `Invalid API key ${PLAIN_RUNFLOW_KEY}` });

		const harness = createHarness({
			params: { ...GENERATE_PARAMS, fallbackFromFal: 'runflow', numImages: 1 },
			credentials: {
				falApi: { apiKey: DUMMY_FAL_KEY, baseUrl: '' },
				runflowApi: { apiKey: PLAIN_RUNFLOW_KEY, baseUrl: '' },
			},
			continueOnFail: true,
		});
		const [out] = await harness.run();

		const error = errorOf(out[0]);
		expect(error.kind).toBe('auth');
		expect(error.message).toMatch(/^Runflow refused the API key/);
		expect(JSON.stringify(out)).not.toContain(PLAIN_RUNFLOW_KEY);
	});
});
