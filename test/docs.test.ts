import { readdirSync, readFileSync } from 'node:fs';

import type { INodeProperties } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';

import { FluxUltra } from '../nodes/FluxUltra/FluxUltra.node';
import {
	displayNameForApiField,
	GET_RESULT,
	NODE_OPTION_PARAMS,
	OPERATION_NAMES,
	OPERATIONS,
	PROVIDER_PARAMS,
} from '../nodes/FluxUltra/parameters/table';
import { validateItemParameters, validateOptions } from '../nodes/FluxUltra/parameters/validation';
import { CANONICAL_FIELDS, type FieldSupport } from '../nodes/FluxUltra/providers/common/fields';
import { fallbackParameterName, PROVIDERS } from '../nodes/FluxUltra/providers/registry';

const readme = readFileSync('README.md', 'utf8');
/** Each provider's field names and how it runs a job: moved out of the README, linked from it. */
const providersDoc = readFileSync('docs/providers.md', 'utf8');
const description = new FluxUltra().description;
const fieldNames = new Set<string>();
const walk = (props: INodeProperties[]) =>
	props.forEach((p) => {
		fieldNames.add(p.name);
		if (p.type === 'collection') walk(p.options as INodeProperties[]);
	});
walk(description.properties);

describe('README and docs/providers.md stay in step with the code', () => {
	it('documents every field of the parameter table with its fal.ai name in the README', () => {
		for (const spec of PROVIDER_PARAMS) {
			const row = readme
				.split('\n')
				.find(
					(line) =>
						line.startsWith('|') &&
						line.includes(spec.displayName) &&
						line.includes(`\`${spec.apiName}\``),
				);
			expect(row, `${spec.displayName} row`).toBeDefined();
		}
		for (const option of NODE_OPTION_PARAMS) expect(readme).toContain(option.displayName);
	});

	it("shows each provider's support for every field, side by side, as the field maps declare it (docs/providers.md)", () => {
		const cell = (f: FieldSupport) =>
			f.status === 'refused'
				? f.accepts === undefined
					? 'not available'
					: 'refused when on'
				: f.status === 'per_request'
					? 'one request per image'
					: `\`${f.wire}\`${f.status === 'unconfirmed' ? ' (unconfirmed)' : ''}`;
		// A field an operation's endpoint takes differently (Raw on BFL's fine-tuned Ultra) says so after the usual cell.
		const cells = (p: (typeof PROVIDERS)[number], name: (typeof CANONICAL_FIELDS)[number]) =>
			[
				cell(p.fields[name]),
				...OPERATIONS.flatMap((op) => {
					const changed = p.operationFields?.[op]?.[name];
					return changed ? [`${OPERATION_NAMES[op]}: ${cell(changed)}`] : [];
				}),
			].join('; ');
		const rows = [
			`| Field | ${PROVIDERS.map((p) => p.displayName).join(' | ')} |`,
			`|---|${PROVIDERS.map(() => '---|').join('')}`,
			...OPERATIONS.map(
				(op) =>
					`| *Operation:* ${OPERATION_NAMES[op]} | ${PROVIDERS.map((p) => (p.unsupported(op) ? 'not available' : p.editorNotice?.(op) ? 'if found when it runs' : '✓')).join(' | ')} |`,
			),
			...CANONICAL_FIELDS.map(
				(name) =>
					`| ${displayNameForApiField(name)} | ${PROVIDERS.map((p) => cells(p, name)).join(' | ')} |`,
			),
		];
		const block = /<!-- provider-fields:start -->\n([\s\S]*?)\n<!-- provider-fields:end -->/.exec(
			providersDoc,
		)?.[1];
		expect(block, 'docs/providers.md table between the provider-fields markers').toBe(
			rows.join('\n'),
		);
	});

	it('shows the two set-up commands', () => {
		expect(readme).toContain('npm run demo');
		expect(readme).toContain('npm test');
	});
});

describe('example workflows', () => {
	const files = readdirSync('examples').filter((f) => f.endsWith('.workflow.json'));

	it('include one per provider, each linked from the README', () => {
		const providersUsed = files.map((file) => {
			expect(readme, file).toContain(`examples/${file}`);
			const workflow = JSON.parse(readFileSync(`examples/${file}`, 'utf8')) as {
				nodes: Array<{ parameters: Record<string, unknown> }>;
			};
			return workflow.nodes.map((n) => n.parameters.provider).filter(Boolean);
		});
		for (const provider of PROVIDERS)
			expect(providersUsed.flat(), provider.id).toContain(provider.id);
	});

	it.each(files)('%s uses only real fields, a valid credential and valid values', (file) => {
		const workflow = JSON.parse(readFileSync(`examples/${file}`, 'utf8')) as {
			nodes: Array<{
				type: string;
				parameters: Record<string, unknown>;
				credentials?: Record<string, unknown>;
			}>;
		};
		// The AI Agent example attaches the node as a tool: n8n's `fluxUltraTool` variant, same fields.
		const flux = workflow.nodes.filter(
			(n) =>
				n.type === 'n8n-nodes-flux-ultra.fluxUltra' ||
				n.type === 'n8n-nodes-flux-ultra.fluxUltraTool',
		);
		expect(flux.length).toBeGreaterThan(0);
		for (const node of flux) {
			const stored = (node.parameters.options ?? {}) as Record<string, unknown>;
			for (const name of [...Object.keys(node.parameters), ...Object.keys(stored)])
				expect(fieldNames, name).toContain(name);
			const provider = PROVIDERS.find((p) => p.id === node.parameters.provider);
			// A node with a Fallback Provider holds that provider's credential too.
			const fallback = PROVIDERS.find(
				(p) => p.id === node.parameters[fallbackParameterName(String(node.parameters.provider))],
			);
			expect(Object.keys(node.credentials ?? {})).toEqual(
				[provider?.credentialType, fallback?.credentialType].filter(Boolean),
			);
			// Expressions stand in for item data here; a sample value of the right kind replaces them.
			const sample = (v: unknown) =>
				typeof v === 'string' && v.startsWith('=')
					? v.includes('aspect')
						? '16:9'
						: 'sample prompt'
					: v;
			const main = Object.fromEntries(
				Object.entries(node.parameters).map(([k, v]) => [k, sample(v)]),
			);
			// Version-2 nodes keep their optional fields, expressions too, in Options.
			const options = Object.fromEntries(
				Object.entries(stored).map(([k, v]) => [k, k === 'webhookUrl' ? v : sample(v)]),
			);
			// An expression for Completion Webhook URL ({{ $execution.resumeUrl }}) yields a URL.
			if (typeof options.webhookUrl === 'string' && options.webhookUrl.startsWith('='))
				options.webhookUrl = 'https://n8n.example.com/webhook-waiting/1';
			if (main.operation === GET_RESULT) {
				expect(() => validateOptions(GET_RESULT, options)).not.toThrow();
				continue;
			}
			expect(() =>
				validateItemParameters({
					operation: main.operation,
					main,
					options,
					imageSource: main.imageSource,
					imageUrl: main.imageUrl,
					binaryPropertyName: main.binaryPropertyName,
				}),
			).not.toThrow();
		}
	});
});
