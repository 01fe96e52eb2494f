import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { imageSize } from '../../nodes/FluxUltra/job/downloads';
import { manualClock } from '../../testkit/mocks/loopback';
import {
	startMockRunflow,
	type MockRunflow,
	type MockRunflowOptions,
} from '../../testkit/mocks/runflowServer';

/** The loopback mock Runflow API itself, spoken to with plain fetch over real sockets. */

const KEY = 'rf_live_dummy_example';
const RUNS = '/v1/models/black-forest-labs/flux-1-1-pro-ultra/runs';

interface Reply {
	status: number;
	headers: Headers;
	json: Record<string, unknown>;
}

async function call(
	base: string,
	method: string,
	path: string,
	body?: unknown,
	token: string | null = KEY,
): Promise<Reply> {
	const headers: Record<string, string> = {};
	if (token !== null) headers.authorization = `Bearer ${token}`;
	if (body !== undefined) headers['content-type'] = 'application/json';
	const res = await fetch(`${base}${path}`, {
		method,
		headers,
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	const text = await res.text();
	return {
		status: res.status,
		headers: res.headers,
		json: text ? (JSON.parse(text) as Record<string, unknown>) : {},
	};
}

async function download(url: string, headers: Record<string, string> = {}) {
	const res = await fetch(url, { headers });
	return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

describe('the loopback mock Runflow API', () => {
	const mocks: MockRunflow[] = [];
	const start = async (options: MockRunflowOptions) => {
		const mock = await startMockRunflow(options);
		mocks.push(mock);
		return mock;
	};
	let mock: MockRunflow;

	beforeAll(async () => {
		nock.enableNetConnect('127.0.0.1');
		mock = await start({ latencyMs: 0, scale: 0.05 });
	});
	afterAll(async () => {
		await Promise.all(mocks.map((m) => m.close()));
	});

	describe('auth', () => {
		it('answers 401 with the error envelope when the bearer token is missing or malformed', async () => {
			for (const token of [null, '', 'two words']) {
				const reply = await call(mock.url, 'GET', '/v1/auth/me', undefined, token);
				expect(reply.status).toBe(401);
				expect(reply.json).toEqual({
					code: 'UNAUTHORIZED',
					message: 'Missing or invalid API key',
					errors: null,
				});
			}
			const noAuth = await fetch(`${mock.url}/v1/auth/me`, {
				headers: { authorization: `Key ${KEY}` },
			});
			expect(noAuth.status).toBe(401);
			expect(mock.counts.authMe).toBe(0);
		});

		it('tells who the key belongs to', async () => {
			const reply = await call(mock.url, 'GET', '/v1/auth/me');
			expect(reply.status).toBe(200);
			expect(reply.headers.get('content-type')).toBe('application/json');
			expect(reply.json).toMatchObject({ email: 'mock@example.com' });
			expect(typeof reply.json.id).toBe('string');
			expect(typeof reply.json.org_id).toBe('string');
			expect(typeof reply.json.name).toBe('string');
			expect(mock.counts.authMe).toBe(1);
		});

		it('answers 404 with the envelope for an unknown route', async () => {
			const reply = await call(mock.url, 'GET', '/v1/nothing-here');
			expect(reply).toMatchObject({
				status: 404,
				json: { code: 'NOT_FOUND', message: 'Not found', errors: null },
			});
		});
	});

	describe('runs', () => {
		it('takes a run from queued through running to succeeded, with real PNGs of the requested aspect ratio', async () => {
			// The run's state follows a clock this test moves, so what it sees does not depend on load.
			const time = manualClock();
			const slow = await start({ latencyMs: 300, scale: 0.05, now: time.now });
			const created = await call(slow.url, 'POST', RUNS, {
				input: {
					prompt: 'a lighthouse',
					aspect_ratio: '9:16',
					output_format: 'png',
					num_images: 2,
					seed: 42,
				},
				client_ref: 'item-0',
			});
			expect(created.status).toBe(201);
			expect(created.json).toMatchObject({
				target_type: 'model',
				status_code: 'queued',
				output: null,
				client_ref: 'item-0',
				started_at: null,
				completed_at: null,
				failure_code: null,
				failure_message: null,
				cost: null,
			});
			expect(created.json.id).toMatch(/^[0-9a-f-]{36}$/);
			expect(created.json.model_id).toMatch(/^[0-9a-f-]{36}$/);
			expect(new Date(String(created.json.created_at)).toISOString()).toBe(created.json.created_at);

			const seen: string[] = [];
			let run: Record<string, unknown> = {};
			for (let i = 0; i < 6; i++) {
				run = (await call(slow.url, 'GET', `/v1/runs/${String(created.json.id)}`)).json;
				seen.push(String(run.status_code));
				time.advance(60);
			}
			// 0–59 ms and 60 ms of 300: queued (the first third); 120–240 ms: running; 300 ms: done.
			expect(seen).toEqual(['queued', 'queued', 'running', 'running', 'running', 'succeeded']);
			expect(run.completed_at).toEqual(expect.any(String));
			expect(run.started_at).toEqual(expect.any(String));
			expect(run.duration_ms).toEqual(expect.any(Number));

			const output = run.output as {
				type: string;
				seed: number;
				outputs: Array<{ url: string; content_type: string; width: number; height: number }>;
			};
			expect(output.type).toBe('image');
			expect(output.seed).toBe(42);
			expect(output.outputs).toHaveLength(2);
			const files: Buffer[] = [];
			for (const image of output.outputs) {
				expect(image).toMatchObject({ content_type: 'image/png', width: 77, height: 138 });
				expect(image.url).toMatch(
					new RegExp(`^${slow.url}/files/${String(run.id)}/\\d\\.png\\?X-Amz-Signature=mock$`),
				);
				const file = await download(image.url);
				expect(file.status).toBe(200);
				expect(file.headers.get('content-type')).toBe('image/png');
				expect(file.headers.get('content-length')).toBe(String(file.bytes.length));
				expect(imageSize(file.bytes)).toEqual({ width: 77, height: 138 });
				files.push(file.bytes);
			}
			expect(files[0].equals(files[1])).toBe(false);
			// Cached: the same URL gives the same bytes.
			expect((await download(output.outputs[0].url)).bytes.equals(files[0])).toBe(true);
			expect(slow.counts).toMatchObject({ create: 1, download: 3 });
			expect(slow.counts.poll).toBeGreaterThanOrEqual(3);
			expect(slow.runs.get(String(run.id))).toMatchObject({ seed: 42, client_ref: 'item-0' });
		});

		it.each([
			[
				'outputs',
				(o: Record<string, unknown>) => (o.outputs as Array<{ url: string }>).map((i) => i.url),
				2,
			],
			['image_urls', (o: Record<string, unknown>) => o.image_urls as string[], 2],
			['image', (o: Record<string, unknown>) => [(o.image as { url: string }).url], 1],
			['url', (o: Record<string, unknown>) => [o.url as string], 1],
		] as const)('puts results in the %s output shape', async (shape, urlsOf, expected) => {
			const shaped = await start({ latencyMs: 0, scale: 0.05, outputShape: shape });
			const created = await call(shaped.url, 'POST', RUNS, {
				input: { prompt: 'a fox', aspect_ratio: '1:1', num_images: 2 },
			});
			const run = await call(shaped.url, 'GET', `/v1/runs/${String(created.json.id)}`);
			expect(run.json.status_code).toBe('succeeded');
			expect(run.json.client_ref).toBeNull();
			const output = run.json.output as Record<string, unknown>;
			expect(Object.keys(output).sort()).toEqual(
				shape === 'outputs' ? ['outputs', 'seed', 'type'] : [shape],
			);
			const urls = urlsOf(output);
			expect(urls).toHaveLength(expected);
			const file = await download(urls[0]);
			expect(file.headers.get('content-type')).toBe('image/jpeg');
			expect(imageSize(file.bytes)).toEqual({ width: 102, height: 102 });
		});

		it('answers 422 with the validation envelope for a bad num_images, a data: image_url and an unknown field', async () => {
			const tooMany = await call(mock.url, 'POST', RUNS, { input: { prompt: 'x', num_images: 5 } });
			expect(tooMany.status).toBe(422);
			expect(tooMany.json).toEqual({
				code: 'VALIDATION_ERROR',
				message: 'Request validation failed',
				errors: [{ field: 'input.num_images', message: expect.any(String) }],
			});

			const dataUri = await call(mock.url, 'POST', RUNS, {
				input: { prompt: 'x', image_url: 'data:image/png;base64,iVBORw0KGgo=' },
			});
			expect(dataUri.status).toBe(422);
			expect(dataUri.json.errors).toEqual([
				{ field: 'input.image_url', message: "media URL must use HTTP(S), got 'data'" },
			]);

			const unknown = await call(mock.url, 'POST', RUNS, { input: { prompt: 'x', width: 512 } });
			expect(unknown.json.errors).toEqual([{ field: 'input.width', message: 'unknown field' }]);

			const noPrompt = await call(mock.url, 'POST', RUNS, { input: { prompt: '' } });
			expect(noPrompt.json.errors).toEqual([
				{ field: 'input.prompt', message: expect.any(String) },
			]);
			expect(mock.runs.size).toBe(0);
		});

		it('answers 402 on run creation when the key has no credit', async () => {
			const token = 'rf_live_dummy_example_nocredit';
			const reply = await call(mock.url, 'POST', RUNS, { input: { prompt: 'x' } }, token);
			expect(reply.status).toBe(402);
			expect(reply.json).toEqual({
				code: 'INSUFFICIENT_CREDIT',
				message: 'Insufficient credit balance',
				errors: null,
			});
			expect((await call(mock.url, 'GET', '/v1/auth/me', undefined, token)).status).toBe(200);
		});

		it('fails a forbidden prompt with CONTENT_MODERATED and an exploding one with PROVIDER_ERROR', async () => {
			const moderated = await call(mock.url, 'POST', RUNS, {
				input: { prompt: 'a Forbidden subject' },
			});
			expect(moderated.json.status_code).toBe('queued');
			const failed = await call(mock.url, 'GET', `/v1/runs/${String(moderated.json.id)}`);
			expect(failed.json).toMatchObject({
				status_code: 'failed',
				failure_code: 'CONTENT_MODERATED',
				failure_stage_code: 'execution',
				failure_message: "The output was flagged by the provider's content checker",
				output: null,
			});

			const exploded = await call(mock.url, 'POST', RUNS, { input: { prompt: 'make it explode' } });
			const broken = await call(mock.url, 'GET', `/v1/runs/${String(exploded.json.id)}`);
			expect(broken.json).toMatchObject({
				status_code: 'failed',
				failure_code: 'PROVIDER_ERROR',
				failure_message: 'Upstream provider returned an error',
				output: null,
			});
		});

		it('answers 404 RUN_NOT_FOUND for an unknown run', async () => {
			const reply = await call(mock.url, 'GET', '/v1/runs/00000000-0000-0000-0000-000000000000');
			expect(reply).toMatchObject({
				status: 404,
				json: { code: 'RUN_NOT_FOUND', message: 'Run not found', errors: null },
			});
		});
	});

	describe('asset uploads', () => {
		const bytes = Buffer.from('not really a png, but bytes all the same');

		it('creates, uploads without auth, confirms and serves an asset; a PUT with auth gets S3’s 400', async () => {
			const created = await call(mock.url, 'POST', '/v1/asset-uploads', {
				filename: 'in.png',
				mime_type: 'image/png',
				size_bytes: bytes.length,
			});
			expect(created.status).toBe(201);
			const assetId = String(created.json.asset_id);
			const uploadUrl = String(created.json.upload_url);
			expect(uploadUrl).toBe(`${mock.url}/storage/put/${assetId}?X-Amz-Signature=mock`);

			const withAuth = await fetch(uploadUrl, {
				method: 'PUT',
				body: bytes,
				headers: { 'content-type': 'image/png', authorization: `Bearer ${KEY}` },
			});
			expect(withAuth.status).toBe(400);
			expect(await withAuth.text()).toContain(
				'<Error><Code>InvalidArgument</Code><Message>Only one auth mechanism allowed</Message></Error>',
			);

			const early = await call(mock.url, 'POST', `/v1/asset-uploads/${assetId}/confirmations`, {
				folder_id: null,
			});
			expect(early.status).toBe(409);
			expect(early.json).toEqual({
				code: 'UPLOAD_NOT_FOUND',
				message: 'No object uploaded for this asset',
				errors: null,
			});

			const put = await fetch(uploadUrl, {
				method: 'PUT',
				body: bytes,
				headers: { 'content-type': 'image/png' },
			});
			expect(put.status).toBe(200);
			expect(await put.text()).toBe('');

			const confirmed = await call(mock.url, 'POST', `/v1/asset-uploads/${assetId}/confirmations`, {
				folder_id: null,
			});
			expect(confirmed.status).toBe(201);
			expect(confirmed.json).toMatchObject({
				id: assetId,
				name: 'in.png',
				url: `${mock.url}/assets/${assetId}?X-Amz-Signature=mock`,
				mime_type: 'image/png',
				size_bytes: bytes.length,
				thumbnail_url: null,
			});

			const served = await download(String(confirmed.json.url));
			expect(served.status).toBe(200);
			expect(served.headers.get('content-type')).toBe('image/png');
			expect(served.bytes.equals(bytes)).toBe(true);
			expect(mock.counts).toMatchObject({ uploadCreate: 1, uploadPut: 1, uploadConfirm: 2 });
		});

		it('answers 409 when confirming an asset nothing was PUT for, and 422 for a missing field or an oversized file', async () => {
			const created = await call(mock.url, 'POST', '/v1/asset-uploads', {
				filename: 'in.jpg',
				mime_type: 'image/jpeg',
				size_bytes: 10,
			});
			const confirm = await call(
				mock.url,
				'POST',
				`/v1/asset-uploads/${String(created.json.asset_id)}/confirmations`,
				{ folder_id: null },
			);
			expect(confirm.status).toBe(409);
			expect(confirm.json.code).toBe('UPLOAD_NOT_FOUND');

			const missing = await call(mock.url, 'POST', '/v1/asset-uploads', {
				filename: 'in.jpg',
				size_bytes: 10,
			});
			expect(missing.status).toBe(422);
			expect(missing.json).toMatchObject({
				code: 'VALIDATION_ERROR',
				errors: [{ field: 'mime_type' }],
			});

			const huge = await call(mock.url, 'POST', '/v1/asset-uploads', {
				filename: 'in.jpg',
				mime_type: 'image/jpeg',
				size_bytes: 50 * 1024 * 1024 + 1,
			});
			expect(huge.status).toBe(422);
			expect(huge.json).toMatchObject({ errors: [{ field: 'size_bytes' }] });

			const unauthorized = await call(
				mock.url,
				'POST',
				'/v1/asset-uploads',
				{ filename: 'in.jpg', mime_type: 'image/jpeg', size_bytes: 10 },
				null,
			);
			expect(unauthorized.status).toBe(401);
		});
	});
});
