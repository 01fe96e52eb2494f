import nock from 'nock';
import { describe, expect, vi } from 'vitest';

import { clock } from '../../nodes/FluxUltra/shared/clock';
import {
	readInputSchema,
	SCHEMA_ENUM_MAX,
	SCHEMA_PROPERTIES_MAX,
	SCHEMA_TIMEOUT_MS,
} from '../../nodes/FluxUltra/providers/common/inputSchema';
import { useVirtualClock } from '../../testkit/harness/clock';
import { errorOf } from '../../testkit/harness/errorItems';
import { FAL_MODEL_SEARCH, falModelSearch, mockFalJob } from '../../testkit/harness/falNock';
import { runModel } from '../../testkit/harness/modelRun';
import {
	FAL_SCHEMAS,
	falModelSearchAnswer,
	type MockInputSchema,
} from '../../testkit/mocks/schemas';
import { useNock } from '../setupNock';
import { attack } from './attack';

/**
 * Hostile input schemas (issue 29, point 7): fal's model search and Replicate's model API decide
 * what their schema answers hold, and so does a proxy in front of them. Whatever they send — huge,
 * deeply nested, wrongly typed, a `maxItems` of a billion, an enum of 100,000 values, `$ref` cycles,
 * `__proto__` — reading it is bounded, never crashes, and ends either in a schema the node checks
 * against or in the compiled names (the item says `schema: "compiled"`); nothing is paid for on a
 * schema that was read and contradicts the line.
 */

useNock();

const FINDING = 'schemas: hostile model schema';
const T2I = 'blackforestlabs/flux-3/text-to-image';
const EDIT = 'blackforestlabs/flux-3/edit-image';

function answer(endpoint: string, body: unknown, status = 200) {
	falModelSearch(endpoint).reply(status, body as nock.Body);
}

const run = (options: Record<string, unknown> = {}) =>
	runModel('fal', 'flux-3-image', options, {
		prompt: 'a cat',
		items: [{ json: {} }],
		continueOnFail: true,
		executionHints: true,
	});

const refs = (n: number) => ({
	referenceImages: {
		image: Array.from({ length: n }, (_, i) => ({
			source: 'url',
			url: `https://images.example.com/${i}.png`,
		})),
	},
});

/** Runs one FLUX 3 text-to-image item; the job is mocked and expected to go out. */
async function runsCompiled(why: RegExp) {
	const job = mockFalJob({ model: T2I });
	const h = run();
	const [out] = await h.run();
	expect(errorOf(out[0])).toEqual({});
	expect(job.submitted()).toBeDefined();
	expect(out[0].json.schema).toBe('compiled');
	const hint = h.hints.find((x) => /input schema/.test(x.message));
	expect(hint?.message).toMatch(why);
	expect(hint!.message.length).toBeLessThanOrEqual(1000);
}

const withInputs = (properties: unknown, extra: Record<string, unknown> = {}): MockInputSchema =>
	({ ...FAL_SCHEMAS[T2I], properties, ...extra }) as MockInputSchema;

describe('hostile fal.ai schemas, through the node', () => {
	attack(FINDING, 'an answer over 2 MB is not read: the compiled names go out', async () => {
		useVirtualClock();
		const huge = falModelSearchAnswer(T2I, FAL_SCHEMAS[T2I]) as { pad?: string };
		huge.pad = 'x'.repeat(3 * 1024 * 1024);
		answer(T2I, huge);
		await runsCompiled(/larger than 2 MB/);
	});

	attack(
		FINDING,
		'an enum of 100,000 values is unreadable, not walked value by value in a message',
		async () => {
			useVirtualClock();
			const schema = structuredClone(FAL_SCHEMAS[T2I]);
			schema.properties.aspect_ratio.enum = Array.from({ length: 100_000 }, (_, i) => `${i}:1`);
			answer(T2I, falModelSearchAnswer(T2I, schema));
			await runsCompiled(new RegExp(`more than ${SCHEMA_ENUM_MAX} values`));
		},
	);

	attack(FINDING, '30,000 inputs (under 2 MB): unreadable', async () => {
		useVirtualClock();
		const properties = Object.fromEntries(
			Array.from({ length: 30_000 }, (_, i) => [`i${i}`, { type: 'string' }]),
		);
		answer(T2I, falModelSearchAnswer(T2I, withInputs(properties)));
		await runsCompiled(new RegExp(`more than ${SCHEMA_PROPERTIES_MAX} inputs`));
	});

	attack(FINDING, 'wrong types (maxItems as text, properties as a list): unreadable', async () => {
		useVirtualClock();
		answer(T2I, falModelSearchAnswer(T2I, withInputs([{ prompt: { type: 'string' } }])));
		await runsCompiled(/lists no inputs/);
	});

	attack(FINDING, 'a maxItems of 1e9 does not raise the model’s own limit of 10', async () => {
		useVirtualClock();
		const schema = structuredClone(FAL_SCHEMAS[EDIT]);
		schema.properties.image_urls.maxItems = 1e9;
		answer(EDIT, falModelSearchAnswer(EDIT, schema));
		const h = run(refs(11));
		const [out] = await h.run();
		expect(`${errorOf(out[0]).message} ${errorOf(out[0]).description}`).toMatch(/at most 10/);
		expect(h.requests.filter((r) => r.method === 'POST')).toEqual([]);
	});

	attack(
		FINDING,
		'a 100,000-deep nesting, a $ref cycle and __proto__ refs are read without a crash',
		async () => {
			useVirtualClock();
			const deep = `${'{"a":'.repeat(100_000)}{}${'}'.repeat(100_000)}`;
			const schema = structuredClone(FAL_SCHEMAS[T2I]);
			schema.properties.resolution = { $ref: '#/components/schemas/Loop' };
			schema.properties.grounding = { $ref: '#/components/schemas/__proto__', type: 'boolean' };
			schema.components = {
				Loop: { $ref: '#/components/schemas/Back' },
				Back: { allOf: [{ $ref: '#/components/schemas/Loop' }] },
			};
			const text = JSON.stringify(falModelSearchAnswer(T2I, schema)).replace(
				'"info":{',
				`"x-deep":${deep},"info":{`,
			);
			nock(FAL_MODEL_SEARCH)
				.get('/v1/models')
				.query(true)
				.reply(200, text, { 'content-type': 'application/json' });
			const job = mockFalJob({ model: T2I });
			const [out] = await run({ resolution: '2k', grounding: false }).run();
			expect(errorOf(out[0])).toEqual({});
			expect(job.submitted()).toMatchObject({ resolution: '2k', grounding: false });
			expect(out[0].json.schema).toBe('read');
			expect(({} as Record<string, unknown>).type).toBeUndefined();
		},
	);

	attack(FINDING, 'a refusal quoting 150 inputs of 5,000 characters each stays short', async () => {
		useVirtualClock();
		const properties = Object.fromEntries(
			Array.from({ length: 150 }, (_, i) => [`${'n'.repeat(5000)}${i}`, { type: 'string' }]),
		);
		properties.prompt = { type: 'string' };
		properties.aspect_ratio = { type: 'string' };
		answer(T2I, falModelSearchAnswer(T2I, withInputs(properties)));
		const h = run({ grounding: false });
		const [out] = await h.run();
		const error = errorOf(out[0]);
		expect(String(error.message)).toMatch(/Grounding/);
		expect(`${error.message}${error.description ?? ''}`.length).toBeLessThanOrEqual(2000);
		expect(h.requests.filter((r) => r.method === 'POST')).toEqual([]);
	});

	attack(
		FINDING,
		'a redirect (to an internal address) is not followed: the compiled names go out',
		async () => {
			useVirtualClock();
			nock(FAL_MODEL_SEARCH)
				.get('/v1/models')
				.query(true)
				.reply(302, falModelSearchAnswer(T2I, FAL_SCHEMAS[T2I]), {
					location: 'http://169.254.169.254/latest/meta-data/',
				});
			const metadata = nock('http://169.254.169.254').get(/.*/).reply(200, {});
			await runsCompiled(/HTTP 302/);
			expect(metadata.isDone()).toBe(false);
		},
	);

	attack(
		FINDING,
		'a model search that never answers ends at the schema timeout, then the compiled names go out',
		async () => {
			useVirtualClock();
			// The request timers run on real time (clock.ioTimer): the first one armed is the schema read's.
			// It is recorded and fired at once, so the test does not wait the real 10 s.
			const armed: number[] = [];
			const real = clock.ioTimer.bind(clock);
			vi.spyOn(clock, 'ioTimer').mockImplementation((ms: number, signal?: AbortSignal) => {
				armed.push(ms);
				return armed.length === 1 ? Promise.resolve() : real(ms, signal);
			});
			nock(FAL_MODEL_SEARCH).get('/v1/models').query(true).delay(3_600_000).reply(200, {});
			await runsCompiled(/timed out|time/i);
			expect(armed[0]).toBeLessThanOrEqual(SCHEMA_TIMEOUT_MS);
		},
	);
});

describe('readInputSchema on hostile shapes', () => {
	attack(FINDING, 'each wrong type is unreadable, never a crash or a partial schema', () => {
		const cases: Array<[unknown, unknown]> = [
			[null, undefined],
			['text', undefined],
			[{ properties: 'x' }, undefined],
			[{ properties: { a: 1 } }, undefined],
			[{ properties: { a: { enum: 'abc' } } }, undefined],
			[{ properties: { a: { enum: [{ x: 1 }] } } }, undefined],
			[{ properties: { a: { maxItems: '4' } } }, undefined],
			[{ properties: { a: { maxItems: -1 } } }, undefined],
			[{ properties: { a: { maxItems: 1.5 } } }, undefined],
			[{ properties: { a: { minimum: 'low' } } }, undefined],
			[{ properties: { a: {} }, required: { a: true } }, undefined],
			[{ properties: { a: {} }, required: [1] }, undefined],
		];
		for (const [schema, components] of cases) {
			const read = readInputSchema(schema, components, 'test');
			expect('unreadable' in read, JSON.stringify(schema)).toBe(true);
		}
	});

	attack(FINDING, 'refs only into components.schemas, own keys only', () => {
		const read = readInputSchema(
			{
				properties: {
					a: { $ref: '#/components/schemas/toString' },
					b: { $ref: 'https://evil.example.com/schema.json' },
					c: { $ref: '#/components/schemas/E' },
				},
			},
			{ E: { type: 'string', enum: ['x'] } },
			'test',
		);
		expect('schema' in read).toBe(true);
		if (!('schema' in read)) return;
		expect(read.schema.inputs.get('a')).toEqual({
			hasDefault: false,
			minimum: undefined,
			maximum: undefined,
		});
		expect(read.schema.inputs.get('b')?.enum).toBeUndefined();
		expect(read.schema.inputs.get('c')?.enum).toEqual(['x']);
	});
});
