import nock from 'nock';
import { describe, expect, it } from 'vitest';

import { validateItemParameters } from '../../../../../nodes/FluxUltra/parameters/validation';
import {
	multipartFile,
	replicateImages,
	replicateSeed,
	toReplicateBody,
} from '../../../../../nodes/FluxUltra/providers/replicate/replicate.provider';
import { STOP_CONFIRM } from '../../../../../nodes/FluxUltra/transport/verdict';
import { useVirtualClock } from '../../../../../testkit/harness/clock';
import {
	createHarness,
	DUMMY_REPLICATE_KEY,
	type HarnessOptions,
} from '../../../../../testkit/harness/context';
import { fakeImages } from '../../../../../testkit/harness/falNock';
import {
	mockReplicateJob,
	mockReplicateUpload,
	PREDICTIONS_PATH,
	REPLICATE_API,
	REPLICATE_DELIVERY,
	REPLICATE_GENERATE_PARAMS,
} from '../../../../../testkit/harness/replicateNock';
import { makePng } from '../../../../../testkit/mocks/images';
import { useNock } from '../../../../setupNock';
import { errorOf } from '../../../../../testkit/harness/errorItems';

useNock();

const params = (extra: Record<string, unknown> = {}) => ({
	...REPLICATE_GENERATE_PARAMS,
	...extra,
});

function harness(extra: Record<string, unknown> = {}, options: Partial<HarnessOptions> = {}) {
	return createHarness({ params: params(extra), ...options });
}

describe('Replicate Generate', () => {
	it('creates a prediction with {input} under Replicate names, polls urls.get and downloads the output without the key', async () => {
		const clock = useVirtualClock();
		const image = fakeImages(1, 'jpeg', 64, 36)[0];
		const job = mockReplicateJob({
			image,
			seed: 31337,
			pending: ['starting', 'processing', 'processing'],
		});
		const h = harness({ options: { safetyTolerance: '5', raw: true, seed: 31337 } });

		const [out] = await h.run();

		expect(job.submitted()).toEqual({
			input: {
				prompt: 'a ceramic mug on a walnut table',
				aspect_ratio: '16:9',
				output_format: 'jpg',
				raw: true,
				safety_tolerance: 5,
				seed: 31337,
			},
		});
		const create = h.requests.find((r) => r.method === 'POST')!;
		expect(create.headers.prefer).toBeUndefined();
		expect(
			h.requests.filter((r) => r.url === `${REPLICATE_API}/v1/predictions/${job.id}`),
		).toHaveLength(4);
		expect(clock.sleeps.every((ms) => ms >= 250 && ms <= 2000)).toBe(true);
		for (const r of h.requests) {
			expect(r.headers.authorization, r.url).toBe(
				r.url.startsWith(REPLICATE_API) ? `Bearer ${DUMMY_REPLICATE_KEY}` : undefined,
			);
		}
		expect(h.requests.filter((r) => r.url.startsWith(REPLICATE_DELIVERY))).toHaveLength(1);
		expect(out).toHaveLength(1);
		expect(out[0].json).toMatchObject({
			provider: 'replicate',
			requestId: job.id,
			seed: 31337,
			width: 64,
			height: 36,
			contentType: 'image/jpeg',
			imageCount: 1,
		});
		expect(Buffer.from(out[0].binary!.data.data, 'base64').equals(image.bytes)).toBe(true);
		expect(nock.isDone()).toBe(true);
	});

	it('creates one prediction per image for Number of Images, in image order', async () => {
		useVirtualClock();
		const images = fakeImages(2, 'png', 30, 30);
		const jobs = images.map((image, n) => mockReplicateJob({ image, seed: 9 + n }));
		const [out] = await harness({ numImages: 2, outputFormat: 'png', options: { seed: 9 } }).run();
		expect(jobs.map((j) => (j.submitted()?.input as Record<string, unknown>).seed)).toEqual([
			9, 10,
		]);
		expect(
			out.map((i) => [i.json.imageIndex, i.json.imageCount, i.json.seed, i.json.requestId]),
		).toEqual([
			[0, 2, 9, jobs[0].id],
			[1, 2, 10, jobs[1].id],
		]);
	});

	it('refuses Enhance Prompt with a reason, before any request', async () => {
		const h = harness({ options: { enhancePrompt: true } }, { continueOnFail: true });
		const [out] = await h.run();
		expect(errorOf(out[0])).toMatchObject({ kind: 'parameter', field: 'Enhance Prompt' });
		expect(String(errorOf(out[0]).message)).toMatch(
			/Replicate cannot honour it: .*no prompt enhancement/,
		);
		expect(h.requests).toHaveLength(0);
	});

	it('passes an Image URL on as image_prompt, as it is', async () => {
		useVirtualClock();
		const job = mockReplicateJob();
		await harness({
			imageSource: 'url',
			imageUrl: 'https://images.example.com/ref.png',
			options: { imagePromptStrength: 0.2 },
		}).run();
		expect(job.submitted()?.input).toMatchObject({
			image_prompt: 'https://images.example.com/ref.png',
			image_prompt_strength: 0.2,
		});
	});

	it('sends a small incoming file inline as a data URI', async () => {
		useVirtualClock();
		const photo = makePng(16, 16, 4);
		const job = mockReplicateJob();
		const h = harness(
			{ imageSource: 'binary', binaryPropertyName: 'data' },
			{
				items: [
					{ json: {}, binary: { data: { data: photo.toString('base64'), mimeType: 'image/png' } } },
				],
			},
		);
		await h.run();
		expect((job.submitted()?.input as Record<string, unknown>).image_prompt).toBe(
			`data:image/png;base64,${photo.toString('base64')}`,
		);
		expect(h.requests.filter((r) => r.url.includes('/v1/files'))).toHaveLength(0);
	});

	it("uploads a file over 1 MB through the Files API (multipart, to the API host), once for all of the item's images", async () => {
		useVirtualClock();
		const photo = Buffer.concat([makePng(16, 16, 9), Buffer.alloc(1100 * 1024)]);
		const upload = mockReplicateUpload();
		const jobs = [mockReplicateJob(), mockReplicateJob()];
		const h = harness(
			{ numImages: 2, imageSource: 'binary', binaryPropertyName: 'photo' },
			{
				items: [
					{
						json: {},
						binary: {
							photo: { data: photo.toString('base64'), mimeType: 'image/png', fileName: 'big.png' },
						},
					},
				],
			},
		);

		await h.run();

		for (const job of jobs)
			expect((job.submitted()?.input as Record<string, unknown>).image_prompt).toBe(upload.url);
		const posts = h.requests.filter((r) => r.url === `${REPLICATE_API}/v1/files`);
		expect(posts).toHaveLength(1);
		expect(posts[0].headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
		expect(posts[0].headers.authorization).toBe(`Bearer ${DUMMY_REPLICATE_KEY}`);
		const boundary = posts[0].headers['content-type'].split('boundary=')[1];
		const body = posts[0].body!;
		expect(body.includes(photo)).toBe(true);
		expect(body.toString('latin1')).toContain(
			`--${boundary}\r\nContent-Disposition: form-data; name="content"; filename="big.png"\r\nContent-Type: image/png\r\n\r\n`,
		);
	});

	it.each<[string, Record<string, unknown>, string, RegExp]>([
		[
			'a prediction flagged as sensitive',
			{
				status: 'failed',
				output: null,
				error:
					'Your input or output was flagged as sensitive. Please try again with different inputs. (E005)',
			},
			'moderation',
			/Replicate blocked the content/,
		],
		[
			'a failed prediction',
			{ status: 'failed', output: null, error: 'CUDA out of memory' },
			'job_failed',
			/could not finish the prediction: CUDA out of memory/,
		],
		[
			'an aborted prediction',
			{ status: 'aborted', output: null },
			'job_failed',
			/could not finish the prediction \(status "aborted"\)/,
		],
		[
			'a prediction cancelled elsewhere',
			{ status: 'canceled', output: null },
			'job_failed',
			/cancelled at Replicate/,
		],
		[
			'an unknown status',
			{ status: 'melted', output: null },
			'bad_response',
			/unknown prediction status "melted"/,
		],
		[
			'a succeeded prediction without output',
			{ status: 'succeeded', output: null },
			'bad_response',
			/returned no image/,
		],
	])('%s is a %s error', async (_name, terminal, kind, message) => {
		useVirtualClock();
		const job = mockReplicateJob({ terminal });
		const [out] = await harness({}, { continueOnFail: true }).run();
		expect(errorOf(out[0])).toMatchObject({ kind: kind, requestId: job.id });
		expect(String(errorOf(out[0]).message)).toMatch(message);
	});

	it('cancels the prediction with urls.cancel when the job times out', async () => {
		useVirtualClock();
		nock(REPLICATE_API)
			.post(PREDICTIONS_PATH)
			.reply(201, {
				id: 'slow',
				status: 'starting',
				urls: {
					get: `${REPLICATE_API}/v1/predictions/slow`,
					cancel: `${REPLICATE_API}/v1/predictions/slow/cancel`,
				},
			})
			.get('/v1/predictions/slow')
			.times(500)
			.reply(200, { id: 'slow', status: 'processing' })
			.post('/v1/predictions/slow/cancel')
			.reply(200, { id: 'slow', status: 'canceled' });
		const h = harness({ options: { timeout: 10 } }, { continueOnFail: true });
		const [out] = await h.run();
		expect(errorOf(out[0])).toMatchObject({
			kind: 'timeout',
			requestId: 'slow',
			safeToRunElsewhere: true,
		});
		expect(String(errorOf(out[0]).message)).toMatch(/; Replicate confirmed it stopped \[item 0\]$/);
		const cancel = h.requests.filter((r) => r.url.endsWith('/cancel'));
		expect(cancel).toHaveLength(1);
		expect(cancel[0].headers.authorization).toBe(`Bearer ${DUMMY_REPLICATE_KEY}`);
		nock.cleanAll();
	});

	/**
	 * Issue 27, finding 1: only the prediction's own status proves the stop (REPLICATE.stopProof).
	 * A cancel answered otherwise is followed by status reads, within STOP_CONFIRM of the answer.
	 */
	const timesOut = (id: string) =>
		nock(REPLICATE_API)
			.post(PREDICTIONS_PATH)
			.reply(201, {
				id,
				status: 'starting',
				urls: {
					get: `${REPLICATE_API}/v1/predictions/${id}`,
					cancel: `${REPLICATE_API}/v1/predictions/${id}/cancel`,
				},
			});
	it.each([
		// [cancel answer, statuses read after it, message tail, safe to run elsewhere]
		['canceled', [], 'Replicate confirmed it stopped', true],
		['failed', [], 'Replicate confirmed it stopped', true],
		['aborted', [], 'Replicate confirmed it stopped', true],
		['succeeded', [], 'Replicate finished it just after that', false],
		['processing', ['processing', 'canceled'], 'Replicate confirmed it stopped', true],
		['processing', ['succeeded'], 'Replicate finished it just after that', false],
		[
			'starting',
			['processing', 'processing', 'processing', 'processing'],
			'Replicate took the cancel',
			false,
		],
		['', ['melted', 'starting', 'processing', 'processing'], 'Replicate took the cancel', false],
	] as const)(
		'a timed-out prediction whose cancel answers "%s", then reads %j: "%s"',
		async (answer, reads, tail, safe) => {
			const clock = useVirtualClock();
			let pollingDone = false;
			let cancelledAt = 0;
			let readsAfter = 0;
			const scope = timesOut('t1');
			scope
				.get('/v1/predictions/t1')
				.times(1000)
				.reply(200, () => {
					if (!pollingDone) return { id: 't1', status: 'processing' };
					const status = reads[Math.min(readsAfter++, reads.length - 1)] ?? 'processing';
					return {
						id: 't1',
						status,
						...(status === 'succeeded' ? { output: `${REPLICATE_DELIVERY}/x/t1.png` } : {}),
					};
				})
				.post('/v1/predictions/t1/cancel')
				.reply(200, () => {
					pollingDone = true;
					cancelledAt = clock.elapsed();
					return answer ? { id: 't1', status: answer } : { id: 't1' };
				});
			const [out] = await harness({ options: { timeout: 10 } }, { continueOnFail: true }).run();
			const error = errorOf(out[0]);
			expect(error.message).toBe(`The job did not finish within 10 seconds; ${tail} [item 0]`);
			expect(error.safeToRunElsewhere).toBe(safe);
			// Reads after the cancel: none once its answer proved the stop or the finish; else at most
			// one a second, and never past STOP_CONFIRM's budget.
			if (answer !== 'processing' && answer !== 'starting' && answer !== '')
				expect(readsAfter).toBe(0);
			expect(readsAfter).toBeLessThanOrEqual(STOP_CONFIRM.budgetMs / STOP_CONFIRM.pauseMs);
			expect(clock.elapsed() - cancelledAt).toBeLessThanOrEqual(STOP_CONFIRM.budgetMs);
		},
	);

	it('a cancel that gets no answer is followed by a status read, which may still prove the stop', async () => {
		useVirtualClock();
		let pollingDone = false;
		timesOut('t2')
			.get('/v1/predictions/t2')
			.times(1000)
			.reply(200, () => ({ id: 't2', status: pollingDone ? 'canceled' : 'processing' }))
			.post('/v1/predictions/t2/cancel')
			.times(2)
			.reply(() => {
				pollingDone = true;
				return [503, { detail: 'unavailable' }];
			});
		const [out] = await harness({ options: { timeout: 10 } }, { continueOnFail: true }).run();
		expect(errorOf(out[0])).toMatchObject({ kind: 'timeout', safeToRunElsewhere: true });
	});

	it('cancels the prediction when the execution is cancelled', async () => {
		useVirtualClock();
		const controller = new AbortController();
		nock(REPLICATE_API)
			.post(PREDICTIONS_PATH)
			.reply(201, {
				id: 'c1',
				status: 'starting',
				urls: {
					get: `${REPLICATE_API}/v1/predictions/c1`,
					cancel: `${REPLICATE_API}/v1/predictions/c1/cancel`,
				},
			})
			.get('/v1/predictions/c1')
			.reply(200, () => {
				controller.abort();
				return { id: 'c1', status: 'processing' };
			})
			.post('/v1/predictions/c1/cancel')
			.reply(200, { id: 'c1', status: 'canceled' });
		const h = harness({}, { continueOnFail: true, signal: controller.signal });
		const [out] = await h.run();
		expect(errorOf(out[0]).kind).toBe('cancelled');
		expect(nock.isDone()).toBe(true);
	});

	it('uses urls.get only on the API host; elsewhere the documented path instead (the key stays home)', async () => {
		useVirtualClock();
		nock(REPLICATE_API)
			.post(PREDICTIONS_PATH)
			.reply(201, {
				id: 'p9',
				status: 'starting',
				urls: { get: 'https://evil.example.com/p9', cancel: 'https://evil.example.com/p9/cancel' },
			})
			.get('/v1/predictions/p9')
			.reply(200, {
				id: 'p9',
				status: 'succeeded',
				output: `${REPLICATE_DELIVERY}/x/p9.jpg`,
				input: {},
			});
		nock(REPLICATE_DELIVERY).get('/x/p9.jpg').reply(200, fakeImages(1, 'jpeg')[0].bytes);
		const h = harness();
		await h.run();
		expect(h.requests.some((r) => r.url.includes('evil.example.com'))).toBe(false);
	});

	it("names the field of a 422 by Replicate's name, and reads 401/402 bodies", async () => {
		useVirtualClock();
		nock(REPLICATE_API)
			.post(PREDICTIONS_PATH)
			.reply(422, {
				title: 'Input validation failed',
				detail: "- input.image_prompt: Does not match format 'uri'",
				status: 422,
				invalid_fields: [
					{
						type: 'format',
						field: 'input.image_prompt',
						description: "Does not match format 'uri'",
					},
				],
			})
			.post(PREDICTIONS_PATH)
			.reply(402, {
				title: 'Insufficient credit',
				detail: 'You have insufficient credit to run this model.',
				status: 402,
			})
			.post(PREDICTIONS_PATH)
			.reply(401, {
				title: 'Unauthenticated',
				detail: 'You did not pass a valid authentication token',
				status: 401,
			});
		const [out] = await harness(
			{},
			{ continueOnFail: true, items: [{ json: {} }, { json: {} }, { json: {} }] },
		).run();
		expect(out.map((i) => errorOf(i).message)).toEqual([
			'Replicate rejected the field "Image URL": Does not match format \'uri\' [item 0]',
			'Your Replicate account is out of credit [item 1]',
			'Replicate refused the API key (HTTP 401) [item 2]',
		]);
	});
});

describe('Replicate helpers', () => {
	it('maps every canonical field: jpg, integer safety tolerance, nothing for Number of Images', () => {
		const request = validateItemParameters({
			operation: 'remix',
			main: { prompt: '', aspectRatio: '21:9', numImages: 3, outputFormat: 'png' },
			options: { safetyTolerance: '1' },
			imageSource: 'url',
			imageUrl: 'https://images.example.com/a.png',
			binaryPropertyName: undefined,
		});
		expect(toReplicateBody(request, 'https://images.example.com/a.png')).toEqual({
			input: {
				aspect_ratio: '21:9',
				output_format: 'png',
				raw: false,
				safety_tolerance: 1,
				image_prompt: 'https://images.example.com/a.png',
				image_prompt_strength: 0.1,
			},
		});
	});

	it('reads one output URL or a list, and the seed from the logs or the input', () => {
		expect(replicateImages('https://replicate.delivery/a.jpg')).toEqual([
			{ url: 'https://replicate.delivery/a.jpg' },
		]);
		expect(
			replicateImages(['https://replicate.delivery/a.jpg', 'https://replicate.delivery/b.jpg']),
		).toHaveLength(2);
		expect(replicateImages(null)).toEqual([]);
		expect(replicateSeed({ logs: 'Using seed: 1234\n', input: { seed: 5 } })).toBe(1234);
		expect(replicateSeed({ logs: '', input: { seed: 5 } })).toBe(5);
		expect(replicateSeed({ logs: 'nothing', input: {} })).toBeUndefined();
	});

	it("builds a multipart body Replicate's parser reads: content with file name and type, then metadata", () => {
		const body = multipartFile(
			{ bytes: Buffer.from('PNGDATA'), mimeType: 'image/png', fileName: 'a"b.png' },
			'XYZ',
		).toString('latin1');
		expect(body).toBe(
			'--XYZ\r\nContent-Disposition: form-data; name="content"; filename="a_b.png"\r\nContent-Type: image/png\r\n\r\nPNGDATA' +
				'\r\n--XYZ\r\nContent-Disposition: form-data; name="metadata"; filename="blob"\r\nContent-Type: application/json\r\n\r\n{}\r\n--XYZ--\r\n',
		);
	});
});
