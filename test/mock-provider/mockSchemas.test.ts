import nock from 'nock';
import type { INodeExecutionData } from 'n8n-workflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { FAL_MODEL_LINES } from '../../nodes/FluxUltra/providers/fal/fal.models';
import { falInputSchema } from '../../nodes/FluxUltra/providers/fal/fal.schema';
import { REPLICATE_MODEL_LINES } from '../../nodes/FluxUltra/providers/replicate/replicate.models';
import { replicateInputSchema } from '../../nodes/FluxUltra/providers/replicate/replicate.schema';
import { useVirtualClock } from '../../testkit/harness/clock';
import { createHarness } from '../../testkit/harness/context';
import { errorOf } from '../../testkit/harness/errorItems';
import { fakeImages, mockFalJob } from '../../testkit/harness/falNock';
import { mockReplicateJob, REPLICATE_API } from '../../testkit/harness/replicateNock';
import { startMockFal, type MockFal } from '../../testkit/mocks/falServer';
import { startMockReplicate } from '../../testkit/mocks/replicateServer';
import { serveFalSchema, serveReplicateSchema } from '../../testkit/mocks/schemas';
import { useNock } from '../setupNock';

/**
 * The mocks' input schemas (testkit/mocks/schemas.ts): served on the routes fal.ai and Replicate
 * use (fal's model search without a key, Replicate's model API behind it), read by the node's own
 * readers, and in step with every wired line — each model × provider × with and without references
 * runs through the node on them with its fields set away from the defaults, so `npm run demo` and
 * e2e runs check their requests against a schema rather than fall back to the compiled names.
 */

useNock();

describe('the mock servers serve the schemas', () => {
	let fal: MockFal;
	let replicate: Awaited<ReturnType<typeof startMockReplicate>>;
	beforeAll(async () => {
		fal = await startMockFal({ scale: 0.05 });
		replicate = await startMockReplicate({ scale: 0.05 });
	});
	afterAll(async () => {
		await fal.close();
		await replicate.close();
	});

	it('fal: the model search answers every endpoint of every line, without a key', async () => {
		nock.enableNetConnect('127.0.0.1');
		for (const line of Object.values(FAL_MODEL_LINES)) {
			for (const endpoint of [line.endpoint, line.withReferences].filter(Boolean) as string[]) {
				const res = await fetch(
					`${fal.url}/v1/models?endpoint_id=${encodeURIComponent(endpoint)}&expand=openapi-3.0`,
				);
				expect(res.status).toBe(200);
				const read = falInputSchema(await res.json(), endpoint);
				expect('schema' in read, endpoint).toBe(true);
			}
		}
	});

	it('Replicate: the model API answers every line with the key, 401 without', async () => {
		nock.enableNetConnect('127.0.0.1');
		for (const line of Object.values(REPLICATE_MODEL_LINES)) {
			const url = `${replicate.url}/v1/models/${line.endpoint}`;
			expect((await fetch(url)).status).toBe(401);
			const res = await fetch(url, { headers: { authorization: 'Bearer r8_dummy_example' } });
			expect(res.status).toBe(200);
			expect('schema' in replicateInputSchema(await res.json()), line.endpoint).toBe(true);
		}
	});
});

const OPTIONS: Record<string, Record<string, unknown>> = {
	'flux-2-pro': {
		aspectRatio: '16:9',
		megapixels: '2',
		outputFormat: 'png',
		safetyTolerance: '4',
		seed: 5,
	},
	'flux-2-max': { aspectRatio: '4:3', megapixels: '1', outputFormat: 'jpeg', safetyTolerance: '1' },
	'flux-2-flex': { aspectRatio: '1:1', guidance: 5, steps: 30, seed: 7 },
	'flux-3-image': { aspectRatio: '3:2', resolution: '2k', grounding: false, safetyTolerance: '3' },
};

function run(provider: string, model: string, references: number) {
	return createHarness({
		params: {
			provider,
			operation: 'generate',
			model,
			prompt: 'image 1 on a shelf',
			options: {
				...OPTIONS[model],
				...(references
					? {
							referenceImages: {
								image: Array.from({ length: references }, (_, i) => ({
									source: 'url',
									url: `https://images.example.com/${i}.png`,
								})),
							},
						}
					: {}),
			},
		},
		node: { typeVersion: 2 },
		items: [{ json: {} } as INodeExecutionData],
		continueOnFail: true,
	});
}

describe('every wired line passes the mock schema of its endpoint', () => {
	for (const model of Object.keys(FAL_MODEL_LINES)) {
		for (const references of [0, 2]) {
			it(`fal.ai ${model}, ${references} references`, async () => {
				useVirtualClock();
				const line = FAL_MODEL_LINES[model];
				const endpoint = references ? line.withReferences! : line.endpoint;
				nock('https://api.fal.ai')
					.get('/v1/models')
					.query(true)
					.reply((uri) => {
						const served = serveFalSchema('GET', new URL(uri, 'https://api.fal.ai'))!;
						return [served.status, served.body];
					});
				const job = mockFalJob({
					path: `/${endpoint}`,
					app: `/${endpoint.split('/').slice(0, 2).join('/')}`,
				});
				const [out] = await run('fal', model, references).run();
				expect(errorOf(out[0])).toEqual({});
				expect(job.submitted()).toBeDefined();
				expect(out[0].json.schema).toBe('read');
			});
		}
	}
	for (const model of Object.keys(REPLICATE_MODEL_LINES)) {
		for (const references of [0, 2]) {
			it(`Replicate ${model}, ${references} references`, async () => {
				useVirtualClock();
				const line = REPLICATE_MODEL_LINES[model];
				nock(REPLICATE_API)
					.get(`/v1/models/${line.endpoint}`)
					.reply(() => {
						const served = serveReplicateSchema('GET', `/v1/models/${line.endpoint}`)!;
						return [served.status, served.body];
					});
				const job = mockReplicateJob({
					path: `/v1/models/${line.endpoint}/predictions`,
					image: fakeImages(1, 'png')[0],
				});
				const [out] = await run('replicate', model, references).run();
				expect(errorOf(out[0])).toEqual({});
				expect(job.submitted()).toBeDefined();
				expect(out[0].json.schema).toBe('read');
			});
		}
	}
});
