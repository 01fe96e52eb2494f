import nock from 'nock';

import { runflowOutputBody, type RunflowOutputShape } from '../mocks/loopback';
import {
	fluxModelBody,
	modelBody,
	ultraInputs,
	type MockInputSpec,
	type MockRunflowSchema,
} from '../mocks/runflowModels';
import { fakeImages, type FakeImage } from './falNock';

export const RUNFLOW_API = 'https://api.runflow.io';
/** Where Runflow's presigned output and upload URLs point (object storage, not the API host). */
export const RUNFLOW_STORAGE = 'https://runflow-assets.s3.example.com';
export const RUNS_PATH = '/v1/models/black-forest-labs/flux-1-1-pro-ultra/runs';
export const MODEL_PATH = '/v1/models/black-forest-labs/flux-1-1-pro-ultra';

/**
 * Runflow's models API describing Ultra (the node reads it once per execution), as the loopback
 * mock does: the names the constants guess by default. Optional: a test that never gets that far
 * (a refusal) leaves it unused.
 */
export function mockRunflowModel(
	schema: MockRunflowSchema = 'guessed',
	base = RUNFLOW_API,
): nock.Scope {
	return nock(base)
		.get(MODEL_PATH)
		.optionally()
		.reply(
			200,
			modelBody(
				'6f1c2a0e-4b7d-4e39-9a51-0c8f3d2b7e15',
				'black-forest-labs/flux-1-1-pro-ultra',
				'FLUX 1.1 [pro] Ultra',
				ultraInputs(schema),
			),
		);
}

/**
 * Runflow's models API answering for one FLUX.2 / FLUX 3 Image slug (runflowModels.ts, our guess):
 * its listed inputs (or `inputs` instead), or an error status (404: Runflow has no such model).
 * Returns the scope: `isDone()` tells whether the node looked it up.
 */
export function mockRunflowSlug(
	slug: string,
	answer: { inputs?: MockInputSpec[]; status?: number } = {},
): nock.Scope {
	const scope = nock(RUNFLOW_API).get(`/v1/models/${slug}`);
	return answer.status
		? scope.reply(answer.status, {
				code: 'ERROR',
				message: `status ${answer.status}`,
				errors: null,
			})
		: scope.reply(200, fluxModelBody(slug, answer.inputs));
}

export type OutputShape = RunflowOutputShape;

export interface RunflowJobScenario {
	runId?: string;
	/** The model the run is created on (default Ultra), e.g. `black-forest-labs/flux-2-pro/edit`. */
	model?: string;
	/** The finished run's `cost` (Runflow's decimal string). */
	cost?: string;
	/** Statuses answered before the terminal one. */
	pending?: string[];
	images?: FakeImage[];
	outputShape?: OutputShape;
	/** Replaces the terminal run's fields (a failed run, another status spelling, another output). */
	terminal?: Record<string, unknown>;
	seed?: number;
	/** Another model's create path (e.g. `/v1/models/black-forest-labs/flux-2-klein-4b/runs`). */
	path?: string;
}

export interface RunflowJobMock {
	runId: string;
	/** The create-run body, once it arrived. */
	submitted(): Record<string, unknown> | undefined;
	scope: nock.Scope;
}

let counter = 0;

function fileUrl(runId: string, n: number, img: FakeImage) {
	return `${RUNFLOW_STORAGE}/outputs/${runId}/${n}.${img.contentType === 'image/png' ? 'png' : 'jpg'}?X-Amz-Signature=example`;
}

/**
 * One Runflow run on nock: create → polls of `GET /v1/runs/{id}` → terminal run with its output →
 * presigned file downloads from object storage.
 */
export function mockRunflowJob(s: RunflowJobScenario = {}): RunflowJobMock {
	const runId = s.runId ?? `0190f0aa-0000-7000-8000-${String(++counter).padStart(12, '0')}`;
	const shape = s.outputShape ?? 'outputs';
	const images = s.images ?? fakeImages(1);
	const seed = s.seed ?? 42;
	let body: Record<string, unknown> | undefined;

	if (!s.model) mockRunflowModel();
	const scope = nock(RUNFLOW_API)
		.post(
			s.path ?? (s.model ? `/v1/models/${s.model}/runs` : RUNS_PATH),
			(b: Record<string, unknown>) => {
				body = b;
				return true;
			},
		)
		.reply(201, () => ({
			id: runId,
			status_code: 'queued',
			input: body?.input,
			output: null,
			client_ref: body?.client_ref ?? null,
		}));
	for (const status of s.pending ?? ['queued', 'running']) {
		scope
			.get(`/v1/runs/${runId}`)
			.reply(200, () => ({ id: runId, status_code: status, input: body?.input, output: null }));
	}
	scope.get(`/v1/runs/${runId}`).reply(200, () => ({
		id: runId,
		status_code: 'succeeded',
		input: body?.input,
		output: runflowOutputBody(
			shape,
			images.map((img, n) => ({ ...img, url: fileUrl(runId, n, img) })),
			seed,
		),
		failure_code: null,
		failure_message: null,
		...(s.cost !== undefined ? { cost: s.cost } : {}),
		...s.terminal,
	}));

	const succeeded =
		!s.terminal ||
		((s.terminal.status_code === 'succeeded' || s.terminal.status_code === 'partial_succeeded') &&
			!('output' in s.terminal));
	if (succeeded) {
		const shown = shape === 'image' || shape === 'url' ? images.slice(0, 1) : images;
		const storage = nock(RUNFLOW_STORAGE);
		shown.forEach((img, n) => {
			const url = new URL(fileUrl(runId, n, img));
			storage
				.get(url.pathname)
				.query(true)
				.reply(200, img.bytes, { 'content-type': img.contentType });
		});
	}
	return { runId, submitted: () => body, scope };
}

/** Runflow's three-step asset upload on nock. The PUT's headers are in the harness request log. */
export function mockRunflowUpload(assetId = 'a5e7-0000-example') {
	let created: Record<string, unknown> | undefined;
	const assetUrl = `${RUNFLOW_STORAGE}/assets/${assetId}?X-Amz-Signature=example`;
	nock(RUNFLOW_API)
		.post('/v1/asset-uploads', (b: Record<string, unknown>) => {
			created = b;
			return true;
		})
		.reply(201, {
			asset_id: assetId,
			upload_url: `${RUNFLOW_STORAGE}/uploads/${assetId}?X-Amz-Signature=example`,
		})
		.post(`/v1/asset-uploads/${assetId}/confirmations`, { folder_id: null })
		.reply(201, () => ({
			id: assetId,
			name: created?.filename,
			url: assetUrl,
			mime_type: created?.mime_type,
			size_bytes: created?.size_bytes,
		}));
	nock(RUNFLOW_STORAGE).put(`/uploads/${assetId}`).query(true).reply(200, '');
	return { assetUrl, uploadHost: RUNFLOW_STORAGE, created: () => created };
}

export const RUNFLOW_GENERATE_PARAMS = {
	provider: 'runflow',
	operation: 'generate',
	prompt: 'a ceramic mug on a walnut table',
	imageSource: 'none',
	aspectRatio: '16:9',
	numImages: 1,
	outputFormat: 'jpeg',
	options: {},
};
