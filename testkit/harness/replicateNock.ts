import nock from 'nock';

import { fakeImages, type FakeImage } from './falNock';

export const REPLICATE_API = 'https://api.replicate.com';
/** Where Replicate serves output files, downloaded without the key. */
export const REPLICATE_DELIVERY = 'https://replicate.delivery';
export const PREDICTIONS_PATH = '/v1/models/black-forest-labs/flux-1.1-pro-ultra/predictions';

export interface ReplicateJobScenario {
	id?: string;
	/** Statuses answered before the terminal one. */
	pending?: string[];
	image?: FakeImage;
	/** Named in the logs, as "Using seed: N". */
	seed?: number;
	/** Replaces fields of the terminal answer (a failed or cancelled prediction); no download is mounted then. */
	terminal?: Record<string, unknown>;
	/** Whether the create answer carries `urls` (Replicate's does). */
	returnUrls?: boolean;
	/** A model beyond Ultra (`owner/name`, e.g. `black-forest-labs/flux-2-pro`): created on its predictions. */
	model?: string;
	/** Another create path, where `model` does not say it. */
	path?: string;
}

export interface ReplicateJobMock {
	id: string;
	/** The create body, once it arrived. */
	submitted(): Record<string, unknown> | undefined;
	scope: nock.Scope;
}

let counter = 0;

function prediction(
	id: string,
	input: unknown,
	status: string,
	extra: Record<string, unknown> = {},
	urls = true,
) {
	return {
		id,
		model: 'black-forest-labs/flux-1.1-pro-ultra',
		version: 'hidden',
		input,
		logs: '',
		output: null,
		data_removed: false,
		error: null,
		status,
		created_at: '2026-01-01T00:00:00.000Z',
		...(urls
			? {
					urls: {
						get: `${REPLICATE_API}/v1/predictions/${id}`,
						cancel: `${REPLICATE_API}/v1/predictions/${id}/cancel`,
						web: `https://replicate.com/p/${id}`,
					},
				}
			: {}),
		...extra,
	};
}

/** One Replicate prediction on nock: create → polls of `urls.get` → succeeded with one output URL → the download. */
export function mockReplicateJob(s: ReplicateJobScenario = {}): ReplicateJobMock {
	const id = s.id ?? `rp${String(++counter).padStart(8, '0')}example`;
	const image = s.image ?? fakeImages(1)[0];
	const ext = image.contentType === 'image/png' ? 'png' : 'jpg';
	const output = `${REPLICATE_DELIVERY}/xezq/${id}/output.${ext}`;
	let body: Record<string, unknown> | undefined;

	const scope = nock(REPLICATE_API)
		.post(
			s.path ?? (s.model ? `/v1/models/${s.model}/predictions` : PREDICTIONS_PATH),
			(b: Record<string, unknown>) => {
				body = b;
				return true;
			},
		)
		.reply(201, () => prediction(id, body?.input, 'starting', {}, s.returnUrls !== false));
	for (const status of s.pending ?? ['processing']) {
		scope.get(`/v1/predictions/${id}`).reply(200, () => prediction(id, body?.input, status));
	}
	scope.get(`/v1/predictions/${id}`).reply(200, () =>
		prediction(id, body?.input, 'succeeded', {
			output,
			logs: `Using seed: ${s.seed ?? 42}\nGenerating image`,
			completed_at: '2026-01-01T00:00:09.000Z',
			...s.terminal,
		}),
	);
	if (!s.terminal) {
		nock(REPLICATE_DELIVERY)
			.get(`/xezq/${id}/output.${ext}`)
			.reply(200, image.bytes, { 'content-type': image.contentType });
	}
	return { id, submitted: () => body, scope };
}

/** Replicate's Files API on nock: a multipart `POST /v1/files`, answered with the file's `urls.get`. */
export function mockReplicateUpload(id = 'file-example-0001') {
	let received: { contentType?: string; body?: Buffer } = {};
	const url = `${REPLICATE_API}/v1/files/${id}`;
	nock(REPLICATE_API)
		.post('/v1/files', function (this: nock.ReplyFnContext, b: unknown) {
			received = {
				body: Buffer.isBuffer(b)
					? b
					: Buffer.from(typeof b === 'string' ? b : JSON.stringify(b), 'binary'),
			};
			return true;
		})
		.reply(201, function (this: nock.ReplyFnContext) {
			received.contentType = String(this.req.headers['content-type']);
			return {
				id,
				name: 'input.png',
				content_type: 'image/png',
				size: received.body?.length ?? 0,
				urls: { get: url },
			};
		});
	return { url, received: () => received };
}

export const REPLICATE_GENERATE_PARAMS = {
	provider: 'replicate',
	operation: 'generate',
	prompt: 'a ceramic mug on a walnut table',
	imageSource: 'none',
	aspectRatio: '16:9',
	numImages: 1,
	outputFormat: 'jpeg',
	options: {},
};
