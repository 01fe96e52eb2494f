import nock from 'nock';
import { describe, expect, it } from 'vitest';

import { runflowPollDelayMs } from '../../../../../nodes/FluxUltra/providers/runflow/runflow.constants';
import { runflowImages } from '../../../../../nodes/FluxUltra/providers/runflow/runflow.provider';
import { useVirtualClock } from '../../../../../testkit/harness/clock';
import {
	createHarness,
	DUMMY_RUNFLOW_KEY,
	type HarnessOptions,
} from '../../../../../testkit/harness/context';
import { fakeImages } from '../../../../../testkit/harness/falNock';
import {
	mockRunflowJob,
	mockRunflowUpload,
	RUNFLOW_API,
	RUNFLOW_GENERATE_PARAMS,
	MODEL_PATH,
	RUNFLOW_STORAGE,
	RUNS_PATH,
	type OutputShape,
} from '../../../../../testkit/harness/runflowNock';
import { makePng } from '../../../../../testkit/mocks/images';
import { useNock } from '../../../../setupNock';
import { errorOf } from '../../../../../testkit/harness/errorItems';

useNock();

const params = (extra: Record<string, unknown> = {}) => ({ ...RUNFLOW_GENERATE_PARAMS, ...extra });

/** The requests of the run itself, without the one look-up of Runflow's models API (`GET /v1/models/…`). */
const runCalls = <T extends { method: string; url: string }>(h: { requests: T[] }): T[] =>
	h.requests.filter(
		(r) => !(r.method === 'GET' && new URL(r.url).pathname.startsWith('/v1/models/')),
	);

function harness(extra: Record<string, unknown> = {}, options: Partial<HarnessOptions> = {}) {
	return createHarness({ params: params(extra), ...options });
}

describe('Runflow Generate', () => {
	it('creates one run with the input under Runflow names, polls it, and emits one item per image', async () => {
		const clock = useVirtualClock();
		const images = fakeImages(3, 'png', 64, 36);
		const job = mockRunflowJob({
			images,
			seed: 7,
			pending: ['queued', 'dispatching', 'running', 'running'],
		});
		const h = harness({
			numImages: 3,
			outputFormat: 'png',
			options: { seed: 7, safetyTolerance: '4', raw: true },
		});

		const [out] = await h.run();

		// Unconfirmed names only where the user moved away from the default (16:9, no enhancement).
		expect(job.submitted()).toEqual({
			input: {
				prompt: 'a ceramic mug on a walnut table',
				num_images: 3,
				output_format: 'png',
				raw: true,
				safety_tolerance: '4',
				seed: 7,
			},
			client_ref: expect.stringMatching(/^n8n-exec-1-item0-/),
		});
		const polls = h.requests.filter(
			(r) => r.method === 'GET' && r.url === `${RUNFLOW_API}/v1/runs/${job.runId}`,
		);
		expect(polls).toHaveLength(5);
		expect(clock.sleeps.every((ms) => ms >= 250 && ms <= 2000)).toBe(true);
		expect(out).toHaveLength(3);
		out.forEach((item, n) => {
			expect(item.pairedItem).toEqual({ item: 0 });
			expect(item.json).toMatchObject({
				provider: 'runflow',
				operation: 'generate',
				requestId: job.runId,
				imageIndex: n,
				imageCount: 3,
				seed: 7,
				width: 64,
				height: 36,
				contentType: 'image/png',
				nsfw: null,
			});
			expect(Buffer.from(item.binary!.data.data, 'base64').equals(images[n].bytes)).toBe(true);
		});
		expect(nock.isDone()).toBe(true);
	});

	it('signs API calls with "Bearer <key>" and sends nothing secret to the storage host', async () => {
		useVirtualClock();
		mockRunflowJob({ images: fakeImages(2) });
		const h = harness({ numImages: 2 });

		await h.run();

		for (const r of h.requests) {
			if (r.url.startsWith(RUNFLOW_API))
				expect(r.headers.authorization).toBe(`Bearer ${DUMMY_RUNFLOW_KEY}`);
			else expect(r.headers.authorization).toBeUndefined();
		}
		expect(h.requests.filter((r) => r.url.startsWith(RUNFLOW_STORAGE))).toHaveLength(2);
		expect(JSON.stringify(h.requests.filter((r) => !r.url.startsWith(RUNFLOW_API)))).not.toContain(
			DUMMY_RUNFLOW_KEY,
		);
	});

	it.each<[OutputShape, number]>([
		['outputs', 2],
		['image_urls', 2],
		['image', 1],
		['url', 1],
	])('reads images from the "%s" output shape', async (outputShape, expected) => {
		useVirtualClock();
		const images = fakeImages(2, 'jpeg', 40, 30);
		mockRunflowJob({ images, outputShape });

		const [out] = await harness({ numImages: 2 }).run();

		expect(out).toHaveLength(expected);
		out.forEach((item, n) => {
			expect(item.json.contentType).toBe('image/jpeg');
			expect(item.json.width).toBe(40);
			expect(Buffer.from(item.binary!.data.data, 'base64').equals(images[n].bytes)).toBe(true);
		});
		expect(nock.isDone()).toBe(true);
	});

	it('prefers outputs[] over the other shapes and skips entries that are not images', () => {
		expect(
			runflowImages({
				outputs: [
					{ type: 'video', url: 'https://x.example/v.mp4' },
					{ type: 'image', url: 'https://x.example/a.png', width: 5 },
				],
				image_urls: ['https://x.example/b.png'],
				url: 'https://x.example/c.png',
			}),
		).toEqual([
			{
				url: 'https://x.example/a.png',
				width: 5,
				height: undefined,
				contentType: undefined,
				nsfw: undefined,
			},
		]);
		expect(runflowImages({ output_url: 'https://x.example/d.png' })).toEqual([
			{ url: 'https://x.example/d.png' },
		]);
		expect(runflowImages(null)).toEqual([]);
	});

	it('reports the seed from the input when the output does not carry one', async () => {
		useVirtualClock();
		mockRunflowJob({ outputShape: 'image_urls' });
		const [withSeed] = await harness({ options: { seed: 123 } }).run();
		expect(withSeed[0].json.seed).toBe(123);

		mockRunflowJob({ outputShape: 'image_urls' });
		const [without] = await harness().run();
		expect(without[0].json.seed).toBeNull();
	});
});

describe('Runflow run statuses', () => {
	it.each(['succeeded', 'partial_succeeded'])(
		'"%s" delivers the images that landed',
		async (status) => {
			useVirtualClock();
			mockRunflowJob({ images: fakeImages(1), terminal: { status_code: status } });
			const [out] = await harness({ numImages: 2 }).run();
			expect(out).toHaveLength(1);
		},
	);

	it.each([
		['failed', 'PROVIDER_ERROR', 'Upstream provider returned an error'],
		['errored', 'INTERNAL', 'worker crashed'],
	])(
		'"%s" fails the item with the run\'s own message and the run id',
		async (status, code, message) => {
			useVirtualClock();
			const job = mockRunflowJob({
				terminal: {
					status_code: status,
					output: null,
					failure_code: code,
					failure_message: message,
					failure_stage_code: 'execution',
				},
			});

			const error = await harness().fail();

			expect(error.message).toBe(`Runflow could not finish the run: ${message} [item 0]`);
			expect(error.description).toContain(`code ${code}, stage execution`);
			expect(error.description).toContain(`Request ID: ${job.runId}`);
		},
	);

	it.each(['canceled', 'cancelled'])(
		'"%s" (either spelling) ends polling with a clear error',
		async (status) => {
			useVirtualClock();
			mockRunflowJob({ terminal: { status_code: status, output: null } });
			const error = await harness().fail();
			expect(error.message).toBe('The run was cancelled at Runflow [item 0]');
		},
	);

	// Issue 27, finding 2: Runflow's cancel neither aborts the inference nor refunds (RF-11), so a
	// canceled run proves nothing; a failed one proves the run stopped (RUNFLOW.stopProof).
	it.each([
		['canceled', false],
		['cancelled', false],
		['failed', true],
		['errored', true],
	] as const)('a run that ends "%s" is safe to run elsewhere: %s', async (status, safe) => {
		useVirtualClock();
		const job = mockRunflowJob({ terminal: { status_code: status, output: null } });
		const [out] = await harness({}, { continueOnFail: true }).run();
		expect(errorOf(out[0])).toMatchObject({
			kind: 'job_failed',
			requestId: job.runId,
			safeToRunElsewhere: safe,
		});
		if (!safe)
			expect(errorOf(out[0]).description).toMatch(/may still have made an image and billed it/);
	});

	it('a moderated run is reported as moderation, pointing at Safety Tolerance', async () => {
		useVirtualClock();
		mockRunflowJob({
			terminal: {
				status_code: 'failed',
				output: null,
				failure_code: 'CONTENT_MODERATED',
				failure_message: 'The output was flagged',
			},
		});
		const error = await harness().fail();
		expect(error.message).toBe(
			'Runflow blocked the content: it was flagged by the content checker [item 0]',
		);
		expect(error.description).toContain('Safety Tolerance');
	});

	it('fails on a status it does not know instead of polling forever', async () => {
		useVirtualClock();
		mockRunflowJob({ pending: ['queued'], terminal: { status_code: 'melted', output: null } });
		const error = await harness().fail();
		expect(error.message).toBe('Runflow reported an unknown run status "melted" [item 0]');
	});

	it('a succeeded run without images fails instead of emitting nothing', async () => {
		useVirtualClock();
		mockRunflowJob({ terminal: { status_code: 'succeeded', output: { image_urls: [] } } });
		const error = await harness().fail();
		expect(error.message).toBe('Runflow finished the run but returned no images [item 0]');
	});

	it('does not follow a plain-http image link from the output', async () => {
		useVirtualClock();
		mockRunflowJob({
			terminal: {
				status_code: 'succeeded',
				output: { image_urls: ['http://files.example/a.png'] },
			},
		});
		const h = harness();
		const error = await h.fail();
		expect(error.message).toBe(
			'Runflow returned an image link to a location this node does not follow (http://files.example) [item 0]',
		);
		expect(h.requests.some((r) => r.url.startsWith('http://files.example'))).toBe(false);
	});

	it('on timeout stops polling, sends no cancel (Runflow has none) and says the run may still bill', async () => {
		const clock = useVirtualClock();
		const scope = nock(RUNFLOW_API)
			.post(RUNS_PATH)
			.reply(201, { id: 'run-slow', status_code: 'queued' });
		scope
			.get('/v1/runs/run-slow')
			.times(1000)
			.reply(200, { id: 'run-slow', status_code: 'running' });
		const h = harness({ options: { timeout: 30 } });

		const error = await h.fail();

		expect(error.message).toBe(
			'The job did not finish within 30 seconds; Runflow offers no way to cancel it [item 0]',
		);
		expect(error.description).toContain('may still finish at Runflow and be billed');
		expect(error.description).toContain('Request ID: run-slow');
		expect(clock.elapsed()).toBeLessThanOrEqual(30_000);
		expect(h.requests.filter((r) => r.method !== 'GET')).toHaveLength(1);
	});

	it('stops polling at once when the execution is cancelled', async () => {
		useVirtualClock();
		const controller = new AbortController();
		nock(RUNFLOW_API)
			.post(RUNS_PATH)
			.reply(201, { id: 'run-stop', status_code: 'queued' })
			.get('/v1/runs/run-stop')
			.reply(200, () => {
				controller.abort();
				return { id: 'run-stop', status_code: 'running' };
			});
		const h = harness({}, { signal: controller.signal });

		const error = await h.fail();

		expect(error.message).toBe('The execution was cancelled [item 0]');
		expect(runCalls(h)).toHaveLength(2);
	});
});

describe('Runflow error answers', () => {
	it('401 names the Runflow credential', async () => {
		useVirtualClock();
		nock(RUNFLOW_API)
			.post(RUNS_PATH)
			.reply(401, { code: 'UNAUTHORIZED', message: 'Missing or invalid API key', errors: null });
		const error = await harness().fail();
		expect(error.message).toBe('Runflow refused the API key (HTTP 401) [item 0]');
		expect(error.description).toContain('"Runflow API" credential');
		expect(error.description).toContain('Missing or invalid API key');
	});

	it('402 says the account is out of credit', async () => {
		useVirtualClock();
		nock(RUNFLOW_API).post(RUNS_PATH).reply(402, {
			code: 'INSUFFICIENT_CREDIT',
			message: 'Insufficient credit balance',
			errors: null,
		});
		const error = await harness().fail();
		expect(error.message).toBe('Your Runflow account is out of credit [item 0]');
		expect(error.description).toContain('Top up');
	});

	it('INSUFFICIENT_CREDIT is out of credit whatever the status', async () => {
		useVirtualClock();
		nock(RUNFLOW_API)
			.post(RUNS_PATH)
			.reply(403, { code: 'INSUFFICIENT_CREDIT', message: 'No balance', errors: null });
		const error = await harness().fail();
		expect(error.message).toBe('Your Runflow account is out of credit [item 0]');
	});

	it('422 names the node field from errors[] and counts the others', async () => {
		useVirtualClock();
		nock(RUNFLOW_API)
			.post(RUNS_PATH)
			.reply(422, {
				code: 'VALIDATION_ERROR',
				message: 'Request validation failed',
				errors: [
					{ field: 'input.num_images', message: 'must be at most 4' },
					{ field: 'input.raw', message: 'must be a boolean' },
				],
			});
		const error = await harness().fail();
		expect(error.message).toBe(
			'Runflow rejected the field "Number of Images": must be at most 4 (and 1 more) [item 0]',
		);
		expect(error.description).toBe('Change "Number of Images" and run the workflow again.');
	});

	it('429 on create is retried after Retry-After: throttled runs were never created', async () => {
		const clock = useVirtualClock();
		nock(RUNFLOW_API)
			.post(RUNS_PATH)
			.reply(
				429,
				{ code: 'RATE_LIMITED', message: 'slow down', errors: null },
				{ 'retry-after': '3' },
			);
		const job = mockRunflowJob();
		const h = harness();

		const [out] = await h.run();

		expect(out).toHaveLength(1);
		expect(h.requests.filter((r) => r.method === 'POST')).toHaveLength(2);
		expect(clock.sleeps[0]).toBe(3000);
		expect(job.submitted()).toBeDefined();
	});

	it('503 on create is not resent: the run may exist, and the error says how to find it', async () => {
		useVirtualClock();
		nock(RUNFLOW_API)
			.post(RUNS_PATH)
			.reply(503, { code: 'SERVICE_UNAVAILABLE', message: 'try later', errors: null });
		const h = harness();

		const error = await h.fail();

		expect(error.message).toBe(
			'The job may have been created at Runflow, but the answer was lost (HTTP 503) [item 0]',
		);
		const sent = JSON.parse(runCalls(h)[0].body!.toString()) as { client_ref: string };
		expect(error.description).toContain(`client reference "${sent.client_ref}"`);
		expect(runCalls(h)).toHaveLength(1);
	});

	it('503 while polling is retried and the run still delivers', async () => {
		useVirtualClock();
		nock(RUNFLOW_API)
			.post(RUNS_PATH)
			.reply(201, { id: 'run-flaky', status_code: 'queued' })
			.get('/v1/runs/run-flaky')
			.reply(503, { code: 'SERVICE_UNAVAILABLE', message: 'busy', errors: null })
			.get('/v1/runs/run-flaky')
			.reply(200, {
				id: 'run-flaky',
				status_code: 'succeeded',
				output: { image_urls: [`${RUNFLOW_STORAGE}/o/a.png`] },
			});
		nock(RUNFLOW_STORAGE)
			.get('/o/a.png')
			.reply(200, makePng(8, 8, 1), { 'content-type': 'image/png' });

		const [out] = await harness().run();

		expect(out[0].json.requestId).toBe('run-flaky');
	});
});

describe('Runflow image input', () => {
	const photo = makePng(32, 32, 5);
	const binaryItem = {
		json: {},
		binary: {
			photo: { data: photo.toString('base64'), mimeType: 'image/png', fileName: 'product.png' },
		},
	};

	it('uploads an incoming binary as a Runflow asset: the PUT carries no Authorization header', async () => {
		useVirtualClock();
		const upload = mockRunflowUpload();
		const job = mockRunflowJob();
		const h = harness(
			{ imageSource: 'binary', binaryPropertyName: 'photo', options: { imagePromptStrength: 0.4 } },
			{ items: [binaryItem] },
		);

		await h.run();

		expect(upload.created()).toEqual({
			filename: 'product.png',
			mime_type: 'image/png',
			size_bytes: photo.length,
		});
		const put = h.requests.find((r) => r.method === 'PUT')!;
		expect(put.url.startsWith(`${upload.uploadHost}/uploads/`)).toBe(true);
		expect(put.headers.authorization).toBeUndefined();
		expect(put.headers['content-type']).toBe('image/png');
		expect(put.body!.equals(photo)).toBe(true);
		expect(job.submitted()!.input).toMatchObject({
			image_url: upload.assetUrl,
			image_prompt_strength: 0.4,
		});
		expect(nock.isDone()).toBe(true);
	});

	it('uploads a data URI given as Image URL instead of sending it inline', async () => {
		useVirtualClock();
		const upload = mockRunflowUpload();
		const job = mockRunflowJob();

		await harness({
			imageSource: 'url',
			imageUrl: `data:image/png;base64,${photo.toString('base64')}`,
		}).run();

		expect(job.submitted()!.input).toMatchObject({ image_url: upload.assetUrl });
		expect(upload.created()).toMatchObject({ mime_type: 'image/png', size_bytes: photo.length });
	});

	it('sends an https image URL as it is, and the image prompt strength only when set', async () => {
		useVirtualClock();
		const job = mockRunflowJob();
		const h = harness({ imageSource: 'url', imageUrl: 'https://example.com/ref.jpg' });

		await h.run();

		expect(job.submitted()!.input).toMatchObject({ image_url: 'https://example.com/ref.jpg' });
		expect(job.submitted()!.input).not.toHaveProperty('image_prompt_strength');
		expect(h.requests.some((r) => r.url.includes('asset-uploads'))).toBe(false);
	});
});

describe('what Runflow cannot do is refused before any request', () => {
	it('Remix: Ultra Edit looked up, not found (404): refused naming the alternative, and the look-up is the only request', async () => {
		nock(RUNFLOW_API)
			.get(`${MODEL_PATH}/edit`)
			.reply(404, { code: 'MODEL_NOT_FOUND', message: 'Model not found', errors: null });
		const h = harness({
			operation: 'remix',
			imageSource: 'url',
			imageUrl: 'https://example.com/a.png',
		});
		const error = await h.fail();
		expect(error.message).toMatch(
			/^Invalid value for "Operation": Remix on Runflow runs on Runflow's FLUX 1\.1 \[pro\] Ultra Edit model; the node looked it up .* did not find it.*"fal\.ai".*\[item 0\]$/,
		);
		expect(h.requests.map((r) => `${r.method} ${new URL(r.url).pathname}`)).toEqual([
			`GET ${MODEL_PATH}/edit`,
		]);
	});

	it('Remix: when the models API cannot be read, Ultra Edit is not run blind: refused, no job', async () => {
		nock(RUNFLOW_API)
			.get(`${MODEL_PATH}/edit`)
			.reply(500, { code: 'INTERNAL_ERROR', message: 'boom', errors: null });
		const h = harness({
			operation: 'remix',
			imageSource: 'url',
			imageUrl: 'https://example.com/a.png',
		});
		const error = await h.fail();
		expect(error.message).toMatch(
			/^Invalid value for "Operation": .*could not look it up in Runflow's models API.*no job was sent/,
		);
		expect(h.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
	});

	it('Sync Mode on names the field and the way out; off is fine', async () => {
		const h = harness({ options: { syncMode: true } });
		const error = await h.fail();
		expect(error.message).toMatch(
			/^Invalid value for "Sync Mode": Runflow cannot honour it: .*Turn "Sync Mode" off.*\[item 0\]$/,
		);
		expect(h.requests).toHaveLength(0);
	});

	it('with Continue On Fail, the refused item becomes an error item and the others still run', async () => {
		useVirtualClock();
		mockRunflowJob();
		const h = createHarness({
			params: {
				...RUNFLOW_GENERATE_PARAMS,
				options: (i: number) => (i === 0 ? { syncMode: true } : {}),
			},
			items: [{ json: {} }, { json: {} }],
			continueOnFail: true,
		});

		const [out] = await h.run();

		expect(out.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		expect(errorOf(out[0])).toMatchObject({ kind: 'parameter', field: 'Sync Mode' });
		expect(out[1].json.provider).toBe('runflow');
	});
});

describe('Runflow API base URL', () => {
	it('sends every API call to the base URL the credential sets', async () => {
		useVirtualClock();
		nock('https://rf-proxy.example.com')
			.post(`/api${RUNS_PATH}`)
			.reply(201, { id: 'run-proxy', status_code: 'queued' })
			.get('/api/v1/runs/run-proxy')
			.reply(200, {
				id: 'run-proxy',
				status_code: 'succeeded',
				output: { url: `${RUNFLOW_STORAGE}/o/p.png` },
			});
		nock(RUNFLOW_STORAGE)
			.get('/o/p.png')
			.reply(200, makePng(8, 8, 2), { 'content-type': 'image/png' });
		const h = harness(
			{},
			{
				credentials: {
					runflowApi: { apiKey: DUMMY_RUNFLOW_KEY, baseUrl: 'https://rf-proxy.example.com/api/' },
				},
			},
		);

		const [out] = await h.run();

		expect(out).toHaveLength(1);
		expect(h.requests.some((r) => r.url.startsWith(RUNFLOW_API))).toBe(false);
	});
});

describe('Runflow polling pace', () => {
	it('asks often while a run is young, less while it is queued, and never more than every 2 s later on', () => {
		expect(runflowPollDelayMs(0, false)).toBe(250);
		expect(runflowPollDelayMs(0, true)).toBe(500);
		expect(runflowPollDelayMs(8_000, false)).toBe(1000);
		expect(runflowPollDelayMs(600_000, false)).toBe(2000);
		expect(runflowPollDelayMs(600_000, true)).toBe(2000);
	});
});

describe('Runflow fields whose names are unconfirmed', () => {
	it('sends none of them at their defaults: a plain job carries only prompt (and seed when set)', async () => {
		useVirtualClock();
		const job = mockRunflowJob();
		await harness({}).run();
		expect(job.submitted()!.input).toEqual({ prompt: 'a ceramic mug on a walnut table' });
	});

	it('sends one when set away from its default, and a refusal of it names the field', async () => {
		useVirtualClock();
		nock(RUNFLOW_API)
			.post(RUNS_PATH)
			.reply(422, {
				code: 'VALIDATION_ERROR',
				message: 'invalid input',
				errors: [{ field: 'input.raw', message: 'unknown field' }],
			});
		const h = harness({ options: { raw: true } });

		const error = await h.fail();

		expect(error.message).toBe('Runflow rejected the field "Raw": unknown field [item 0]');
		expect(JSON.parse(runCalls(h)[0].body!.toString()).input).toEqual({
			prompt: 'a ceramic mug on a walnut table',
			raw: true,
		});
	});
});

describe('Runflow run path', () => {
	it('creates runs only at the documented path, once: a failure there is not tried elsewhere (the run may exist)', async () => {
		useVirtualClock();
		nock(RUNFLOW_API).post(RUNS_PATH).reply(500, { message: 'boom' });
		const h = createHarness({ params: RUNFLOW_GENERATE_PARAMS });

		const error = await h.fail();

		expect(error.message).toContain('may have been created at Runflow');
		expect(h.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
	});

	it('a 404 at creation is the error, not a reason to try a bare-slug path (Runflow answers those 405)', async () => {
		useVirtualClock();
		nock(RUNFLOW_API)
			.post(RUNS_PATH)
			.reply(404, { code: 'MODEL_NOT_FOUND', message: 'model not found' });
		const h = createHarness({ params: RUNFLOW_GENERATE_PARAMS });

		await h.fail();

		expect(
			h.requests.filter((r) => r.method === 'POST').map((r) => new URL(r.url).pathname),
		).toEqual([RUNS_PATH]);
	});
});
