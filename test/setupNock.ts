import nock from 'nock';
import { afterEach, beforeEach } from 'vitest';

import { clearAddresses, installNockAddresses } from '../testkit/harness/nockAddresses';

/**
 * No test reaches the network: every request must be answered by an interceptor. A nocked host
 * "resolves" to a public address unless the test says otherwise (testkit/harness/nockAddresses.ts).
 */
export function useNock() {
	installNockAddresses();
	beforeEach(() => {
		nock.disableNetConnect();
	});
	afterEach(() => {
		nock.cleanAll();
		nock.enableNetConnect();
		clearAddresses();
	});
}
