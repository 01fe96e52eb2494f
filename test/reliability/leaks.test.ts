import nock from 'nock';
import { describe, expect, it } from 'vitest';

import { useVirtualClock } from '../../testkit/harness/clock';
import { BFL_API, BFL_GENERATE_PARAMS, BFL_SUBMIT_PATH } from '../../testkit/harness/bflNock';
import {
	createHarness,
	DUMMY_BFL_KEY,
	DUMMY_FAL_KEY,
	DUMMY_REPLICATE_KEY,
	DUMMY_RUNFLOW_KEY,
	type Harness,
} from '../../testkit/harness/context';
import { APP_PATH, ENDPOINT_PATH, GENERATE_PARAMS, QUEUE } from '../../testkit/harness/falNock';
import {
	PREDICTIONS_PATH,
	REPLICATE_API,
	REPLICATE_GENERATE_PARAMS,
} from '../../testkit/harness/replicateNock';
import { RUNFLOW_API, RUNFLOW_GENERATE_PARAMS, RUNS_PATH } from '../../testkit/harness/runflowNock';
import { makePng } from '../../testkit/mocks/images';
import { useNock } from '../setupNock';
import { findSecrets } from './leaks';

useNock();

/**
 * A hostile or careless provider: it echoes the Authorization header it received into every error
 * body, message and failure text, redirects a signed call to another host, and serves result links
 * on its own API host. The key must still appear nowhere a user or a log could see it, and must be
 * sent to nothing but the API host.
 */

type Echo = (auth: string) => nock.ReplyFnResult;

interface Hostile {
	name: string;
	key: string;
	api: string;
	params: Record<string, unknown>;
	/** Sets up a submit answered by `echo`, given the Authorization header the request carried. */
	submit(echo: Echo): void;
	/** A job that runs, then fails with a message that quotes the key. */
	failingJob(): void;
	/** A job whose image link is on the API host itself. */
	imageOnApiHost(): void;
	/** Whether the node downloads an Image URL itself (BFL takes bytes), without the key. */
	fetchesImageUrl?: boolean;
}

const png = makePng(8, 8, 1);

const fal: Hostile = {
	name: 'fal.ai',
	key: DUMMY_FAL_KEY,
	api: QUEUE,
	params: GENERATE_PARAMS,
	submit(echo) {
		nock(QUEUE)
			.post(ENDPOINT_PATH.generate)
			.reply(function () {
				return echo(String(this.req.headers.authorization));
			});
	},
	failingJob() {
		nock(QUEUE)
			.post(ENDPOINT_PATH.generate)
			.reply(200, { request_id: 'r-echo' })
			.get(`${APP_PATH}/requests/r-echo/status`)
			.query(true)
			.reply(200, { status: 'COMPLETED' })
			.get(`${APP_PATH}/requests/r-echo`)
			.times(5) // a 500 on a read is retried: every attempt echoes the key
			.reply(function () {
				return [
					500,
					{ detail: `worker failed while using ${String(this.req.headers.authorization)}` },
				];
			});
	},
	imageOnApiHost() {
		nock(QUEUE)
			.post(ENDPOINT_PATH.generate)
			.reply(200, { request_id: 'r-host' })
			.get(`${APP_PATH}/requests/r-host/status`)
			.query(true)
			.reply(200, { status: 'COMPLETED' })
			.get(`${APP_PATH}/requests/r-host`)
			.reply(200, { images: [{ url: `${QUEUE}/files/r-host.png` }], seed: 1 })
			.get('/files/r-host.png')
			.reply(200, png, { 'content-type': 'image/png' });
	},
};

const runflow: Hostile = {
	name: 'Runflow',
	key: DUMMY_RUNFLOW_KEY,
	api: RUNFLOW_API,
	params: RUNFLOW_GENERATE_PARAMS,
	submit(echo) {
		nock(RUNFLOW_API)
			.post(RUNS_PATH)
			.reply(function () {
				return echo(String(this.req.headers.authorization));
			});
	},
	failingJob() {
		nock(RUNFLOW_API)
			.post(RUNS_PATH)
			.reply(201, { id: 'run-echo', status_code: 'queued' })
			.get('/v1/runs/run-echo')
			.reply(function () {
				return [
					200,
					{
						id: 'run-echo',
						status_code: 'failed',
						failure_code: 'AUTH_ECHO',
						failure_message: `upstream rejected ${String(this.req.headers.authorization)}`,
					},
				];
			});
	},
	imageOnApiHost() {
		nock(RUNFLOW_API)
			.post(RUNS_PATH)
			.reply(201, { id: 'run-host', status_code: 'queued' })
			.get('/v1/runs/run-host')
			.reply(200, {
				id: 'run-host',
				status_code: 'succeeded',
				output: { image_urls: [`${RUNFLOW_API}/files/run-host.png`] },
			})
			.get('/files/run-host.png')
			.reply(200, png, { 'content-type': 'image/png' });
	},
};

const bfl: Hostile = {
	name: 'Black Forest Labs',
	key: DUMMY_BFL_KEY,
	api: BFL_API,
	params: BFL_GENERATE_PARAMS,
	fetchesImageUrl: true,
	submit(echo) {
		nock(BFL_API)
			.post(BFL_SUBMIT_PATH)
			.reply(function () {
				return echo(String(this.req.headers['x-key']));
			});
	},
	failingJob() {
		nock(BFL_API)
			.post(BFL_SUBMIT_PATH)
			.reply(200, { id: 't-echo', polling_url: `${BFL_API}/v1/get_result?id=t-echo` })
			.get('/v1/get_result')
			.query(true)
			.reply(function () {
				return [
					200,
					{
						id: 't-echo',
						status: 'Error',
						details: { reason: `worker rejected x-key ${String(this.req.headers['x-key'])}` },
					},
				];
			});
	},
	imageOnApiHost() {
		nock(BFL_API)
			.post(BFL_SUBMIT_PATH)
			.reply(200, { id: 't-host', polling_url: `${BFL_API}/v1/get_result?id=t-host` })
			.get('/v1/get_result')
			.query(true)
			.reply(200, {
				id: 't-host',
				status: 'Ready',
				result: { sample: `${BFL_API}/files/t-host.png`, seed: 1 },
			})
			.get('/files/t-host.png')
			.reply(200, png, { 'content-type': 'image/png' });
	},
};

const replicate: Hostile = {
	name: 'Replicate',
	key: DUMMY_REPLICATE_KEY,
	api: REPLICATE_API,
	params: REPLICATE_GENERATE_PARAMS,
	submit(echo) {
		nock(REPLICATE_API)
			.post(PREDICTIONS_PATH)
			.reply(function () {
				return echo(String(this.req.headers.authorization));
			});
	},
	failingJob() {
		nock(REPLICATE_API)
			.post(PREDICTIONS_PATH)
			.reply(201, { id: 'p-echo', status: 'starting' })
			.get('/v1/predictions/p-echo')
			.reply(function () {
				return [
					200,
					{
						id: 'p-echo',
						status: 'failed',
						error: `upstream rejected ${String(this.req.headers.authorization)}`,
					},
				];
			});
	},
	imageOnApiHost() {
		nock(REPLICATE_API)
			.post(PREDICTIONS_PATH)
			.reply(201, { id: 'p-host', status: 'starting' })
			.get('/v1/predictions/p-host')
			.reply(200, {
				id: 'p-host',
				status: 'succeeded',
				output: `${REPLICATE_API}/files/p-host.png`,
			})
			.get('/files/p-host.png')
			.reply(200, png, { 'content-type': 'image/png' });
	},
};

const echoes: Array<[string, Echo]> = [
	[
		'401 quoting the header',
		(auth) => [
			401,
			{
				detail: `Invalid credentials: ${auth}`,
				code: 'UNAUTHORIZED',
				message: `Bad header ${auth}`,
			},
		],
	],
	[
		'422 quoting the key in the field error',
		(auth) => [
			422,
			{
				detail: [{ loc: ['body', 'prompt'], msg: `rejected for ${auth}`, type: 'value_error' }],
				code: 'VALIDATION_ERROR',
				message: 'invalid',
				errors: [{ field: 'input.prompt', message: `rejected for ${auth}` }],
			},
		],
	],
	['403 with the bare key in plain text', (auth) => [403, auth.replace(/^\w+ /, 'key=')]],
	[
		'500 as an HTML page quoting the key',
		(auth) => [500, `<html><body>Proxy error for ${auth}</body></html>`],
	],
	['302 to another host', () => [302, '', { location: 'https://collector.example/steal' }]],
];

const tally = { scenarios: 0, searched: 0, hits: 0, requests: 0, foreign: 0 };

function searched(secret: string, seen: Parameters<typeof findSecrets>[1]) {
	const hits = findSecrets([secret], seen);
	tally.scenarios++;
	tally.searched +=
		(seen.outputs?.length ?? 0) + (seen.errors?.length ?? 0) + (seen.logs?.length ?? 0);
	tally.hits += hits.length;
	return hits;
}

/** Everything visible from one run: outputs (error items included), the error thrown without Continue On Fail, logs. */
async function everythingVisible(make: () => Harness, makeStrict: () => Harness) {
	const [out] = await make().run();
	const strict = makeStrict();
	const thrown = await strict.fail();
	return { out, thrown, strict };
}

describe.each([fal, runflow, bfl, replicate])('leak check: $name', (p) => {
	it.each(echoes)(
		'%s: the key appears in no error, output or log, and goes nowhere else',
		async (_name, echo) => {
			useVirtualClock();
			p.submit(echo);
			p.submit(echo);
			const lenient = createHarness({ params: p.params, continueOnFail: true });
			const { out, thrown, strict } = await everythingVisible(
				() => lenient,
				() => createHarness({ params: p.params }),
			);

			expect(out[0].json.error).toBeDefined();
			expect(
				searched(p.key, {
					outputs: out.map((i) => i.json),
					errors: [thrown],
					logs: [...lenient.logs, ...strict.logs],
				}),
			).toEqual([]);
			for (const request of [...lenient.requests, ...strict.requests]) {
				tally.requests++;
				if (!request.url.startsWith(p.api)) tally.foreign++;
				expect(request.url.startsWith(p.api), request.url).toBe(true);
			}
		},
	);

	it('a job failure quoting the key is shown without it', async () => {
		useVirtualClock();
		p.failingJob();
		const harness = createHarness({ params: p.params });
		const error = await harness.fail();
		expect(`${error.message} ${error.description}`).toContain('[redacted]');
		expect(searched(p.key, { errors: [error], logs: harness.logs })).toEqual([]);
	});

	it('an image link on the API host itself is still downloaded without the key', async () => {
		useVirtualClock();
		p.imageOnApiHost();
		const harness = createHarness({ params: p.params });
		const [out] = await harness.run();
		const download = harness.requests.find((r) => r.url.includes('/files/'))!;
		expect([download.headers.authorization, download.headers['x-key']]).toEqual([
			undefined,
			undefined,
		]);
		expect(out).toHaveLength(1);
	});

	it('an image URL the user gives is passed to the provider, or fetched by the node, never with the key', async () => {
		useVirtualClock();
		if (p.fetchesImageUrl)
			nock('https://user-images.example')
				.get('/in.png')
				.reply(200, png, { 'content-type': 'image/png' });
		p.submit(() => [401, { detail: 'no', code: 'UNAUTHORIZED', message: 'no' }]);
		const harness = createHarness({
			params: { ...p.params, imageSource: 'url', imageUrl: 'https://user-images.example/in.png' },
			continueOnFail: true,
		});
		await harness.run();
		const fetched = harness.requests.filter((r) => r.url.includes('user-images.example'));
		expect(fetched).toHaveLength(p.fetchesImageUrl ? 1 : 0);
		for (const r of fetched)
			expect([r.headers.authorization, r.headers['x-key']]).toEqual([undefined, undefined]);
	});
});

describe('leak check: summary', () => {
	it('no key in anything shown, no signed request off the API host', ({ task }) => {
		expect(tally.scenarios).toBeGreaterThan(0);
		expect(tally.hits).toBe(0);
		task.meta.figures = `hostile scenarios ${tally.scenarios} (key echoed in 401/422/403/500 bodies, HTML pages, job failures; 302 to another host), errors/outputs/log calls searched ${tally.searched} (message, description, JSON and inspect forms; raw, URL-encoded and base64 key), hits ${tally.hits}; signed requests ${tally.requests}, off the API host ${tally.foreign}`;
	});
});
