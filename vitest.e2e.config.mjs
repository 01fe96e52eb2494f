import { defineConfig } from 'vitest/config';

import base from './vitest.config.mjs';

/**
 * `npm run test:e2e`: the package inside a real n8n (e2e/). Slow by nature: the first run installs
 * the pinned n8n into a cache (testkit/n8nHost.mjs); later runs reuse it.
 */
export default defineConfig({
	...base,
	test: {
		...base.test,
		include: ['e2e/**/*.e2e.test.ts'],
		testTimeout: 10 * 60_000,
		hookTimeout: 45 * 60_000,
		// One n8n at a time: they share the machine's two cores.
		fileParallelism: false,
		// Each file starts its own n8n; the import the unit suite saves by sharing workers is nothing here.
		isolate: true,
	},
});
