import nock from 'nock';

import { fakeImages, type FakeImage } from './falNock';

export const BFL_API = 'https://api.bfl.ai';
/** BFL answers `polling_url` on the region that ran the job, which may differ from the host submitted to. */
export const BFL_POLL_HOST = 'https://api.us1.bfl.ai';
/** Where BFL's signed result URLs point (`delivery.*.bfl.ai`), downloaded without the key. */
export const BFL_DELIVERY = 'https://delivery-us1.bfl.ai';
export const BFL_SUBMIT_PATH = '/v1/flux-pro-1.1-ultra';
export const BFL_FINETUNE_PATH = '/v1/flux-pro-1.1-ultra-finetuned';

export interface BflJobScenario {
	id?: string;
	/** Statuses answered before the terminal one. */
	pending?: string[];
	image?: FakeImage;
	seed?: number;
	/** Replaces the terminal answer (a moderated or failed job); no download is mounted then. */
	terminal?: Record<string, unknown>;
	/** Host of the returned polling URL. */
	pollHost?: string;
	/** A model beyond Ultra by its endpoint (e.g. `flux-2-pro`): submitted to `/v1/{model}`. */
	model?: string;
	/** The submit path (default: the model's, else Ultra's). */
	path?: string;
	/** The host submitted to (default: the global one). */
	host?: string;
	/** The submit answer's `cost`, in credits (BFL's mock and docs examples: 6, Ultra's price). */
	cost?: unknown;
}

export interface BflJobMock {
	id: string;
	/** The submitted JSON body, once the submit arrived. */
	submitted(): Record<string, unknown> | undefined;
	scope: nock.Scope;
}

let counter = 0;

/** One BFL Ultra job on nock: submit → polls of the returned `polling_url` → Ready with `result.sample` → the signed download. */
export function mockBflJob(s: BflJobScenario = {}): BflJobMock {
	const id = s.id ?? `bfl-task-${++counter}-0000-example`;
	const image = s.image ?? fakeImages(1)[0];
	const pollHost = s.pollHost ?? BFL_POLL_HOST;
	const ext = image.contentType === 'image/png' ? 'png' : 'jpeg';
	const sample = `${BFL_DELIVERY}/results/${id}/sample.${ext}?se=2026-01-01T00%3A10%3A00Z&sig=example`;
	let body: Record<string, unknown> | undefined;

	const scope = nock(s.host ?? BFL_API)
		.post(
			s.path ?? (s.model ? `/v1/${s.model}` : BFL_SUBMIT_PATH),
			(b: Record<string, unknown>) => {
				body = b;
				return true;
			},
		)
		.reply(200, {
			id,
			polling_url: `${pollHost}/v1/get_result?id=${id}`,
			cost: 'cost' in s ? s.cost : 6,
			input_mp: 0,
			output_mp: 4.2,
		});
	const poll = nock(pollHost);
	for (const status of s.pending ?? ['Pending']) {
		poll
			.get('/v1/get_result')
			.query({ id })
			.reply(200, { id, status, result: null, progress: 0.5 });
	}
	poll
		.get('/v1/get_result')
		.query({ id })
		.reply(
			200,
			() =>
				s.terminal ?? {
					id,
					status: 'Ready',
					result: { sample, prompt: body?.prompt ?? '', seed: s.seed ?? 42 },
					progress: 1,
				},
		);
	if (!s.terminal) {
		nock(BFL_DELIVERY)
			.get(`/results/${id}/sample.${ext}`)
			.query(true)
			.reply(200, image.bytes, { 'content-type': image.contentType });
	}
	return { id, submitted: () => body, scope };
}

export const BFL_GENERATE_PARAMS = {
	provider: 'bfl',
	operation: 'generate',
	prompt: 'a ceramic mug on a walnut table',
	imageSource: 'none',
	aspectRatio: '16:9',
	numImages: 1,
	outputFormat: 'jpeg',
	options: {},
};
