import nock from 'nock';
import { describe, expect, it } from 'vitest';

import { flux2Size } from '../../../../nodes/FluxUltra/parameters/models/flux2Pro';
import { useVirtualClock } from '../../../../testkit/harness/clock';
import { errorOf } from '../../../../testkit/harness/errorItems';
import { fakeImages } from '../../../../testkit/harness/falNock';
import { binaryItem, runModel, type ModelRun } from '../../../../testkit/harness/modelRun';
import {
	mockRunflowJob,
	mockRunflowSlug,
	mockRunflowUpload,
	RUNFLOW_API,
} from '../../../../testkit/harness/runflowNock';
import { makePng } from '../../../../testkit/mocks/images';
import { RUNFLOW_FLUX_MODELS } from '../../../../testkit/mocks/runflowModels';
import { useNock } from '../../../setupNock';

/**
 * FLUX.2 [pro], [max], [flex] and FLUX 3 Image on Runflow (issue 29), through the node on nock over
 * the real HTTP path. Runflow publishes no docs page for these slugs (RF-45), so the node looks each
 * slug up in Runflow's models API before any paid request and maps its fields onto the inputs the
 * schema lists: a 404 refuses the item naming the providers that serve the model, a field the schema
 * lacks is refused naming it, a look-up that fails makes no paid request, the spend cap counts the
 * model on Runflow.
 */

useNock();

const PRO = 'black-forest-labs/flux-2-pro';
const MAX = 'black-forest-labs/flux-2-max';
const FLEX = 'black-forest-labs/flux-2-flex';
const FLUX3 = 'black-forest-labs/flux-3-image';

const LOGO = makePng(300, 300, 4);

const run = (
	model: string,
	options: Record<string, unknown>,
	extra: Partial<ModelRun> = {},
	params: Record<string, unknown> = {},
) =>
	runModel('runflow', model, options, {
		prompt: 'the logo from image 1 on the mug from image 2',
		params,
		items: [binaryItem({ logo: LOGO })],
		continueOnFail: true,
		...extra,
	});

const refs = {
	image: [
		{ source: 'binary', binaryPropertyName: 'logo' },
		{ source: 'url', url: 'https://images.example.com/mug.png' },
	],
};

/** Requests that could cost money: every one but the models API's GETs. */
const paid = (h: { requests: Array<{ method: string; url: string }> }) =>
	h.requests.filter((r) => !(r.method === 'GET' && r.url.startsWith(`${RUNFLOW_API}/v1/models/`)));

describe('FLUX.2 [pro] on Runflow', () => {
	it('without references: looks the slug up, then runs it with the fields under the names its inputs list', async () => {
		useVirtualClock();
		const lookup = mockRunflowSlug(PRO);
		const job = mockRunflowJob({ model: PRO, seed: 9 });
		const h = run('flux-2-pro', {
			aspectRatio: '3:2',
			megapixels: '1',
			seed: 9,
			safetyTolerance: 4,
		});
		const [out] = await h.run();
		expect(lookup.isDone()).toBe(true);
		expect(job.submitted()?.input).toEqual({
			prompt: 'the logo from image 1 on the mug from image 2',
			seed: 9,
			output_format: 'jpeg',
			safety_tolerance: '4',
			image_size: flux2Size('3:2', 1),
		});
		expect(out[0].json).toMatchObject({
			provider: 'runflow',
			model: 'flux-2-pro',
			seed: 9,
			cost: { usd: 0.03, source: 'list_price' },
		});
		// The look-up came before the run.
		const urls = h.requests.map((r) => `${r.method} ${r.url}`);
		expect(urls.indexOf(`GET ${RUNFLOW_API}/v1/models/${PRO}`)).toBeLessThan(
			urls.indexOf(`POST ${RUNFLOW_API}/v1/models/${PRO}/runs`),
		);
	});

	it("with references: the /edit slug, image_urls in order (a binary uploaded as a Runflow asset, then a URL as it is); Match First Reference is image_size auto; Runflow's own cost wins", async () => {
		useVirtualClock();
		mockRunflowSlug(`${PRO}/edit`);
		const upload = mockRunflowUpload();
		const job = mockRunflowJob({ model: `${PRO}/edit`, cost: '0.0615' });
		const [out] = await run('flux-2-pro', { aspectRatio: 'match', referenceImages: refs }).run();
		expect(job.submitted()?.input).toMatchObject({
			image_urls: [upload.assetUrl, 'https://images.example.com/mug.png'],
			image_size: 'auto',
		});
		expect(out[0].json.cost).toEqual({ usd: 0.0615, source: 'provider' });
	});

	it('looks each slug up once per execution, whatever the number of items', async () => {
		useVirtualClock();
		mockRunflowSlug(PRO); // answers once: a second look-up would find no interceptor
		mockRunflowJob({ model: PRO });
		mockRunflowJob({ model: PRO });
		const h = run('flux-2-pro', {}, { items: [binaryItem(), binaryItem()] });
		const [out] = await h.run();
		expect(out.map((o) => o.json.error)).toEqual([undefined, undefined]);
		expect(h.requests.filter((r) => r.url === `${RUNFLOW_API}/v1/models/${PRO}`)).toHaveLength(1);
	});
});

describe('FLUX.2 [max] on Runflow', () => {
	it('without references: black-forest-labs/flux-2-max; the price is BFL’s (Runflow publishes none, UNCONFIRMED)', async () => {
		useVirtualClock();
		mockRunflowSlug(MAX);
		const job = mockRunflowJob({ model: MAX });
		const [out] = await run('flux-2-max', {
			aspectRatio: '16:9',
			megapixels: '2',
			outputFormat: 'png',
		}).run();
		expect(job.submitted()?.input).toEqual({
			prompt: 'the logo from image 1 on the mug from image 2',
			output_format: 'png',
			safety_tolerance: '2',
			image_size: flux2Size('16:9', 2),
		});
		expect(out[0].json).toMatchObject({
			model: 'flux-2-max',
			cost: { usd: 0.1, source: 'list_price' },
		});
	});

	it('with references: black-forest-labs/flux-2-max/edit with image_urls', async () => {
		useVirtualClock();
		mockRunflowSlug(`${MAX}/edit`);
		const upload = mockRunflowUpload();
		const job = mockRunflowJob({ model: `${MAX}/edit` });
		const [out] = await run('flux-2-max', { referenceImages: refs }).run();
		expect((job.submitted()?.input as Record<string, unknown>).image_urls).toEqual([
			upload.assetUrl,
			'https://images.example.com/mug.png',
		]);
		expect(out[0].json).toMatchObject({ provider: 'runflow', model: 'flux-2-max' });
	});
});

describe('FLUX.2 [flex] on Runflow', () => {
	it('without references: guidance and steps under the names the schema lists (guidance_scale, num_inference_steps)', async () => {
		useVirtualClock();
		mockRunflowSlug(FLEX);
		const job = mockRunflowJob({ model: FLEX });
		await run('flux-2-flex', { guidance: 4.5, steps: 30 }).run();
		expect(job.submitted()?.input).toMatchObject({ guidance_scale: 4.5, num_inference_steps: 30 });
		expect(job.submitted()?.input).not.toHaveProperty('prompt_upsampling');
	});

	it('with references: the /edit slug; the price counts input megapixels ($0.05 per MP in and out)', async () => {
		useVirtualClock();
		mockRunflowSlug(`${FLEX}/edit`);
		const upload = mockRunflowUpload();
		const job = mockRunflowJob({ model: `${FLEX}/edit` });
		const [out] = await run('flux-2-flex', {
			referenceImages: { image: [{ source: 'binary', binaryPropertyName: 'logo' }] },
		}).run();
		expect((job.submitted()?.input as Record<string, unknown>).image_urls).toEqual([
			upload.assetUrl,
		]);
		// 1 MP out + the 300×300 logo (started MP counts whole): $0.05 + $0.05.
		expect(out[0].json.cost).toEqual({ usd: 0.1, source: 'list_price' });
	});

	it("a schema that lists BFL's and Replicate's names (guidance, steps, input_images) gets them: the line's alternatives", async () => {
		useVirtualClock();
		const rename: Record<string, string> = {
			guidance_scale: 'guidance',
			num_inference_steps: 'steps',
			image_urls: 'input_images',
		};
		const inputs = RUNFLOW_FLUX_MODELS[`${FLEX}/edit`].inputs.map((i) => ({
			...i,
			name: rename[i.name] ?? i.name,
		}));
		mockRunflowSlug(`${FLEX}/edit`, { inputs });
		const upload = mockRunflowUpload();
		const job = mockRunflowJob({ model: `${FLEX}/edit` });
		const [out] = await run('flux-2-flex', {
			guidance: 4.5,
			steps: 30,
			referenceImages: { image: [{ source: 'binary', binaryPropertyName: 'logo' }] },
		}).run();
		expect(out[0].json.error).toBeUndefined();
		const input = job.submitted()?.input as Record<string, unknown>;
		expect(input).toMatchObject({ guidance: 4.5, steps: 30, input_images: [upload.assetUrl] });
		expect(input).not.toHaveProperty('guidance_scale');
		expect(input).not.toHaveProperty('image_urls');
	});

	it('Prompt Upsampling turned off is refused naming the field and the model when the schema lists no such input; no run is created', async () => {
		mockRunflowSlug(FLEX);
		const h = run('flux-2-flex', { promptUpsampling: false });
		const [out] = await h.run();
		expect(paid(h)).toHaveLength(0);
		expect(errorOf(out[0])).toMatchObject({ kind: 'parameter', field: 'Prompt Upsampling' });
		expect(errorOf(out[0]).message).toContain("Runflow's FLUX.2 [flex] model");
		expect(errorOf(out[0]).message).toContain('does not take it');
	});
});

describe('FLUX 3 Image on Runflow', () => {
	it('without references: its own fields, the tolerance as the integer the schema lists; seed null', async () => {
		useVirtualClock();
		mockRunflowSlug(FLUX3);
		const job = mockRunflowJob({ model: FLUX3 });
		const [out] = await run('flux-3-image', {
			aspectRatio: '16:9',
			resolution: '2k',
			grounding: false,
			safetyTolerance: 3,
		}).run();
		expect(job.submitted()?.input).toEqual({
			prompt: 'the logo from image 1 on the mug from image 2',
			aspect_ratio: '16:9',
			resolution: '2k',
			safety_tolerance: 3,
			grounding: false,
		});
		expect(out[0].json).toMatchObject({ model: 'flux-3-image', seed: null, cost: { usd: 0.1 } });
	});

	it('with references: black-forest-labs/flux-3-image/edit with image_urls in order', async () => {
		useVirtualClock();
		mockRunflowSlug(`${FLUX3}/edit`);
		const upload = mockRunflowUpload();
		const job = mockRunflowJob({ model: `${FLUX3}/edit`, images: fakeImages(1, 'png') });
		const [out] = await run('flux-3-image', { referenceImages: refs }).run();
		expect((job.submitted()?.input as Record<string, unknown>).image_urls).toEqual([
			upload.assetUrl,
			'https://images.example.com/mug.png',
		]);
		expect(out[0].json).toMatchObject({ provider: 'runflow', model: 'flux-3-image' });
	});
});

describe('refusals before any paid request', () => {
	it('a 404 from the models API refuses the item naming the model, Runflow and the providers that serve it', async () => {
		const lookup = mockRunflowSlug(FLUX3, { status: 404 });
		const h = run('flux-3-image', {});
		const [out] = await h.run();
		expect(lookup.isDone()).toBe(true);
		expect(paid(h)).toHaveLength(0);
		expect(errorOf(out[0])).toMatchObject({ kind: 'parameter', field: 'Model' });
		expect(errorOf(out[0]).message).toContain(
			`FLUX 3 Image is not available on Runflow (the node looked up ${FLUX3} in Runflow's models API: not found). Providers that serve it: fal.ai, Black Forest Labs, Replicate.`,
		);
	});

	it('the edit slug is looked up for a job with references; its 404 uploads nothing', async () => {
		mockRunflowSlug(`${PRO}/edit`, { status: 404 });
		const h = run('flux-2-pro', { referenceImages: refs });
		const [out] = await h.run();
		expect(paid(h)).toHaveLength(0);
		expect(errorOf(out[0]).message).toContain(`looked up ${PRO}/edit`);
	});

	it('as the Fallback Provider too: a 404 there refuses the item before the primary runs', async () => {
		mockRunflowSlug(PRO, { status: 404 });
		const h = runModel(
			'bfl',
			'flux-2-pro',
			{},
			{
				prompt: 'a mug',
				params: { fallbackFromBfl: 'runflow' },
				continueOnFail: true,
			},
		);
		const [out] = await h.run();
		expect(paid(h)).toHaveLength(0);
		expect(errorOf(out[0]).message).toContain('Runflow is the Fallback Provider');
		expect(errorOf(out[0]).message).toContain(
			'Providers that serve it: fal.ai, Black Forest Labs, Replicate.',
		);
	});

	it('a field the user set that the schema does not list is refused naming the field and the model', async () => {
		const inputs = RUNFLOW_FLUX_MODELS[PRO].inputs.filter((i) => i.name !== 'seed');
		mockRunflowSlug(PRO, { inputs });
		const h = run('flux-2-pro', { seed: 7 });
		const [out] = await h.run();
		expect(paid(h)).toHaveLength(0);
		expect(errorOf(out[0])).toMatchObject({ kind: 'parameter', field: 'Seed' });
		expect(errorOf(out[0]).message).toContain(
			`Runflow's FLUX.2 [pro] model (${PRO}) does not take it`,
		);
	});

	it('a field left at its default that the schema does not list is not sent (Runflow’s default applies)', async () => {
		useVirtualClock();
		const inputs = RUNFLOW_FLUX_MODELS[PRO].inputs.filter((i) => i.name !== 'output_format');
		mockRunflowSlug(PRO, { inputs });
		const job = mockRunflowJob({ model: PRO });
		await run('flux-2-pro', {}).run();
		expect(job.submitted()?.input).not.toHaveProperty('output_format');
	});

	it('a size the schema cannot take (no image_size, no width/height) is refused naming Aspect Ratio', async () => {
		const inputs = RUNFLOW_FLUX_MODELS[PRO].inputs.filter((i) => i.name !== 'image_size');
		mockRunflowSlug(PRO, { inputs });
		const h = run('flux-2-pro', { aspectRatio: '16:9' });
		const [out] = await h.run();
		expect(paid(h)).toHaveLength(0);
		expect(errorOf(out[0])).toMatchObject({ field: 'Aspect Ratio' });
	});

	it('a required input the node cannot fill is refused', async () => {
		const inputs = [
			...RUNFLOW_FLUX_MODELS[FLUX3].inputs,
			{ name: 'style_preset', type: 'string' as const, required: true },
		];
		mockRunflowSlug(FLUX3, { inputs });
		const h = run('flux-3-image', {});
		const [out] = await h.run();
		expect(paid(h)).toHaveLength(0);
		expect(errorOf(out[0]).message).toContain(
			'requires an input "style_preset" that this node has no field for',
		);
	});

	it("the reference limit is the smaller of the model's and the schema's maxItems", async () => {
		const inputs = RUNFLOW_FLUX_MODELS[`${FLUX3}/edit`].inputs.map((i) =>
			i.name === 'image_urls' ? { ...i, maxItems: 1 } : i,
		);
		mockRunflowSlug(`${FLUX3}/edit`, { inputs });
		const h = run('flux-3-image', { referenceImages: refs });
		const [out] = await h.run();
		expect(paid(h)).toHaveLength(0);
		expect(errorOf(out[0])).toMatchObject({ field: 'Reference Images' });
		expect(errorOf(out[0]).message).toContain(
			'2 reference images; FLUX 3 Image on Runflow takes at most 1',
		);
	});

	it('a look-up answered 5xx fails closed: no upload, no run, a clear error', async () => {
		const lookup = mockRunflowSlug(`${PRO}/edit`, { status: 503 });
		const h = run('flux-2-pro', { referenceImages: refs });
		const [out] = await h.run();
		expect(lookup.isDone()).toBe(true);
		expect(paid(h)).toHaveLength(0);
		expect(errorOf(out[0])).toMatchObject({ kind: 'parameter', field: 'Model' });
		expect(errorOf(out[0]).message).toContain(
			`could not look up ${PRO}/edit in Runflow's models API`,
		);
		expect(errorOf(out[0]).message).toContain('so no job was sent');
	});

	it('a look-up answered with junk fails closed too', async () => {
		nock(RUNFLOW_API)
			.get(`/v1/models/${MAX}`)
			.reply(200, '<html>updating</html>', { 'content-type': 'text/html' });
		const h = run('flux-2-max', {});
		const [out] = await h.run();
		expect(paid(h)).toHaveLength(0);
		expect(errorOf(out[0]).message).toContain('could not look up');
	});
});

describe('Max Cost per Run on Runflow', () => {
	it('counts the model’s price on Runflow before any paid request: 2 items × 2 images of [max] at 4 MP ($0.16 each) is over $0.5; under it they run', async () => {
		const items = [binaryItem(), binaryItem()];
		const over = run(
			'flux-2-max',
			{ megapixels: '4', numImages: 2, maxCostPerRun: 0.5 },
			{ items, continueOnFail: false },
		);
		await expect(over.run()).rejects.toThrow(/could cost up to \$0\.64/);
		expect(paid(over)).toHaveLength(0);

		useVirtualClock();
		mockRunflowSlug(PRO);
		for (let n = 0; n < 4; n++) mockRunflowJob({ model: PRO });
		const fits = run(
			'flux-2-pro',
			{ numImages: 2, maxCostPerRun: 0.5 },
			{ items, continueOnFail: false },
		);
		const [out] = await fits.run();
		expect(out).toHaveLength(4);
		expect(out.map((o) => o.json.cost)).toEqual(Array(4).fill({ usd: 0.03, source: 'list_price' }));
	});
});

describe('a FLUX.2 size the schema lists only presets for', () => {
	it('is refused naming Megapixels when set away from the default, and not sent at the defaults', async () => {
		const inputs = RUNFLOW_FLUX_MODELS[PRO].inputs.map((i) =>
			i.name === 'image_size'
				? { ...i, type: 'string' as const, choices: ['square_hd', 'landscape_4_3'] }
				: i,
		);
		mockRunflowSlug(PRO, { inputs });
		const h = run('flux-2-pro', { megapixels: '2' });
		const [out] = await h.run();
		expect(paid(h)).toHaveLength(0);
		expect(errorOf(out[0])).toMatchObject({ field: 'Megapixels' });

		useVirtualClock();
		mockRunflowSlug(PRO, { inputs });
		const job = mockRunflowJob({ model: PRO });
		await run('flux-2-pro', {}).run();
		expect(job.submitted()?.input).not.toHaveProperty('image_size');
	});
});

describe('never paying twice with a model job on Runflow', () => {
	const withFallback = (options: Record<string, unknown>) =>
		runModel('runflow', 'flux-2-pro', options, {
			prompt: 'a mug',
			params: { fallbackFromRunflow: 'bfl' },
			continueOnFail: true,
		});
	const runPosts = (h: { requests: Array<{ method: string; url: string }> }) =>
		h.requests.filter((r) => r.method === 'POST' && r.url.endsWith('/runs'));
	const toBfl = (h: { requests: Array<{ url: string }> }) =>
		h.requests.filter((r) => r.url.includes('bfl.ai'));

	it('a 503 on create is not resent and not moved to the Fallback Provider: the run may exist', async () => {
		useVirtualClock();
		mockRunflowSlug(PRO);
		nock(RUNFLOW_API)
			.post(`/v1/models/${PRO}/runs`)
			.reply(503, { code: 'SERVICE_UNAVAILABLE', message: 'try later', errors: null });
		const h = withFallback({});
		const [out] = await h.run();
		expect(runPosts(h)).toHaveLength(1);
		expect(toBfl(h)).toHaveLength(0);
		expect(errorOf(out[0]).message).toContain('may have been created at Runflow');
	});

	it('a run still going at Timeout is not moved to the Fallback Provider: Runflow cannot cancel it, so it may still bill', async () => {
		useVirtualClock();
		mockRunflowSlug(PRO);
		nock(RUNFLOW_API)
			.post(`/v1/models/${PRO}/runs`)
			.reply(201, { id: 'run-slow-model', status_code: 'queued' })
			.get('/v1/runs/run-slow-model')
			.times(1000)
			.reply(200, { id: 'run-slow-model', status_code: 'running' });
		const h = withFallback({ timeout: 30 });
		const [out] = await h.run();
		expect(runPosts(h)).toHaveLength(1);
		expect(toBfl(h)).toHaveLength(0);
		expect(errorOf(out[0]).message).toContain('Runflow offers no way to cancel it');
	});
});
