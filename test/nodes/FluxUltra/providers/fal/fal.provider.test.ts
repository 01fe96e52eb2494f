import { Readable } from 'node:stream';

import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import nock from 'nock';
import { describe, expect, it, vi } from 'vitest';

import { useVirtualClock } from '../../../../../testkit/harness/clock';
import { createHarness, DUMMY_FAL_KEY } from '../../../../../testkit/harness/context';
import { FAL } from '../../../../../nodes/FluxUltra/providers/fal/fal.constants';
import { clock as clockModule } from '../../../../../nodes/FluxUltra/shared/clock';
import {
	APP_PATH,
	ENDPOINT_PATH,
	fakeImages,
	GENERATE_PARAMS,
	inlineImageResult,
	mockFalJob,
	mockFalUpload,
	QUEUE,
	submitThenStatus,
} from '../../../../../testkit/harness/falNock';
import { makePng } from '../../../../../testkit/mocks/images';
import { useNock } from '../../../../setupNock';

useNock();

async function runError(
	params: Record<string, unknown>,
	extra: Partial<Parameters<typeof createHarness>[0]> = {},
) {
	const harness = createHarness({ params, ...extra });
	return { error: await harness.fail(), harness };
}

describe('fal.ai queue URLs', () => {
	it('follows status and reads results under the app id, without the /v1.1-ultra/redux sub-path', async () => {
		useVirtualClock();
		// Submit answers with a request id only: the node must build the URLs itself.
		const job = mockFalJob({ operation: 'remix', returnLinks: false });
		const harness = createHarness({
			params: {
				...GENERATE_PARAMS,
				operation: 'remix',
				imageSource: 'url',
				imageUrl: 'https://example.com/a.png',
			},
		});

		await harness.run();

		const urls = harness.requests.filter((r) => r.url.startsWith(QUEUE)).map((r) => r.url);
		expect(urls[0]).toBe(`${QUEUE}${ENDPOINT_PATH.remix}`);
		expect(urls.slice(1)).toEqual([
			// The SSE status stream first; this mock does not offer it, so polling takes over.
			`${QUEUE}${APP_PATH}/requests/${job.requestId}/status/stream?logs=0`,
			`${QUEUE}${APP_PATH}/requests/${job.requestId}/status?logs=0`,
			`${QUEUE}${APP_PATH}/requests/${job.requestId}/status?logs=0`,
			`${QUEUE}${APP_PATH}/requests/${job.requestId}`,
		]);
		expect(
			urls.some((u) => u.includes('v1.1-ultra/requests') || u.includes('redux/requests')),
		).toBe(false);
	});

	it('uses the URLs the submit returns', async () => {
		useVirtualClock();
		const links = `${QUEUE}/elsewhere/on-queue/requests/r-links`;
		nock(QUEUE)
			.post(ENDPOINT_PATH.generate)
			.reply(200, {
				request_id: 'r-links',
				status_url: `${links}/status`,
				response_url: `${links}/response`,
				cancel_url: `${links}/cancel`,
			})
			.get('/elsewhere/on-queue/requests/r-links/status')
			.query(true)
			.reply(200, { status: 'COMPLETED' })
			.get('/elsewhere/on-queue/requests/r-links/response')
			.reply(200, inlineImageResult({ seed: 1, has_nsfw_concepts: [false] }));

		const [out] = await createHarness({ params: GENERATE_PARAMS }).run();

		expect(out).toHaveLength(1);
		expect(nock.isDone()).toBe(true);
	});

	it('never sends the key to a status URL on another host', async () => {
		useVirtualClock();
		nock(QUEUE).post(ENDPOINT_PATH.generate).reply(200, {
			request_id: 'r-foreign',
			status_url: 'https://attacker.example/steal',
			response_url: 'https://attacker.example/steal',
		});
		nock(QUEUE)
			.get(`${APP_PATH}/requests/r-foreign/status`)
			.query(true)
			.reply(200, { status: 'COMPLETED' });
		nock(QUEUE).get(`${APP_PATH}/requests/r-foreign`).reply(200, inlineImageResult());
		const harness = createHarness({ params: GENERATE_PARAMS });

		await harness.run();

		expect(harness.requests.some((r) => r.url.includes('attacker'))).toBe(false);
	});

	it('goes to the API base URL of the credential when one is set', async () => {
		useVirtualClock();
		const base = 'https://fal-proxy.example.com/api';
		nock('https://fal-proxy.example.com')
			.post(`/api${ENDPOINT_PATH.generate}`)
			.reply(200, { request_id: 'r-proxy' })
			.get(`/api${APP_PATH}/requests/r-proxy/status`)
			.query(true)
			.reply(200, { status: 'COMPLETED' })
			.get(`/api${APP_PATH}/requests/r-proxy`)
			.reply(200, inlineImageResult());

		const [out] = await createHarness({
			params: GENERATE_PARAMS,
			credentials: { falApi: { apiKey: DUMMY_FAL_KEY, baseUrl: `${base}/` } },
		}).run();

		expect(out[0].json.requestId).toBe('r-proxy');
	});
});

describe('fal.ai failures', () => {
	it('treats COMPLETED followed by an error result as a failed job, with the request id', async () => {
		useVirtualClock();
		mockFalJob({
			requestId: 'r-failed',
			result: {
				status: 422,
				body: {
					detail: [
						{
							loc: ['body', 'image_url'],
							msg: 'Failed to download the file',
							type: 'file_download_error',
						},
					],
				},
			},
		});

		const { error } = await runError(GENERATE_PARAMS);

		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.message).toBe(
			'fal.ai rejected the field "Image URL": Failed to download the file [item 0]',
		);
		expect(error.description).toContain('Change "Image URL"');
		expect(error.description).toContain('Request ID: r-failed');
		expect(error.context.itemIndex).toBe(0);
	});

	it('names the field from fal 422 detail on submit, and counts the other problems', async () => {
		nock(QUEUE)
			.post(ENDPOINT_PATH.generate)
			.reply(422, {
				detail: [
					{
						loc: ['body', 'num_images'],
						msg: 'ensure this value is less than or equal to 4',
						type: 'less_than_equal',
					},
					{ loc: ['body', 'seed'], msg: 'bad seed', type: 'type_error' },
				],
			});

		const { error, harness } = await runError(GENERATE_PARAMS);

		expect(error.message).toBe(
			'fal.ai rejected the field "Number of Images": ensure this value is less than or equal to 4 (and 1 more problem) [item 0]',
		);
		expect((error as NodeApiError).httpCode).toBe('422');
		expect(harness.requests).toHaveLength(1);
	});

	it('reports a content-policy block as moderation, pointing at Safety Tolerance', async () => {
		useVirtualClock();
		mockFalJob({
			result: {
				status: 422,
				body: {
					detail: [
						{
							loc: ['body', 'prompt'],
							msg: 'flagged by a content checker.',
							type: 'content_policy_violation',
						},
					],
				},
			},
		});

		const { error } = await runError(GENERATE_PARAMS);

		expect(error.message).toBe(
			'fal.ai blocked the content: it was flagged by the content checker [item 0]',
		);
		expect(error.description).toContain('Safety Tolerance');
		// fal's own sentence ends in a full stop: the description does not double it.
		expect(error.description).toMatch(/flagged by a content checker\. Request ID/);
	});

	it('reports an error on a COMPLETED status as the job failure', async () => {
		useVirtualClock();
		submitThenStatus('r-err', {
			status: 'COMPLETED',
			error: 'Runner crashed',
			error_type: 'runner_server_error',
		});

		const { error } = await runError(GENERATE_PARAMS);

		expect(error.message).toBe('fal.ai could not finish the job: Runner crashed [item 0]');
		expect(error.description).toContain('runner_server_error');
		expect(error.description).toContain('Request ID: r-err');
	});

	it('turns 401 into a message about the fal.ai credential', async () => {
		nock(QUEUE).post(ENDPOINT_PATH.generate).reply(401, { detail: 'Unauthorized' });

		const { error } = await runError(GENERATE_PARAMS);

		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.message).toBe('fal.ai refused the API key (HTTP 401) [item 0]');
		expect(error.description).toContain('"fal.ai API" credential');
		expect(JSON.stringify(error)).not.toContain(DUMMY_FAL_KEY);
	});

	it('fails on a status it does not know instead of polling forever', async () => {
		useVirtualClock();
		submitThenStatus('r-odd', { status: 'EXPLODED' });

		const { error } = await runError(GENERATE_PARAMS);

		expect(error.message).toBe('fal.ai reported an unknown job status "EXPLODED" [item 0]');
	});

	it('keeps a seed beyond 2^53 exact, as a string', async () => {
		useVirtualClock();
		submitThenStatus('r-seed', { status: 'COMPLETED' })
			.get(`${APP_PATH}/requests/r-seed`)
			.reply(
				200,
				`{"images":[{"url":"data:image/png;base64,${fakeImages(1)[0].bytes.toString('base64')}"}],"seed":15860307465884635512}`,
				{ 'content-type': 'application/json' },
			);

		const [out] = await createHarness({ params: GENERATE_PARAMS }).run();

		expect(out[0].json.seed).toBe('15860307465884635512');
	});
});

/** A job that stays queued or running: every status poll gets `status(pollNumber)`; cancels are counted. */
function unfinishedJob(requestId: string, status: (poll: number) => Record<string, unknown>) {
	let polls = 0;
	let cancels = 0;
	nock(QUEUE)
		.post(ENDPOINT_PATH.generate)
		.reply(200, { request_id: requestId })
		.get(`${APP_PATH}/requests/${requestId}/status`)
		.query(true)
		.times(1000)
		.reply(() => [200, status(++polls)])
		.put(`${APP_PATH}/requests/${requestId}/cancel`)
		.reply(() => {
			cancels++;
			return [202, { status: 'CANCELLATION_REQUESTED' }];
		});
	return { polls: () => polls, cancels: () => cancels };
}

describe('fal.ai time limits', () => {
	it('cancels the job at fal.ai when it does not finish within the timeout', async () => {
		const clock = useVirtualClock();
		const job = unfinishedJob('r-slow', () => ({ status: 'IN_QUEUE', queue_position: 3 }));

		const { error } = await runError({ ...GENERATE_PARAMS, options: { timeout: 30 } });

		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error.message).toBe(
			'The job did not finish within 30 seconds; fal.ai took the cancel [item 0]',
		);
		expect(error.description).toContain('one already generating may still finish and bill');
		expect(error.description).toContain('Request ID: r-slow');
		expect(job.cancels()).toBe(1);
		expect(clock.elapsed()).toBeGreaterThanOrEqual(30_000);
		expect(clock.elapsed()).toBeLessThan(32_000);
	});

	it('stops polling and cancels the job when the execution is cancelled', async () => {
		useVirtualClock();
		const controller = new AbortController();
		const job = unfinishedJob('r-stop', (poll) => {
			if (poll === 3) controller.abort();
			return { status: 'IN_PROGRESS' };
		});

		const { error } = await runError(GENERATE_PARAMS, { signal: controller.signal });

		expect(error.message).toBe('The execution was cancelled [item 0]');
		expect(job.polls()).toBe(3);
		expect(job.cancels()).toBe(1);
	});
});

describe('fal.ai image input', () => {
	const big = Buffer.concat([makePng(16, 16, 3), Buffer.alloc(FAL.inlineImageMaxBytes)]);
	const small = makePng(16, 16, 4);
	const item = (bytes: Buffer) => ({
		json: {},
		binary: {
			photo: { data: bytes.toString('base64'), mimeType: 'image/png', fileName: 'in.png' },
		},
	});
	const remix = {
		...GENERATE_PARAMS,
		operation: 'remix',
		imageSource: 'binary',
		binaryPropertyName: 'photo',
	};

	it(`uploads a file over ${FAL.inlineImageMaxBytes / 1024} KB to fal storage; the PUT carries no credential`, async () => {
		useVirtualClock();
		const upload = mockFalUpload();
		const job = mockFalJob({ operation: 'remix' });
		const harness = createHarness({ params: remix, items: [item(big)] });

		await harness.run();

		expect(upload.initiated()).toEqual({ content_type: 'image/png', file_name: 'in.png' });
		const put = harness.requests.find((r) => r.method === 'PUT')!;
		expect(put.url.startsWith(upload.uploadHost)).toBe(true);
		expect(put.headers.authorization).toBeUndefined();
		expect(put.body!.equals(big)).toBe(true);
		expect(job.submitted()!.image_url).toBe(upload.fileUrl);
		const initiate = harness.requests.find((r) => r.url.includes('/storage/upload/initiate'))!;
		expect(initiate.headers.authorization).toBe(`Key ${DUMMY_FAL_KEY}`);
	});

	it('keeps a small file inline as a data URI: one request fewer', async () => {
		useVirtualClock();
		const job = mockFalJob({ operation: 'remix' });
		const harness = createHarness({ params: remix, items: [item(small)] });

		await harness.run();

		expect(job.submitted()!.image_url).toBe(`data:image/png;base64,${small.toString('base64')}`);
		expect(harness.requests.some((r) => r.url.includes('storage'))).toBe(false);
	});

	it('refuses upload links that are not https, without uploading', async () => {
		useVirtualClock();
		nock('https://rest.fal.ai').post('/storage/upload/initiate').query(true).reply(200, {
			upload_url: 'http://plain.example/put',
			file_url: 'https://v3.fal.media/files/x',
		});
		const harness = createHarness({ params: remix, items: [item(big)] });

		const error = await harness.fail();

		expect(error.message).toBe(
			'fal.ai storage answered with an upload link this node does not use [item 0]',
		);
		expect(harness.requests.some((r) => r.method === 'PUT')).toBe(false);
	});
});

describe('fal.ai status stream (SSE)', () => {
	const sse = (...events: Array<Record<string, unknown>>) =>
		events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join('');

	it('learns of completion from the stream with one status request, then reads the result', async () => {
		useVirtualClock();
		nock(QUEUE)
			.post(ENDPOINT_PATH.generate)
			.reply(200, { request_id: 'r-sse' })
			.get(`${APP_PATH}/requests/r-sse/status/stream`)
			.query({ logs: '0' })
			.reply(
				200,
				sse(
					{ status: 'IN_QUEUE', queue_position: 0 },
					{ status: 'IN_PROGRESS' },
					{ status: 'COMPLETED' },
				),
				{ 'content-type': 'text/event-stream' },
			)
			.get(`${APP_PATH}/requests/r-sse`)
			.reply(200, inlineImageResult({ seed: 3 }));
		const harness = createHarness({ params: GENERATE_PARAMS });

		const [out] = await harness.run();

		expect(out[0].json.seed).toBe(3);
		expect(harness.requests.filter((r) => r.url.includes('/status'))).toHaveLength(1);
		expect(
			harness.requests.find((r) => r.url.includes('/status/stream'))!.headers.authorization,
		).toBe(`Key ${DUMMY_FAL_KEY}`);
	});

	it('a failed job on the stream is the job failure, without polling', async () => {
		useVirtualClock();
		nock(QUEUE)
			.post(ENDPOINT_PATH.generate)
			.reply(200, { request_id: 'r-sse-fail' })
			.get(`${APP_PATH}/requests/r-sse-fail/status/stream`)
			.query(true)
			.reply(
				200,
				sse({ status: 'COMPLETED', error: 'flagged', error_type: 'content_policy_violation' }),
				{ 'content-type': 'text/event-stream' },
			);
		const harness = createHarness({ params: GENERATE_PARAMS });

		const error = await harness.fail();

		expect(error.message).toBe(
			'fal.ai blocked the content: it was flagged by the content checker [item 0]',
		);
		expect(harness.requests.filter((r) => r.url.includes('/status'))).toHaveLength(1);
	});

	it('falls back to polling when the stream ends early, and skips the stream for later jobs once it is missing', async () => {
		useVirtualClock();
		nock(QUEUE)
			.post(ENDPOINT_PATH.generate)
			.reply(200, { request_id: 'r-cut' })
			.get(`${APP_PATH}/requests/r-cut/status/stream`)
			.query(true)
			.reply(200, sse({ status: 'IN_PROGRESS' }), { 'content-type': 'text/event-stream' })
			.get(`${APP_PATH}/requests/r-cut/status`)
			.query(true)
			.reply(200, { status: 'COMPLETED' })
			.get(`${APP_PATH}/requests/r-cut`)
			.reply(200, inlineImageResult());
		const harness = createHarness({ params: GENERATE_PARAMS });

		const [out] = await harness.run();

		expect(out).toHaveLength(1);
		expect(nock.isDone()).toBe(true);
	});
});

/**
 * An SSE status stream that only ever sends keep-alive comments, as fal does while a job waits in
 * its queue. Each comment moves the virtual clock by `everyMs`, as 15 real seconds would.
 */
/**
 * A status stream that sends a keep-alive comment whenever it is read, each moving the virtual
 * clock `everyMs` on. `maxComments` stops it (silent, the socket left open) after that many: once
 * the node has let go of the stream, a reader that keeps draining it must not move the clock on.
 */
function keepAliveStream(
	clock: { advance(ms: number): void },
	everyMs = 15_000,
	then?: Record<string, unknown>,
	afterMs = Infinity,
	maxComments = Infinity,
) {
	let sent = 0;
	let closed = false;
	const stream = new Readable({
		read() {
			if (closed) return;
			void new Promise((resolve) => setImmediate(resolve)).then(() => {
				if (closed) return;
				if (then && sent * everyMs >= afterMs) {
					closed = true;
					this.push(`data: ${JSON.stringify(then)}\n\n`);
					return;
				}
				if (sent >= maxComments) return;
				sent++;
				clock.advance(everyMs);
				this.push(': keep-alive\n\n');
			});
		},
		destroy(error, callback) {
			closed = true;
			callback(error);
		},
	});
	return { stream, comments: () => sent };
}

describe('fal.ai time limits on the status stream', () => {
	it('ends a keep-alive-only stream at the deadline and cancels the queued job', async () => {
		const clock = useVirtualClock();
		const quiet = keepAliveStream(clock);
		const cancelledAt: number[] = [];
		nock(QUEUE)
			.post(ENDPOINT_PATH.generate)
			.reply(200, { request_id: 'r-quiet' })
			.get(`${APP_PATH}/requests/r-quiet/status/stream`)
			.query(true)
			.reply(200, () => quiet.stream, { 'content-type': 'text/event-stream' })
			.put(`${APP_PATH}/requests/r-quiet/cancel`)
			.reply(() => {
				cancelledAt.push(clock.elapsed());
				return [202, { status: 'CANCELLATION_REQUESTED' }];
			});

		const { error } = await runError({ ...GENERATE_PARAMS, options: { timeout: 10 } });

		expect(error.message).toBe(
			'The job did not finish within 10 seconds; fal.ai took the cancel [item 0]',
		);
		expect(cancelledAt).toHaveLength(1);
		// At the first keep-alive past the deadline (15 s of quiet, one comment later at most), not later.
		expect(cancelledAt[0]).toBeGreaterThanOrEqual(10_000);
		expect(cancelledAt[0]).toBeLessThanOrEqual(30_000);
	}, 5000);

	it('does not take a job that completes after its deadline as if it were on time', async () => {
		const clock = useVirtualClock();
		// COMPLETED arrives 20 s in; the deadline is 10 s. The watchdog is replaced by a clock that only
		// moves with the stream, so the late event itself is what the node sees.
		const late = keepAliveStream(clock, 20_000, { status: 'COMPLETED' }, 20_000);
		vi.spyOn(clockModule, 'timer').mockImplementation(() => new Promise<void>(() => undefined));
		nock(QUEUE)
			.post(ENDPOINT_PATH.generate)
			.reply(200, { request_id: 'r-late' })
			.get(`${APP_PATH}/requests/r-late/status/stream`)
			.query(true)
			.reply(200, () => late.stream, { 'content-type': 'text/event-stream' })
			.put(`${APP_PATH}/requests/r-late/cancel`)
			.reply(400, { status: 'ALREADY_COMPLETED' });
		const harness = createHarness({ params: { ...GENERATE_PARAMS, options: { timeout: 10 } } });

		const error = await harness.fail();

		expect(error.message).toBe(
			'The job did not finish within 10 seconds; fal.ai finished it just after that [item 0]',
		);
		expect(error.description).toContain('billed');
		expect(error.description).toContain('Request ID: r-late');
		expect(harness.requests.some((r) => r.url.endsWith('/requests/r-late'))).toBe(false); // no result read, no download
	}, 5000);

	it('says the cancel was not confirmed when fal.ai does not accept it', async () => {
		useVirtualClock();
		nock(QUEUE)
			.post(ENDPOINT_PATH.generate)
			.reply(200, { request_id: 'r-nocancel' })
			.get(`${APP_PATH}/requests/r-nocancel/status`)
			.query(true)
			.times(1000)
			.reply(200, { status: 'IN_PROGRESS' })
			.put(`${APP_PATH}/requests/r-nocancel/cancel`)
			.times(2)
			.reply(503);

		const { error } = await runError({ ...GENERATE_PARAMS, options: { timeout: 10 } });

		expect(error.message).toBe(
			'The job did not finish within 10 seconds; the cancel was not confirmed by fal.ai [item 0]',
		);
		expect(error.description).toContain('may still finish');
		expect(error.message).not.toContain('cancelled at');
	});

	it('falls back to polling when the stream stays quiet past the idle limit, and ends in time', async () => {
		const clock = useVirtualClock();
		// Past the 60 s idle limit and no further: the poll that takes over must see the clock it set.
		const quiet = keepAliveStream(clock, 15_000, undefined, Infinity, 6);
		let polls = 0;
		let polledAt = 0;
		nock(QUEUE)
			.post(ENDPOINT_PATH.generate)
			.reply(200, { request_id: 'r-idle' })
			.get(`${APP_PATH}/requests/r-idle/status/stream`)
			.query(true)
			.reply(200, () => quiet.stream, { 'content-type': 'text/event-stream' })
			.get(`${APP_PATH}/requests/r-idle/status`)
			.query(true)
			.reply(() => {
				polls++;
				polledAt = clock.elapsed();
				return [200, { status: 'COMPLETED' }];
			})
			.get(`${APP_PATH}/requests/r-idle`)
			.reply(200, inlineImageResult({ seed: 5 }));

		const [out] = await createHarness({
			params: { ...GENERATE_PARAMS, options: { timeout: 600 } },
		}).run();

		expect(out[0].json.seed).toBe(5);
		expect(polls).toBe(1);
		expect(polledAt).toBeGreaterThanOrEqual(FAL.statusStreamIdleMs);
		expect(polledAt).toBeLessThan(FAL.statusStreamIdleMs + 35_000);
	}, 5000);
});

describe('seeds round-trip', () => {
	it('reports a 16-digit seed within 2^53−1 as a number, not as text', async () => {
		useVirtualClock();
		nock(QUEUE)
			.post(ENDPOINT_PATH.generate)
			.reply(200, { request_id: 'r-seed16' })
			.get(`${APP_PATH}/requests/r-seed16/status`)
			.query(true)
			.reply(200, { status: 'COMPLETED' })
			.get(`${APP_PATH}/requests/r-seed16`)
			.reply(
				200,
				`{"images":[{"url":"data:image/png;base64,${fakeImages(1)[0].bytes.toString('base64')}"}],"seed":9007199254740991}`,
				{
					'content-type': 'application/json',
				},
			);

		const [out] = await createHarness({ params: GENERATE_PARAMS }).run();

		expect(out[0].json.seed).toBe(9007199254740991);
	});

	it('takes a seed the node output beyond 2^53 back into Seed, and sends it with every digit', async () => {
		useVirtualClock();
		const job = mockFalJob({ inline: true });
		const harness = createHarness({
			params: { ...GENERATE_PARAMS, options: { seed: '15860307465884635512' } },
		});

		await harness.run();

		const body = harness.requests.find((r) => r.method === 'POST')!.body!.toString('utf8');
		expect(body).toContain('"seed":15860307465884635512');
		expect(job.submitted()).toBeDefined();
	});

	it('still refuses a seed beyond 2^64−1, before any request', async () => {
		const harness = createHarness({
			params: { ...GENERATE_PARAMS, options: { seed: '18446744073709551616' } },
		});
		const error = await harness.fail();
		expect(error.message).toBe(
			'Invalid value for "Seed": must be a whole number from 0 to 18446744073709551615 [item 0]',
		);
		expect(harness.requests).toHaveLength(0);
	});

	it("resends a submit that fal's front door answered 503 (nginx, no request id): it never reached the queue", async () => {
		useVirtualClock();
		const nginx =
			'<html><body><center><h1>503 Service Temporarily Unavailable</h1></center><hr><center>nginx</center></body></html>';
		nock(QUEUE).post(ENDPOINT_PATH.generate).reply(503, nginx, { 'content-type': 'text/html' });
		mockFalJob({ requestId: 'r-after-ingress' });

		const [out] = await createHarness({ params: GENERATE_PARAMS }).run();

		expect(out[0].json.requestId).toBe('r-after-ingress');
	});

	it("never resends a submit answered 504, even as nginx's page on fal's own host: the request went upstream", async () => {
		useVirtualClock();
		const nginx =
			'<html><head><title>504 Gateway Time-out</title></head><body><center><h1>504 Gateway Time-out</h1></center><hr><center>nginx</center></body></html>';
		nock(QUEUE).post(ENDPOINT_PATH.generate).reply(504, nginx, { 'content-type': 'text/html' });

		const { error, harness } = await runError(GENERATE_PARAMS);

		expect(error.message).toMatch(
			/^The job may have been created at fal\.ai, but the answer was lost \(HTTP 504\)/,
		);
		expect(harness.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
	});

	it('never resends a submit that fal itself answered 503 (with its request id): the job may exist', async () => {
		useVirtualClock();
		nock(QUEUE)
			.post(ENDPOINT_PATH.generate)
			.reply(503, { detail: 'runner_scheduling_failure' }, { [FAL.requestIdHeader]: 'r-maybe' });

		const { error, harness } = await runError(GENERATE_PARAMS);

		expect(error.message).toMatch(
			/^The job may have been created at fal\.ai, but the answer was lost \(HTTP 503\)/,
		);
		expect(harness.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
	});
});
