import nock from 'nock';
import { describe, expect, it } from 'vitest';

import { useVirtualClock } from '../../../../testkit/harness/clock';
import {
	createHarness,
	DUMMY_FAL_KEY,
	DUMMY_REPLICATE_KEY,
} from '../../../../testkit/harness/context';
import { errorOf } from '../../../../testkit/harness/errorItems';
import {
	FAL_MODEL_SEARCH,
	fakeImages,
	falModelSearch,
	mockFalJob,
} from '../../../../testkit/harness/falNock';
import { runModel } from '../../../../testkit/harness/modelRun';
import { mockReplicateJob, REPLICATE_API } from '../../../../testkit/harness/replicateNock';
import {
	FAL_SCHEMAS,
	falModelSearchAnswer,
	REPLICATE_SCHEMAS,
	replicateModelAnswer,
	type MockInputSchema,
} from '../../../../testkit/mocks/schemas';
import { useNock } from '../../../setupNock';

/**
 * Issue 29, point 7: for the models beyond Ultra, fal.ai and Replicate publish a machine-readable
 * input schema, read at run time once per endpoint and execution (providers/common/inputSchema.ts):
 * the request goes under the names it lists, a reference count over its `maxItems`, a value outside
 * its enum or an input it does not list is refused before anything is paid for, naming the field
 * and the model; a schema that cannot be read leaves the compiled names, and the item says so.
 * fal's model search is not one of the credential's hosts: it is asked without the key.
 */

useNock();

const FLUX3_T2I = 'blackforestlabs/flux-3/text-to-image';
const FLUX3_EDIT = 'blackforestlabs/flux-3/edit-image';

/** fal's model search for one endpoint, answered `times` times at most; counts the reads and keeps their headers. */
function falSchema(endpoint: string, schema: MockInputSchema = FAL_SCHEMAS[endpoint]) {
	const reads: Array<Record<string, unknown>> = [];
	falModelSearch(endpoint)
		.times(10)
		.reply(function () {
			reads.push({ ...this.req.headers });
			return [200, falModelSearchAnswer(endpoint, schema)];
		});
	return reads;
}

function replicateSchema(model: string, schema: MockInputSchema = REPLICATE_SCHEMAS[model]) {
	const reads: Array<Record<string, unknown>> = [];
	nock(REPLICATE_API)
		.get(`/v1/models/${model}`)
		.times(10)
		.reply(function () {
			reads.push({ ...this.req.headers });
			return [200, replicateModelAnswer(model, schema)];
		});
	return reads;
}

/** A schema with one input taken out, or changed. */
function variant(
	schema: MockInputSchema,
	change: (properties: MockInputSchema['properties']) => void,
): MockInputSchema {
	const properties = structuredClone(schema.properties);
	change(properties);
	return { ...schema, properties };
}

const refs = (n: number) => ({
	referenceImages: {
		image: Array.from({ length: n }, (_, i) => ({
			source: 'url',
			url: `https://images.example.com/ref-${i + 1}.png`,
		})),
	},
});

const run = (
	provider: 'fal' | 'replicate',
	model: string,
	options: Record<string, unknown>,
	items = 1,
) =>
	runModel(provider, model, options, {
		prompt: 'image 1 on a table',
		items: Array.from({ length: items }, () => ({ json: {} })),
		continueOnFail: true,
		executionHints: true,
	});

const posts = (h: ReturnType<typeof createHarness>) =>
	h.requests.filter((r) => r.method === 'POST');

describe('fal.ai: the endpoint schema, read at run time', () => {
	it('read: the request is checked against it and goes out; the item says schema "read"; the key never goes to the model search', async () => {
		useVirtualClock();
		const reads = falSchema(FLUX3_T2I);
		const job = mockFalJob({ model: FLUX3_T2I });
		const h = run('fal', 'flux-3-image', { resolution: '2k', safetyTolerance: '4' });
		const [out] = await h.run();
		expect(errorOf(out[0])).toEqual({});
		expect(reads).toHaveLength(1);
		// fal's model search is public and not the credential's host: no key, in any header.
		expect(JSON.stringify(reads[0])).not.toContain(DUMMY_FAL_KEY);
		expect(reads[0].authorization).toBeUndefined();
		// The submit itself is signed (the queue host).
		const submit = h.requests.find((r) => r.url.includes(`/${FLUX3_T2I}`) && r.method === 'POST');
		expect(submit?.headers.authorization ?? submit?.headers.Authorization).toContain('Key ');
		// The schema lists safety_tolerance as an integer: sent as one.
		expect(job.submitted()).toEqual({
			prompt: 'image 1 on a table',
			aspect_ratio: 'auto',
			resolution: '2k',
			safety_tolerance: 4,
		});
		expect(out[0].json).toMatchObject({ model: 'flux-3-image', schema: 'read' });
	});

	it('read once per endpoint for every item of the execution', async () => {
		useVirtualClock();
		const reads = falSchema(FLUX3_T2I);
		for (let n = 0; n < 3; n++) mockFalJob({ model: FLUX3_T2I, requestId: `r${n}` });
		const [out] = await run('fal', 'flux-3-image', {}, 3).run();
		expect(out.map((o) => o.json.schema)).toEqual(['read', 'read', 'read']);
		expect(reads).toHaveLength(1);
	});

	it('a schema maxItems of 4: 5 references are refused before any paid request', async () => {
		useVirtualClock();
		falSchema(
			FLUX3_EDIT,
			variant(FAL_SCHEMAS[FLUX3_EDIT], (p) => (p.image_urls.maxItems = 4)),
		);
		const h = run('fal', 'flux-3-image', refs(5));
		const [out] = await h.run();
		expect(errorOf(out[0]).message).toMatch(/Reference Images/);
		expect(String(errorOf(out[0]).message) + String(errorOf(out[0]).description)).toMatch(
			/5 reference images; fal\.ai's FLUX 3 Image .*takes at most 4/,
		);
		expect(posts(h)).toEqual([]);
	});

	it('an input the node sends that the schema does not list is refused, naming the field and the model', async () => {
		useVirtualClock();
		falSchema(
			FLUX3_T2I,
			variant(FAL_SCHEMAS[FLUX3_T2I], (p) => delete p.grounding),
		);
		const h = run('fal', 'flux-3-image', { grounding: false });
		const [out] = await h.run();
		const text = `${errorOf(out[0]).message} ${errorOf(out[0]).description}`;
		expect(text).toMatch(/Grounding/);
		expect(text).toMatch(/FLUX 3 Image/);
		expect(text).toMatch(/takes no input "grounding"/);
		expect(posts(h)).toEqual([]);
	});

	it('a value outside the enum the schema lists is refused before any paid request', async () => {
		useVirtualClock();
		falSchema(
			FLUX3_T2I,
			variant(FAL_SCHEMAS[FLUX3_T2I], (p) => (p.resolution.enum = ['1k', '2k'])),
		);
		const h = run('fal', 'flux-3-image', { resolution: '4k' });
		const [out] = await h.run();
		const text = `${errorOf(out[0]).message} ${errorOf(out[0]).description}`;
		expect(text).toMatch(/Resolution/);
		expect(text).toMatch(/accepts "resolution" only as "1k", "2k", not "4k"/);
		expect(posts(h)).toEqual([]);
	});

	it('unreadable (fal answers 500): the compiled names are sent, the item says schema "compiled", one hint', async () => {
		useVirtualClock();
		nock(FAL_MODEL_SEARCH).get('/v1/models').query(true).times(5).reply(500, { detail: 'down' });
		const job = mockFalJob({ model: FLUX3_T2I });
		const h = run('fal', 'flux-3-image', { grounding: false });
		const [out] = await h.run();
		expect(job.submitted()).toEqual({
			prompt: 'image 1 on a table',
			aspect_ratio: 'auto',
			grounding: false,
		});
		expect(out[0].json).toMatchObject({ schema: 'compiled' });
		const schemaHints = h.hints.filter((hint) => /input schema/.test(hint.message));
		expect(schemaHints).toHaveLength(1);
		expect(schemaHints[0].message).toMatch(/compiled names/);
	});

	it('FLUX 1.1 [pro] Ultra reads no schema: its saved-workflow request is unchanged', async () => {
		useVirtualClock();
		mockFalJob();
		const h = run('fal', 'ultra', {});
		const [out] = await h.run();
		expect(out[0].json.schema).toBeUndefined();
		expect(h.requests.some((r) => r.url.startsWith(FAL_MODEL_SEARCH))).toBe(false);
	});
});

describe('Replicate: the model schema (latest version), read at run time', () => {
	it('read with the key on the API host; an UNCONFIRMED name the schema lists otherwise is mapped', async () => {
		useVirtualClock();
		const model = 'black-forest-labs/flux-2-flex';
		const reads = replicateSchema(
			model,
			variant(REPLICATE_SCHEMAS[model], (p) => {
				p.guidance_scale = p.guidance;
				delete p.guidance;
			}),
		);
		const job = mockReplicateJob({
			model,
			image: fakeImages(1, 'jpeg')[0],
		});
		const [out] = await run('replicate', 'flux-2-flex', { guidance: 6, steps: 40 }).run();
		expect(errorOf(out[0])).toEqual({});
		expect(reads).toHaveLength(1);
		expect(reads[0].authorization).toBe(`Bearer ${DUMMY_REPLICATE_KEY}`);
		const input = job.submitted()?.input as Record<string, unknown>;
		expect(input.guidance_scale).toBe(6);
		expect(input).not.toHaveProperty('guidance');
		expect(input.steps).toBe(40);
		expect(out[0].json).toMatchObject({ schema: 'read' });
	});

	it('an output format outside the schema enum is refused before the prediction is created', async () => {
		useVirtualClock();
		const model = 'black-forest-labs/flux-2-pro';
		const schema = structuredClone(REPLICATE_SCHEMAS[model]);
		schema.components!.output_format.enum = ['webp', 'png'];
		replicateSchema(model, schema);
		const h = run('replicate', 'flux-2-pro', { outputFormat: 'jpeg' });
		const [out] = await h.run();
		const text = `${errorOf(out[0]).message} ${errorOf(out[0]).description}`;
		expect(text).toMatch(/Output Format/);
		expect(text).toMatch(/Replicate's FLUX\.2 \[pro\]/);
		expect(text).toMatch(/not "jpg"/);
		expect(posts(h)).toEqual([]);
	});

	it('404 for the model: the compiled names, marked in the item', async () => {
		useVirtualClock();
		const model = 'black-forest-labs/flux-3-image';
		nock(REPLICATE_API).get(`/v1/models/${model}`).reply(404, { detail: 'Not found.' });
		const job = mockReplicateJob({ model });
		const [out] = await run('replicate', 'flux-3-image', {}).run();
		expect((job.submitted()?.input as Record<string, unknown>).output_format).toBe('png');
		expect(out[0].json).toMatchObject({ schema: 'compiled' });
	});
});
