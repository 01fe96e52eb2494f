import fc from 'fast-check';
import { NodeOperationError } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';

import {
	ASPECT_RATIOS,
	IMAGE_INPUT,
	NODE_OPTION_PARAMS,
	OPERATIONS,
	PROVIDER_PARAMS,
} from '../../nodes/FluxUltra/parameters/table';
import {
	createHarness,
	DUMMY_BFL_KEY,
	DUMMY_FAL_KEY,
	DUMMY_REPLICATE_KEY,
	DUMMY_RUNFLOW_KEY,
} from '../../testkit/harness/context';
import { useNock } from '../setupNock';
import { findSecrets } from './leaks';

useNock();

/**
 * Random invalid parameter sets, as a workflow or an expression could produce them: wrong types,
 * out-of-range numbers, unknown choices, hostile URLs, over-long text. Each set breaks one to three
 * fields and keeps the rest valid. Every one must be refused with an error naming a broken field
 * and the item, before any HTTP request.
 */

const RUNS = Number(process.env.FUZZ_RUNS ?? 1000);
const SEED = Number(process.env.FUZZ_SEED ?? 424242);

const NUMERAL = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?\s*$/i;
const text = fc.string({ minLength: 1, maxLength: 24 }).filter((s) => s.trim() !== '');
const notNumeral = text.filter((s) => !NUMERAL.test(s));
const junk = fc.oneof(
	fc.object({ maxDepth: 1 }),
	fc.array(fc.integer(), { minLength: 1, maxLength: 3 }),
);
const notIn = (values: readonly string[]) => text.filter((s) => !values.includes(s.trim()));

/** Invalid values per field, keyed by n8n parameter name. */
const INVALID: Record<string, fc.Arbitrary<unknown>> = {
	prompt: fc.oneof(
		fc.constantFrom('', '   ', '\n\t'),
		fc.boolean(),
		junk,
		fc.constant(`${'x'.repeat(10_001)}`),
	),
	aspectRatio: fc.oneof(notIn(ASPECT_RATIOS), fc.double(), fc.boolean(), junk),
	numImages: fc.oneof(
		fc.integer({ min: 5 }),
		fc.integer({ max: 0 }),
		fc.double({ min: 1.01, max: 3.99, noNaN: true }).filter((n) => !Number.isInteger(n)),
		fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, null),
		notNumeral,
		fc.boolean(),
		junk,
	),
	outputFormat: fc.oneof(notIn(['jpeg', 'png']), fc.integer(), junk),
	enhancePrompt: fc.oneof(
		fc.integer(),
		notIn(['true', 'false', 'TRUE', 'FALSE', 'True', 'False']).filter(
			(s) => !['true', 'false'].includes(s.trim().toLowerCase()),
		),
		junk,
		fc.constant(null),
	),
	raw: fc.oneof(fc.integer(), fc.constantFrom('yes', 'no', '1', 'on'), junk, fc.constant(null)),
	syncMode: fc.oneof(fc.double(), fc.constantFrom('y', 'off', '0'), junk),
	imagePromptStrength: fc.oneof(
		fc.double({ min: 1.0001, max: 1e9, noNaN: true }),
		fc.double({ min: -1e9, max: -0.0001, noNaN: true }),
		fc.constantFrom(Number.NaN, null),
		notNumeral,
		fc.boolean(),
		junk,
	),
	safetyTolerance: fc.oneof(
		fc.integer({ min: 7 }),
		fc.integer({ max: 0 }),
		notIn(['1', '2', '3', '4', '5', '6']),
		junk,
	),
	seed: fc.oneof(
		fc.integer({ max: -1 }),
		fc.double({ min: 0.5, max: 1e6, noNaN: true }).filter((n) => !Number.isInteger(n)),
		fc.constantFrom(2 ** 53, 1e300, Number.NaN),
		notNumeral,
		fc.boolean(),
		junk,
	),
	timeout: fc.oneof(
		fc.integer({ max: 9 }),
		fc.integer({ min: 3601 }),
		notNumeral,
		fc.boolean(),
		fc.constant(null),
	),
	maxImageSize: fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 201 }), notNumeral, junk),
	binaryPropertyOutput: fc.oneof(
		fc.constantFrom('', '  '),
		text.filter((s) => !/^[\w.-]+$/.test(s.trim())),
		fc.constant('f'.repeat(101)),
		junk,
	),
	fileName: fc.oneof(fc.constantFrom('', '   '), fc.constant('n'.repeat(201)), fc.boolean(), junk),
	imageUrl: fc.oneof(
		fc.constantFrom(
			'ftp://x.example/a.png',
			'javascript:alert(1)',
			'file:///etc/passwd',
			'not a url',
			'//x.example/a.png',
			'https://user:pw@x.example/a.png',
			'data:text/html;base64,PGI+aGk8L2I+',
			'data:image/png;base64,@@@',
			'',
		),
		fc.webUrl().map((u) => u.replace(/^https?:/, 'gopher:')),
		fc.constant(`https://x.example/${'a'.repeat(2048)}`),
		junk,
	),
	imageSource: notIn(['none', 'url', 'binary']),
	binaryPropertyName: fc.oneof(fc.constantFrom('', '   '), fc.constantFrom('missing', 'photo2')),
	operation: notIn(OPERATIONS),
};

const TABLE = [...PROVIDER_PARAMS, ...NODE_OPTION_PARAMS];
const OPTIONS = new Set<string>(TABLE.filter((p) => p.placement === 'options').map((p) => p.name));
const DISPLAY: Record<string, string> = {
	...Object.fromEntries(TABLE.map((p) => [p.name, p.displayName])),
	imageUrl: IMAGE_INPUT.url.displayName,
	imageSource: IMAGE_INPUT.source.displayName,
	binaryPropertyName: IMAGE_INPUT.binary.displayName,
	operation: 'Operation',
};

/**
 * A valid parameter set for a provider: Generate with Sync Mode off, which every provider honours,
 * and Enhance Prompt off on Replicate, which refuses it.
 */
const validParams = fc
	.record({
		provider: fc.constantFrom('fal', 'runflow', 'bfl', 'replicate'),
		prompt: fc.string({ minLength: 1, maxLength: 200 }).filter((s) => s.trim() !== ''),
		aspectRatio: fc.constantFrom(...ASPECT_RATIOS),
		numImages: fc.integer({ min: 1, max: 4 }),
		outputFormat: fc.constantFrom('jpeg', 'png'),
		options: fc.record(
			{
				enhancePrompt: fc.boolean(),
				raw: fc.boolean(),
				imagePromptStrength: fc.double({ min: 0, max: 1, noNaN: true }),
				safetyTolerance: fc.constantFrom('1', '2', '3', '4', '5', '6'),
				seed: fc.integer({ min: 0, max: 2 ** 31 }),
				timeout: fc.integer({ min: 10, max: 3600 }),
			},
			{ requiredKeys: [] },
		),
	})
	.map((p) =>
		p.provider === 'replicate' ? { ...p, options: { ...p.options, enhancePrompt: false } } : p,
	);

const brokenSet = fc
	.tuple(
		validParams,
		fc.uniqueArray(fc.constantFrom(...Object.keys(INVALID)), { minLength: 1, maxLength: 3 }),
	)
	.chain(([base, keys]) =>
		fc.tuple(fc.constant(base), fc.constant(keys), fc.tuple(...keys.map((k) => INVALID[k]))),
	);

function assemble(base: Record<string, unknown>, keys: string[], values: unknown[]) {
	const params: Record<string, unknown> = {
		...base,
		operation: 'generate',
		imageSource: 'none',
		options: { ...(base.options as object) },
	};
	const options = params.options as Record<string, unknown>;
	keys.forEach((key, n) => {
		if (OPTIONS.has(key)) options[key] = values[n];
		else params[key] = values[n];
	});
	// An image field matters only with its source picked (unless the source itself is broken).
	if (keys.includes('imageUrl') && !keys.includes('imageSource')) params.imageSource = 'url';
	if (keys.includes('binaryPropertyName') && !keys.includes('imageSource'))
		params.imageSource = 'binary';
	return params;
}

describe('fuzz: invalid parameter sets', () => {
	it(`${RUNS} random invalid sets are all refused, naming a broken field, with zero requests`, async ({
		task,
	}) => {
		const named = new Map<string, number>();
		const errors: unknown[] = [];
		let requests = 0;
		let runs = 0;
		const started = Date.now();

		await fc.assert(
			fc.asyncProperty(brokenSet, async ([base, keys, values]) => {
				runs++;
				const params = assemble(base, keys, values);
				const harness = createHarness({
					params,
					items: [{ json: {}, binary: { photo: { data: 'iVBORw0KGgo=', mimeType: 'image/png' } } }],
				});
				const error = await harness.fail();
				errors.push(error);
				requests += harness.requests.length;
				expect(error).toBeInstanceOf(NodeOperationError);
				const field = /^Invalid value for "([^"]+)": .+ \[item 0\]$/s.exec(error.message)?.[1];
				expect(field, error.message).toBeDefined();
				expect(
					keys.map((k) => DISPLAY[k]),
					`${error.message} for ${JSON.stringify(keys)}`,
				).toContain(field);
				expect(harness.requests).toHaveLength(0);
				named.set(field!, (named.get(field!) ?? 0) + 1);
			}),
			{ numRuns: RUNS, seed: SEED },
		);

		const leaks = findSecrets(
			[DUMMY_FAL_KEY, DUMMY_RUNFLOW_KEY, DUMMY_BFL_KEY, DUMMY_REPLICATE_KEY],
			{ errors },
		);
		expect(leaks).toEqual([]);
		expect(runs).toBeGreaterThanOrEqual(RUNS);
		expect(requests).toBe(0);
		task.meta.figures = [
			`invalid sets ${runs} (1–3 broken fields each, all four providers; seed ${SEED}), refused ${runs}, HTTP requests 0, key in errors ${leaks.length}`,
			`fields named: ${[...named.entries()]
				.sort((a, b) => b[1] - a[1])
				.map(([f, n]) => `${f} ${n}`)
				.join(', ')}`,
			`wall ${Date.now() - started} ms`,
		].join('\n');
	});
});
