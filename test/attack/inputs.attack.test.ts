import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import nock from 'nock';
import { afterAll, describe, expect } from 'vitest';

import type { INodeExecutionData } from 'n8n-workflow';

import { useVirtualClock } from '../../testkit/harness/clock';
import {
	createHarness,
	DUMMY_FAL_KEY,
	DUMMY_RUNFLOW_KEY,
	type HarnessOptions,
} from '../../testkit/harness/context';
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
	PREDICTIONS_PATH,
	REPLICATE_API,
	REPLICATE_GENERATE_PARAMS,
} from '../../testkit/harness/replicateNock';
import {
	BFL_API,
	BFL_GENERATE_PARAMS,
	BFL_SUBMIT_PATH,
	mockBflJob,
} from '../../testkit/harness/bflNock';
import {
	mockRunflowJob,
	mockRunflowModel,
	mockRunflowUpload,
	MODEL_PATH,
	RUNFLOW_API,
	RUNFLOW_GENERATE_PARAMS,
	RUNS_PATH,
} from '../../testkit/harness/runflowNock';
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

describe('issue 27, 7: one size rule for every input image, every path and provider', () => {
	const MB = 1024 * 1024;
	const PROVIDERS = [
		{ id: 'fal', params: GENERATE_PARAMS },
		{ id: 'runflow', params: RUNFLOW_GENERATE_PARAMS },
		{ id: 'bfl', params: BFL_GENERATE_PARAMS },
		{ id: 'replicate', params: REPLICATE_GENERATE_PARAMS },
	] as const;
	const folder = mkdtempSync(join(tmpdir(), 'flux-inputs-'));
	afterAll(() => rmSync(folder, { recursive: true, force: true }));
	let files = 0;

	/** A PNG of `size` bytes: a real header, then zeros. */
	const pngOf = (size: number) => Buffer.concat([png, Buffer.alloc(size - png.length)]);

	/**
	 * An input file as n8n's filesystem (or S3) mode keeps it: a reference in the item, the bytes in
	 * the store (a sparse file here: a PNG header, then `size` bytes in all). `bytes` is what n8n 2.x
	 * records on the entry; without it the size is only in the store's metadata.
	 */
	function storedItem(size: number, declared = true): INodeExecutionData {
		const path = join(folder, `input-${++files}.png`);
		writeFileSync(path, png);
		truncateSync(path, size);
		return {
			json: {},
			binary: {
				data: {
					data: 'filesystem-v2',
					id: `filesystem-v2:${path}`,
					mimeType: 'image/png',
					fileName: 'in.png',
					...(declared ? { bytes: size } : {}),
				},
			},
		};
	}

	/** Every provider's upload and job on nock: on the old code each path got this far. None must be hit. */
	function everyProviderReady() {
		mockFalUpload();
		mockFalJob({ images: fakeImages(1) });
		mockRunflowModel();
		mockRunflowUpload();
		mockRunflowJob();
		mockBflJob();
		mockReplicateUpload();
		mockReplicateJob();
		nock('https://images.example.com')
			.get('/big.png')
			.optionally()
			.reply(200, pngOf(2 * MB), { 'content-type': 'image/png' });
	}

	const paths: Array<{
		name: string;
		field: string;
		params: Record<string, unknown>;
		items: () => INodeExecutionData[];
		only?: string;
	}> = [
		{
			name: 'a 2 MB file in a binary field (in memory)',
			field: 'Input Binary Field',
			params: { imageSource: 'binary', binaryPropertyName: 'data' },
			items: () => [imageItem(), imageItem(pngOf(2 * MB))],
		},
		{
			name: 'a 2 MB file in a binary field (filesystem mode)',
			field: 'Input Binary Field',
			params: { imageSource: 'binary', binaryPropertyName: 'data' },
			items: () => [imageItem(), storedItem(2 * MB)],
		},
		{
			name: 'a 2 MB data URI in Image URL',
			field: 'Image URL',
			params: {
				imageSource: 'url',
				imageUrl: (i: number) =>
					`data:image/png;base64,${(i === 1 ? pngOf(2 * MB) : png).toString('base64')}`,
			},
			items: () => [{ json: {} }, { json: {} }],
		},
	];
	for (const provider of PROVIDERS) {
		for (const path of paths) {
			attack(
				'27.7 input size',
				`${provider.id}: ${path.name} in item 1 against Max Image Size 1 MB: refused naming "${path.field}" and item 1 before item 0 is paid, 0 requests`,
				async () => {
					everyProviderReady();
					const harness = createHarness({
						params: { ...provider.params, ...path.params, options: { maxImageSize: 1 } },
						items: path.items(),
					});
					const error = await harness.fail();
					expect(harness.requests).toHaveLength(0);
					expect(error.message).toMatch(
						new RegExp(
							`^Invalid value for "${path.field}": .*2 MB.*"Max Image Size \\(MB\\)".*\\[item 1\\]$`,
						),
					);
				},
			);
		}
	}

	attack(
		'27.7 input size',
		'BFL: an Image URL serving 2 MB against Max Image Size 1 MB: refused naming Image URL, 0 requests to BFL',
		async () => {
			everyProviderReady();
			const harness = createHarness({
				params: {
					...BFL_GENERATE_PARAMS,
					imageSource: 'url',
					imageUrl: 'https://images.example.com/big.png',
					options: { maxImageSize: 1 },
				},
			});
			const error = await harness.fail();
			expect(harness.requests.filter((r) => r.url.startsWith(BFL_API))).toHaveLength(0);
			expect(error.message).toMatch(/^Invalid value for "Image URL": .*\[item 0\]$/);
		},
	);

	attack(
		'27.7 input size',
		'fal.ai: a 100 MB binary input under the default Max Image Size (40 MB) is refused before any request, and never read whole',
		async (context) => {
			everyProviderReady();
			const harness = createHarness({
				params: { ...GENERATE_PARAMS, imageSource: 'binary', binaryPropertyName: 'data' },
				items: [storedItem(100 * MB)],
			});
			const error = await harness.fail();
			expect(harness.requests).toHaveLength(0);
			expect(harness.binaryReads).toHaveLength(0);
			expect(error.message).toMatch(
				/^Invalid value for "Input Binary Field": the file in "data" is 100 MB, more than "Max Image Size \(MB\)" allows \(40 MB\).*\[item 0\]$/,
			);
			context.task.meta.figures = `fal.ai, 100 MB binary input (filesystem mode): refused, ${harness.requests.length} requests, ${harness.binaryReads.length} whole reads`;
		},
	);

	attack(
		'27.7 input size',
		"a stored file whose entry carries no size (n8n 1.x) is measured by n8n's metadata, not read whole",
		async () => {
			everyProviderReady();
			const harness = createHarness({
				params: { ...GENERATE_PARAMS, imageSource: 'binary', binaryPropertyName: 'data' },
				items: [storedItem(100 * MB, false)],
			});
			const error = await harness.fail();
			expect(harness.requests).toHaveLength(0);
			expect(harness.binaryReads).toHaveLength(0);
			expect(error.message).toMatch(/is 100 MB, more than "Max Image Size \(MB\)" allows/);
		},
	);

	const providerLimits = [
		{ id: 'runflow', params: RUNFLOW_GENERATE_PARAMS, size: 51, says: /Runflow takes \(50 MB/ },
		{
			id: 'replicate',
			params: REPLICATE_GENERATE_PARAMS,
			size: 101,
			says: /Replicate takes \(100 MB/,
		},
		{ id: 'fal', params: GENERATE_PARAMS, size: 91, says: /fal\.ai takes \(90 MB/ },
	] as const;
	for (const limit of providerLimits) {
		attack(
			'27.7 input size',
			`${limit.id}: a ${limit.size} MB file with Max Image Size 200 MB: the provider's smaller limit applies, named, 0 requests`,
			async () => {
				everyProviderReady();
				const harness = createHarness({
					params: {
						...limit.params,
						imageSource: 'binary',
						binaryPropertyName: 'data',
						options: { maxImageSize: 200 },
					},
					items: [imageItem(), storedItem(limit.size * MB)],
				});
				const error = await harness.fail();
				expect(harness.requests).toHaveLength(0);
				expect(harness.binaryReads.filter((r) => r.itemIndex === 1)).toHaveLength(0);
				expect(error.message).toMatch(limit.says);
				expect(error.message).toMatch(/^Invalid value for "Input Binary Field": .*\[item 1\]$/);
			},
		);
	}

	attack(
		'27.7 input size',
		"a Fallback Provider's smaller limit applies too: fal.ai with Runflow as fallback refuses a 51 MB file before any request",
		async () => {
			everyProviderReady();
			const harness = createHarness({
				params: {
					...GENERATE_PARAMS,
					imageSource: 'binary',
					binaryPropertyName: 'data',
					fallbackFromFal: 'runflow',
					options: { maxImageSize: 200 },
				},
				items: [storedItem(51 * MB)],
			});
			const error = await harness.fail();
			expect(harness.requests).toHaveLength(0);
			expect(error.message).toMatch(/Runflow takes \(50 MB/);
		},
	);

	attack(
		'27.7 input size',
		'a file at the limit still runs (fal.ai, 1 MB file, Max Image Size 1 MB): the rule refuses only what is over it',
		async () => {
			useVirtualClock();
			const upload = mockFalUpload();
			const job = mockFalJob({ images: fakeImages(1) });
			const [out] = await createHarness({
				params: {
					...GENERATE_PARAMS,
					imageSource: 'binary',
					binaryPropertyName: 'data',
					options: { maxImageSize: 1 },
				},
				items: [imageItem(pngOf(MB))],
			}).run();
			expect(out).toHaveLength(1);
			expect(job.submitted()).toMatchObject({ image_url: upload.fileUrl });
		},
	);
});

describe('issue 27, 8: what a provider sends is bounded before it reaches a message, a hint or a log', () => {
	/**
	 * The bound this suite holds every shown text to: an error's message and description together at
	 * most 2,000 characters (about 500 tokens when an AI Agent gets it as the tool's answer), a hint
	 * at most 1,000, a log entry at most 2,000 (shared/bound.ts says why).
	 */
	const TEXT_BOUND = 2000;
	const HINT_BOUND = 1000;
	const MB = 'x'.repeat(1024 * 1024);
	const many = <T>(n: number, make: (i: number) => T): T[] =>
		Array.from({ length: n }, (_, i) => make(i));

	/** Runs the node to its error, and checks every text it showed against the bounds. */
	async function shownBy(options: Parameters<typeof createHarness>[0]) {
		const harness = createHarness({ executionHints: true, ...options });
		const error = await harness.fail();
		const shown = error.message.length + (error.description?.length ?? 0);
		expect(shown).toBeLessThanOrEqual(TEXT_BOUND);
		for (const hint of harness.hints) expect(hint.message.length).toBeLessThanOrEqual(HINT_BOUND);
		for (const log of harness.logs)
			expect(JSON.stringify(log.args).length).toBeLessThanOrEqual(TEXT_BOUND);
		return { error, shown, harness };
	}

	/** A models-API answer (the shape Runflow documents) listing these inputs besides the prompt. */
	function runflowModel(
		inputs: Array<Record<string, unknown>>,
		path: string | RegExp = MODEL_PATH,
	) {
		nock(RUNFLOW_API)
			.get(path)
			.reply(200, { inputs: [{ name: 'prompt', is_required: true }, ...inputs] });
	}

	attack(
		'27.8 bounded text',
		'Runflow: a models API listing 60,000 input names makes a refusal of a few hundred characters, before any submit',
		async (context) => {
			runflowModel(many(60_000, (i) => ({ name: `hostile_input_${i}_${'n'.repeat(60)}` })));
			const { error, shown, harness } = await shownBy({
				params: { ...RUNFLOW_GENERATE_PARAMS, options: { raw: true } },
			});
			expect(harness.requests.map((r) => r.method)).toEqual(['GET']);
			expect(error.message).toMatch(/^Invalid value for "Raw": Runflow's .* does not take it/);
			expect(error.message).toMatch(/prompt, hostile_input_0_n+…?, .* … and 59,991 more/);
			context.task.meta.figures = `Runflow refusal with 60,000 listed inputs: ${shown} characters (message + description), ${harness.requests.length} request`;
		},
	);

	attack(
		'27.8 bounded text',
		'Runflow: a required input whose name is 1 MB long is named in at most 60 characters',
		async () => {
			runflowModel([{ name: `required_${MB}`, is_required: true }]);
			const { error } = await shownBy({ params: RUNFLOW_GENERATE_PARAMS });
			expect(error.message).toMatch(/requires an input "required_x+…"/);
		},
	);

	attack(
		'27.8 bounded text',
		'Runflow: an allowed-values list of 60,000 entries (one of them 1 MB) shows 10 and counts the rest',
		async () => {
			runflowModel([
				{
					name: 'aspect_ratio',
					validator_attrs: { choices: [MB, ...many(60_000, (i) => `ratio-${i}`)] },
				},
			]);
			const { error } = await shownBy({
				params: { ...RUNFLOW_GENERATE_PARAMS, aspectRatio: '21:9' },
			});
			expect(error.message).toMatch(/accepts only "x+…", "ratio-0", .* … and 59,991 more/);
		},
	);

	attack(
		'27.8 bounded text',
		"Runflow: a models API that answers 422 naming a 50,000-character field: Remix's refusal and Generate's hint stay bounded",
		async () => {
			// An error body is read up to 64 KB: a 50,000-character field name is the most it can hold.
			const hostile = {
				code: 'invalid',
				message: 'bad request',
				errors: [{ field: 'f'.repeat(50_000), message: 'is wrong' }],
			};
			nock(RUNFLOW_API)
				.get(/\/v1\/models\//)
				.times(2)
				.reply(422, hostile);
			await shownBy({
				params: {
					...RUNFLOW_GENERATE_PARAMS,
					operation: 'remix',
					imageSource: 'url',
					imageUrl: 'https://images.example.com/in.png',
				},
			});

			nock(RUNFLOW_API).get(MODEL_PATH).reply(422, hostile);
			nock(RUNFLOW_API).post(RUNS_PATH).reply(422, hostile);
			const { harness } = await shownBy({ params: RUNFLOW_GENERATE_PARAMS });
			expect(harness.hints.map((h) => h.message)).toEqual([
				expect.stringMatching(/^Runflow's models API could not tell the inputs/),
			]);
		},
	);

	/**
	 * A validation answer naming a 50,000-character field first, then 100 more problems, each
	 * provider's way: the transport reads at most 64 KB of an error body, so this is the most a
	 * provider can put in one.
	 */
	const LONG = 'f'.repeat(50_000);
	const fastApi422 = {
		detail: [
			{ loc: ['body', LONG], msg: 'is not allowed', type: 'value_error' },
			...many(100, (i) => ({ loc: ['body', `field_${i}`], msg: 'bad', type: 'value_error' })),
		],
	};
	const submits422: Array<{ provider: string; params: Record<string, unknown>; mock: () => void }> =
		[
			{
				provider: 'fal.ai',
				params: GENERATE_PARAMS,
				mock: () => void nock(QUEUE).post(ENDPOINT_PATH.generate).reply(422, fastApi422),
			},
			{
				provider: 'Black Forest Labs',
				params: BFL_GENERATE_PARAMS,
				mock: () => void nock(BFL_API).post(BFL_SUBMIT_PATH).reply(422, fastApi422),
			},
			{
				provider: 'Replicate',
				params: REPLICATE_GENERATE_PARAMS,
				mock: () =>
					void nock(REPLICATE_API)
						.post(PREDICTIONS_PATH)
						.reply(422, {
							title: 'Unprocessable Entity',
							detail: 'invalid input',
							invalid_fields: [
								{ field: `input.${LONG}`, description: 'is not allowed', type: 'x' },
								...many(100, (i) => ({ field: `input.f${i}`, description: 'bad' })),
							],
						}),
			},
			{
				provider: 'Runflow',
				params: RUNFLOW_GENERATE_PARAMS,
				mock: () => {
					mockRunflowModel();
					nock(RUNFLOW_API)
						.post(RUNS_PATH)
						.reply(422, {
							code: 'invalid_input',
							message: 'invalid input',
							errors: [
								{ field: `input.${LONG}`, message: 'is not allowed' },
								...many(100, (i) => ({ field: `input.f${i}`, message: 'bad' })),
							],
						});
				},
			},
		];
	for (const c of submits422) {
		attack(
			'27.8 bounded text',
			`${c.provider}: a 422 naming a 50,000-character field among 101 problems is shown within the bound`,
			async () => {
				c.mock();
				const { error } = await shownBy({ params: c.params });
				expect(error.message).toMatch(/rejected the field "f+…": is not allowed \(and 100 more/);
			},
		);
	}

	attack(
		'27.8 bounded text',
		'a key the bound cuts in half is still masked: Runflow echoes it where a field name is cut at 60 characters',
		async () => {
			mockRunflowModel();
			nock(RUNFLOW_API)
				.post(RUNS_PATH)
				.reply(422, {
					message: 'invalid input',
					errors: [{ field: `input.${'x'.repeat(45)}${DUMMY_RUNFLOW_KEY}`, message: 'bad' }],
				});
			const { error } = await shownBy({ params: RUNFLOW_GENERATE_PARAMS });
			expect(error.message).toMatch(/rejected the field "x+\[redacted\]…"/);
			const shown = `${error.message} ${error.description}`;
			expect(shown).not.toContain(DUMMY_RUNFLOW_KEY.slice(0, 10));
		},
	);

	attack(
		'27.8 bounded text',
		'fal.ai: a job that fails with a 1 MB error and a 1 MB error type is shown within the bound',
		async () => {
			useVirtualClock();
			const requestId = 'req-hostile-1';
			nock(QUEUE)
				.post(ENDPOINT_PATH.generate)
				.reply(200, { request_id: requestId })
				.get(`${APP_PATH}/requests/${requestId}/status`)
				.query(true)
				.reply(200, { status: 'COMPLETED', error: `e${MB}`, error_type: `t${MB}` });
			const { error } = await shownBy({ params: GENERATE_PARAMS });
			expect(error.message).toMatch(/^fal\.ai could not finish the job: ex+…/);
		},
	);

	attack(
		'27.8 bounded text',
		'fal.ai: a 100 KB request id and a 1 MB unknown status are shown within the bound',
		async () => {
			useVirtualClock();
			const requestId = `r${'9'.repeat(100_000)}`;
			nock(QUEUE)
				.post(ENDPOINT_PATH.generate)
				.reply(200, {
					request_id: requestId,
					status_url: `${QUEUE}${APP_PATH}/requests/short/status`,
				})
				.get(`${APP_PATH}/requests/short/status`)
				.query(true)
				.reply(200, { status: `W${MB}` })
				.put(/cancel/)
				.optionally()
				.reply(202, {});
			await shownBy({ params: GENERATE_PARAMS });
		},
	);

	attack(
		'27.8 bounded text',
		'Runflow: a run that fails with a 1 MB code, stage and message is shown within the bound',
		async () => {
			useVirtualClock();
			mockRunflowJob({
				terminal: {
					status_code: 'failed',
					failure_code: `c${MB}`,
					failure_stage: `s${MB}`,
					failure_message: `m${MB}`,
				},
			});
			const { error } = await shownBy({ params: RUNFLOW_GENERATE_PARAMS });
			expect(error.message).toMatch(/^Runflow could not finish the run: mx+…/);
		},
	);

	attack(
		'27.8 bounded text',
		'Replicate and BFL: a failed job with a 1 MB error or details, and a 1 MB unknown status, are shown within the bound',
		async () => {
			useVirtualClock();
			mockReplicateJob({ terminal: { status: 'failed', error: `e${MB}` } });
			await shownBy({ params: REPLICATE_GENERATE_PARAMS });
			mockReplicateJob({ terminal: { status: `S${MB}` } });
			await shownBy({ params: REPLICATE_GENERATE_PARAMS });
			mockBflJob({ terminal: { status: 'Error', details: { reason: `d${MB}` } } });
			await shownBy({ params: BFL_GENERATE_PARAMS });
			mockBflJob({ terminal: { status: `S${MB}` } });
			await shownBy({ params: BFL_GENERATE_PARAMS });
		},
	);

	attack(
		'27.8 bounded text',
		'an item whose binary field names are 60,000 (one of them 1 MB) gets a bounded "no such field" refusal',
		async () => {
			const binary = Object.fromEntries(
				[MB, ...many(60_000, (i) => `file_${i}`)].map((name) => [
					name,
					{ data: png.toString('base64'), mimeType: 'image/png' },
				]),
			);
			const { error } = await shownBy({
				params: { ...BINARY_PARAMS, binaryPropertyName: 'data' },
				items: [{ json: {}, binary }],
			});
			expect(error.message).toMatch(
				/has no binary field "data" \(it has: x+…, file_0, .* … and 59,991 more\)/,
			);
		},
	);
});
