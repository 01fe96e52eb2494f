import nock from 'nock';
import { describe, expect, it } from 'vitest';

import { FluxUltra } from '../../../../nodes/FluxUltra/FluxUltra.node';
import { toBflInput } from '../../../../nodes/FluxUltra/providers/bfl/bfl.provider';
import { toReplicateBody } from '../../../../nodes/FluxUltra/providers/replicate/replicate.provider';
import { toRunflowBody } from '../../../../nodes/FluxUltra/providers/runflow/runflow.provider';
import { validateItemParameters } from '../../../../nodes/FluxUltra/parameters/validation';
import { BFL_API, BFL_SUBMIT_PATH } from '../../../../testkit/harness/bflNock';
import { useVirtualClock } from '../../../../testkit/harness/clock';
import {
	createHarness,
	DUMMY_BFL_KEY,
	DUMMY_FAL_KEY,
	DUMMY_REPLICATE_KEY,
	DUMMY_RUNFLOW_KEY,
} from '../../../../testkit/harness/context';
import {
	APP_PATH,
	ENDPOINT_PATH,
	GENERATE_PARAMS,
	inlineImageResult,
	QUEUE,
} from '../../../../testkit/harness/falNock';
import { PREDICTIONS_PATH, REPLICATE_API } from '../../../../testkit/harness/replicateNock';
import { RUNFLOW_API, RUNS_PATH } from '../../../../testkit/harness/runflowNock';
import { useNock } from '../../../setupNock';

useNock();

const HOOK = 'https://n8n.example.com/webhook-waiting/123?signature=abc';
const KEYS = [DUMMY_FAL_KEY, DUMMY_RUNFLOW_KEY, DUMMY_BFL_KEY, DUMMY_REPLICATE_KEY];

const getResult = (
	provider: string,
	requestId: unknown,
	jobLinks: unknown,
	extra: Record<string, unknown> = {},
) => ({
	provider,
	operation: 'getResult',
	requestId,
	jobLinks,
	options: {},
	...extra,
});

/** Whether any request the node made carried one of the dummy keys to a host other than `allowedHost`. */
function keysSentOffHost(
	requests: Array<{ url: string; headers: Record<string, unknown> }>,
	allowedHost: string,
) {
	return requests.filter(
		(r) =>
			new URL(r.url).host !== allowedHost &&
			KEYS.some((key) => JSON.stringify(r.headers).includes(key)),
	);
}

describe('Completion Webhook URL: each provider gets it in its own field', () => {
	const request = (webhookUrl?: string) =>
		validateItemParameters({
			operation: 'generate',
			main: { prompt: 'a mug', waitForCompletion: false },
			options: webhookUrl ? { webhookUrl } : {},
			imageSource: 'none',
			imageUrl: undefined,
			binaryPropertyName: undefined,
		});

	it('reads the switch and the URL from the parameter table, and names the field for a bad URL', () => {
		expect(request(HOOK).options).toMatchObject({ waitForCompletion: false, webhookUrl: HOOK });
		expect(request().options.webhookUrl).toBeUndefined();
		expect(() => request('ftp://files.example.com/hook')).toThrow(
			'Invalid value for "Completion Webhook URL": must be an http:// or https:// URL',
		);
	});

	it('Runflow callback_url, BFL webhook_url, Replicate webhook with completed events only; none without a URL', () => {
		expect(toRunflowBody(request(HOOK), undefined, 'ref')).toMatchObject({
			callback_url: HOOK,
			input: { prompt: 'a mug' },
		});
		expect(toBflInput(request(HOOK), undefined)).toMatchObject({
			webhook_url: HOOK,
			prompt: 'a mug',
		});
		expect(toReplicateBody(request(HOOK), undefined)).toMatchObject({
			webhook: HOOK,
			webhook_events_filter: ['completed'],
		});
		expect(toRunflowBody(request(), undefined, 'ref')).not.toHaveProperty('callback_url');
		expect(toBflInput(request(), undefined)).not.toHaveProperty('webhook_url');
		expect(toReplicateBody(request(), undefined)).not.toHaveProperty('webhook');
	});

	it('fal: the fal_webhook query parameter of the queue submit; the submit-only item comes out at once', async () => {
		nock(QUEUE)
			.post(ENDPOINT_PATH.generate)
			.query({ fal_webhook: HOOK })
			.reply(200, { request_id: 'r-hook' });
		const [out] = await createHarness({
			params: { ...GENERATE_PARAMS, waitForCompletion: false, options: { webhookUrl: HOOK } },
		}).run();
		expect(out).toEqual([
			{
				json: {
					provider: 'fal',
					operation: 'generate',
					status: 'submitted',
					requestId: 'r-hook',
					links: {
						status: `${QUEUE}${APP_PATH}/requests/r-hook/status`,
						result: `${QUEUE}${APP_PATH}/requests/r-hook`,
						cancel: `${QUEUE}${APP_PATH}/requests/r-hook/cancel`,
					},
					item: 0,
					imageIndex: 0,
					imageCount: 1,
					prompt: GENERATE_PARAMS.prompt,
					aspectRatio: GENERATE_PARAMS.aspectRatio,
				},
				pairedItem: { item: 0 },
			},
		]);
		expect(nock.isDone()).toBe(true);
	});

	it('the wire bodies carry it on Runflow, BFL and Replicate too', async () => {
		const bodies: Record<string, unknown> = {};
		nock(RUNFLOW_API)
			.post(RUNS_PATH, (b: Record<string, unknown>) => ((bodies.runflow = b), true))
			.reply(201, { id: 'run-1', status_code: 'queued' });
		nock(BFL_API)
			.post(BFL_SUBMIT_PATH, (b: Record<string, unknown>) => ((bodies.bfl = b), true))
			.reply(200, { id: 't-1', polling_url: `${BFL_API}/v1/get_result?id=t-1` });
		nock(REPLICATE_API)
			.post(PREDICTIONS_PATH, (b: Record<string, unknown>) => ((bodies.replicate = b), true))
			.reply(201, { id: 'p-1', status: 'starting', urls: {} });
		for (const provider of ['runflow', 'bfl', 'replicate']) {
			const [out] = await createHarness({
				params: {
					...GENERATE_PARAMS,
					provider,
					waitForCompletion: false,
					options: { webhookUrl: HOOK },
				},
			}).run();
			expect(out[0].json.status).toBe('submitted');
		}
		expect(bodies.runflow).toMatchObject({ callback_url: HOOK });
		expect(bodies.bfl).toMatchObject({ webhook_url: HOOK });
		expect(bodies.replicate).toMatchObject({ webhook: HOOK, webhook_events_filter: ['completed'] });
	});
});

describe('Wait for Completion off: the same submit path, never paid twice', () => {
	it('a submit answered 500 is not resent: an error item saying the job may exist, and no status read', async () => {
		useVirtualClock();
		nock(QUEUE).post(ENDPOINT_PATH.generate).reply(500, { detail: 'boom' });
		const harness = createHarness({
			params: { ...GENERATE_PARAMS, waitForCompletion: false },
			continueOnFail: true,
		});
		const [out] = await harness.run();
		expect(out).toHaveLength(1);
		expect(out[0]).toMatchObject({
			json: { error: expect.objectContaining({ kind: 'maybe_submitted' }) as unknown },
			pairedItem: { item: 0 },
		});
		expect(harness.requests).toHaveLength(1);
	});

	it('validates every item before the first submit, as a waiting run does', async () => {
		const harness = createHarness({
			params: {
				...GENERATE_PARAMS,
				waitForCompletion: false,
				numImages: (i: number) => (i === 1 ? 9 : 1),
			},
			items: [{ json: {} }, { json: {} }],
		});
		const error = await harness.fail();
		expect(error.message).toBe(
			'Invalid value for "Number of Images": must be a whole number from 1 to 4 [item 1]',
		);
		expect(harness.requests).toHaveLength(0);
	});
});

describe('Get Result: a link from item JSON gets the key only on the provider API host', () => {
	const forged = {
		fal: {
			links: {
				status: 'https://attacker.example/fal-ai/flux-pro/requests/r1/status',
				result: `${QUEUE}${APP_PATH}/requests/r1`,
			},
			field: 'status',
		},
		runflow: { links: { run: 'https://attacker.example/v1/runs/r1' }, field: 'run' },
		bfl: { links: { polling: 'https://attacker.example/v1/get_result?id=r1' }, field: 'polling' },
		replicate: {
			links: { get: 'https://api.replicate.com.attacker.example/v1/predictions/r1' },
			field: 'get',
		},
	};

	it.each(Object.entries(forged))(
		'%s: a forged link is refused before any request, naming the field',
		async (provider, { links, field }) => {
			const harness = createHarness({ params: getResult(provider, 'r1', links) });
			const error = await harness.fail();
			expect(error.message).toMatch(
				new RegExp(
					`^Invalid value for "Job Links": its "${field}" link goes to [^ ]*attacker\\.example, not to .+'s API host`,
				),
			);
			expect(error.message).toMatch(/\[item 0\]$/);
			expect(harness.requests).toHaveLength(0);
		},
	);

	it('a forged BFL polling URL gets no key, while the genuine item beside it is collected (Continue On Fail)', async () => {
		useVirtualClock();
		const genuine = `${BFL_API}/v1/get_result?id=good`;
		nock(BFL_API)
			.get('/v1/get_result')
			.query({ id: 'good' })
			.reply(200, {
				id: 'good',
				status: 'Ready',
				result: {
					sample: `data:image/png;base64,${String(inlineImageResult().images[0].url).split(',')[1]}`,
					seed: 7,
				},
			});
		const items = [
			{
				json: {
					provider: 'bfl',
					requestId: 'evil',
					links: { polling: 'https://api.bfl.ai.attacker.example/v1/get_result?id=evil' },
				},
			},
			{
				json: {
					provider: 'bfl',
					requestId: 'good',
					links: { polling: genuine },
					prompt: 'p',
					aspectRatio: '1:1',
					item: 1,
				},
			},
		];
		const harness = createHarness({
			params: getResult(
				'bfl',
				(i: number) => items[i].json.requestId,
				(i: number) => items[i].json.links,
			),
			items,
			continueOnFail: true,
		});
		const [out] = await harness.run();
		expect(out).toHaveLength(2);
		expect(out[0]).toMatchObject({
			json: {
				error: expect.objectContaining({ kind: 'parameter', field: 'Job Links' }) as unknown,
			},
			pairedItem: { item: 0 },
		});
		expect(out[1]).toMatchObject({
			json: { provider: 'bfl', requestId: 'good', seed: 7, prompt: 'p', aspectRatio: '1:1' },
			pairedItem: { item: 1 },
		});
		expect(harness.requests.map((r) => r.url)).toEqual([genuine]);
		expect(keysSentOffHost(harness.requests, 'api.bfl.ai')).toEqual([]);
	});

	it('refuses a request ID that would reshape the URL, and a provider that did not create the job', async () => {
		const bad = await createHarness({ params: getResult('fal', '../../v1/credits', '') }).fail();
		expect(bad.message).toMatch(/^Invalid value for "Request ID": must be one job's ID/);
		const items = [{ json: { provider: 'replicate', requestId: 'p-1', links: {} } }];
		const other = await createHarness({ params: getResult('fal', 'p-1', {}), items }).fail();
		expect(other.message).toBe('The job p-1 was created on "replicate", not on fal.ai [item 0]');
	});
});

describe('Get Result: finished, running, failed', () => {
	it('a job still running comes out as one item saying so (status running), with no result read', async () => {
		nock(QUEUE)
			.get(`${APP_PATH}/requests/r-run/status`)
			.query(true)
			.reply(200, { status: 'IN_PROGRESS' });
		const item = {
			json: {
				provider: 'fal',
				operation: 'generate',
				status: 'submitted',
				requestId: 'r-run',
				links: {},
				item: 3,
				imageIndex: 0,
				imageCount: 2,
				prompt: 'x',
				aspectRatio: '1:1',
			},
		};
		const harness = createHarness({ params: getResult('fal', 'r-run', ''), items: [item] });
		const [out] = await harness.run();
		expect(out).toHaveLength(1);
		expect(out[0].pairedItem).toEqual({ item: 0 });
		expect(out[0].json).toMatchObject({
			status: 'running',
			providerStatus: 'IN_PROGRESS',
			requestId: 'r-run',
			item: 3,
			imageCount: 2,
			prompt: 'x',
		});
		expect(out[0].binary).toBeUndefined();
		expect(harness.requests).toHaveLength(1);
	});

	it('a failed job fails its item as a waiting run would; under Continue On Fail an error item in place', async () => {
		const failed = () =>
			nock(QUEUE)
				.get(`${APP_PATH}/requests/r-bad/status`)
				.query(true)
				.reply(200, { status: 'COMPLETED' })
				.get(`${APP_PATH}/requests/r-bad`)
				.reply(422, {
					detail: [{ loc: ['body', 'prompt'], msg: 'flagged', type: 'content_policy_violation' }],
				});
		failed();
		const error = await createHarness({ params: getResult('fal', 'r-bad', '') }).fail();
		expect(error.message).toMatch(/fal\.ai blocked the content.*\[item 0\]$/);

		failed();
		nock(QUEUE)
			.get(`${APP_PATH}/requests/r-ok/status`)
			.query(true)
			.reply(200, { status: 'COMPLETED' })
			.get(`${APP_PATH}/requests/r-ok`)
			.reply(200, inlineImageResult({ seed: 5 }));
		const ids = ['r-bad', 'r-ok'];
		const [out] = await createHarness({
			params: getResult('fal', (i: number) => ids[i], ''),
			items: [{ json: {} }, { json: {} }],
			continueOnFail: true,
		}).run();
		expect(out).toHaveLength(2);
		expect(out[0]).toMatchObject({
			json: {
				error: expect.objectContaining({ kind: 'moderation', requestId: 'r-bad' }) as unknown,
			},
			pairedItem: { item: 0 },
		});
		expect(out[1]).toMatchObject({
			json: { provider: 'fal', requestId: 'r-ok', seed: 5 },
			pairedItem: { item: 1 },
		});
	});

	it('reads are retried: a 503 on the status read is asked again, and no job is created', async () => {
		useVirtualClock();
		nock(QUEUE)
			.get(`${APP_PATH}/requests/r-503/status`)
			.query(true)
			.reply(503, { detail: 'busy' })
			.get(`${APP_PATH}/requests/r-503/status`)
			.query(true)
			.reply(200, { status: 'IN_QUEUE', queue_position: 3 });
		const harness = createHarness({ params: getResult('fal', 'r-503', '') });
		const [out] = await harness.run();
		expect(out[0].json).toMatchObject({ status: 'running', providerStatus: 'IN_QUEUE' });
		expect(harness.requests.every((r) => r.method === 'GET')).toBe(true);
	});
});

describe('the editor: Get Result shows its own fields, and none of the job fields', () => {
	const properties = new FluxUltra().description.properties;
	const shownFor = (name: string, inOptions = false) => {
		const list = inOptions
			? (properties.find((p) => p.name === 'options')!.options as typeof properties)
			: properties;
		const found = list.filter((p) => p.name === name);
		expect(found.length, name).toBeGreaterThan(0);
		return found.flatMap((p) => {
			const show = p.displayOptions?.show?.[inOptions ? '/operation' : 'operation'];
			return show ? (show as string[]) : ['generate', 'remix', 'finetune', 'getResult'];
		});
	};

	it('lists Get Result as an operation, with Request ID and Job Links defaulting to the submitted item', () => {
		const operation = properties.find((p) => p.name === 'operation')!;
		expect((operation.options as Array<{ value: string }>).map((o) => o.value)).toEqual([
			'generate',
			'remix',
			'finetune',
			'getResult',
		]);
		expect(properties.find((p) => p.name === 'requestId')).toMatchObject({
			default: '={{ $json.requestId }}',
			displayOptions: { show: { operation: ['getResult'] } },
		});
		expect(properties.find((p) => p.name === 'jobLinks')).toMatchObject({
			type: 'json',
			default: '={{ $json.links }}',
			displayOptions: { show: { operation: ['getResult'] } },
		});
	});

	it('hides the job fields and job options for Get Result, keeps the output options', () => {
		for (const name of [
			'prompt',
			'aspectRatio',
			'numImages',
			'outputFormat',
			'waitForCompletion',
			'imageSource',
		])
			expect(shownFor(name), name).not.toContain('getResult');
		expect(shownFor('waitForCompletion')).toEqual(['generate', 'remix', 'finetune']);
		expect(shownFor('downloadImage')).toContain('getResult');
		expect(properties.find((p) => p.name === 'waitForCompletion')).toMatchObject({
			type: 'boolean',
			default: true,
		});
		for (const name of ['webhookUrl', 'seed', 'timeout'])
			expect(shownFor(name, true), name).not.toContain('getResult');
		for (const name of ['binaryPropertyOutput', 'fileName', 'maxImageSize', 'maxParallelJobs'])
			expect(shownFor(name, true), name).toContain('getResult');
	});
});
