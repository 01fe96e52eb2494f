import { readFileSync } from 'node:fs';

import { NodeHelpers, type INode, type INodeProperties } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';

import { FluxUltra } from '../../../../nodes/FluxUltra/FluxUltra.node';
import { MODELS, type ModelDeclaration } from '../../../../nodes/FluxUltra/parameters/models';
import { validateModelItem } from '../../../../nodes/FluxUltra/parameters/modelValidation';
import { jobProperties, modelProperty } from '../../../../nodes/FluxUltra/parameters/ui';
import { ParameterError } from '../../../../nodes/FluxUltra/transport/errors';
import { PROVIDERS } from '../../../../nodes/FluxUltra/providers/registry';
import { AGENT_FIXED_FIELDS, agentSetField } from '../../../../nodes/FluxUltra/run/agentTool';
import { createHarness } from '../../../../testkit/harness/context';
import { modelsTable } from '../../../../testkit/modelsDoc';

/**
 * "Add a model = one declaration + provider lines" (CONTRIBUTING.md, Adding a model): a model
 * declared only in its own file — here, in this test — appears in the editor (its fields, shown only
 * for it), in validation (its ranges, its refusals) and in docs/models.md's generated part, with no
 * other file touched.
 */

const FLUX_TEST: ModelDeclaration = {
	id: 'flux-test-9',
	displayName: 'FLUX Test 9',
	description: 'A model declared only in this test',
	params: [
		{
			kind: 'string',
			name: 'prompt',
			apiName: 'prompt',
			displayName: 'Prompt',
			description: 'What to draw',
			placement: 'main',
			operations: { generate: 'required' },
			default: '',
			maxLength: 500,
		},
		{
			kind: 'integer',
			name: 'steps',
			apiName: 'num_inference_steps',
			displayName: 'Steps',
			description: 'Sampling steps',
			placement: 'options',
			operations: { generate: 'optional' },
			default: 20,
			min: 1,
			max: 50,
		},
	],
	references: { max: 2, source: 'test' },
	seed: false,
	price: { kind: 'perImage', usd: 0.01 },
	outputMegapixels: () => 1,
	unconfirmed: { 'XX-1': 'everything' },
};

const WITH_TEST = [...MODELS, FLUX_TEST];

/** The Operation field the Model field's display condition reads. */
const OPERATION: INodeProperties = {
	displayName: 'Operation',
	name: 'operation',
	type: 'options',
	options: [{ name: 'Generate', value: 'generate' }],
	default: 'generate',
};

function shownFor(
	properties: INodeProperties[],
	parameters: Record<string, unknown>,
	version: number,
) {
	const node = { typeVersion: version, parameters } as unknown as INode;
	const values = NodeHelpers.getNodeParameters(
		properties,
		parameters as never,
		true,
		false,
		node,
		null,
	)!;
	const top = properties.filter((p) => NodeHelpers.displayParameter(values, p, node, null));
	const options = (top.find((p) => p.name === 'options')?.options ?? []) as INodeProperties[];
	const shownOptions = options.filter((o) =>
		NodeHelpers.displayParameter(values, o, node, null, values),
	);
	return { top: top.map((p) => p.name), options: shownOptions.map((o) => o.name) };
}

describe('a model declared only in its file', () => {
	it('appears in the editor: in the Model list, with its own fields shown only for it', () => {
		for (const version of [1, 2] as const) {
			expect(modelProperty(version, WITH_TEST).options).toContainEqual(
				expect.objectContaining({ name: 'FLUX Test 9', value: 'flux-test-9' }),
			);
			const properties: INodeProperties[] = [
				OPERATION,
				modelProperty(version, WITH_TEST),
				...jobProperties({}, {}, version, WITH_TEST),
			];
			const base = { operation: 'generate', options: { steps: 30, raw: true } };
			const mine = shownFor(properties, { ...base, model: 'flux-test-9' }, version);
			expect(mine.options).toContain('steps');
			expect(mine.options).not.toContain('raw');
			expect([...mine.top, ...mine.options]).toContain('referenceImages');
			const ultra = shownFor(properties, { ...base, model: 'flux-1.1-pro-ultra' }, version);
			expect(ultra.options).not.toContain('steps');
			expect(ultra.options).toContain('raw');
		}
	});

	it('appears in validation: its ranges, its API names, its reference limit, and a refusal of what it lacks', () => {
		const raw = (options: Record<string, unknown>, references: unknown = {}) => ({
			main: { prompt: 'a lemon' },
			options,
			foreign: {},
			references,
		});
		const request = validateModelItem(FLUX_TEST, raw({ steps: 30 }), WITH_TEST);
		expect(request.params).toMatchObject({ prompt: 'a lemon', num_inference_steps: 30 });
		expect(request.model).toBe(FLUX_TEST);
		expect(() => validateModelItem(FLUX_TEST, raw({ steps: 99 }), WITH_TEST)).toThrow(
			/Steps.*from 1 to 50/,
		);
		expect(() => validateModelItem(FLUX_TEST, raw({ seed: 3 }), WITH_TEST)).toThrow(
			'Invalid value for "Seed": is not a FLUX Test 9 parameter',
		);
		const three = {
			image: [1, 2, 3].map(() => ({ source: 'url', url: 'https://example.com/a.png' })),
		};
		const refused = (() => {
			try {
				validateModelItem(FLUX_TEST, raw({}, three), WITH_TEST);
			} catch (error) {
				return error as ParameterError;
			}
			return undefined;
		})();
		expect(refused?.problem).toBe('3 reference images; FLUX Test 9 takes at most 2');
		// An expression may give the list as text: one URL, or `binary:<field>`, is one reference; a
		// value that is neither is refused, never dropped.
		expect(
			validateModelItem(FLUX_TEST, raw({}, 'https://example.com/a.png'), WITH_TEST).references,
		).toEqual([{ kind: 'url', url: 'https://example.com/a.png' }]);
		expect(
			validateModelItem(FLUX_TEST, raw({}, ['binary:logo', 'https://example.com/b.png']), WITH_TEST)
				.references,
		).toEqual([
			{ kind: 'binary', property: 'logo' },
			{ kind: 'url', url: 'https://example.com/b.png' },
		]);
		expect(() => validateModelItem(FLUX_TEST, raw({}, 42), WITH_TEST)).toThrow(
			'Reference Images (image 1)": must be a binary field or an image URL',
		);
		// And a field only this model has is refused for the others.
		const flux3 = MODELS.find((m) => m.id === 'flux-3-image')!;
		expect(() => validateModelItem(flux3, raw({ steps: 30 }), WITH_TEST)).toThrow(
			'Invalid value for "Steps": is not a FLUX 3 Image parameter',
		);
	});

	it('appears in docs/models.md’s generated part', () => {
		const table = modelsTable(WITH_TEST, PROVIDERS);
		expect(table).toContain('### FLUX Test 9 (`flux-test-9`)');
		expect(table).toContain('| Steps | `num_inference_steps` | 1–50 | `20` |');
		expect(table).toContain('- Providers: none yet');
		expect(table).toContain('- XX-1: everything');
	});
});

describe('docs/models.md', () => {
	it('holds the generated part for the models and provider lines as declared', () => {
		const doc = readFileSync('docs/models.md', 'utf8');
		const block = /<!-- models:start -->\n([\s\S]*?)\n<!-- models:end -->/.exec(doc)?.[1];
		expect(block, 'docs/models.md between the models markers').toBe(modelsTable(MODELS, PROVIDERS));
	});
});

describe('the editor and the AI Agent tool rules for the declared models', () => {
	const description = new FluxUltra().description;

	it('hides Ultra’s fields and image input for FLUX 3 Image, and shows its own', () => {
		const v2 = shownFor(
			description.properties,
			{ provider: 'bfl', operation: 'generate', model: 'flux-3-image' },
			2,
		);
		expect(v2.top).toEqual(expect.arrayContaining(['model', 'prompt']));
		expect(v2.options).toEqual(
			expect.arrayContaining([
				'referenceImages',
				'resolution',
				'grounding',
				'aspectRatio',
				'safetyTolerance',
			]),
		);
		for (const name of [
			'seed',
			'raw',
			'imageSource',
			'imagePromptStrength',
			'outputFormat',
			'enhancePrompt',
			'megapixels',
		])
			expect(v2.options, name).not.toContain(name);
		const v1 = shownFor(
			description.properties,
			{ provider: 'bfl', operation: 'generate', model: 'flux-2-pro' },
			1,
		);
		expect(v1.top).toEqual(
			expect.arrayContaining([
				'model',
				'prompt',
				'referenceImages',
				'aspectRatio',
				'megapixels',
				'numImages',
				'outputFormat',
			]),
		);
		expect(v1.top).not.toContain('imageSource');
		expect(v1.options).toContain('seed');
		expect(v1.options).not.toContain('raw');
	});

	it('says in the editor when a provider settles the chosen model only at run time (Runflow’s look-up)', () => {
		const notices = description.properties.filter(
			(p) => p.type === 'notice' && p.displayOptions?.show?.model,
		);
		const runflowFlux3 = notices.filter(
			(n) =>
				(n.displayOptions?.show?.provider as string[])[0] === 'runflow' &&
				(n.displayOptions?.show?.model as string[])[0] === 'flux-3-image',
		);
		// One per node version.
		expect(runflowFlux3).toHaveLength(2);
		expect(runflowFlux3[0].displayName).toContain(
			"FLUX 3 Image on Runflow: Runflow publishes no page for it, so the node looks it up in Runflow's models API when it runs (black-forest-labs/flux-3-image",
		);
		// None where the provider serves it.
		expect(
			notices.filter((n) => (n.displayOptions?.show?.provider as string[])[0] === 'bfl'),
		).toHaveLength(0);
	});

	it('Remix and Generate with Fine-Tune stay Ultra’s: no Model field, Ultra’s fields', () => {
		for (const operation of ['remix', 'finetune']) {
			const v2 = shownFor(description.properties, { provider: 'fal', operation }, 2);
			expect(v2.top).not.toContain('model');
			expect(v2.options).toContain('raw');
		}
	});

	it('as an AI Agent tool, the new models’ creative fields may come from $fromAI; Resolution and Megapixels may not (docs/ai-agent-tool.md)', () => {
		const asTool = (model: string, options: Record<string, unknown>) =>
			agentSetField(
				createHarness({
					params: { provider: 'bfl', operation: 'generate', model, prompt: 'x', options: {} },
					storedParams: { options },
					node: {
						type: 'n8n-nodes-flux-ultra.fluxUltraTool',
						name: 'Generate image',
						typeVersion: 2,
					},
				}).ctx,
			);
		const ai = (key: string, type: string) => `={{ $fromAI('${key}', '', '${type}') }}`;
		expect(
			asTool('flux-3-image', {
				grounding: ai('grounding', 'boolean'),
				aspectRatio: ai('ratio', 'string'),
			}),
		).toBeUndefined();
		expect(
			asTool('flux-2-flex', {
				guidance: ai('guidance', 'number'),
				steps: ai('steps', 'number'),
				promptUpsampling: ai('upsampling', 'boolean'),
				seed: ai('seed', 'number'),
			}),
		).toBeUndefined();
		expect(asTool('flux-3-image', { resolution: ai('resolution', 'string') })).toMatchObject({
			field: 'Resolution',
		});
		expect(asTool('flux-2-pro', { megapixels: ai('megapixels', 'string') })).toMatchObject({
			field: 'Megapixels',
		});
	});

	it('as an AI Agent tool, a $fromAI inside a Reference Images entry is refused', () => {
		expect(AGENT_FIXED_FIELDS.map((f) => f.name)).toContain('referenceImages');
		const harness = createHarness({
			params: {
				provider: 'bfl',
				operation: 'generate',
				model: 'flux-3-image',
				prompt: 'x',
				options: {},
			},
			storedParams: {
				options: {
					referenceImages: { image: [{ source: 'url', url: "={{ $fromAI('u', '', 'string') }}" }] },
				},
			},
			node: { type: 'n8n-nodes-flux-ultra.fluxUltraTool', name: 'Generate image', typeVersion: 2 },
		});
		const refused = agentSetField(harness.ctx);
		expect(refused).toMatchObject({ field: 'Reference Images' });
	});
});
