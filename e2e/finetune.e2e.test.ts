import { beforeAll, describe, expect, it } from 'vitest';

import { imageSize } from '../nodes/FluxUltra/job/downloads';
import { startMockBfl, type MockBfl } from '../testkit/mocks/bflServer';
import { startMockFal, type MockFal } from '../testkit/mocks/falServer';
import { ULTRA_SIZES } from '../testkit/mocks/images';
import { errorOf } from '../testkit/harness/errorItems';
import { startMockRunflow, type MockRunflow } from '../testkit/mocks/runflowServer';
import { binaryBytes, e2eHosts } from '../testkit/n8n';
import { e2eN8n, SETUP_TIMEOUT } from './fixture';

/**
 * Generate with Fine-Tune inside a real n8n, with the package installed from its tarball: one brief
 * goes to fal.ai and to Black Forest Labs as a fine-tune job (the loopback mocks record the bodies),
 * and to Runflow and to BFL with Raw on, both refused before any request, as error items under
 * "On Error: Continue".
 */

const SCALE = 0.1;
const FINETUNE_ID = 'a1b2c3d4-brand-lora-example';

function finetuneWorkflow() {
	const node = (
		name: string,
		type: string,
		typeVersion: number,
		x: number,
		y: number,
		parameters: Record<string, unknown>,
		extra: Record<string, unknown> = {},
	) => ({
		id: `00000000-0000-4000-8000-0000000000${String(x / 220)}${String(y / 200)}`,
		name,
		type,
		typeVersion,
		position: [x, y],
		parameters,
		...extra,
	});
	const flux = (
		name: string,
		y: number,
		provider: string,
		credentials: Record<string, unknown>,
		extra: Record<string, unknown> = {},
	) =>
		node(
			name,
			'n8n-nodes-flux-ultra.fluxUltra',
			1,
			440,
			y,
			{
				provider,
				operation: 'finetune',
				finetuneId: '={{ $json.finetune }}',
				finetuneStrength: 0.9,
				prompt: '={{ $json.prompt }}',
				imageSource: 'none',
				aspectRatio: '4:3',
				numImages: 2,
				outputFormat: 'png',
				options: { seed: 77 },
				...extra,
			},
			{ onError: 'continueRegularOutput', credentials },
		);
	const fal = { falApi: { id: 'falApiExample01', name: 'fal.ai account' } };
	const bfl = { bflApi: { id: 'bflApiExample01', name: 'Black Forest Labs account' } };
	const runflow = { runflowApi: { id: 'runflowApiExample01', name: 'Runflow account' } };
	const targets = [
		'Fine-tune on fal.ai',
		'Fine-tune on BFL',
		'Fine-tune on Runflow',
		'BFL fine-tune with Raw',
	];
	return {
		id: 'finetune',
		name: 'e2e: Generate with Fine-Tune',
		nodes: [
			node('Start', 'n8n-nodes-base.manualTrigger', 1, 0, 0, {}),
			node('Brief', 'n8n-nodes-base.code', 2, 220, 0, {
				jsCode: `return [{ json: { prompt: 'a TOK mug on a walnut table', finetune: '${FINETUNE_ID}' } }];`,
			}),
			flux(targets[0], 0, 'fal', fal),
			flux(targets[1], 200, 'bfl', bfl),
			flux(targets[2], 400, 'runflow', runflow),
			flux(targets[3], 600, 'bfl', bfl, { options: { raw: true } }),
		],
		connections: {
			Start: { main: [[{ node: 'Brief', type: 'main', index: 0 }]] },
			Brief: { main: [targets.map((target) => ({ node: target, type: 'main', index: 0 }))] },
		},
		settings: { executionOrder: 'v1' },
		pinData: {},
	};
}

describe.each(e2eHosts())('Generate with Fine-Tune inside a real n8n (%s)', (hostName) => {
	const n8n = e2eN8n(hostName);
	let fal: MockFal;
	let bfl: MockBfl;
	let runflow: MockRunflow;

	beforeAll(async () => {
		await n8n.install();
		fal = await n8n.mock(startMockFal({ latencyMs: 300, scale: SCALE }));
		bfl = await n8n.mock(startMockBfl({ latencyMs: 300, scale: SCALE }));
		runflow = await n8n.mock(startMockRunflow({ latencyMs: 300, scale: SCALE }));
		await n8n.importExamples({
			fal: { apiKey: 'dummy-e2e-fal-key', baseUrl: fal.url },
			runflow: { apiKey: 'rf_live_dummy_e2e', baseUrl: runflow.url },
			bfl: { apiKey: 'bfl-dummy-e2e', baseUrl: bfl.url },
		});
		await n8n.importWorkflows(finetuneWorkflow());
	}, SETUP_TIMEOUT);

	it('fal.ai and BFL run the fine-tune; Runflow and Raw on BFL are refused before any request', async ({
		task,
	}) => {
		const runs = await n8n.execute('finetune');
		const [w, h] = ULTRA_SIZES['4:3'];
		const size = { width: Math.round(w * SCALE), height: Math.round(h * SCALE) };

		for (const [name, provider] of [
			['Fine-tune on fal.ai', 'fal'],
			['Fine-tune on BFL', 'bfl'],
		]) {
			const items = runs[name].items;
			expect(items, name).toHaveLength(2);
			for (const item of items) {
				expect(item.json).toMatchObject({
					provider,
					operation: 'finetune',
					contentType: 'image/png',
					...size,
				});
				expect(imageSize(binaryBytes(n8n.instance, item))).toEqual(size);
			}
		}

		const falJobs = [...fal.jobs.values()].filter(
			(j) => j.endpoint === '/fal-ai/flux-pro/v1.1-ultra-finetuned',
		);
		expect(falJobs).toHaveLength(1);
		expect(falJobs[0].input).toMatchObject({
			finetune_id: FINETUNE_ID,
			finetune_strength: 0.9,
			prompt: 'a TOK mug on a walnut table',
			num_images: 2,
			seed: 77,
		});
		const bflTasks = [...bfl.tasks.values()].filter(
			(t) => t.endpoint === '/v1/flux-pro-1.1-ultra-finetuned',
		);
		expect(bflTasks).toHaveLength(2);
		expect(bflTasks.map((t) => t.input.seed).sort()).toEqual([77, 78]);
		for (const t of bflTasks) expect(t.input).not.toHaveProperty('raw');

		expect(String(errorOf(runs['Fine-tune on Runflow'].items[0]).message)).toMatch(
			/^Invalid value for "Operation": Runflow offers no FLUX 1\.1 \[pro\] ultra fine-tuned model.* \[item 0\]$/,
		);
		expect(runflow.counts.create).toBe(0);
		expect(String(errorOf(runs['BFL fine-tune with Raw'].items[0]).message)).toMatch(
			/^Invalid value for "Raw": Black Forest Labs cannot honour it: its fine-tuned Ultra endpoint has no raw mode.* \[item 0\]$/,
		);
		expect(bfl.tasks.size).toBe(2);
		task.meta.figures = `${hostName}: fal.ai fine-tuned endpoint received ${JSON.stringify(falJobs[0].input)}; BFL fine-tune tasks 2; Runflow requests 0; BFL with Raw: refused, 0 requests`;
	});
});
