import nock from 'nock';

import { makeJpeg, makePng } from '../mocks/images';

export const QUEUE = 'https://queue.fal.run';
export const CDN = 'https://v3.fal.media';
export const APP_PATH = '/fal-ai/flux-pro';
export const ENDPOINT_PATH = {
	generate: '/fal-ai/flux-pro/v1.1-ultra',
	remix: '/fal-ai/flux-pro/v1.1-ultra/redux',
	finetune: '/fal-ai/flux-pro/v1.1-ultra-finetuned',
};

export interface FakeImage {
	bytes: Buffer;
	contentType: string;
	nsfw?: boolean;
	width?: number;
	height?: number;
}

/** Small real images, so the node's magic-byte and size checks run on true files. */
export function fakeImages(
	count: number,
	format: 'png' | 'jpeg' = 'png',
	width = 48,
	height = 27,
): FakeImage[] {
	return Array.from({ length: count }, (_, n) => ({
		bytes: format === 'png' ? makePng(width, height, n + 1) : makeJpeg(width, height, n + 1),
		contentType: `image/${format}`,
		nsfw: n % 2 === 1,
		width,
		height,
	}));
}

/** A minimal fal result body with one inline PNG, for tests about the path rather than the images. */
export function inlineImageResult(extra: Record<string, unknown> = {}) {
	return {
		images: [{ url: `data:image/png;base64,${fakeImages(1)[0].bytes.toString('base64')}` }],
		...extra,
	};
}

/** A Generate submit answered with a bare request id, then one status answer. Returns the scope to chain on. */
export function submitThenStatus(requestId: string, status: Record<string, unknown>): nock.Scope {
	return nock(QUEUE)
		.post(ENDPOINT_PATH.generate)
		.reply(200, { request_id: requestId })
		.get(`${APP_PATH}/requests/${requestId}/status`)
		.query(true)
		.reply(200, status);
}

export interface FalJobScenario {
	operation?: keyof typeof ENDPOINT_PATH;
	requestId?: string;
	/** Statuses answered before COMPLETED. */
	pending?: Array<'IN_QUEUE' | 'IN_PROGRESS'>;
	images?: FakeImage[];
	/** Whether the submit returns status/response/cancel URLs (fal normally does). */
	returnLinks?: boolean;
	/** Override the result response (a failed job). */
	result?: { status: number; body: unknown };
	/** Deliver the images inline as data URIs (sync mode). */
	inline?: boolean;
	seed?: number;
	/**
	 * A model beyond Ultra by its endpoint id (e.g. `fal-ai/flux-2-pro/edit`): submitted to that
	 * path, its status and result under its app (the id's first two segments, `/fal-ai/flux-2-pro`).
	 */
	model?: string;
	/** Another submit path and app, where `model` does not say them. */
	path?: string;
	app?: string;
}

export interface FalJobMock {
	requestId: string;
	/** The submitted JSON body, once the submit arrived. */
	submitted(): Record<string, unknown> | undefined;
	scope: nock.Scope;
}

let counter = 0;

/**
 * One fal queue job on nock: submit → statuses → result → CDN files. Status, result and cancel are
 * mounted under the app id without the sub-path, as fal serves them.
 */
export function mockFalJob(s: FalJobScenario = {}): FalJobMock {
	const operation = s.operation ?? 'generate';
	const requestId = s.requestId ?? `req-${++counter}-${operation}`;
	const images = s.images ?? fakeImages(1);
	const modelApp = s.model && `/${s.model.split('/').slice(0, 2).join('/')}`;
	const app = s.app ?? modelApp ?? APP_PATH;
	const links = `${QUEUE}${app}/requests/${requestId}`;
	let body: Record<string, unknown> | undefined;

	const scope = nock(QUEUE)
		.post(
			s.path ?? (s.model ? `/${s.model}` : ENDPOINT_PATH[operation]),
			(b: Record<string, unknown>) => {
				body = b;
				return true;
			},
		)
		.reply(200, {
			request_id: requestId,
			...(s.returnLinks === false
				? {}
				: { status_url: `${links}/status`, response_url: links, cancel_url: `${links}/cancel` }),
			queue_position: 0,
		});
	for (const status of s.pending ?? ['IN_PROGRESS']) {
		scope
			.get(`${app}/requests/${requestId}/status`)
			.query({ logs: '0' })
			.reply(200, { status, request_id: requestId });
	}
	scope
		.get(`${app}/requests/${requestId}/status`)
		.query({ logs: '0' })
		.reply(200, { status: 'COMPLETED', request_id: requestId });

	if (s.result) {
		scope.get(`${app}/requests/${requestId}`).reply(s.result.status, s.result.body as nock.Body);
	} else {
		scope.get(`${app}/requests/${requestId}`).reply(
			200,
			() => ({
				images: images.map((img, n) => ({
					url: s.inline
						? `data:${img.contentType};base64,${img.bytes.toString('base64')}`
						: `${CDN}/files/${requestId}/${n}.${img.contentType === 'image/png' ? 'png' : 'jpeg'}`,
					width: img.width,
					height: img.height,
					content_type: img.contentType,
				})),
				timings: {},
				seed: s.seed ?? 42,
				has_nsfw_concepts: images.map((img) => img.nsfw ?? false),
				// fal echoes the prompt it ran (the enhanced one when Enhance Prompt is on).
				prompt: body?.prompt ?? '',
			}),
			{ 'x-fal-request-id': requestId },
		);
		if (!s.inline) {
			const cdn = nock(CDN);
			images.forEach((img, n) => {
				cdn
					.get(`/files/${requestId}/${n}.${img.contentType === 'image/png' ? 'png' : 'jpeg'}`)
					.reply(200, img.bytes, { 'content-type': img.contentType });
			});
		}
	}
	return { requestId, submitted: () => body, scope };
}

export const GENERATE_PARAMS = {
	provider: 'fal',
	operation: 'generate',
	prompt: 'a ceramic mug on a walnut table',
	imageSource: 'none',
	aspectRatio: '16:9',
	numImages: 1,
	outputFormat: 'jpeg',
	options: {},
};

export const FAL_REST = 'https://rest.fal.ai';
export const FAL_UPLOAD_HOST = 'https://fal-uploads.storage.example.com';

/** fal storage upload on nock: initiate on the REST host, PUT to the returned URL, file on the CDN. */
export function mockFalUpload(id = 'up-example-1') {
	let initiated: Record<string, unknown> | undefined;
	const fileUrl = `${CDN}/files/uploads/${id}`;
	nock(FAL_REST)
		.post('/storage/upload/initiate', (b: Record<string, unknown>) => {
			initiated = b;
			return true;
		})
		.query({ storage_type: 'fal-cdn-v3' })
		.reply(200, {
			upload_url: `${FAL_UPLOAD_HOST}/put/${id}?signature=example`,
			file_url: fileUrl,
		});
	nock(FAL_UPLOAD_HOST).put(`/put/${id}`).query(true).reply(200, '');
	return { fileUrl, uploadHost: FAL_UPLOAD_HOST, initiated: () => initiated };
}

/** fal's model search (not one of the credential's hosts), which answers an endpoint's OpenAPI input schema. */
export const FAL_MODEL_SEARCH = 'https://api.fal.ai';

/** The model-search request for one endpoint's schema, for a test to answer as it needs. */
export function falModelSearch(endpoint: string): nock.Interceptor {
	return nock(FAL_MODEL_SEARCH)
		.get('/v1/models')
		.query({ endpoint_id: endpoint, expand: 'openapi-3.0' });
}
