// n8n's community-node lint, as @n8n/node-cli assembles it (its `config` export), with two
// deliberate departures, each explained in README.md ("Lint"):
//  1. `no-runtime-dependencies` is off for package.json: zod is this package's one runtime
//     dependency, so validation never depends on which zod the host happens to ship.
//  2. Test and tooling code (test/, scripts/) may use timers, process and the console; node and
//     credential code keep every community rule.
import js from '@eslint/js';
import { n8nCommunityNodesPlugin } from '@n8n/eslint-plugin-community-nodes';
import n8nNodesBase from 'eslint-plugin-n8n-nodes-base';
import tseslint from 'typescript-eslint';

const base = n8nNodesBase.configs;
const nodesBase = (ruleset, off = []) => ({
	plugins: { 'n8n-nodes-base': n8nNodesBase },
	rules: Object.fromEntries(Object.entries(base[ruleset].rules).filter(([name]) => !off.includes(name))),
});

export default tseslint.config(
	{ ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'demo-output/**', '.e2e/**', '**/*.js', '**/*.mjs'] },
	{
		files: ['**/*.ts'],
		extends: [js.configs.recommended, ...tseslint.configs.recommended, n8nCommunityNodesPlugin.configs.recommended],
		rules: { 'prefer-spread': 'off', 'no-console': 'error' },
	},
	{
		files: ['package.json'],
		languageOptions: { parser: tseslint.parser },
		...n8nCommunityNodesPlugin.configs.recommended,
		rules: {
			...n8nCommunityNodesPlugin.configs.recommended.rules,
			...nodesBase('community').rules,
			'@n8n/community-nodes/no-runtime-dependencies': 'off',
		},
		plugins: { ...n8nCommunityNodesPlugin.configs.recommended.plugins, 'n8n-nodes-base': n8nNodesBase },
	},
	{
		files: ['credentials/**/*.ts'],
		...nodesBase('credentials', [
			'n8n-nodes-base/cred-class-field-documentation-url-miscased',
			'n8n-nodes-base/cred-class-field-type-options-password-missing',
		]),
	},
	{
		files: ['nodes/**/*.ts'],
		...nodesBase('nodes', [
			'n8n-nodes-base/node-class-description-inputs-wrong-regular-node',
			'n8n-nodes-base/node-class-description-outputs-wrong',
			'n8n-nodes-base/node-param-type-options-max-value-present',
		]),
	},
	{
		// Tests, scripts and the e2e suite run the host, not inside it: processes and timers are theirs.
		files: ['test/**/*.ts', 'scripts/**/*.ts', 'e2e/**/*.ts'],
		rules: {
			'@n8n/community-nodes/no-restricted-globals': 'off',
			'@n8n/community-nodes/no-restricted-imports': 'off',
			'@n8n/community-nodes/no-dangerous-functions': 'off',
			'no-console': 'off',
		},
	},
);
