import type { INodeExecutionData } from 'n8n-workflow';
import nock from 'nock';
import { describe, expect, it } from 'vitest';

import { useVirtualClock } from '../../../../testkit/harness/clock';
import {
	BFL_API,
	BFL_GENERATE_PARAMS,
	BFL_POLL_HOST,
	BFL_SUBMIT_PATH,
	mockBflJob,
} from '../../../../testkit/harness/bflNock';
import {
	createHarness,
	DUMMY_BFL_KEY,
	DUMMY_FAL_KEY,
	DUMMY_REPLICATE_KEY,
	DUMMY_RUNFLOW_KEY,
	type Harness,
} from '../../../../testkit/harness/context';
import {
	CDN,
	ENDPOINT_PATH,
	FAL_REST,
	fakeImages,
	GENERATE_PARAMS,
	mockFalJob,
	mockFalUpload,
	QUEUE,
	type FakeImage,
} from '../../../../testkit/harness/falNock';
import {
	mockReplicateJob,
	mockReplicateUpload,
	PREDICTIONS_PATH,
	REPLICATE_API,
	REPLICATE_GENERATE_PARAMS,
} from '../../../../testkit/harness/replicateNock';
import {
	mockRunflowJob,
	mockRunflowUpload,
	RUNFLOW_API,
	RUNFLOW_GENERATE_PARAMS,
	RUNS_PATH,
} from '../../../../testkit/harness/runflowNock';
import { makePng } from '../../../../testkit/mocks/images';
import { useNock } from '../../../setupNock';
import { errorOf } from '../../../../testkit/harness/errorItems';

useNock();

/**
 * The same scenarios against every provider, through each provider's real wire format on nock.
 * What comes out of the node must be the same: same items, same JSON keys, same binary layout, same
 * error kinds and messages. Only what names the provider or its job may differ, and the seed of an
 * item with several images: fal.ai and Runflow report the one seed of their multi-image job, BFL and
 * Replicate the seed of each image's own request.
 */
interface Driver {
	id: 'fal' | 'runflow' | 'bfl' | 'replicate';
	name: string;
	/** Hosts that get the key (API, polling, fal's storage API). */
	signedHosts: string[];
	/** The header the key goes in. */
	authHeader: 'authorization' | 'x-key';
	key: string;
	params: Record<string, unknown>;
	/** The name of the input image in the provider's input. */
	imageField: string;
	/**
	 * One item's successful job(s): one job for every image on fal.ai and Runflow, one per image on
	 * BFL and Replicate. `input()` is the provider-side input of the (first) job.
	 */
	job(images: FakeImage[], seed: number): { input(): Record<string, unknown> | undefined };
	/** The seeds the output reports for an item of `count` images whose job(s) reported `seed`. */
	seeds(seed: number, count: number): number[];
	/** What the input carries for an Image URL (mounting what the node fetches itself, on BFL). */
	imageUrl(url: string, bytes: Buffer): unknown;
	/** Mounts the upload of a large incoming file; returns what the input carries and a check of the upload. */
	upload(photo: Buffer): { expected: unknown; check(harness: Harness): void };
	/** The provider's error body for an HTTP status at job creation. */
	createFails(status: number, body: 'auth' | 'credit' | 'field' | 'busy'): void;
	/** A job that runs and is then blocked by the content checker. */
	moderatedJob(): void;
	/**
	 * One item's job(s) whose answer says what they cost, where the provider's answers have a cost
	 * (Runflow's run `cost`, BFL's submit `cost` in credits): $0.05 an image, below the list price.
	 */
	costedJob(images: FakeImage[]): void;
	/** What each image of `costedJob` reports: the provider's figure, or the list price. */
	cost: { usd: number; source: 'provider' | 'list_price' };
}

const perJob = (seed: number, count: number) => Array<number>(count).fill(seed);
const perImage = (seed: number, count: number) => Array.from({ length: count }, (_, n) => seed + n);

/** A presigned PUT of the photo to the storage host, without any credential. */
const presignedPut = (host: string, photo: Buffer) => (harness: Harness) => {
	const put = harness.requests.find((r) => r.method === 'PUT')!;
	expect(put.url.startsWith(host)).toBe(true);
	expect(put.body!.equals(photo)).toBe(true);
	expect(put.headers.authorization).toBeUndefined();
};

const fal: Driver = {
	id: 'fal',
	name: 'fal.ai',
	signedHosts: [QUEUE, FAL_REST],
	authHeader: 'authorization',
	key: DUMMY_FAL_KEY,
	params: GENERATE_PARAMS,
	imageField: 'image_url',
	job(images, seed) {
		const job = mockFalJob({ images, seed });
		return { input: job.submitted };
	},
	seeds: perJob,
	imageUrl: (url) => url,
	upload(photo) {
		const up = mockFalUpload();
		return { expected: up.fileUrl, check: presignedPut(up.uploadHost, photo) };
	},
	createFails(status, kind) {
		const bodies = {
			auth: { detail: 'Invalid API key' },
			credit: { detail: 'Exhausted balance' },
			field: {
				detail: [
					{
						loc: ['body', 'aspect_ratio'],
						msg: 'must be one of the listed ratios',
						type: 'literal_error',
					},
				],
			},
			busy: { detail: 'Service unavailable' },
		};
		nock(QUEUE).post(ENDPOINT_PATH.generate).reply(status, bodies[kind]);
	},
	moderatedJob() {
		mockFalJob({
			result: {
				status: 422,
				body: {
					detail: [
						{
							loc: ['body', 'prompt'],
							msg: 'flagged by a content checker',
							type: 'content_policy_violation',
						},
					],
				},
			},
		});
	},
	// fal's result carries no cost: the list price, $0.06 per Ultra image.
	costedJob: (images) => void mockFalJob({ images }),
	cost: { usd: 0.06, source: 'list_price' },
};

const runflow: Driver = {
	id: 'runflow',
	name: 'Runflow',
	signedHosts: [RUNFLOW_API],
	authHeader: 'authorization',
	key: DUMMY_RUNFLOW_KEY,
	params: RUNFLOW_GENERATE_PARAMS,
	imageField: 'image_url',
	job(images, seed) {
		const job = mockRunflowJob({ images, seed });
		return { input: () => job.submitted()?.input as Record<string, unknown> | undefined };
	},
	seeds: perJob,
	imageUrl: (url) => url,
	upload(photo) {
		const up = mockRunflowUpload();
		return { expected: up.assetUrl, check: presignedPut(up.uploadHost, photo) };
	},
	createFails(status, kind) {
		const bodies = {
			auth: { code: 'UNAUTHORIZED', message: 'Invalid API key', errors: null },
			credit: { code: 'INSUFFICIENT_CREDIT', message: 'Insufficient credit balance', errors: null },
			field: {
				code: 'VALIDATION_ERROR',
				message: 'Request validation failed',
				errors: [{ field: 'input.aspect_ratio', message: 'must be one of the listed ratios' }],
			},
			busy: { code: 'SERVICE_UNAVAILABLE', message: 'Service unavailable', errors: null },
		};
		nock(RUNFLOW_API).post(RUNS_PATH).reply(status, bodies[kind]);
	},
	moderatedJob() {
		mockRunflowJob({
			terminal: {
				status_code: 'failed',
				output: null,
				failure_code: 'CONTENT_MODERATED',
				failure_message: 'flagged by a content checker',
			},
		});
	},
	// The run's `cost` (a string) covers all of its images: each gets an equal share.
	costedJob: (images) =>
		void mockRunflowJob({
			images,
			terminal: { status_code: 'succeeded', cost: (0.05 * images.length).toFixed(2) },
		}),
	cost: { usd: 0.05, source: 'provider' },
};

const bfl: Driver = {
	id: 'bfl',
	name: 'Black Forest Labs',
	signedHosts: [BFL_API, BFL_POLL_HOST],
	authHeader: 'x-key',
	key: DUMMY_BFL_KEY,
	params: BFL_GENERATE_PARAMS,
	imageField: 'image_prompt',
	job(images, seed) {
		const jobs = images.map((image, n) => mockBflJob({ image, seed: seed + n }));
		return { input: jobs[0].submitted };
	},
	seeds: perImage,
	imageUrl(url, bytes) {
		// BFL takes base64 only: the node downloads the URL itself, without the key.
		const u = new URL(url);
		nock(u.origin).get(u.pathname).reply(200, bytes, { 'content-type': 'image/png' });
		return bytes.toString('base64');
	},
	upload(photo) {
		return {
			expected: photo.toString('base64'),
			check: (harness) =>
				expect(
					harness.requests.filter((r) => r.method === 'PUT' || r.url.includes('upload')),
				).toHaveLength(0),
		};
	},
	createFails(status, kind) {
		const bodies = {
			auth: { detail: 'Invalid API key' },
			credit: { detail: 'Insufficient credits' },
			field: {
				detail: [
					{
						loc: ['body', 'aspect_ratio'],
						msg: 'must be one of the listed ratios',
						type: 'value_error',
					},
				],
			},
			busy: { detail: 'Service temporarily unavailable' },
		};
		nock(BFL_API).post(BFL_SUBMIT_PATH).reply(status, bodies[kind]);
	},
	moderatedJob() {
		mockBflJob({ terminal: { status: 'Content Moderated', result: null } });
	},
	// One job per image; the submit answer's `cost` is in credits of $0.01.
	costedJob: (images) => images.forEach((image) => mockBflJob({ image, cost: 5 })),
	cost: { usd: 0.05, source: 'provider' },
};

const replicate: Driver = {
	id: 'replicate',
	name: 'Replicate',
	signedHosts: [REPLICATE_API],
	authHeader: 'authorization',
	key: DUMMY_REPLICATE_KEY,
	params: REPLICATE_GENERATE_PARAMS,
	imageField: 'image_prompt',
	job(images, seed) {
		const jobs = images.map((image, n) => mockReplicateJob({ image, seed: seed + n }));
		return { input: () => jobs[0].submitted()?.input as Record<string, unknown> | undefined };
	},
	seeds: perImage,
	imageUrl: (url) => url,
	upload(photo) {
		// Over 1 MB: Replicate's Files API, a multipart POST to the API host (with the key).
		const up = mockReplicateUpload();
		return {
			expected: up.url,
			check: (harness) => {
				const post = harness.requests.find((r) => r.url === `${REPLICATE_API}/v1/files`)!;
				expect(post.body!.includes(photo)).toBe(true);
			},
		};
	},
	createFails(status, kind) {
		const bodies = {
			auth: { title: 'Unauthenticated', detail: 'Invalid API key', status },
			credit: {
				title: 'Insufficient credit',
				detail: 'You have insufficient credit to run this model.',
				status,
			},
			field: {
				title: 'Input validation failed',
				detail: '- input.aspect_ratio: must be one of the listed ratios',
				status,
				invalid_fields: [
					{
						type: 'enum',
						field: 'input.aspect_ratio',
						description: 'must be one of the listed ratios',
					},
				],
			},
			busy: { title: 'Service Unavailable', detail: 'Service unavailable', status },
		};
		nock(REPLICATE_API).post(PREDICTIONS_PATH).reply(status, bodies[kind]);
	},
	moderatedJob() {
		mockReplicateJob({
			terminal: {
				status: 'failed',
				output: null,
				error: 'Your input or output was flagged as sensitive. (E005)',
			},
		});
	},
	// A prediction carries no cost: the list price.
	costedJob: (images) => images.forEach((image) => mockReplicateJob({ image })),
	cost: { usd: 0.06, source: 'list_price' },
};

const DRIVERS = [fal, runflow, bfl, replicate];

/**
 * The parts of an output item that may name the provider or its job id are set aside, and so is the
 * seed of an item with several images (one per job, or one per image: asserted per driver).
 */
function neutral(items: INodeExecutionData[], driver: Driver) {
	return items.map((item) => {
		const json = { ...item.json };
		for (const key of ['provider', 'requestId', 'fileName', 'url', 'nsfw', 'cost'])
			delete json[key];
		if (Number(json.imageCount) > 1) delete json.seed;
		// An image not downloaded has the size its provider reports: fal.ai and Runflow do, BFL and Replicate do not (null).
		if (!item.binary) for (const key of ['width', 'height']) delete json[key];
		if (json.error && typeof json.error === 'object') {
			const error = { ...(json.error as Record<string, unknown>) };
			for (const key of ['description', 'requestId', 'httpCode']) delete error[key];
			json.error = {
				...error,
				message: String(error.message).replaceAll(driver.name, '<provider>'),
			};
		}
		const binary = Object.fromEntries(
			Object.entries(item.binary ?? {}).map(([field, b]) => [field, { ...b, fileName: undefined }]),
		);
		return { json, binary, pairedItem: item.pairedItem };
	});
}

/** Runs one scenario on every provider and returns the outcomes, keyed by provider. */
async function onEveryProvider(
	scenario: (d: Driver) => Promise<{ out: INodeExecutionData[]; harness: Harness }>,
) {
	const outcomes = new Map<Driver, { out: INodeExecutionData[]; harness: Harness }>();
	for (const driver of DRIVERS) {
		useVirtualClock();
		outcomes.set(driver, await scenario(driver));
		expect(nock.pendingMocks(), `${driver.name}: unused interceptors`).toEqual([]);
		nock.cleanAll();
	}
	const [first, ...rest] = DRIVERS;
	for (const other of rest) {
		expect(neutral(outcomes.get(other)!.out, other), `${other.name} vs ${first.name}`).toEqual(
			neutral(outcomes.get(first)!.out, first),
		);
	}
	return outcomes;
}

describe('shared scenarios: every provider gives the same output items', () => {
	it('two prompts, two images each: same items, keys, binaries and pairing', async () => {
		const images = [fakeImages(2, 'png', 48, 27), fakeImages(2, 'png', 27, 48)];
		const outcomes = await onEveryProvider(async (d) => {
			const jobs = images.map((set, n) => d.job(set, 100 + n));
			const harness = createHarness({
				params: {
					...d.params,
					numImages: 2,
					outputFormat: 'png',
					aspectRatio: (i: number) => (i === 0 ? '16:9' : '9:16'),
				},
				items: [{ json: {} }, { json: {} }],
			});
			const [out] = await harness.run();
			// Runflow's name for it is unconfirmed: sent only away from the default (16:9).
			expect(jobs.map((j) => j.input()?.aspect_ratio)).toEqual([
				d.name === 'Runflow' ? undefined : '16:9',
				'9:16',
			]);
			return { out, harness };
		});

		for (const [driver, { out }] of outcomes) {
			expect(out).toHaveLength(4);
			expect(out.map((i) => i.pairedItem)).toEqual([
				{ item: 0 },
				{ item: 0 },
				{ item: 1 },
				{ item: 1 },
			]);
			expect(out.map((i) => i.json.provider)).toEqual(Array(4).fill(driver.id));
			expect(out.map((i) => i.json.seed)).toEqual([
				...driver.seeds(100, 2),
				...driver.seeds(101, 2),
			]);
			expect(out.map((i) => [i.json.imageIndex, i.json.imageCount])).toEqual([
				[0, 2],
				[1, 2],
				[0, 2],
				[1, 2],
			]);
			expect(Object.keys(out[0].json).sort()).toEqual(
				[
					'aspectRatio',
					'contentType',
					'cost',
					'fileName',
					'fileSize',
					'height',
					'imageCount',
					'imageIndex',
					'nsfw',
					'operation',
					'prompt',
					'provenance',
					'provider',
					'requestId',
					'seed',
					'url',
					'width',
				].sort(),
			);
			// The same report whichever provider delivered the (credential-less) file.
			expect(out.map((i) => i.json.provenance)).toEqual(
				out.map(() => ({ c2pa: false, digitalSourceType: null, labelled: false })),
			);
			expect(Buffer.from(out[3].binary!.data.data, 'base64').equals(images[1][1].bytes)).toBe(true);
		}
	});

	it('an image URL reaches the provider with the image prompt strength (as a link, or as its bytes on BFL)', async () => {
		const ref = makePng(12, 12, 3);
		await onEveryProvider(async (d) => {
			const expected = d.imageUrl('https://example.com/ref.png', ref);
			const job = d.job(fakeImages(1), 5);
			const harness = createHarness({
				params: {
					...d.params,
					imageSource: 'url',
					imageUrl: 'https://example.com/ref.png',
					options: { imagePromptStrength: 0.35 },
				},
			});
			const [out] = await harness.run();
			expect(job.input()).toMatchObject({ [d.imageField]: expected, image_prompt_strength: 0.35 });
			return { out, harness };
		});
	});

	it('a large incoming file goes to the provider the way it takes files; storage and download hosts never see the key', async () => {
		const photo = Buffer.concat([makePng(16, 16, 9), Buffer.alloc(1100 * 1024)]);
		const outcomes = await onEveryProvider(async (d) => {
			const upload = d.upload(photo);
			const job = d.job(fakeImages(1), 6);
			const harness = createHarness({
				params: { ...d.params, imageSource: 'binary', binaryPropertyName: 'photo' },
				items: [
					{
						json: {},
						binary: {
							photo: { data: photo.toString('base64'), mimeType: 'image/png', fileName: 'in.png' },
						},
					},
				],
			});
			const [out] = await harness.run();
			expect(job.input()?.[d.imageField]).toBe(upload.expected);
			upload.check(harness);
			return { out, harness };
		});
		for (const [driver, { harness }] of outcomes) {
			for (const r of harness.requests) {
				const signed = driver.signedHosts.some((host) => r.url.startsWith(host));
				if (signed)
					expect(r.headers[driver.authHeader], `${r.method} ${r.url}`).toContain(driver.key);
				else
					expect([r.headers.authorization, r.headers['x-key']], `${r.method} ${r.url}`).toEqual([
						undefined,
						undefined,
					]);
			}
		}
	});

	it.each<[string, number, 'auth' | 'credit' | 'field' | 'busy', string, string]>([
		['a refused key', 401, 'auth', 'auth', '<provider> refused the API key (HTTP 401) [item 0]'],
		[
			'an empty balance',
			402,
			'credit',
			'credit',
			'Your <provider> account is out of credit [item 0]',
		],
		[
			'a field the provider rejects',
			422,
			'field',
			'validation',
			'<provider> rejected the field "Aspect Ratio": must be one of the listed ratios [item 0]',
		],
		[
			'a provider that is down',
			503,
			'busy',
			'maybe_submitted',
			'The job may have been created at <provider>, but the answer was lost (HTTP 503) [item 0]',
		],
	])('%s gives the same error item (HTTP %i)', async (_name, status, body, kind, message) => {
		const outcomes = await onEveryProvider(async (d) => {
			d.createFails(status, body);
			d.job(fakeImages(1), 1);
			const harness = createHarness({
				params: d.params,
				items: [{ json: {} }, { json: {} }],
				continueOnFail: true,
			});
			const [out] = await harness.run();
			return { out, harness };
		});
		for (const [driver, { out, harness }] of outcomes) {
			expect(errorOf(out[0]).kind).toBe(kind);
			expect(errorOf(out[0]).message).toBe(message.replace('<provider>', driver.name));
			expect(out[1].json.provider).toBe(driver.id);
			// A job-creating request is never resent after a 5xx: at most one charge per item.
			expect(harness.requests.filter((r) => r.method === 'POST').length).toBe(2);
		}
	});

	it('a job blocked by the content checker is a moderation error on every provider', async () => {
		await onEveryProvider(async (d) => {
			d.moderatedJob();
			const harness = createHarness({ params: d.params, continueOnFail: true });
			const [out] = await harness.run();
			expect(errorOf(out[0]).kind).toBe('moderation');
			expect(errorOf(out[0]).description).toContain('Safety Tolerance');
			return { out, harness };
		});
	});

	it('an invalid item fails the same way on every provider, before any request', async () => {
		const outcomes = await onEveryProvider(async (d) => {
			const harness = createHarness({
				params: { ...d.params, numImages: 9 },
				continueOnFail: true,
			});
			const [out] = await harness.run();
			expect(harness.requests).toHaveLength(0);
			return { out, harness };
		});
		for (const { out } of outcomes.values()) {
			expect(errorOf(out[0])).toMatchObject({ kind: 'parameter', field: 'Number of Images' });
		}
	});

	it('downloads carry no credential and the key appears in no output', async () => {
		const outcomes = await onEveryProvider(async (d) => {
			d.job(fakeImages(2), 3);
			const harness = createHarness({ params: { ...d.params, numImages: 2 } });
			const [out] = await harness.run();
			return { out, harness };
		});
		for (const [driver, { out, harness }] of outcomes) {
			const downloads = harness.requests.filter(
				(r) => !driver.signedHosts.some((host) => r.url.startsWith(host)),
			);
			expect(downloads.length).toBe(2);
			expect(
				downloads.every(
					(r) => r.headers.authorization === undefined && r.headers['x-key'] === undefined,
				),
			).toBe(true);
			expect(JSON.stringify(out.map((i) => i.json))).not.toContain(driver.key);
		}
		expect(CDN).toMatch(/^https:/);
	});

	it("every image reports its cost (the provider's own figure where its answer has one, else the list price) and the run total is an execution hint", async () => {
		const hints = new Map<Driver, unknown[]>();
		const outcomes = await onEveryProvider(async (d) => {
			d.costedJob(fakeImages(2));
			const harness = createHarness({ params: { ...d.params, numImages: 2 } });
			const added: unknown[] = [];
			Object.assign(harness.ctx, { addExecutionHints: (...h: unknown[]) => added.push(...h) });
			hints.set(d, added);
			const [out] = await harness.run();
			return { out, harness };
		});
		for (const [driver, { out }] of outcomes) {
			expect(
				out.map((i) => i.json.cost),
				driver.name,
			).toEqual([driver.cost, driver.cost]);
			const how =
				driver.cost.source === 'provider' ? '2 as reported by the provider' : '2 at list price';
			expect(hints.get(driver), driver.name).toEqual([
				{
					message: `This run cost about $${(2 * driver.cost.usd).toFixed(2)} (2 images: ${how})`,
					type: 'info',
					location: 'outputPane',
				},
			]);
		}
	});

	it('a spend cap below the worst case refuses the run before any request, naming the figures', async () => {
		for (const d of DRIVERS) {
			const harness = createHarness({
				params: { ...d.params, numImages: 2, options: { maxCostPerRun: 0.2 } },
				items: [{ json: {} }, { json: {} }],
			});
			const error = await harness.fail();
			expect(error.message).toBe(
				`This run could cost up to $0.24, more than "Max Cost per Run (USD)" allows ($0.20): 2 items, 4 images × $0.06 (${d.name} list price per image)`,
			);
			expect(error.description).toContain(`Nothing was sent to ${d.name}.`);
			expect(harness.requests, d.name).toHaveLength(0);
		}
	});

	it('with Download Image off: the links and metadata, no binary, and no download request', async () => {
		const outcomes = await onEveryProvider(async (d) => {
			d.job(fakeImages(2, 'png', 48, 27), 7);
			const harness = createHarness({
				params: { ...d.params, numImages: 2, outputFormat: 'png', downloadImage: false },
			});
			const [out] = await harness.run();
			// The downloads mounted for the job are the only interceptors left: none was asked for.
			const left = nock.pendingMocks();
			expect(left, d.name).toHaveLength(2);
			expect(
				left.every((m) => !d.signedHosts.some((host) => m.includes(new URL(host).host))),
				d.name,
			).toBe(true);
			nock.cleanAll();
			return { out, harness };
		});
		for (const [driver, { out, harness }] of outcomes) {
			expect(
				harness.requests.filter((r) => !driver.signedHosts.some((host) => r.url.startsWith(host))),
				driver.name,
			).toHaveLength(0);
			expect(out).toHaveLength(2);
			for (const item of out) {
				expect(item.binary).toBeUndefined();
				expect(item.pairedItem).toEqual({ item: 0 });
				expect(String(item.json.url)).toMatch(/^https:\/\//);
				expect(item.json).toMatchObject({
					contentType: 'image/png',
					fileSize: null,
					cost: { usd: 0.06 },
				});
				expect(String(item.json.fileName)).toMatch(/\.png$/);
				expect([item.json.width, item.json.height]).toEqual(
					['fal', 'runflow'].includes(driver.id) ? [48, 27] : [null, null],
				);
			}
			expect(Object.keys(out[0].json).sort()).toEqual(
				[
					'aspectRatio',
					'contentType',
					'cost',
					'fileName',
					'fileSize',
					'height',
					'imageCount',
					'imageIndex',
					'nsfw',
					'operation',
					'prompt',
					'provider',
					'requestId',
					'seed',
					'url',
					'width',
				].sort(),
			);
		}
	});
});
