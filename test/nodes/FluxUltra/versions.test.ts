import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { NodeHelpers, type INode, type INodeProperties } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';

import { FluxUltra } from '../../../nodes/FluxUltra/FluxUltra.node';
import { useVirtualClock } from '../../../testkit/harness/clock';
import { createHarness } from '../../../testkit/harness/context';
import { errorOf } from '../../../testkit/harness/errorItems';
import { fakeImages, mockFalJob } from '../../../testkit/harness/falNock';
import { propertiesAt } from '../../../testkit/versions';
import { useNock } from '../../setupNock';
import { runScenario, SCENARIOS, type ScenarioName } from './versionScenarios';

useNock();

const description = new FluxUltra().description;
const before = JSON.parse(
	readFileSync(join(__dirname, 'fixtures/version1-before.json'), 'utf8'),
) as Record<ScenarioName, unknown>;
const names = Object.keys(SCENARIOS) as ScenarioName[];
/** As the node's output travels on: through JSON (undefined keys dropped), as the fixture was written. */
const asJson = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;

/**
 * The one key added to image items since the fixture was recorded: `provenance` (issue 30), what the
 * file carries. Taken out for the comparison with the fixture, after checking it says these files
 * (the mock's, with no Content Credentials) were delivered as they came: the files' SHA-256 in the
 * fixture prove the bytes are the same.
 */
function withoutProvenance(result: unknown): unknown {
	const copy = asJson(result) as { output?: Array<{ json: Record<string, unknown> }> };
	for (const item of copy.output ?? []) {
		if (!('provenance' in item.json)) continue;
		expect(item.json.provenance).toEqual({ c2pa: false, digitalSourceType: null, labelled: false });
		delete item.json.provenance;
	}
	return copy;
}

describe('node versions: a saved workflow keeps its layout, a new node gets version 2', () => {
	it('offers versions 1 and 2, 2 for new nodes', () => {
		expect(description.version).toEqual([1, 2]);
		expect(description.defaultVersion).toBe(2);
	});

	for (const name of names) {
		it(`${name}: a version-1 node with the parameters saved before version 2 sends the same requests and puts out the same items as then`, async () => {
			useVirtualClock();
			expect(withoutProvenance(await runScenario(name, 1))).toEqual(before[name]);
		});

		it(`${name}: a version-2 node with the same settings in its layout sends the same requests and puts out the same items`, async () => {
			useVirtualClock();
			expect(withoutProvenance(await runScenario(name, 2))).toEqual(before[name]);
		});
	}
});

/** The fields n8n keeps at the top level for these settings at a version, defaults filled in, in order. */
function topLevel(version: number, parameters: Record<string, unknown>) {
	const node = { typeVersion: version, parameters } as unknown as INode;
	return Object.keys(
		NodeHelpers.getNodeParameters(
			description.properties,
			parameters as never,
			true,
			false,
			node,
			description,
		) ?? {},
	);
}

/** The Options offered for an operation at a version (collection options shown for it). */
function optionNames(version: number, operation: string) {
	const options = propertiesAt(description.properties, version).find((p) => p.name === 'options')!
		.options as INodeProperties[];
	return options
		.filter((o) => {
			const ops = o.displayOptions?.show?.['/operation'] as string[] | undefined;
			return !ops || ops.includes(operation);
		})
		.map((o) => o.name);
}

describe('the editor at version 2: the short form holds what must be filled in', () => {
	const SHORT_FORM = {
		// Model (issue 29) is Generate's: its default, FLUX 1.1 [pro] Ultra, is what saved workflows run.
		generate: ['provider', 'fallbackFromFal', 'operation', 'model', 'prompt', 'options'],
		remix: ['provider', 'fallbackFromFal', 'operation', 'imageSource', 'imageUrl', 'options'],
		finetune: [
			'provider',
			'fallbackFromFal',
			'operation',
			'finetuneId',
			'finetuneStrength',
			'prompt',
			'options',
		],
		getResult: ['provider', 'fallbackFromFal', 'operation', 'requestId', 'options'],
	};

	for (const [operation, fields] of Object.entries(SHORT_FORM)) {
		it(`${operation}: ${fields.join(', ')}`, () => {
			expect(topLevel(2, { operation })).toEqual(fields);
		});
	}

	it('every top-level input field it shows is required, but the Operation and the Fallback Provider (the failover exemption)', () => {
		for (const operation of Object.keys(SHORT_FORM)) {
			for (const provider of ['fal', 'bfl', 'replicate', 'runflow']) {
				const values = NodeHelpers.getNodeParameters(
					description.properties,
					{ operation, provider },
					true,
					false,
					{ typeVersion: 2 } as INode,
					description,
				)!;
				const shown = propertiesAt(description.properties, 2).filter(
					(p) =>
						!['notice', 'collection'].includes(p.type) &&
						NodeHelpers.displayParameter(values, p, { typeVersion: 2 } as INode, description),
				);
				for (const p of shown) {
					if (p.name === 'operation' || p.name.startsWith('fallbackFrom')) continue;
					expect(p.required, `${operation}/${provider}: ${p.name}`).toBe(true);
				}
			}
		}
	});

	it("lists its top-level options by name: Provider, Operation, Fallback Provider, Remix's Input Image", () => {
		const lists = propertiesAt(description.properties, 2).filter((p) => p.type === 'options');
		expect(lists.length).toBeGreaterThanOrEqual(7);
		for (const p of lists) {
			const labels = (p.options as Array<{ name: string }>).map((o) => o.name);
			expect(labels, p.name).toEqual(
				[...labels].sort((a, b) => a.localeCompare(b, undefined, { sensitivity: 'base' })),
			);
		}
		expect(
			(lists.find((p) => p.name === 'operation')!.options as Array<{ name: string }>).map(
				(o) => o.name,
			),
		).toEqual(['Generate', 'Generate with Fine-Tune', 'Get Result', 'Remix']);
	});

	it('offers every field version 1 shows at the top level but does not require in Options, or requires it at the top level; and every Option of version 1', () => {
		const v1Optional = (operation: string) =>
			topLevel(1, { operation }).filter((name) => {
				const p = propertiesAt(description.properties, 1).find(
					(q) =>
						q.name === name &&
						NodeHelpers.displayParameter(
							{ operation },
							q,
							{ typeVersion: 1 } as INode,
							description,
						),
				);
				return (
					p &&
					p.required !== true &&
					!['provider', 'operation', 'options'].includes(name) &&
					!name.startsWith('fallbackFrom')
				);
			});
		expect(v1Optional('generate')).toEqual([
			'model',
			'imageSource',
			'aspectRatio',
			'numImages',
			'outputFormat',
			'downloadImage',
			'waitForCompletion',
		]);
		expect(v1Optional('getResult')).toEqual(['jobLinks', 'downloadImage']);
		for (const [operation, shortForm] of Object.entries(SHORT_FORM)) {
			const v2 = optionNames(2, operation);
			for (const name of optionNames(1, operation))
				expect(v2, `${operation}: ${name}`).toContain(name);
			for (const name of v1Optional(operation))
				expect([...v2, ...shortForm], `${operation}: ${name}`).toContain(name);
		}
		// Remix needs its image: Input Image is required at the top level in version 2.
		expect(SHORT_FORM.remix).toContain('imageSource');
		// Remix's prompt is optional there: in Options; Generate's image prompt too, with its URL and binary field.
		expect(optionNames(2, 'remix')).toContain('prompt');
		expect(optionNames(2, 'generate')).toEqual(
			expect.arrayContaining(['imageSource', 'imageUrl', 'binaryPropertyName']),
		);
	});

	it('version 1 keeps the layout saved workflows have: the same top-level fields as before, in the same order (and Model, whose default is what they run)', () => {
		expect(topLevel(1, { operation: 'generate' })).toEqual([
			'provider',
			'fallbackFromFal',
			'operation',
			'model',
			'prompt',
			'imageSource',
			'aspectRatio',
			'numImages',
			'outputFormat',
			'downloadImage',
			'waitForCompletion',
			'options',
		]);
		expect(topLevel(1, { operation: 'getResult' })).toEqual([
			'provider',
			'fallbackFromFal',
			'operation',
			'requestId',
			'jobLinks',
			'downloadImage',
			'options',
		]);
	});
});

describe('version 2 at run time', () => {
	const TOOL = {
		type: 'n8n-nodes-flux-ultra.fluxUltraTool',
		name: 'Generate image',
		typeVersion: 2,
	};

	it('as an AI Agent tool, a $fromAI in Options on Number of Images or Image URL is refused, 0 requests', async () => {
		for (const [field, option, value] of [
			['Number of Images', 'numImages', 4],
			['Image URL', 'imageUrl', 'https://attacker.example.com/x.png'],
		] as const) {
			const options = {
				imageSource: 'url',
				imageUrl: 'https://images.example.com/a.png',
				[option]: value,
			};
			const harness = createHarness({
				params: { provider: 'fal', operation: 'generate', prompt: 'a mug', options },
				storedParams: { options: { ...options, [option]: "={{ $fromAI('x', '', 'string') }}" } },
				node: TOOL,
			});
			const [out] = await harness.run();
			expect(harness.requests).toHaveLength(0);
			expect(errorOf(out[0])).toMatchObject({ kind: 'parameter', field });
		}
	});

	it('Continue On Fail: a bad item comes out in place with pairedItem and the field named; the good one runs', async () => {
		useVirtualClock();
		mockFalJob({ images: fakeImages(1), pending: [] });
		const prompts = ['', 'a lemon'];
		const harness = createHarness({
			params: {
				provider: 'fal',
				operation: 'generate',
				prompt: (i: number) => prompts[i],
				options: {},
			},
			items: [{ json: {} }, { json: {} }],
			node: { typeVersion: 2 },
			continueOnFail: true,
		});
		const [out] = await harness.run();
		expect(out).toHaveLength(2);
		expect(out[0].pairedItem).toEqual({ item: 0 });
		expect(errorOf(out[0])).toMatchObject({ kind: 'parameter', field: 'Prompt' });
		expect(out[1].json).toMatchObject({ provider: 'fal', prompt: 'a lemon' });
		expect(out[1].binary?.data).toBeDefined();
	});
});
