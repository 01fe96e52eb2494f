import nock from 'nock';
import { describe, expect, it } from 'vitest';

import {
	bflKeyUrl,
	resolveBflBase,
	toBflInput,
} from '../../../../../nodes/FluxUltra/providers/bfl/bfl.provider';
import { validateItemParameters } from '../../../../../nodes/FluxUltra/parameters/validation';
import { useVirtualClock } from '../../../../../testkit/harness/clock';
import {
	createHarness,
	DUMMY_BFL_KEY,
	DUMMY_FAL_KEY,
	DUMMY_REPLICATE_KEY,
	DUMMY_RUNFLOW_KEY,
	type HarnessOptions,
} from '../../../../../testkit/harness/context';
import {
	BFL_API,
	BFL_DELIVERY,
	BFL_GENERATE_PARAMS,
	BFL_POLL_HOST,
	BFL_SUBMIT_PATH,
	mockBflJob,
} from '../../../../../testkit/harness/bflNock';
import { fakeImages } from '../../../../../testkit/harness/falNock';
import { makeJpeg, makePng } from '../../../../../testkit/mocks/images';
import { IMAGE_URL_FAILED } from '../../../../../nodes/FluxUltra/job/inputImage';
import { useNock } from '../../../../setupNock';
import { errorOf } from '../../../../../testkit/harness/errorItems';

useNock();

const params = (extra: Record<string, unknown> = {}) => ({ ...BFL_GENERATE_PARAMS, ...extra });

function harness(extra: Record<string, unknown> = {}, options: Partial<HarnessOptions> = {}) {
	return createHarness({ params: params(extra), ...options });
}

const credentials = (bfl: Record<string, string>) => ({
	falApi: { apiKey: DUMMY_FAL_KEY, baseUrl: '' },
	runflowApi: { apiKey: DUMMY_RUNFLOW_KEY, baseUrl: '' },
	bflApi: { apiKey: DUMMY_BFL_KEY, region: 'global', baseUrl: '', ...bfl },
	replicateApi: { apiKey: DUMMY_REPLICATE_KEY, baseUrl: '' },
});

describe('Black Forest Labs Generate', () => {
	it('submits Ultra under BFL names, follows the returned polling URL and downloads the sample without the key', async () => {
		const clock = useVirtualClock();
		const image = fakeImages(1, 'png', 64, 36)[0];
		const job = mockBflJob({ image, seed: 7, pending: ['Pending', 'Pending'] });
		const h = harness({
			outputFormat: 'png',
			options: { seed: 7, safetyTolerance: '4', raw: true, enhancePrompt: true },
		});

		const [out] = await h.run();

		expect(job.submitted()).toEqual({
			prompt: 'a ceramic mug on a walnut table',
			aspect_ratio: '16:9',
			output_format: 'png',
			prompt_upsampling: true,
			raw: true,
			safety_tolerance: 4,
			seed: 7,
		});
		const polls = h.requests.filter((r) =>
			r.url.startsWith(`${BFL_POLL_HOST}/v1/get_result?id=${job.id}`),
		);
		expect(polls).toHaveLength(3);
		expect(clock.sleeps.every((ms) => ms >= 250 && ms <= 2000)).toBe(true);
		for (const r of h.requests) {
			const signed = r.url.startsWith(BFL_API) || r.url.startsWith(BFL_POLL_HOST);
			expect(r.headers['x-key'], r.url).toBe(signed ? DUMMY_BFL_KEY : undefined);
			expect(r.headers.authorization).toBeUndefined();
		}
		expect(h.requests.filter((r) => r.url.startsWith(BFL_DELIVERY))).toHaveLength(1);
		expect(out).toHaveLength(1);
		expect(out[0].json).toMatchObject({
			provider: 'bfl',
			requestId: job.id,
			imageIndex: 0,
			imageCount: 1,
			seed: 7,
			width: 64,
			height: 36,
			contentType: 'image/png',
		});
		expect(Buffer.from(out[0].binary!.data.data, 'base64').equals(image.bytes)).toBe(true);
		expect(nock.isDone()).toBe(true);
	});

	it('runs one request per image for Number of Images, seeds seed, seed+1, …, each a parallel job, output in image order', async () => {
		useVirtualClock();
		const images = fakeImages(3, 'jpeg', 40, 30);
		// The first image's job takes longest: output order must not follow finishing order.
		const jobs = images.map((image, n) =>
			mockBflJob({ image, seed: 500 + n, pending: Array(n === 0 ? 6 : 1).fill('Pending') }),
		);
		const h = harness({ numImages: 3, options: { seed: 500, maxParallelJobs: 2 } });

		const [out] = await h.run();

		expect(jobs.map((j) => j.submitted()?.seed)).toEqual([500, 501, 502]);
		expect(jobs.every((j) => j.submitted()?.num_images === undefined)).toBe(true);
		expect(out.map((i) => i.json.imageIndex)).toEqual([0, 1, 2]);
		expect(out.map((i) => i.json.imageCount)).toEqual([3, 3, 3]);
		expect(out.map((i) => i.json.requestId)).toEqual(jobs.map((j) => j.id));
		expect(out.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 0 }, { item: 0 }]);
		expect(out.map((i) => i.binary!.data.fileName)).toEqual(
			jobs.map((j, n) => `flux-${j.id}-${n + 1}.jpg`),
		);
		out.forEach((item, n) =>
			expect(Buffer.from(item.binary!.data.data, 'base64').equals(images[n].bytes)).toBe(true),
		);
		// Max Parallel Jobs 2: the third job was submitted only once the second (the quicker) was Ready.
		const third = h.requests.findIndex(
			(r, n) =>
				r.method === 'POST' &&
				h.requests.slice(0, n).filter((q) => q.method === 'POST').length === 2,
		);
		const secondReady = h.requests
			.map((r) => r.url)
			.lastIndexOf(`${BFL_POLL_HOST}/v1/get_result?id=${jobs[1].id}`);
		expect(secondReady).toBeGreaterThan(0);
		expect(third).toBeGreaterThan(secondReady);
		expect(
			h.requests.slice(0, third).some((r) => r.url.includes(`get_result?id=${jobs[0].id}`)),
		).toBe(true);
		expect(nock.isDone()).toBe(true);
	});

	it('leaves the seed to BFL for each image when none is set', async () => {
		useVirtualClock();
		const jobs = [mockBflJob({ seed: 11 }), mockBflJob({ seed: 98 })];
		const [out] = await harness({ numImages: 2 }).run();
		expect(jobs.map((j) => 'seed' in (j.submitted() ?? {}))).toEqual([false, false]);
		expect(out.map((i) => i.json.seed)).toEqual([11, 98]);
	});

	it('counts seeds past 2^53 exactly, sending every digit', async () => {
		useVirtualClock();
		mockBflJob();
		mockBflJob();
		const h = harness({ numImages: 2, options: { seed: Number.MAX_SAFE_INTEGER } });
		await h.run();
		const sent = h.requests
			.filter((r) => r.method === 'POST')
			.map((r) => /"seed":(\d+)/.exec(r.body!.toString())?.[1]);
		expect(sent).toEqual(['9007199254740991', '9007199254740992']);
	});

	it('sends an incoming file as bare base64 in image_prompt, with the strength; nothing is uploaded', async () => {
		useVirtualClock();
		const photo = makeJpeg(32, 32, 5);
		const jobs = [mockBflJob(), mockBflJob()];
		const h = harness(
			{
				numImages: 2,
				imageSource: 'binary',
				binaryPropertyName: 'photo',
				options: { imagePromptStrength: 0.4 },
			},
			{
				items: [
					{
						json: {},
						binary: {
							photo: { data: photo.toString('base64'), mimeType: 'image/jpeg', fileName: 'p.jpg' },
						},
					},
				],
			},
		);

		await h.run();

		for (const job of jobs) {
			expect(job.submitted()).toMatchObject({
				image_prompt: photo.toString('base64'),
				image_prompt_strength: 0.4,
			});
		}
		expect(h.requests.filter((r) => r.method === 'PUT')).toHaveLength(0);
	});

	it('downloads an Image URL itself, once per item, without the key, and sends its bytes', async () => {
		useVirtualClock();
		const ref = makePng(20, 20, 3);
		nock('https://images.example.com')
			.get('/ref.png')
			.once()
			.reply(200, ref, { 'content-type': 'image/png' });
		const jobs = [mockBflJob(), mockBflJob()];
		const h = harness({
			numImages: 2,
			imageSource: 'url',
			imageUrl: 'https://images.example.com/ref.png',
		});

		await h.run();

		for (const job of jobs) expect(job.submitted()?.image_prompt).toBe(ref.toString('base64'));
		const fetched = h.requests.filter((r) => r.url.startsWith('https://images.example.com'));
		expect(fetched).toHaveLength(1);
		expect(fetched[0].headers['x-key']).toBeUndefined();
	});

	it('turns a data URI in Image URL into bare base64', async () => {
		useVirtualClock();
		const ref = makePng(8, 8, 1);
		const job = mockBflJob();
		await harness({
			imageSource: 'url',
			imageUrl: `data:image/png;base64,${ref.toString('base64')}`,
		}).run();
		expect(job.submitted()?.image_prompt).toBe(ref.toString('base64'));
	});

	// A closed port, a 404 and an HTML page must read the same to an AI agent (issue 18, finding 3).
	const ONE_TEXT = new RegExp(
		`^Invalid value for "Image URL": ${IMAGE_URL_FAILED.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\[item 0\\]$`,
	);
	it.each<[string, () => void, string, RegExp]>([
		[
			'a plain-http Image URL',
			() => undefined,
			'http://images.example.com/a.png',
			/must be an https:\/\/ URL: Black Forest Labs takes the image itself/,
		],
		[
			'an Image URL that is not an image',
			() =>
				nock('https://images.example.com')
					.get('/a.png')
					.reply(200, Buffer.alloc(64, 60), { 'content-type': 'text/html' }),
			'https://images.example.com/a.png',
			ONE_TEXT,
		],
		[
			'an Image URL larger than Max Image Size',
			() =>
				nock('https://images.example.com')
					.get('/a.png')
					.reply(200, Buffer.alloc(2 * 1048576 + 10), {
						'content-length': String(2 * 1048576 + 10),
					}),
			'https://images.example.com/a.png',
			ONE_TEXT,
		],
		[
			'an Image URL that answers 404',
			() => nock('https://images.example.com').get('/a.png').reply(404, 'Not Found'),
			'https://images.example.com/a.png',
			ONE_TEXT,
		],
	])(
		'refuses %s before any job is submitted, in the one text every failed Image URL gets',
		async (_name, mount, url, message) => {
			useVirtualClock();
			mount();
			const h = harness(
				{ imageSource: 'url', imageUrl: url, options: { maxImageSize: 1 } },
				{ continueOnFail: true },
			);
			const [out] = await h.run();
			expect(errorOf(out[0])).toMatchObject({ kind: 'parameter', field: 'Image URL' });
			expect(String(errorOf(out[0]).message)).toMatch(message);
			expect(h.requests.filter((r) => r.url.startsWith(BFL_API))).toHaveLength(0);
		},
	);

	it('remixes with Ultra and the image as image_prompt (BFL\'s own "remix")', async () => {
		useVirtualClock();
		const photo = makePng(16, 16, 2);
		const job = mockBflJob();
		await harness(
			{ operation: 'remix', prompt: '', imageSource: 'binary', binaryPropertyName: 'data' },
			{
				items: [
					{ json: {}, binary: { data: { data: photo.toString('base64'), mimeType: 'image/png' } } },
				],
			},
		).run();
		expect(job.submitted()).toMatchObject({ image_prompt: photo.toString('base64') });
		expect(job.submitted()?.prompt).toBeUndefined();
	});

	it.each<[string, Record<string, unknown>, string, RegExp]>([
		[
			'Request Moderated',
			{ status: 'Request Moderated', result: null },
			'moderation',
			/flagged before the job ran.*does not charge/,
		],
		[
			'Content Moderated',
			{ status: 'Content Moderated', result: null },
			'moderation',
			/flagged after it was made.*does not charge/,
		],
		[
			'Error',
			{ status: 'Error', details: { reason: 'GPU fault' } },
			'job_failed',
			/could not finish the job \(status "Error"\)/,
		],
		['Task not found', { status: 'Task not found' }, 'bad_response', /no longer knows the job/],
		['an unknown status', { status: 'Exploded' }, 'bad_response', /unknown job status "Exploded"/],
		[
			'Ready without a sample',
			{ status: 'Ready', result: {} },
			'bad_response',
			/returned no image/,
		],
	])('%s ends the job as %s', async (_name, terminal, kind, message) => {
		useVirtualClock();
		const job = mockBflJob({ terminal: { id: 'x', ...terminal } });
		const [out] = await harness({}, { continueOnFail: true }).run();
		expect(errorOf(out[0])).toMatchObject({ kind: kind, requestId: job.id });
		expect(`${String(errorOf(out[0]).message)} ${String(errorOf(out[0]).description)}`).toMatch(
			message,
		);
	});

	it('does not send the key to a polling URL off bfl.ai and the API base', async () => {
		useVirtualClock();
		nock(BFL_API).post(BFL_SUBMIT_PATH).reply(200, {
			id: 'task-1',
			polling_url: 'https://evil.example.com/v1/get_result?id=task-1',
		});
		const h = harness({}, { continueOnFail: true });
		const [out] = await h.run();
		expect(errorOf(out[0])).toMatchObject({ kind: 'bad_response', requestId: 'task-1' });
		expect(h.requests.map((r) => r.url)).toEqual([`${BFL_API}${BFL_SUBMIT_PATH}`]);
	});

	it('refuses Sync Mode before any request', async () => {
		const h = harness({ options: { syncMode: true } }, { continueOnFail: true });
		const [out] = await h.run();
		expect(errorOf(out[0])).toMatchObject({ kind: 'parameter', field: 'Sync Mode' });
		expect(String(errorOf(out[0]).message)).toMatch(
			/Black Forest Labs cannot honour it: .*no sync mode/,
		);
		expect(h.requests).toHaveLength(0);
	});

	it("sends jobs to the Region's host, or to the API Base URL when one is set", async () => {
		useVirtualClock();
		nock('https://api.eu.bfl.ai')
			.post(BFL_SUBMIT_PATH)
			.reply(402, { detail: 'Insufficient credits' });
		const h = harness({}, { continueOnFail: true, credentials: credentials({ region: 'eu' }) });
		const [out] = await h.run();
		expect(errorOf(out[0])).toMatchObject({
			kind: 'credit',
			message: 'Your Black Forest Labs account is out of credit [item 0]',
		});
		expect(resolveBflBase('us', '')).toBe('https://api.us.bfl.ai');
		expect(resolveBflBase('nowhere', undefined)).toBe('https://api.bfl.ai');
		expect(resolveBflBase('eu', 'http://127.0.0.1:9/')).toBe('http://127.0.0.1:9');
	});

	it("names the field behind a 422 by BFL's own name", async () => {
		useVirtualClock();
		nock(BFL_API)
			.post(BFL_SUBMIT_PATH)
			.reply(422, {
				detail: [
					{
						loc: ['body', 'prompt_upsampling'],
						msg: 'Input should be a valid boolean',
						type: 'bool_parsing',
					},
				],
			});
		const [out] = await harness({}, { continueOnFail: true }).run();
		expect(errorOf(out[0])).toMatchObject({
			kind: 'validation',
			message:
				'Black Forest Labs rejected the field "Enhance Prompt": Input should be a valid boolean [item 0]',
		});
	});

	it('on timeout stops polling and says the job may still bill (BFL has no cancel)', async () => {
		useVirtualClock();
		nock(BFL_API)
			.post(BFL_SUBMIT_PATH)
			.reply(200, { id: 'slow-1', polling_url: `${BFL_API}/v1/get_result?id=slow-1` });
		nock(BFL_API)
			.get('/v1/get_result')
			.query(true)
			.times(200)
			.reply(200, { id: 'slow-1', status: 'Pending' });
		const h = harness({ options: { timeout: 10 } }, { continueOnFail: true });
		const [out] = await h.run();
		expect(errorOf(out[0])).toMatchObject({ kind: 'timeout', requestId: 'slow-1' });
		expect(String(errorOf(out[0]).message)).toMatch(
			/^The job did not finish within 10 seconds; Black Forest Labs offers no way to cancel it \[item 0\]$/,
		);
		expect(String(errorOf(out[0]).description)).toMatch(
			/may still finish at Black Forest Labs and be billed/,
		);
		expect(h.requests.filter((r) => r.method !== 'GET' && r.method !== 'POST')).toHaveLength(0);
		nock.cleanAll();
	});
});

describe('BFL helpers', () => {
	it("allows the key only to the API base and BFL's https API hosts on 443; through a proxy base, follows the proxy", () => {
		const api = 'https://api.bfl.ai';
		const poll = 'https://api.us1.bfl.ai/v1/get_result?id=1';
		expect(bflKeyUrl(poll, api)).toBe(poll);
		expect(bflKeyUrl('https://api.bfl.ai/v1/get_result?id=1', api)).toBe(
			'https://api.bfl.ai/v1/get_result?id=1',
		);
		expect(bflKeyUrl('https://api.eu.bfl.ai:443/v1/get_result?id=1', api)).toBe(
			'https://api.eu.bfl.ai/v1/get_result?id=1',
		);
		for (const refused of [
			'http://api.us1.bfl.ai/v1/get_result?id=1',
			'https://api.us1.bfl.ai:8443/v1/get_result?id=1',
			'https://docs.bfl.ai/v1/get_result?id=1',
			'https://cdn-logs.bfl.ai/x',
			'https://delivery-eu1.bfl.ai/x',
			'https://bfl.ai/x',
			'https://api.x.y.bfl.ai/x',
			'https://bfl.ai.evil.example.com/x',
			'https://evilbfl.ai/x',
			'https://user:pw@api.bfl.ai/x',
			undefined,
		])
			expect([refused, bflKeyUrl(refused, api)]).toEqual([refused, undefined]);
		expect(bflKeyUrl('http://127.0.0.1:4000/v1/get_result?id=1', 'http://127.0.0.1:4000')).toBe(
			'http://127.0.0.1:4000/v1/get_result?id=1',
		);
		// A proxy (or test server) as base URL: BFL's polling link goes through it.
		expect(bflKeyUrl(poll, 'https://proxy.example.com/bfl')).toBe(
			'https://proxy.example.com/bfl/v1/get_result?id=1',
		);
		expect(bflKeyUrl(poll, 'http://127.0.0.1:4000')).toBe(
			'http://127.0.0.1:4000/v1/get_result?id=1',
		);
		expect(bflKeyUrl('https://docs.bfl.ai/x', 'https://proxy.example.com')).toBeUndefined();
	});

	it('maps every canonical field: integers for safety tolerance, nothing for Number of Images', () => {
		const request = validateItemParameters({
			operation: 'generate',
			main: { prompt: 'p', aspectRatio: '9:21', numImages: 4, outputFormat: 'jpeg' },
			options: { safetyTolerance: '6', imagePromptStrength: 0.9 },
			imageSource: 'none',
			imageUrl: undefined,
			binaryPropertyName: undefined,
		});
		expect(toBflInput(request, undefined)).toEqual({
			prompt: 'p',
			aspect_ratio: '9:21',
			output_format: 'jpeg',
			prompt_upsampling: false,
			raw: false,
			safety_tolerance: 6,
		});
		expect(toBflInput(request, 'data:image/png;base64,QUJD')).toMatchObject({
			image_prompt: 'QUJD',
			image_prompt_strength: 0.9,
		});
	});
});
