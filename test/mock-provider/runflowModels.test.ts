import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { imageSize } from '../../nodes/FluxUltra/job/downloads';
import { createHarness } from '../../testkit/harness/context';
import { errorOf } from '../../testkit/harness/errorItems';
import { makePng } from '../../testkit/mocks/images';
import { startMockRunflow, type MockRunflow } from '../../testkit/mocks/runflowServer';

/**
 * FLUX.2 [pro], [max], [flex] and FLUX 3 Image on the loopback mock Runflow (what `npm run mocks`
 * and the demo run): the mock's models API serves our guess of each slug's inputs
 * (testkit/mocks/runflowModels.ts), its runs are checked against them, and the node looks each slug
 * up before it runs it.
 */
describe('the new models against the loopback mock Runflow', () => {
	let mock: MockRunflow;
	let bare: MockRunflow;
	beforeAll(async () => {
		nock.enableNetConnect('127.0.0.1');
		mock = await startMockRunflow({ latencyMs: 200, scale: 0.05 });
		bare = await startMockRunflow({ latencyMs: 200, scale: 0.05, fluxModels: [] });
	});
	afterAll(async () => {
		await mock.close();
		await bare.close();
	});

	const logo = makePng(300, 300, 5);
	const item = {
		json: {},
		binary: { logo: { data: logo.toString('base64'), mimeType: 'image/png', fileName: 'l.png' } },
	};
	const run = (server: MockRunflow, model: string, options: Record<string, unknown> = {}) =>
		createHarness({
			params: {
				provider: 'runflow',
				operation: 'generate',
				model,
				prompt: 'the logo from image 1 on a mug',
				options,
			},
			node: { typeVersion: 2 },
			items: [item],
			credentials: { runflowApi: { apiKey: 'rf_live_dummy_example', baseUrl: server.url } },
			continueOnFail: true,
		}).run();
	const withLogo = {
		referenceImages: { image: [{ source: 'binary', binaryPropertyName: 'logo' }] },
	};

	for (const [model, slug] of [
		['flux-2-pro', 'black-forest-labs/flux-2-pro'],
		['flux-2-max', 'black-forest-labs/flux-2-max'],
		['flux-2-flex', 'black-forest-labs/flux-2-flex'],
		['flux-3-image', 'black-forest-labs/flux-3-image'],
	] as const) {
		it(`${model}: ${slug} without references, ${slug}/edit with one (uploaded as an asset)`, async () => {
			const [plain] = await run(mock, model);
			expect(plain[0].json.error).toBeUndefined();
			expect(plain[0].json).toMatchObject({ provider: 'runflow', model });
			expect([...mock.runs.values()].pop()!.model).toBe(slug);

			const [edited] = await run(mock, model, withLogo);
			expect(edited[0].json.error).toBeUndefined();
			const last = [...mock.runs.values()].pop()!;
			expect(last.model).toBe(`${slug}/edit`);
			const asset = [...mock.assets.values()].pop()!;
			expect(last.input.image_urls).toEqual([expect.stringContaining(`/assets/${asset.id}`)]);
			expect(imageSize(Buffer.from(edited[0].binary!.data.data, 'base64'))).toBeDefined();
		});
	}

	it('a mock that serves none of them answers 404: the item is refused, no run is created, nothing uploaded', async () => {
		const before = { ...bare.counts };
		const [out] = await run(bare, 'flux-3-image', withLogo);
		expect(errorOf(out[0])).toMatchObject({ kind: 'parameter', field: 'Model' });
		expect(errorOf(out[0]).message).toContain('FLUX 3 Image is not available on Runflow');
		expect(bare.counts.models - before.models).toBe(1);
		expect(bare.counts.create - before.create).toBe(0);
		expect(bare.counts.uploadCreate - before.uploadCreate).toBe(0);
	});
});
