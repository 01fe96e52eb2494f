import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { imageSize } from '../../nodes/FluxUltra/job/downloads';
import { createHarness } from '../../testkit/harness/context';
import { startMockBfl, type MockBfl } from '../../testkit/mocks/bflServer';
import { startMockFal, type MockFal } from '../../testkit/mocks/falServer';
import { skippableClock } from '../../testkit/mocks/loopback';

/**
 * Generate with Fine-Tune over real loopback sockets: the request body as the mock providers
 * received it (printed in the run's figures), and the mocks' own checks of the fine-tuned endpoints.
 */
describe('Generate with Fine-Tune against the loopback mocks', () => {
	let fal: MockFal;
	let bfl: MockBfl;
	/** Moves the fal mock's job clock ahead instead of sleeping until its jobs finish. */
	const jobTime = skippableClock();
	beforeAll(async () => {
		nock.enableNetConnect('127.0.0.1');
		fal = await startMockFal({ latencyMs: 200, scale: 0.05, now: jobTime.now });
		bfl = await startMockBfl({ latencyMs: 200, scale: 0.05 });
	});
	afterAll(async () => {
		await fal.close();
		await bfl.close();
	});

	const params = {
		provider: 'fal',
		operation: 'finetune',
		finetuneId: 'a1b2c3d4-brand-lora-example',
		finetuneStrength: 1.2,
		prompt: 'a TOK ceramic mug on a walnut table, morning light',
		imageSource: 'none',
		aspectRatio: '1:1',
		numImages: 2,
		outputFormat: 'png',
		options: { seed: 2024 },
	};
	const credentials = () => ({
		falApi: { apiKey: 'dummy-key', baseUrl: fal.url },
		bflApi: { apiKey: 'bfl-dummy-example', region: 'global', baseUrl: bfl.url },
	});

	it('fal.ai: the fine-tuned endpoint receives prompt, finetune_id and finetune_strength, and the images come out as on Generate', async ({
		task,
	}) => {
		const [out] = await createHarness({ params, credentials: credentials() }).run();

		const jobs = [...fal.jobs.values()].filter(
			(j) => j.endpoint === '/fal-ai/flux-pro/v1.1-ultra-finetuned',
		);
		expect(jobs).toHaveLength(1);
		const received = jobs[0].input;
		expect(received).toEqual({
			finetune_id: 'a1b2c3d4-brand-lora-example',
			finetune_strength: 1.2,
			prompt: 'a TOK ceramic mug on a walnut table, morning light',
			aspect_ratio: '1:1',
			num_images: 2,
			output_format: 'png',
			enhance_prompt: false,
			raw: false,
			safety_tolerance: '2',
			seed: 2024,
			sync_mode: false,
		});
		expect(out).toHaveLength(2);
		for (const item of out) {
			expect(imageSize(Buffer.from(item.binary!.data.data, 'base64'))).toEqual({
				width: 102,
				height: 102,
			});
			expect(item.json).toMatchObject({
				provider: 'fal',
				operation: 'finetune',
				seed: 2024,
				contentType: 'image/png',
			});
		}
		task.meta.figures = `POST /fal-ai/flux-pro/v1.1-ultra-finetuned, body as the mock fal.ai received it:\n${JSON.stringify(received)}`;
	});

	it('Black Forest Labs: /v1/flux-pro-1.1-ultra-finetuned receives finetune_id and finetune_strength, no raw', async ({
		task,
	}) => {
		const [out] = await createHarness({
			params: {
				...params,
				provider: 'bfl',
				numImages: 1,
				finetuneId: 'my-org/brand-lora',
				finetuneStrength: 0.8,
			},
			credentials: credentials(),
		}).run();

		const tasks = [...bfl.tasks.values()].filter(
			(t) => t.endpoint === '/v1/flux-pro-1.1-ultra-finetuned',
		);
		expect(tasks).toHaveLength(1);
		expect(tasks[0].input).toEqual({
			finetune_id: 'my-org/brand-lora',
			finetune_strength: 0.8,
			prompt: 'a TOK ceramic mug on a walnut table, morning light',
			aspect_ratio: '1:1',
			output_format: 'png',
			prompt_upsampling: false,
			safety_tolerance: 2,
			seed: 2024,
		});
		expect(out[0].json).toMatchObject({
			provider: 'bfl',
			operation: 'finetune',
			requestId: tasks[0].id,
		});
		task.meta.figures = `POST /v1/flux-pro-1.1-ultra-finetuned, body as the mock BFL received it:\n${JSON.stringify(tasks[0].input)}`;
	});

	const post = (url: string, body: unknown, headers: Record<string, string>) =>
		fetch(url, {
			method: 'POST',
			headers: { 'content-type': 'application/json', ...headers },
			body: JSON.stringify(body),
		});

	it('the mock fal.ai refuses a fine-tune job without finetune_id or finetune_strength with a 422, as fal does', async () => {
		const auth = { authorization: 'Key dummy-key' };
		for (const [missing, body] of [
			['finetune_id', { prompt: 'x', finetune_strength: 1 }],
			['finetune_strength', { prompt: 'x', finetune_id: 'abc' }],
		] as const) {
			const submitted = (await (
				await post(`${fal.url}/fal-ai/flux-pro/v1.1-ultra-finetuned`, body, auth)
			).json()) as { response_url: string };
			jobTime.skip(1_000); // past the mock's 200 ms: the job has run
			const result = await fetch(submitted.response_url, { headers: auth });
			expect(result.status).toBe(422);
			expect(await result.json()).toEqual({
				detail: [{ loc: ['body', missing], msg: 'field required', type: 'value_error.missing' }],
			});
		}
	});

	it('the mock BFL refuses a fine-tune job without finetune_id, with raw, or with a strength beyond 2', async () => {
		const key = { 'x-key': 'bfl-dummy-example' };
		const problems = async (body: unknown, path = '/v1/flux-pro-1.1-ultra-finetuned') => {
			const response = await post(`${bfl.url}${path}`, body, key);
			if (response.status === 200) return [];
			expect(response.status).toBe(422);
			return ((await response.json()) as { detail: Array<{ loc: string[] }> }).detail.map(
				(d) => d.loc[1],
			);
		};
		expect(await problems({ prompt: 'x' })).toEqual(['finetune_id']);
		expect(await problems({ prompt: 'x', finetune_id: 'a', raw: true })).toEqual(['raw']);
		expect(await problems({ prompt: 'x', finetune_id: 'a', finetune_strength: 2.5 })).toEqual([
			'finetune_strength',
		]);
		expect(await problems({ prompt: 'x', finetune_id: 'a', finetune_strength: 2 })).toEqual([]);
		// Ultra itself still takes raw and knows no fine-tune fields.
		expect(await problems({ prompt: 'x', raw: true }, '/v1/flux-pro-1.1-ultra')).toEqual([]);
		expect(await problems({ prompt: 'x', finetune_id: 'a' }, '/v1/flux-pro-1.1-ultra')).toEqual([
			'finetune_id',
		]);
	});
});
