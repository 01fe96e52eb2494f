import { fileURLToPath } from 'node:url';

import { defineConfig } from 'vitest/config';

export default defineConfig({
	resolve: {
		// n8n loads community nodes with require(), so tests use n8n-workflow's CommonJS build too.
		alias: [
			{
				find: /^n8n-workflow$/,
				replacement: fileURLToPath(
					new URL('./node_modules/n8n-workflow/dist/cjs/index.js', import.meta.url),
				),
			},
		],
	},
	test: {
		include: ['test/**/*.test.ts'],
		environment: 'node',
		reporters: ['default', './test/summaryReporter.ts'],
		testTimeout: 30_000,
		restoreMocks: true,
		// Workers are shared between files (isolate: false): an environment variable or global a test
		// stubs is put back after it, or it would leak into the files that run next in that worker.
		unstubEnvs: true,
		unstubGlobals: true,
		// nock patches node:http per process; one file at a time per worker keeps interceptors apart.
		pool: 'forks',
		// Four workers on two cores: the longest files wait on real sockets and real deadlines (10 s
		// is the smallest Timeout), not on the CPU; with vitest's default of one worker on a 2-core
		// machine the files ran one after another (194 s idle; 72 s with four).
		maxWorkers: 4,
		// Each worker loads n8n-core, n8n-workflow and axios once for all its files, instead of once per
		// file: that import was two thirds of the suite's time (168 s of imports, measured). Files still
		// run one at a time per worker; nock is reset around every test (test/setupNock.ts), spies by
		// restoreMocks, and the package's own state is per execution.
		isolate: false,
		server: { deps: { external: [/node_modules\/n8n-workflow/] } },
	},
});
