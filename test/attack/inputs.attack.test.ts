import nock from 'nock';
import { describe, expect } from 'vitest';

import type { INodeExecutionData } from 'n8n-workflow';

import { useVirtualClock } from '../../testkit/harness/clock';
import { createHarness, DUMMY_FAL_KEY, type HarnessOptions } from '../../testkit/harness/context';
import { errorOf } from '../../testkit/harness/errorItems';
import {
	APP_PATH,
	CDN,
	ENDPOINT_PATH,
	fakeImages,
	GENERATE_PARAMS,
	mockFalJob,
	mockFalUpload,
	QUEUE,
} from '../../testkit/harness/falNock';
import { makePng } from '../../testkit/mocks/images';
import { findSecrets } from '../reliability/leaks';
import {
	mockReplicateJob,
	mockReplicateUpload,
	REPLICATE_API,
	REPLICATE_GENERATE_PARAMS,
} from '../../testkit/harness/replicateNock';
import { useNock } from '../setupNock';
import { secretScrubber } from '../../nodes/FluxUltra/transport/redact';
import { attack } from './attack';

useNock();

/**
 * Issue 18, findings 8, 9 (data URIs, masking, output field) and 10: bad input is refused before
 * anything is paid for, naming the field and the item; hostile values (from expressions or from an
 * AI Agent's `$fromAI`) are refused or sent encoded; the key appears in no output; and an agent
 * cannot set the fields that bound what a run may spend or where it may send things.
 */

const TOOL = { type: 'n8n-nodes-flux-ultra.fluxUltraTool', name: 'Generate image' };
const png = makePng(16, 16, 1);

function imageItem(bytes: Buffer = png, mimeType = 'image/png'): INodeExecutionData {
	return {
		json: {},
		binary: { data: { data: bytes.toString('base64'), mimeType, fileName: 'in.png' } },
	};
}

const BINARY_PARAMS = { ...GENERATE_PARAMS, imageSource: 'binary', binaryPropertyName: 'data' };

/** Submits (job-creating POSTs) among the requests the node made. */
const submits = (requests: Array<{ method: string; url: string }>) =>
	requests.filter((r) => r.method === 'POST' && new URL(r.url).pathname.startsWith(APP_PATH))
		.length;

describe('8: pre-flight of every item before the first submit', () => {
	for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
		attack(
			'8 pre-flight',
			`Input Binary Field "${name}" (an inherited property) is refused naming the field and item 1, 0 requests`,
			async () => {
				const harness = createHarness({
					params: {
						...BINARY_PARAMS,
						binaryPropertyName: (i: number) => (i === 1 ? name : 'data'),
					},
					items: [imageItem(), imageItem(), imageItem()],
				});
				const error = await harness.fail();
				expect(harness.requests).toHaveLength(0);
				expect(error.message).toMatch(/^Invalid value for "Input Binary Field".*\[item 1\]$/);
			},
		);
	}

	attack(
		'8 pre-flight',
		'Input Binary Field "constructor" with Continue On Fail: items 0 and 2 paid, item 1 an error item in place naming the field',
		async () => {
			useVirtualClock();
			mockFalJob({ images: fakeImages(1) });
			mockFalJob({ images: fakeImages(1) });
			const harness = createHarness({
				params: {
					...BINARY_PARAMS,
					binaryPropertyName: (i: number) => (i === 1 ? 'constructor' : 'data'),
				},
				items: [imageItem(), imageItem(), imageItem()],
				continueOnFail: true,
			});
			const [out] = await harness.run();
			expect(submits(harness.requests)).toBe(2);
			expect(out.map((o) => o.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
			expect(errorOf(out[1])).toMatchObject({ kind: 'parameter', field: 'Input Binary Field' });
			expect(errorOf(out[1]).message).toMatch(/\[item 1\]$/);
		},
	);

	attack(
		'8 pre-flight',
		'a non-image file typed application/octet-stream in item 2 is found by its bytes before item 0 is paid',
		async () => {
			const pdf = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n');
			const harness = createHarness({
				params: BINARY_PARAMS,
				items: [imageItem(), imageItem(), imageItem(pdf, 'application/octet-stream')],
			});
			const error = await harness.fail();
			expect(harness.requests).toHaveLength(0);
			expect(error.message).toMatch(
				/^Invalid value for "Input Binary Field": .*not a JPEG, PNG, WebP, GIF or AVIF image \[item 2\]$/,
			);
		},
	);

	attack(
		'8 pre-flight',
		'200 items with a 1 MB input file each, the last one not an image: refused before the first submit',
		async (context) => {
			const big = Buffer.concat([png, Buffer.alloc(1024 * 1024, 1)]);
			const items = Array.from({ length: 200 }, (_, i) =>
				imageItem(
					i === 199 ? Buffer.concat([Buffer.from('RIFF0000AVI '), big]) : big,
					'application/octet-stream',
				),
			);
			const harness = createHarness({ params: BINARY_PARAMS, items });
			const started = performance.now();
			const error = await harness.fail();
			const ms = Math.round(performance.now() - started);
			expect(harness.requests).toHaveLength(0);
			expect(error.message).toMatch(/^Invalid value for "Input Binary Field".*\[item 199\]$/);
			context.task.meta.figures = `200 items × 1 MB input files, item 199 not an image: refused after ${ms} ms of pre-flight, ${harness.requests.length} requests`;
		},
	);

	attack(
		'8 pre-flight',
		'a file typed image/png whose bytes are not an image is refused in pre-flight too',
		async () => {
			const harness = createHarness({
				params: BINARY_PARAMS,
				items: [imageItem(), imageItem(Buffer.from('<html>not an image</html>'), 'image/png')],
			});
			const error = await harness.fail();
			expect(harness.requests).toHaveLength(0);
			expect(error.message).toMatch(/^Invalid value for "Input Binary Field".*\[item 1\]$/);
		},
	);
});

describe('9: data URIs in Image URL', () => {
	const dataUri = (bytes: Buffer) => `data:image/png;base64,${bytes.toString('base64')}`;
	const URL_PARAMS = { ...GENERATE_PARAMS, imageSource: 'url' };

	attack(
		'9 data URI',
		'a 2 MB data URI with Max Image Size 1 MB is refused naming Image URL, 0 requests',
		async (context) => {
			const big = Buffer.concat([png, Buffer.alloc(2 * 1024 * 1024, 7)]);
			const harness = createHarness({
				params: { ...URL_PARAMS, imageUrl: dataUri(big), options: { maxImageSize: 1 } },
			});
			const error = await harness.fail();
			expect(harness.requests).toHaveLength(0);
			expect(error.message).toMatch(/^Invalid value for "Image URL": .*1 MB.*\[item 0\]$/);
			context.task.meta.figures = `data URI of ${(big.length / 1048576).toFixed(1)} MB against a 1 MB cap: refused, ${harness.requests.length} requests`;
		},
	);

	attack(
		'9 data URI',
		'a line-wrapped data URI of 0.95 MB under a 1 MB cap still runs (its line breaks do not count)',
		async () => {
			useVirtualClock();
			const image = Buffer.concat([
				png,
				Buffer.alloc(Math.round(0.95 * 1024 * 1024) - png.length, 3),
			]);
			const wrapped = `data:image/png;base64,${(image.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n')}`;
			const upload = mockFalUpload();
			const job = mockFalJob({ images: fakeImages(1) });
			const [out] = await createHarness({
				params: { ...URL_PARAMS, imageUrl: wrapped, options: { maxImageSize: 1 } },
			}).run();
			expect(out).toHaveLength(1);
			expect(job.submitted()).toMatchObject({ image_url: upload.fileUrl });
		},
	);

	attack(
		'9 data URI',
		'a data URI that is not an image, in item 1, is refused before item 0 is paid',
		async () => {
			const harness = createHarness({
				params: {
					...URL_PARAMS,
					imageUrl: (i: number) =>
						i === 1 ? dataUri(Buffer.from('not an image at all, just text')) : dataUri(png),
				},
				items: [{ json: {} }, { json: {} }],
			});
			const error = await harness.fail();
			expect(harness.requests).toHaveLength(0);
			expect(error.message).toMatch(/^Invalid value for "Image URL".*\[item 1\]$/);
		},
	);
});

describe('9: the key in no output', () => {
	const key = DUMMY_FAL_KEY;
	const b64 = Buffer.from(key).toString('base64');

	/** A fal job whose provider echoes the key into the prompt, the image link and the request id. */
	function echoingJob(options: { cdnStatus: number; requestId?: string }) {
		const requestId = options.requestId ?? 'req-echo-1';
		const link = `${CDN}/files/echo/0.png?token=${encodeURIComponent(key)}&sig=${b64}`;
		nock(QUEUE)
			.post(ENDPOINT_PATH.generate)
			.reply(200, { request_id: requestId })
			.get(`${APP_PATH}/requests/${encodeURIComponent(requestId)}/status`)
			.query({ logs: '0' })
			.reply(200, { status: 'COMPLETED' })
			.get(`${APP_PATH}/requests/${encodeURIComponent(requestId)}`)
			.reply(200, {
				images: [{ url: link, content_type: 'image/png' }],
				seed: 7,
				prompt: `echo ${key} and ${b64}`,
			});
		nock(CDN)
			.get('/files/echo/0.png')
			.query(true)
			.reply(options.cdnStatus, options.cdnStatus === 200 ? fakeImages(1)[0].bytes : 'gone');
	}

	attack(
		'9 masking',
		'a success item echoing the key (raw, URL-encoded, base64) in prompt, url and requestId shows none of them',
		async () => {
			useVirtualClock();
			echoingJob({ cdnStatus: 200, requestId: `job-${b64}` });
			const harness = createHarness({ params: GENERATE_PARAMS });
			const [out] = await harness.run();
			expect(out).toHaveLength(1);
			expect(out[0].json.url).toEqual(expect.stringContaining('[redacted]'));
			expect(
				findSecrets([key], {
					outputs: out.map((o) => ({ json: o.json, fileName: o.binary?.data?.fileName })),
				}),
			).toEqual([]);
		},
	);

	attack(
		'9 masking',
		'an error item whose imageUrl and requestId echo the key shows none of them',
		async () => {
			useVirtualClock();
			echoingJob({ cdnStatus: 404, requestId: `job-${encodeURIComponent(key)}` });
			const harness = createHarness({ params: GENERATE_PARAMS, continueOnFail: true });
			const [out] = await harness.run();
			expect(errorOf(out[0]).kind).toBe('download');
			expect(findSecrets([key], { outputs: out })).toEqual([]);
		},
	);

	attack(
		'9 masking',
		'a provider error quoting the key in base64 is masked in the thrown error',
		async () => {
			nock(QUEUE)
				.post(ENDPOINT_PATH.generate)
				.reply(422, {
					detail: [
						{ loc: ['body', 'prompt'], msg: `value ${b64} is not allowed`, type: 'value_error' },
					],
				});
			const harness = createHarness({ params: GENERATE_PARAMS });
			const error = await harness.fail();
			expect(findSecrets([key], { errors: [error] })).toEqual([]);
		},
	);
});

describe('9: the key inside a longer base64 text', () => {
	attack(
		'9 masking',
		'base64 of any text holding the key (any alignment, standard or URL-safe) is masked; prose is not',
		() => {
			for (const key of [DUMMY_FAL_KEY, 'r8_dummy_example_0000']) {
				const scrub = secretScrubber([key]);
				for (let before = 0; before < 6; before++) {
					for (let after = 0; after < 3; after++) {
						const blob = Buffer.from(`${'x'.repeat(before)}${key}${'y'.repeat(after)}`);
						for (const text of [blob.toString('base64'), blob.toString('base64url')])
							expect(scrub(text), `${before}/${after}`).toContain('[redacted]');
					}
				}
			}
			expect(secretScrubber([DUMMY_FAL_KEY])('a mug on a walnut table')).toBe(
				'a mug on a walnut table',
			);
		},
	);
});

describe('9: Put Output File in Field', () => {
	for (const name of [
		'__proto__',
		'constructor',
		'toString',
		'valueOf',
		'hasOwnProperty',
		'prototype',
		'',
	]) {
		attack('9 output field', `"${name}" is refused naming the field, 0 requests`, async () => {
			const harness = createHarness({
				params: { ...GENERATE_PARAMS, options: { binaryPropertyOutput: name } },
			});
			const error = await harness.fail();
			expect(harness.requests).toHaveLength(0);
			expect(error.message).toMatch(/^Invalid value for "Put Output File in Field".*\[item 0\]$/);
		});
	}
});

describe('10: what an AI Agent may set', () => {
	/** The tool with a field stored as an agent-controlled expression, resolved to what the model chose. */
	function agentSets(extra: Pick<HarnessOptions, 'params' | 'storedParams'>) {
		return createHarness({
			params: { ...GENERATE_PARAMS, ...extra.params },
			storedParams: extra.storedParams,
			node: TOOL,
		});
	}

	const cases: Array<{
		field: string;
		params: Record<string, unknown>;
		stored: Record<string, unknown>;
	}> = [
		{
			field: 'Max Cost per Run (USD)',
			params: { options: { maxCostPerRun: 1000 } },
			stored: { options: { maxCostPerRun: "={{ $fromAI('max_cost', 'spend cap', 'number') }}" } },
		},
		{
			field: 'Number of Images',
			params: { numImages: 4 },
			stored: { numImages: "={{ $fromAI('count', 'how many', 'number') }}" },
		},
		{
			field: 'Completion Webhook URL',
			params: { options: { webhookUrl: 'https://attacker.example.com/hook' } },
			stored: { options: { webhookUrl: "={{ $fromAi('hook', 'where to call', 'string') }}" } },
		},
		{
			field: 'Image URL',
			params: { imageSource: 'url', imageUrl: 'https://attacker.example.com/x.png' },
			stored: { imageSource: 'url', imageUrl: "={{ $fromai ( 'image' ) }}" },
		},
		{
			field: 'Safety Tolerance',
			params: { options: { safetyTolerance: '6' } },
			stored: { options: { safetyTolerance: "={{ $fromAI('safety', '1 to 6', 'string') }}" } },
		},
		{
			field: 'Max Parallel Jobs',
			params: { options: { maxParallelJobs: 16 } },
			stored: { options: { maxParallelJobs: "={{ $fromAI('parallel', '', 'number') }}" } },
		},
		{
			field: 'Options',
			params: { options: { maxCostPerRun: 1000 } },
			stored: { options: "={{ $fromAI('options', 'all options', 'json') }}" },
		},
		{
			field: 'Max Cost per Run (USD)',
			params: { options: { maxCostPerRun: 1000 } },
			// In a tool, the input item is the model's tool call: $json is the model's too.
			stored: { options: { maxCostPerRun: '={{ $json.cap }}' } },
		},
	];
	for (const c of cases) {
		attack(
			'10 agent surface',
			`the agent may not set "${c.field}" (${JSON.stringify(Object.values(c.stored).at(-1))}): refused, 0 requests`,
			async () => {
				const harness = agentSets({ params: c.params, storedParams: c.stored });
				const [out] = await harness.run();
				expect(harness.requests).toHaveLength(0);
				expect(out).toHaveLength(1);
				expect(errorOf(out[0])).toMatchObject({ kind: 'parameter', field: c.field });
				expect(errorOf(out[0]).message).toMatch(/AI Agent/);
			},
		);
	}

	attack(
		'10 agent surface',
		'Get Result as a tool: Max Image Size from $fromAI is refused before any read; a Request ID from $fromAI is not',
		async () => {
			const base = {
				provider: 'fal',
				operation: 'getResult',
				requestId: 'req-example-1',
				jobLinks: '',
			};
			const refused = createHarness({
				params: { ...base, options: { maxImageSize: 200 } },
				storedParams: { options: { maxImageSize: "={{ $fromAI('size', '', 'number') }}" } },
				node: TOOL,
				continueOnFail: true,
			});
			const [out] = await refused.run();
			expect(refused.requests).toHaveLength(0);
			expect(errorOf(out[0])).toMatchObject({ kind: 'parameter', field: 'Max Image Size (MB)' });

			nock(QUEUE)
				.get(`${APP_PATH}/requests/req-example-1/status`)
				.query(true)
				.reply(200, { status: 'IN_PROGRESS' });
			const allowed = createHarness({
				params: { ...base, options: {} },
				storedParams: { requestId: "={{ $fromAI('request_id', 'the job id', 'string') }}" },
				node: TOOL,
			});
			const [running] = await allowed.run();
			expect(running[0].json).toMatchObject({ status: 'running', requestId: 'req-example-1' });
		},
	);

	attack(
		'10 agent surface',
		'what the agent may set still runs: $fromAI on Prompt and Aspect Ratio, a fixed cap, a webhook from $execution',
		async () => {
			useVirtualClock();
			const job = mockFalJob({ images: fakeImages(1) });
			const harness = agentSets({
				params: { prompt: 'an autumn latte', aspectRatio: '1:1', options: { maxCostPerRun: 1 } },
				storedParams: {
					prompt: "={{ $fromAI('prompt', 'what to show', 'string') }}",
					aspectRatio: "={{ $fromAI('ratio', '1:1 or 16:9', 'string') }}",
					options: { maxCostPerRun: 1 },
				},
			});
			const [out] = await harness.run();
			expect(errorOf(out[0])).toEqual({});
			expect(job.submitted()).toMatchObject({ prompt: 'an autumn latte', aspect_ratio: '1:1' });
		},
	);

	attack(
		'10 agent surface',
		'the regular node (not a tool) reads the same expression as before',
		async () => {
			useVirtualClock();
			mockFalJob({ images: fakeImages(1) });
			const harness = createHarness({
				params: { ...GENERATE_PARAMS, options: { maxCostPerRun: 1 } },
				storedParams: { options: { maxCostPerRun: '={{ $json.cap }}' } },
			});
			const [out] = await harness.run();
			expect(out[0].json.provider).toBe('fal');
		},
	);
});

describe('hostile values through expressions and the agent tool', () => {
	const MB = 'x'.repeat(1024 * 1024);
	const hostile: Array<{ name: string; field: string; params: Record<string, unknown> }> = [
		{ name: '1 MB prompt', field: 'Prompt', params: { prompt: MB } },
		{
			name: '1 MB Fine-Tune ID',
			field: 'Fine-Tune ID',
			params: { operation: 'finetune', finetuneId: MB },
		},
		{ name: '1 MB File Name', field: 'File Name', params: { options: { fileName: MB } } },
		{
			name: '1 MB Completion Webhook URL',
			field: 'Completion Webhook URL',
			params: { options: { webhookUrl: `https://example.com/${MB}` } },
		},
		{
			name: '1 MB Image URL',
			field: 'Image URL',
			params: { imageSource: 'url', imageUrl: `https://example.com/${MB}` },
		},
		{
			name: '1 MB of digits as Seed',
			field: 'Seed',
			params: { options: { seed: '9'.repeat(1024 * 1024) } },
		},
		{
			name: 'NUL in the prompt',
			field: 'Prompt',
			params: { prompt: 'a mug\u0000{"num_images":4}' },
		},
		{
			name: 'a newline and header in the Fine-Tune ID',
			field: 'Fine-Tune ID',
			params: { operation: 'finetune', finetuneId: 'ft-1\r\nX-Injected: 1' },
		},
		{
			name: 'an escape sequence in the File Name',
			field: 'File Name',
			params: { options: { fileName: 'img\u001b[31m' } },
		},
		{ name: 'NaN images', field: 'Number of Images', params: { numImages: Number.NaN } },
		{
			name: 'Infinity images',
			field: 'Number of Images',
			params: { numImages: Number.POSITIVE_INFINITY },
		},
		{ name: '"Infinity" as text', field: 'Number of Images', params: { numImages: 'Infinity' } },
		{
			name: '1e400 as the spend cap',
			field: 'Max Cost per Run (USD)',
			params: { options: { maxCostPerRun: '1e400' } },
		},
		{
			name: 'NaN as the spend cap',
			field: 'Max Cost per Run (USD)',
			params: { options: { maxCostPerRun: Number.NaN } },
		},
		{
			name: '"0x10" as Number of Images',
			field: 'Number of Images',
			params: { numImages: '0x10' },
		},
		{ name: 'an array as Number of Images', field: 'Number of Images', params: { numImages: [4] } },
		{ name: 'an array as Prompt', field: 'Prompt', params: { prompt: ['a', 'b'] } },
		{ name: 'an object as Seed', field: 'Seed', params: { options: { seed: { valueOf: 3 } } } },
		{
			name: 'an array as Image URL',
			field: 'Image URL',
			params: { imageSource: 'url', imageUrl: ['https://example.com/a.png'] },
		},
		{ name: '"yes" as Raw', field: 'Raw', params: { options: { raw: 'yes' } } },
	];
	for (const h of hostile) {
		attack(
			'10 hostile values',
			`${h.name}: refused naming "${h.field}" and the item, 0 requests`,
			async () => {
				for (const node of [undefined, TOOL]) {
					const harness = createHarness({
						params: { ...GENERATE_PARAMS, ...h.params },
						items: [{ json: {} }, { json: {} }],
						node,
						continueOnFail: true,
					});
					const started = performance.now();
					const [out] = await harness.run();
					expect(performance.now() - started).toBeLessThan(5_000);
					expect(harness.requests).toHaveLength(0);
					expect(out.map((o) => errorOf(o).field)).toEqual([h.field, h.field]);
					expect(out.map((o) => errorOf(o).message)).toEqual([
						expect.stringMatching(/\[item 0\]$/),
						expect.stringMatching(/\[item 1\]$/),
					]);
				}
			},
		);
	}

	attack(
		'10 hostile values',
		'200 items each with a 1 MB digit string as Seed: all refused in well under the time parsing them as numbers takes',
		async (context) => {
			const digits = '7'.repeat(1024 * 1024);
			const harness = createHarness({
				params: { ...GENERATE_PARAMS, options: () => ({ seed: digits }) },
				items: Array.from({ length: 200 }, () => ({ json: {} })),
				continueOnFail: true,
			});
			const started = performance.now();
			const [out] = await harness.run();
			const ms = Math.round(performance.now() - started);
			expect(harness.requests).toHaveLength(0);
			expect(out.every((o) => errorOf(o).field === 'Seed')).toBe(true);
			// Parsing each as a BigInt took about 85 ms an item here (17 s for 200).
			expect(ms).toBeLessThan(4_000);
			context.task.meta.figures = `200 items × 1 MB digit Seed: refused in ${ms} ms, ${harness.requests.length} requests`;
		},
	);

	attack(
		'10 hostile values',
		'a 1 MB Completion Webhook URL built to make the URL pattern backtrack is refused at once',
		async (context) => {
			const webhookUrl = `http://${'a'.repeat(1024 * 1024)} x`;
			const harness = createHarness({ params: { ...GENERATE_PARAMS, options: { webhookUrl } } });
			const started = performance.now();
			const error = await harness.fail();
			const ms = Math.round(performance.now() - started);
			expect(harness.requests).toHaveLength(0);
			expect(error.message).toMatch(
				/^Invalid value for "Completion Webhook URL": must be at most 2048 characters long \[item 0\]$/,
			);
			// The pattern's time grows with the square of the length: 3.5 s at 40,000 characters here.
			expect(ms).toBeLessThan(2_000);
			context.task.meta.figures = `1 MB backtracking webhook URL: refused in ${ms} ms`;
		},
	);

	attack(
		'10 hostile values',
		'numbers as text are read as numbers (" 3 " images is 3), as documented',
		async () => {
			useVirtualClock();
			const job = mockFalJob({ images: fakeImages(3) });
			const [out] = await createHarness({ params: { ...GENERATE_PARAMS, numImages: ' 3 ' } }).run();
			expect(out).toHaveLength(3);
			expect(job.submitted()).toMatchObject({ num_images: 3 });
		},
	);

	for (const id of ['..', '.', '...']) {
		attack(
			'10 hostile values',
			`Get Result's Request ID "${id}" (a path step) is refused, 0 requests`,
			async () => {
				const harness = createHarness({
					params: {
						provider: 'fal',
						operation: 'getResult',
						requestId: id,
						jobLinks: '',
						options: {},
					},
				});
				const error = await harness.fail();
				expect(harness.requests).toHaveLength(0);
				expect(error.message).toMatch(/^Invalid value for "Request ID".*\[item 0\]$/);
			},
		);
	}

	attack(
		'10 hostile values',
		"a Fine-Tune ID shaped like a path goes only into the JSON body; the endpoint's path is unchanged",
		async () => {
			useVirtualClock();
			const job = mockFalJob({ operation: 'finetune', images: fakeImages(1) });
			const finetuneId = '../../../v1/account?delete=1#x';
			const harness = createHarness({
				params: { ...GENERATE_PARAMS, operation: 'finetune', finetuneId },
			});
			await harness.run();
			expect(new URL(harness.requests[0].url).pathname).toBe(ENDPOINT_PATH.finetune);
			expect(job.submitted()).toMatchObject({ finetune_id: finetuneId });
		},
	);

	attack(
		'10 hostile values',
		"an input file's own name carrying header lines stays one quoted name in Replicate's multipart upload",
		async () => {
			useVirtualClock();
			const photo = Buffer.concat([png, Buffer.alloc(1100 * 1024)]);
			const fileName = 'evil"\r\nContent-Type: text/html\r\n\r\n<script>.png';
			mockReplicateUpload();
			mockReplicateJob();
			const harness = createHarness({
				params: { ...REPLICATE_GENERATE_PARAMS, imageSource: 'binary', binaryPropertyName: 'data' },
				items: [
					{
						json: {},
						binary: { data: { data: photo.toString('base64'), mimeType: 'image/png', fileName } },
					},
				],
			});
			await harness.run();
			const post = harness.requests.find((r) => r.url === `${REPLICATE_API}/v1/files`)!;
			const head = post.body!.toString('latin1').split('\r\n\r\n')[0];
			expect(head.split('\r\n')).toEqual([
				expect.stringMatching(/^--/),
				'Content-Disposition: form-data; name="content"; filename="evil___Content-Type: text/html____<script>.png"',
				'Content-Type: image/png',
			]);
		},
	);

	attack(
		'10 hostile values',
		'a File Name shaped like a path gives a plain file name',
		async () => {
			useVirtualClock();
			mockFalJob({ images: fakeImages(1) });
			const [out] = await createHarness({
				params: { ...GENERATE_PARAMS, options: { fileName: '../../etc/passwd-{item}' } },
			}).run();
			expect(out[0].json.fileName).toBe('etc-passwd-1.png');
			expect(out[0].binary?.data?.fileName).toBe('etc-passwd-1.png');
		},
	);
});
