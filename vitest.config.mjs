import { fileURLToPath } from 'node:url';

import { defineConfig } from 'vitest/config';

export default defineConfig({
	resolve: {
		// n8n loads community nodes with require(), so tests use n8n-workflow's CommonJS build too.
		alias: [
			{
				find: /^n8n-workflow$/,
				replacement: fileURLToPath(new URL('./node_modules/n8n-workflow/dist/cjs/index.js', import.meta.url)),
			},
		],
	},
	test: {
		include: ['test/**/*.test.ts'],
		environment: 'node',
		reporters: ['default', './test/summary-reporter.ts'],
		testTimeout: 30_000,
		restoreMocks: true,
		// nock patches node:http per process; one file per worker keeps interceptors apart.
		pool: 'forks',
		server: { deps: { external: [/node_modules\/n8n-workflow/] } },
	},
});
