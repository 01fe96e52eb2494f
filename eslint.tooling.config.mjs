// Lint for the code that is never shipped: tests, the e2e suite, scripts and config files.
//
// eslint.config.mjs is exactly @n8n/node-cli's default config (n8n Cloud eligibility asks for that,
// see CONTRIBUTING.md "n8n Cloud and verification") and `npm run lint` applies it to what n8n lints and
// scans: nodes/, credentials/ and package.json. This file applies the same config to everything
// else, with one difference: code that drives n8n from the outside (test servers, the e2e suite,
// the demo) may use processes, timers, Node's built-in modules and the console, which node and
// credential code may not.
import { config } from '@n8n/node-cli/eslint';

export default [
	...config,
	{
		ignores: [
			// Linted by eslint.config.mjs, unchanged.
			'nodes/**',
			'credentials/**',
			'package.json',
			// Build output, run folders and e2e hosts' package files.
			'dist/**',
			'coverage/**',
			'demo-output/**',
			'.e2e/**',
			'.dev/**',
			'e2e/hosts/**',
		],
	},
	{
		files: ['test/**/*.ts', 'e2e/**/*.ts', 'scripts/**/*.ts', 'testkit/**/*.ts'],
		rules: {
			'@n8n/community-nodes/no-restricted-globals': 'off',
			'@n8n/community-nodes/no-restricted-imports': 'off',
			'@n8n/community-nodes/no-dangerous-functions': 'off',
			'no-console': 'off',
		},
	},
];
