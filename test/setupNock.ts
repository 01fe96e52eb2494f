import nock from 'nock';
import { afterEach, beforeEach } from 'vitest';

/** No test reaches the network: every request must be answered by an interceptor. */
export function useNock() {
	beforeEach(() => {
		nock.disableNetConnect();
	});
	afterEach(() => {
		nock.cleanAll();
		nock.enableNetConnect();
	});
}
