// The project's implementation of n8n master's community-node rules (testkit/scan/rules.mjs), rule by
// rule: a synthetic package that every rule passes, and for each rule a change that breaks it (and,
// where the rule draws a line, the case just on the allowed side). No build: the inputs are the
// description objects, package.json, codex, icons and sources the scan feeds in.
import { n8nCommunityNodesPlugin } from '@n8n/eslint-plugin-community-nodes';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { EXEMPTIONS } from '../../testkit/scan/exemptions.mjs';
import { KNOWN_VIOLATIONS } from '../../testkit/scan/known.mjs';
import {
	applyMasterRules,
	currentVersion,
	olderVersionProperties,
	shownAtVersion,
	loadModel,
	MASTER_RULES,
	ratchet,
	svgContrast,
	THEME_BACKGROUNDS,
	type Model,
} from '../../testkit/scan/rules.mjs';

const BADGE = '<svg viewBox="0 0 60 60"><rect fill="#111827"/><path stroke="#f9fafb"/></svg>';
const BLACK = '<svg viewBox="0 0 60 60"><path d="M0 0h60v60z"/></svg>';
const WHITE = '<svg viewBox="0 0 60 60"><path fill="#ffffff" d="M0 0h60v60z"/></svg>';
const ICONS: Record<string, string> = {
	'badge.svg': BADGE,
	'black.svg': BLACK,
	'white.svg': WHITE,
};
const readIcon = (path: string) => ICONS[path] ?? null;

const GOOD_SOURCE = `
import { NodeOperationError, type IExecuteFunctions, type INodeType, type INodeTypeDescription } from 'n8n-workflow';

export class Example implements INodeType {
	description: INodeTypeDescription = { displayName: 'Example', name: 'example', group: ['transform'], outputs: ['main'], properties: [] } as unknown as INodeTypeDescription;

	async execute(this: IExecuteFunctions) {
		const items = this.getInputData();
		const returnData = [];
		for (let i = 0; i < items.length; i++) {
			try {
				const qs = { partner_id: this.getNodeParameter('partnerId', i) };
				const response = await this.helpers.httpRequest({ url: 'https://example.com', qs });
				returnData.push({ json: response, pairedItem: { item: i } });
			} catch (error) {
				if (this.continueOnFail()) {
					returnData.push({ json: { error: error.message }, pairedItem: { item: i } });
					continue;
				}
				throw new NodeOperationError(this.getNode(), error, { itemIndex: i });
			}
		}
		return [returnData];
	}
}
`;

/** Sends one request per item from an item loop and does nothing else: declarative routing would do. */
const PER_ITEM_REQUEST_SOURCE = `
export class Example implements INodeType {
	description: INodeTypeDescription = { displayName: 'Example', name: 'example', group: ['transform'], outputs: ['main'], properties: [] };

	async execute(this: IExecuteFunctions) {
		const items = this.getInputData();
		const returnData = [];
		for (let i = 0; i < items.length; i++) {
			const id = this.getNodeParameter('id', i);
			const response = await this.helpers.httpRequest({ url: 'https://example.com/' + id });
			returnData.push({ json: response });
		}
		return [returnData];
	}
}
`;

function goodModel(): Model {
	return {
		packageJson: {
			name: 'n8n-nodes-example',
			version: '1.0.0',
			description: 'Example nodes',
			license: 'MIT',
			author: { name: 'Example', email: 'maintainers@example.com' },
			keywords: ['n8n-community-node-package'],
			repository: { type: 'git', url: 'https://github.com/example/n8n-nodes-example.git' },
			n8n: {
				n8nNodesApiVersion: 1,
				nodes: ['dist/nodes/Example/Example.node.js'],
				credentials: ['dist/credentials/ExampleApi.credentials.js'],
			},
		},
		nodes: [
			{
				file: 'dist/nodes/Example/Example.node.js',
				className: 'Example',
				codex: {
					node: 'n8n-nodes-example.example',
					categories: ['Marketing & Content', 'Miscellaneous'],
				},
				codexFile: 'dist/nodes/Example/Example.node.json',
				importsAiSdk: false,
				readIcon,
				description: {
					displayName: 'Example',
					name: 'example',
					icon: { light: 'file:badge.svg', dark: 'file:badge.svg' },
					group: ['transform'],
					version: 1,
					defaults: { name: 'Example', color: '#1A82E2' },
					inputs: ['main'],
					outputs: ['main'],
					credentials: [
						{
							name: 'exampleApi',
							required: true,
							displayOptions: { show: { authentication: ['apiKey'] } },
						},
						{
							name: 'exampleOAuth2Api',
							required: true,
							displayOptions: { show: { authentication: ['oAuth2'] } },
						},
					],
					properties: [
						{
							displayName: 'Authentication',
							name: 'authentication',
							type: 'options',
							options: [
								{ name: 'API Key', value: 'apiKey' },
								{ name: 'oAuth2', value: 'oAuth2' },
							],
							default: 'apiKey',
						},
						{
							displayName: 'Operation',
							name: 'operation',
							type: 'options',
							options: [
								{ name: 'Create', value: 'create' },
								{ name: 'Get', value: 'get' },
							],
							default: 'create',
						},
						{
							displayName: 'Email',
							name: 'email',
							type: 'string',
							required: true,
							default: '',
							hint: 'h'.repeat(120),
						},
						{
							displayName: 'Payload',
							name: 'payload',
							type: 'json',
							required: true,
							default: '{}',
						},
						{ displayName: 'Heads up', name: 'headsUp', type: 'notice', default: '' },
						{
							displayName: 'Additional Options',
							name: 'options',
							type: 'collection',
							default: {},
							options: [
								{
									displayName: 'Limit',
									name: 'limit',
									type: 'number',
									default: 50,
									hint: 'At most 100',
								},
								{
									displayName: 'Mode',
									name: 'mode',
									type: 'options',
									options: [
										{ name: 'Fast', value: 'fast' },
										{ name: 'Careful', value: 'careful' },
									],
									default: 'fast',
								},
							],
						},
					],
				},
			},
		],
		credentials: [
			{
				file: 'dist/credentials/ExampleApi.credentials.js',
				className: 'ExampleApi',
				readIcon,
				type: {
					name: 'exampleApi',
					displayName: 'Example API',
					icon: 'file:badge.svg',
					properties: [],
				},
			},
		],
		sources: [{ file: 'nodes/Example/Example.node.ts', text: GOOD_SOURCE }],
	};
}

type Description = Model['nodes'][number]['description'];

const ruleById = (id: string) => {
	const rule = MASTER_RULES.find((r) => r.id === id);
	if (!rule) throw new Error(`no rule ${id}`);
	return rule;
};
const findingsOf = (id: string, model: Model) => ruleById(id).check(model);
const props = (model: Model) => model.nodes[0].description.properties as Array<Description>;
const prop = (model: Model, name: string) => props(model).find((p) => p.name === name)!;
const creds = (model: Model) => model.nodes[0].description.credentials as Array<Description>;
const withSource = (text: string) => (model: Model) => {
	model.sources = [{ file: 'nodes/Example/Example.node.ts', text }];
};

type Case = { name: string; change: (model: Model) => void; location?: string };

/** For each rule, changes that must break it, and (`passes`) changes that must not. */
const CASES: Record<string, { breaks: Case[]; passes?: Case[] }> = {
	'single-credential-per-node': {
		breaks: [
			{
				name: 'a second credential with no displayOptions',
				change: (m) => delete creds(m)[1].displayOptions,
				location: 'Example.node › credentials',
			},
			{
				name: 'told apart by `hide` only',
				change: (m) => (creds(m)[1].displayOptions = { hide: { authentication: ['apiKey'] } }),
			},
			{
				name: 'overlapping show values',
				change: (m) =>
					(creds(m)[1].displayOptions = { show: { authentication: ['apiKey', 'oAuth2'] } }),
			},
			{
				name: 'show on a multiOptions property (both can be selected at once)',
				change: (m) => {
					const auth = prop(m, 'authentication');
					auth.type = 'multiOptions';
					auth.default = [];
				},
			},
		],
		passes: [
			{ name: 'one credential', change: (m) => creds(m).splice(1) },
			{
				name: 'numbers and booleans compared by type and value',
				change: (m) => {
					creds(m)[0].displayOptions = { show: { version: [1] } };
					creds(m)[1].displayOptions = { show: { version: ['1'] } };
				},
			},
		],
	},
	'non-required-fields-in-collection': {
		breaks: [
			{
				name: 'an optional field at the top level',
				change: (m) =>
					props(m).push({ displayName: 'Limit', name: 'limit', type: 'number', default: 50 }),
				location: 'Example.node › properties › limit',
			},
			{
				name: '`required: false` at the top level',
				change: (m) => (prop(m, 'email').required = false),
			},
		],
		passes: [
			{
				name: 'optional fields inside a collection, selectors, notices and containers at the top level',
				change: () => {},
			},
		],
	},
	'hint-max-length': {
		breaks: [
			{
				name: 'a 121-character hint',
				change: (m) => (prop(m, 'email').hint = 'h'.repeat(121)),
				location: 'Example.node › properties › email › hint',
			},
			{
				name: 'a long hint inside a collection',
				change: (m) => (prop(m, 'options').options[0].hint = 'h'.repeat(200)),
				location: 'Example.node › properties › options › options › limit › hint',
			},
		],
		passes: [{ name: 'a hint of exactly 120 characters', change: () => {} }],
	},
	'require-param-default': {
		breaks: [
			{
				name: 'a top-level parameter without default',
				change: (m) => delete prop(m, 'email').default,
				location: 'Example.node › properties › email',
			},
			{
				name: 'a collection option without default',
				change: (m) => delete prop(m, 'options').options[0].default,
			},
			{ name: 'a notice without default', change: (m) => delete prop(m, 'headsUp').default },
		],
	},
	'options-sorted-alphabetically': {
		breaks: [
			{
				name: 'operations out of order',
				change: (m) => prop(m, 'operation').options.reverse(),
				location: 'Example.node › properties › operation › options',
			},
		],
		passes: [
			{
				name: 'case-insensitive order, and nested dropdowns are not the rule’s business',
				change: () => {},
			},
		],
	},
	'no-asterisk-in-option-names': {
		breaks: [
			{
				name: 'an option named "* All"',
				change: (m) => (prop(m, 'operation').options[0].name = '* All'),
				location: 'Example.node › properties › operation › options › * All',
			},
			{
				name: 'inside a collection',
				change: (m) => (prop(m, 'options').options[1].options[0].name = 'Fast*'),
			},
		],
	},
	'no-duplicate-param-options': {
		breaks: [
			{
				name: 'a repeated value',
				change: (m) => (prop(m, 'operation').options[1].value = 'create'),
				location: 'Example.node › properties › operation › options',
			},
			{ name: 'a repeated name', change: (m) => (prop(m, 'operation').options[1].name = 'Create') },
		],
	},
	'open-ended-node-fields': {
		breaks: [
			{
				name: 'an optional JSON field at the top level',
				change: (m) => (prop(m, 'payload').required = false),
				location: 'Example.node › properties › payload',
			},
		],
		passes: [{ name: 'a required JSON field', change: () => {} }],
	},
	'node-class-description-name-camelcase': {
		breaks: [
			{
				name: 'a name with a space',
				change: (m) => (m.nodes[0].description.name = 'My Node'),
				location: 'Example.node › name',
			},
			{
				name: 'a name starting upper-case',
				change: (m) => (m.nodes[0].description.name = 'Example'),
			},
		],
	},
	'node-class-description-non-core-color': {
		breaks: [
			{
				name: 'defaults.color is n8n’s core color',
				change: (m) => (m.nodes[0].description.defaults.color = '#ff6d5a'),
				location: 'Example.node › defaults › color',
			},
			{
				name: 'top-level color is n8n’s core color',
				change: (m) => (m.nodes[0].description.color = '#FF6D5A'),
			},
		],
	},
	'node-filename-against-convention': {
		breaks: [
			{
				name: 'description.name does not match the file',
				change: (m) => (m.nodes[0].description.name = 'other'),
				location: 'Example.node.js',
			},
		],
		passes: [
			{
				name: 'a versioned file (ExampleV2)',
				change: (m) => (m.nodes[0].file = 'dist/nodes/Example/ExampleV2.node.js'),
			},
		],
	},
	'valid-node-categories': {
		breaks: [
			{
				name: '"Marketing" instead of "Marketing & Content"',
				change: (m) => (m.nodes[0].codex!.categories = ['Marketing']),
				location: 'Example.node.json › categories',
			},
			{ name: 'an empty category list', change: (m) => (m.nodes[0].codex!.categories = []) },
			{
				name: 'a core-only category',
				change: (m) => (m.nodes[0].codex!.categories = ['Core Nodes']),
			},
			{
				name: 'an inline codex with an unknown category',
				change: (m) => (m.nodes[0].description.codex = { categories: ['Bananas'] }),
				location: 'Example.node › codex › categories',
			},
		],
	},
	'valid-codex-categories': {
		breaks: [
			{
				name: 'an unknown category',
				change: (m) => (m.nodes[0].description.codex = { categories: ['Bananas'] }),
				location: 'Example.node › codex › categories',
			},
			{
				name: 'subcategories as an array',
				change: (m) =>
					(m.nodes[0].description.codex = {
						categories: ['Core Nodes'],
						subcategories: ['Helpers'],
					}),
			},
			{
				name: 'an unknown subcategory',
				change: (m) =>
					(m.nodes[0].description.codex = {
						categories: ['AI'],
						subcategories: { AI: ['Agents & Tools', 'Root Nodes'] },
					}),
			},
			{
				name: 'an AI node with a main output but no Root Nodes',
				change: (m) =>
					(m.nodes[0].description.codex = { categories: ['AI'], subcategories: { AI: ['Tools'] } }),
				location: 'Example.node › codex › categories',
			},
		],
		passes: [
			{
				name: 'an AI node marked Root Nodes',
				change: (m) =>
					(m.nodes[0].description.codex = {
						categories: ['AI'],
						subcategories: { AI: ['Tools', 'Root Nodes'] },
					}),
			},
			{
				name: 'an AI sub-node without a main output',
				change: (m) => {
					m.nodes[0].description.codex = { categories: ['AI'], subcategories: { AI: ['Tools'] } };
					m.nodes[0].description.outputs = ['ai_tool'];
				},
			},
			{
				name: 'a .node.json (not this rule’s input)',
				change: (m) => (m.nodes[0].codex!.categories = ['Bananas']),
			},
		],
	},
	'no-ai-codex-category': {
		breaks: [
			{
				name: 'the AI category without the AI Node SDK',
				change: (m) => (m.nodes[0].codex!.categories = ['AI']),
				location: 'Example.node.json › categories',
			},
		],
		passes: [
			{
				name: 'the AI category in a node that imports @n8n/ai-node-sdk',
				change: (m) => {
					m.nodes[0].codex!.categories = ['AI'];
					m.nodes[0].importsAiSdk = true;
				},
			},
			{
				name: 'a .node.json that an inline codex overrides',
				change: (m) => {
					m.nodes[0].codex!.categories = ['AI'];
					m.nodes[0].description.codex = { categories: ['Development'] };
				},
			},
		],
	},
	'no-codex-subcategories': {
		breaks: [
			{
				name: 'subcategories without the AI Node SDK',
				change: (m) => (m.nodes[0].codex!.subcategories = { 'Core Nodes': ['Helpers'] }),
				location: 'Example.node.json › subcategories',
			},
			{
				name: 'subcategories in a nested codex (usableAsTool.replacements.codex)',
				change: (m) =>
					(m.nodes[0].description.usableAsTool = {
						replacements: {
							codex: { categories: ['Development'], subcategories: { AI: ['Tools'] } },
						},
					}),
				location: 'Example.node › usableAsTool › replacements › codex › subcategories',
			},
		],
		passes: [
			{
				name: 'subcategories in a node that imports @n8n/ai-node-sdk',
				change: (m) => {
					m.nodes[0].codex!.subcategories = { AI: ['Root Nodes'] };
					m.nodes[0].importsAiSdk = true;
				},
			},
		],
	},
	'no-logic-or-flow-nodes': {
		breaks: [
			{
				name: 'a Logic category',
				change: (m) => (m.nodes[0].codex!.categories = ['Logic']),
				location: 'Example.node.json › categories',
			},
			{
				name: 'a Flow subcategory',
				change: (m) => (m.nodes[0].codex!.subcategories = { 'Core Nodes': ['Flow'] }),
			},
		],
	},
	'cred-class-name-field-conventions': {
		breaks: [
			{
				name: 'a name without Api',
				change: (m) => (m.credentials[0].type.name = 'example'),
				location: 'ExampleApi.credentials › name',
			},
			{
				name: 'a name starting upper-case',
				change: (m) => (m.credentials[0].type.name = 'ExampleApi'),
			},
		],
		passes: [
			{
				name: 'a name starting with a digit (only an upper-case first letter is reported)',
				change: (m) => (m.credentials[0].type.name = '3dExampleApi'),
			},
		],
	},
	'cred-class-name-suffix': {
		breaks: [
			{
				name: 'a class without the Api suffix',
				change: (m) => (m.credentials[0].className = 'Example'),
				location: 'ExampleApi.credentials',
			},
		],
	},
	'cred-filename-against-convention': {
		breaks: [
			{
				name: 'a class named unlike its file',
				change: (m) => (m.credentials[0].className = 'OtherApi'),
				location: 'ExampleApi.credentials.js',
			},
		],
	},
	'icon-contrast': {
		breaks: [
			{
				name: 'a white light icon',
				change: (m) =>
					(m.nodes[0].description.icon = { light: 'file:white.svg', dark: 'file:badge.svg' }),
				location: 'Example.node › icon (light: white.svg)',
			},
			{
				name: 'a black dark icon',
				change: (m) =>
					(m.credentials[0].type.icon = { light: 'file:badge.svg', dark: 'file:black.svg' }),
				location: 'ExampleApi.credentials › icon (dark: black.svg)',
			},
			{
				name: 'one black icon for both themes',
				change: (m) => (m.nodes[0].description.icon = 'file:black.svg'),
			},
		],
		passes: [
			{
				name: 'black on light and white on dark',
				change: (m) =>
					(m.nodes[0].description.icon = { light: 'file:black.svg', dark: 'file:white.svg' }),
			},
			{
				name: 'a PNG icon is not judged',
				change: (m) => (m.nodes[0].description.icon = 'file:icon.png'),
			},
		],
	},
	'no-monorepo': {
		breaks: [
			{
				name: 'a nested repository.directory',
				change: (m) => (m.packageJson.repository.directory = 'packages/n8n-nodes-example'),
				location: 'package.json › repository › directory',
			},
		],
		passes: [
			{
				name: 'the root directory "./"',
				change: (m) => (m.packageJson.repository.directory = './'),
			},
		],
	},
	'community-package-json': {
		breaks: [
			{ name: 'no author', change: (m) => delete m.packageJson.author, location: 'package.json' },
			{
				name: 'an empty n8n.nodes',
				change: (m) => (m.packageJson.n8n.nodes = []),
				location: 'package.json › n8n › nodes',
			},
			{
				name: 'n8nNodesApiVersion as a string',
				change: (m) => (m.packageJson.n8n.n8nNodesApiVersion = '1'),
			},
			{
				name: 'the template repository URL',
				change: (m) =>
					(m.packageJson.repository.url = 'https://github.com/<...>/n8n-nodes-example.git'),
			},
		],
	},
	'require-community-node-keyword': {
		breaks: [
			{
				name: 'keywords without n8n-community-node-package',
				change: (m) => (m.packageJson.keywords = ['n8n']),
				location: 'package.json › keywords',
			},
			{ name: 'no keywords', change: (m) => delete m.packageJson.keywords },
		],
	},
	'require-mit-license': {
		breaks: [
			{
				name: 'another license',
				change: (m) => (m.packageJson.license = 'Apache-2.0'),
				location: 'package.json › license',
			},
			{ name: 'no license', change: (m) => delete m.packageJson.license },
		],
	},
	'require-continue-on-fail': {
		breaks: [
			{
				name: 'execute() that delegates without calling this.continueOnFail()',
				change: withSource(GOOD_SOURCE.replace('this.continueOnFail()', 'route(error)')),
				location: 'Example.node.ts › execute()',
			},
		],
	},
	'node-operation-error-itemindex': {
		breaks: [
			{
				name: 'new NodeOperationError without itemIndex in an item loop',
				change: withSource(GOOD_SOURCE.replace(', { itemIndex: i }', '')),
				location: 'Example.node.ts › execute() › new NodeOperationError',
			},
			{
				name: 'new NodeApiError without itemIndex in a for…of over this.getInputData()',
				change: withSource(
					GOOD_SOURCE.replace(
						'for (let i = 0; i < items.length; i++) {',
						'for (const item of this.getInputData()) {\n\t\t\tconst i = items.indexOf(item);',
					).replace(
						'new NodeOperationError(this.getNode(), error, { itemIndex: i })',
						'new NodeApiError(this.getNode(), error, { message: "failed" })',
					),
				),
				location: 'Example.node.ts › execute() › new NodeApiError',
			},
		],
		passes: [
			{
				name: 'the same error outside an item loop',
				change: withSource(
					GOOD_SOURCE.replace(', { itemIndex: i }', '').replace(
						'for (let i = 0; i < items.length; i++)',
						'for (let i = 0; i < 3; i++)',
					),
				),
			},
			{
				name: 'options it cannot read (a variable)',
				change: withSource(GOOD_SOURCE.replace('{ itemIndex: i }', 'errorOptions')),
			},
		],
	},
	'no-hardcoded-ids': {
		breaks: [
			{
				name: 'a fixed partner_id',
				change: withSource(
					GOOD_SOURCE.replace("this.getNodeParameter('partnerId', i)", "'fixed-partner'"),
				),
				location: 'Example.node.ts › partner_id',
			},
			{
				name: 'a fixed accountId constant',
				change: withSource(`const accountId = 'example-account';\n${GOOD_SOURCE}`),
			},
			{
				name: 'a fixed tenantId in a packed .node.js',
				change: (m) =>
					(m.sources = [
						{
							file: 'dist/nodes/Example/Example.node.js',
							text: "const config = { tenantId: 'example-tenant' };\nexports.config = config;",
						},
					]),
				location: 'Example.node.js › tenantId',
			},
		],
		passes: [
			{
				name: 'a fixed id outside node files',
				change: (m) =>
					(m.sources = [
						{
							file: 'nodes/Example/transport/ids.ts',
							text: "export const clientId = 'example-client';",
						},
					]),
			},
		],
	},
	'prefer-declarative-style': {
		breaks: [
			{
				name: 'one HTTP request per item and nothing else',
				change: withSource(PER_ITEM_REQUEST_SOURCE),
				location: 'Example.node.ts › execute()',
			},
			{
				name: 'the same in a while loop',
				change: withSource(
					PER_ITEM_REQUEST_SOURCE.replace(
						'for (let i = 0; i < items.length; i++) {',
						'let i = 0;\n\t\twhile (i < items.length) {',
					).replace(
						'returnData.push({ json: response });',
						'returnData.push({ json: response });\n\t\t\ti++;',
					),
				),
			},
		],
		passes: [
			{
				name: 'pagination in the loop',
				change: withSource(PER_ITEM_REQUEST_SOURCE.replace("'id'", "'returnAll'")),
			},
			{
				name: 'a loop that never reads its item',
				change: withSource(
					PER_ITEM_REQUEST_SOURCE.replace(
						"this.getNodeParameter('id', i)",
						"this.getNodeParameter('id', 0)",
					),
				),
			},
			{
				name: 'two outputs',
				change: withSource(
					PER_ITEM_REQUEST_SOURCE.replace("outputs: ['main']", "outputs: ['main', 'main']"),
				),
			},
			{
				name: 'a trigger',
				change: withSource(
					PER_ITEM_REQUEST_SOURCE.replace("group: ['transform']", "group: ['trigger']"),
				),
			},
		],
	},
};

describe('n8n master rules in npm run scan (testkit/scan/rules.mjs)', () => {
	it('has a case for every rule, and implements only rules the installed plugin lacks', () => {
		expect(Object.keys(CASES).sort()).toEqual(MASTER_RULES.map((r) => r.id).sort());
		const installed = Object.keys(n8nCommunityNodesPlugin.rules ?? {});
		expect(MASTER_RULES.filter((r) => installed.includes(r.id)).map((r) => r.id)).toEqual([]);
	});

	it('names, for every rule, the n8n-io/n8n file and commit it was written from', () => {
		for (const rule of MASTER_RULES) {
			expect(rule.doc, rule.id).toMatch(
				new RegExp(
					`^packages/@n8n/eslint-plugin-community-nodes/(docs/rules|src/rules)/${rule.id}\\.(md|ts) @ [0-9a-f]{40}`,
				),
			);
			expect(['error', 'warn']).toContain(rule.severity);
		}
	});

	it('passes the synthetic package on every rule', () => {
		const failing = applyMasterRules(goodModel()).filter((r) => r.findings.length);
		expect(failing.map((r) => ({ rule: r.rule.id, findings: r.findings }))).toEqual([]);
	});

	for (const [id, { breaks, passes = [] }] of Object.entries(CASES)) {
		describe(id, () => {
			for (const c of breaks) {
				it(`fails on ${c.name}`, () => {
					const model = goodModel();
					c.change(model);
					const findings = findingsOf(id, model);
					expect(findings.length).toBeGreaterThan(0);
					if (c.location) expect(findings.map((f) => f.location)).toContain(c.location);
				});
			}
			for (const c of passes) {
				it(`passes ${c.name}`, () => {
					const model = goodModel();
					c.change(model);
					expect(findingsOf(id, model)).toEqual([]);
				});
			}
		});
	}

	it('icon-contrast measures WCAG contrast against the node background of each theme', () => {
		// The rule doc's own figure: a black glyph on the dark node background scores 1.4:1.
		expect(svgContrast(BLACK, THEME_BACKGROUNDS.dark)).toBeCloseTo(1.39, 1);
		expect(svgContrast(BLACK, THEME_BACKGROUNDS.light)).toBeCloseTo(21, 0);
		expect(svgContrast(WHITE, THEME_BACKGROUNDS.light)).toBeCloseTo(1, 5);
		// Colors it cannot know statically are not judged.
		expect(
			svgContrast('<svg><path fill="currentColor"/></svg>', THEME_BACKGROUNDS.light),
		).toBeNull();
		expect(
			svgContrast('<svg><rect fill="url(#pattern)"/></svg>', THEME_BACKGROUNDS.light),
		).toBeNull();
		// Gradient stops count; a style block counts; an almost transparent color does not.
		expect(
			svgContrast(
				'<svg><stop stop-color="#000"/><rect fill="url(#g)"/></svg>',
				THEME_BACKGROUNDS.light,
			),
		).toBeCloseTo(21, 0);
		expect(
			svgContrast(
				'<svg><style>.a{fill:#fff}</style><path class="a"/></svg>',
				THEME_BACKGROUNDS.dark,
			),
		).toBeGreaterThan(10);
		expect(
			svgContrast(
				'<svg><path fill="#00000010"/><path fill="#fff"/></svg>',
				THEME_BACKGROUNDS.light,
			),
		).toBeCloseTo(1, 5);
	});
});

describe('the ratchet of known violations (testkit/scan/known.mjs)', () => {
	const broken = () => {
		const model = goodModel();
		delete creds(model)[1].displayOptions;
		return applyMasterRules(model);
	};
	const entry = { rule: 'single-credential-per-node', location: 'Example.node › credentials' };

	it('holds a listed violation as known, pending', () => {
		const { known, fresh, stale } = ratchet(broken(), [entry]);
		expect(known.map((k) => k.location)).toEqual([entry.location]);
		expect(fresh).toEqual([]);
		expect(stale).toEqual([]);
	});

	it('fails on a violation that is not listed', () => {
		const { fresh } = ratchet(broken(), []);
		expect(fresh.map((f) => `${f.rule} ${f.location}`)).toEqual([
			`${entry.rule} ${entry.location}`,
		]);
	});

	it('fails on a listed violation that no longer occurs, and on one naming an unknown rule', () => {
		const { stale } = ratchet(applyMasterRules(goodModel()), [
			entry,
			{ rule: 'no-such-rule', location: 'x' },
		]);
		expect(stale).toEqual([entry, { rule: 'no-such-rule', location: 'x' }]);
	});

	it('steps aside for a rule the installed plugin has gained, without calling its entries stale', () => {
		const results = applyMasterRules(goodModel(), {
			installedRuleIds: new Set(['single-credential-per-node']),
		});
		expect(results.find((r) => r.rule.id === 'single-credential-per-node')).toMatchObject({
			skipped: true,
			findings: [],
		});
		expect(ratchet(results, [entry]).stale).toEqual([]);
	});

	it('is empty since node version 2 (issue 21 point 2): nothing is pending', () => {
		expect(KNOWN_VIOLATIONS).toEqual([]);
	});
});

describe('exemptions (testkit/scan/exemptions.mjs): a rule disabled at one place, with its reason', () => {
	const broken = () => {
		const model = goodModel();
		delete creds(model)[1].displayOptions;
		return applyMasterRules(model);
	};
	const exemption = {
		rule: 'single-credential-per-node',
		location: 'Example.node › credentials',
		reason: 'failover',
	};

	it('holds an exempted finding as exempt, with its reason, not as new', () => {
		const { exempt, fresh, staleExemptions } = ratchet(broken(), [], [exemption]);
		expect(exempt.map((e) => [e.rule, e.location, e.reason])).toEqual([
			[exemption.rule, exemption.location, 'failover'],
		]);
		expect(fresh).toEqual([]);
		expect(staleExemptions).toEqual([]);
	});

	it('exempts only the place it names: the same rule elsewhere is new', () => {
		const { fresh } = ratchet(
			broken(),
			[],
			[{ ...exemption, location: 'Other.node › credentials' }],
		);
		expect(fresh.map((f) => f.location)).toEqual([exemption.location]);
	});

	it('fails an exemption that no longer matches a finding', () => {
		expect(ratchet(applyMasterRules(goodModel()), [], [exemption]).staleExemptions).toEqual([
			exemption,
		]);
	});

	it('lists the failover exemption only: the second credential, and the Fallback Provider fields it needs at the top level', () => {
		expect(EXEMPTIONS.map((e) => `${e.rule} ${e.location}`)).toEqual([
			'single-credential-per-node FluxUltra.node › credentials',
			...['Fal', 'Runflow', 'Bfl', 'Replicate'].map(
				(p) => `non-required-fields-in-collection FluxUltra.node › properties › fallbackFrom${p}`,
			),
		]);
		for (const e of EXEMPTIONS)
			expect(e.reason).toMatch(/^failover: the Fallback Provider needs a second credential/);
	});
});

describe('a versioned node: the layout rules read the version a new node gets', () => {
	const optional = (name: string, version?: unknown) => ({
		displayName: name,
		name,
		type: 'string',
		default: '',
		...(version ? { displayOptions: { show: { '@version': version } } } : {}),
	});
	const versioned = (properties: unknown[], extra: Record<string, unknown> = {}) => {
		const model = goodModel();
		Object.assign(model.nodes[0].description, { version: [1, 2], defaultVersion: 2, ...extra });
		model.nodes[0].description.properties.push(...properties);
		return model;
	};
	const reported = (model: Model) =>
		applyMasterRules(model)
			.find((r) => r.rule.id === 'non-required-fields-in-collection')!
			.findings.map((f) => f.location.split(' › ').pop());

	it('checks fields of the current version and of every version; leaves a field shown only at an older one to that version', () => {
		const model = versioned([
			optional('legacy', [1]),
			optional('current', [{ _cnd: { gte: 2 } }]),
			optional('always'),
		]);
		expect(reported(model)).toEqual(['current', 'always']);
		expect(olderVersionProperties(model.nodes[0]).map((p) => p.name)).toEqual(['legacy']);
	});

	it('takes the highest version when there is no defaultVersion, and reads hide too', () => {
		const model = versioned([optional('legacy', [1]), optional('hiddenNow', undefined)], {
			defaultVersion: undefined,
		});
		(model.nodes[0].description.properties.at(-1) as Record<string, unknown>).displayOptions = {
			hide: { '@version': [2] },
		};
		expect(currentVersion(model.nodes[0].description)).toBe(2);
		expect(reported(model)).toEqual([]);
		expect(
			shownAtVersion({ displayOptions: { show: { '@version': [{ _cnd: { lte: 1 } }] } } }, 2),
		).toBe(false);
	});
});

describe('this package (the source build of its node, credentials and sources)', () => {
	it('passes every master rule but the failover exemption, with nothing pending', async () => {
		const root = join(__dirname, '..', '..');
		const { FluxUltra } = await import('../../nodes/FluxUltra/FluxUltra.node');
		const packageJson = JSON.parse(
			readFileSync(join(root, 'package.json'), 'utf8'),
		) as Model['packageJson'];
		const credentialFiles = (packageJson.n8n as { credentials: string[] }).credentials.map((f) =>
			f.replace(/^dist\//, '').replace(/\.js$/, '.ts'),
		);
		const credentials = await Promise.all(
			credentialFiles.map(async (file) => {
				const exported = (await import(join(root, file))) as Record<
					string,
					new () => Record<string, unknown>
				>;
				const className = Object.keys(exported).find((k) => typeof exported[k] === 'function')!;
				return {
					file,
					className,
					type: new exported[className](),
					readIcon: (icon: string) => readFileSync(join(root, dirname(file), icon), 'utf8'),
				};
			}),
		);
		const nodeDir = join(root, 'nodes', 'FluxUltra');
		const sourceFiles = ['nodes/FluxUltra/FluxUltra.node.ts', ...credentialFiles];
		const model: Model = {
			packageJson,
			nodes: [
				{
					file: 'nodes/FluxUltra/FluxUltra.node.ts',
					className: 'FluxUltra',
					description: new FluxUltra()
						.description as unknown as Model['nodes'][number]['description'],
					codex: JSON.parse(readFileSync(join(nodeDir, 'FluxUltra.node.json'), 'utf8')),
					codexFile: 'nodes/FluxUltra/FluxUltra.node.json',
					importsAiSdk: false,
					readIcon: (icon: string) =>
						existsSync(join(nodeDir, icon)) ? readFileSync(join(nodeDir, icon), 'utf8') : null,
				},
			],
			credentials,
			sources: sourceFiles.map((file) => ({ file, text: readFileSync(join(root, file), 'utf8') })),
		};
		const installedRuleIds = new Set(Object.keys(n8nCommunityNodesPlugin.rules ?? {}));
		const { known, exempt, fresh, stale, staleExemptions } = ratchet(
			applyMasterRules(model, { installedRuleIds }),
			KNOWN_VIOLATIONS,
			EXEMPTIONS,
		);
		expect(fresh.map((f) => `${f.rule} ${f.location}`)).toEqual([]);
		expect(known).toEqual([]);
		expect([...stale, ...staleExemptions]).toEqual([]);
		expect(exempt.map((e) => `${e.rule} ${e.location}`)).toEqual(
			EXEMPTIONS.map((e) => `${e.rule} ${e.location}`),
		);
	});
});

describe('the model the scan builds from a packed package (loadModel)', () => {
	it('loads the node and credential classes as n8n does, reads the codex beside the node and icons beside each file', () => {
		const dir = mkdtempSync(join(tmpdir(), 'flux-scan-model-'));
		try {
			const write = (file: string, text: string) => {
				mkdirSync(dirname(join(dir, file)), { recursive: true });
				writeFileSync(join(dir, file), text);
			};
			write(
				'package.json',
				JSON.stringify({
					name: 'n8n-nodes-example',
					n8n: {
						nodes: ['dist/nodes/Example/Example.node.js'],
						credentials: ['dist/credentials/ExampleApi.credentials.js'],
					},
				}),
			);
			write(
				'dist/nodes/Example/Example.node.js',
				`class Example { constructor() { this.description = { name: 'example', icon: 'file:example.svg', outputs: ['main'], credentials: [{ name: 'exampleApi' }, { name: 'otherApi' }], properties: [] }; } }
exports.Example = Example;`,
			);
			write('dist/nodes/Example/Example.node.json', JSON.stringify({ categories: ['Logic'] }));
			write('dist/nodes/Example/example.svg', WHITE);
			write(
				'dist/credentials/ExampleApi.credentials.js',
				"class ExampleApi { constructor() { this.name = 'exampleApi'; this.icon = 'file:example.svg'; } }\nexports.ExampleApi = ExampleApi;",
			);
			write('dist/credentials/example.svg', BLACK);
			write('nodes/Example/Example.node.ts', "import { AiNode } from '@n8n/ai-node-sdk';\n");
			const require = createRequire(import.meta.url);
			const model = loadModel({
				packageDir: dir,
				packageFiles: ['dist/nodes/Example/Example.node.js'],
				sourceRoot: dir,
				sourceFiles: ['nodes/Example/Example.node.ts'],
				readText: (file) => readFileSync(file, 'utf8'),
				exists: existsSync,
				requireFrom: (file) => require(file),
				join,
				dirname,
			});
			const failing = Object.fromEntries(
				applyMasterRules(model)
					.filter((r) => r.findings.length)
					.map((r) => [r.rule.id, r.findings.map((f) => f.location)]),
			);
			expect(model.nodes[0]).toMatchObject({ className: 'Example', importsAiSdk: true });
			expect(failing).toMatchObject({
				'single-credential-per-node': ['Example.node › credentials'],
				'no-logic-or-flow-nodes': ['Example.node.json › categories'],
				'icon-contrast': [
					'Example.node › icon (light: example.svg)',
					'ExampleApi.credentials › icon (dark: example.svg)',
				],
			});
			expect(model.sources.map((s) => s.file)).toEqual([
				'nodes/Example/Example.node.ts',
				'dist/nodes/Example/Example.node.js',
			]);
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});
});
