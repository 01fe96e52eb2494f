import type { Operation } from '../../parameters/table';
import type { FieldMap } from '../fields';
import { rampDelayMs } from '../polling';

/**
 * fal.ai facts, each one constant (sources: shared/reference/fal-queue-api.md). A wrong guess about
 * fal's API is fixed here and nowhere else.
 */
export const FAL = {
	/** Queue API host: submit, status, result, cancel. */
	queueBase: 'https://queue.fal.run',
	/** REST host: storage uploads and the credential test. */
	restBase: 'https://rest.fal.ai',
	/** Endpoint ids per operation; submits go to `${queueBase}/${endpoint}`. */
	endpoints: {
		generate: 'fal-ai/flux-pro/v1.1-ultra',
		remix: 'fal-ai/flux-pro/v1.1-ultra/redux',
	} satisfies Record<Operation, string>,
	/**
	 * App id (owner/alias) that status, result and cancel live under: the endpoint id without its
	 * sub-path. Used only when the submit response lacks the URLs, which fal normally returns.
	 */
	appId: 'fal-ai/flux-pro',
	/** Queue statuses. fal has no FAILED status: a failed job is COMPLETED and its result is an error. */
	status: { queued: 'IN_QUEUE', running: 'IN_PROGRESS', done: 'COMPLETED' },
	/** Error type fal gives content the safety checker blocked. */
	moderationTypes: ['content_policy_violation'],
	/** Storage upload (what fal's own client does): initiate, then PUT the bytes to the returned URL. */
	uploadInitiatePath: '/storage/upload/initiate?storage_type=fal-cdn-v3',
	/**
	 * Input images up to this size go inline as a data URI (one request fewer); larger ones are
	 * uploaded to fal storage first, so the job payload and request history stay small.
	 */
	inlineImageMaxBytes: 256 * 1024,
	/**
	 * Wait on `…/status/stream` (server-sent events) instead of polling: fal's own client offers it
	 * as its streaming mode. One request per job, completion known at once.
	 */
	statusStream: true,
	/** Longest quiet spell on the status stream before polling takes over. */
	statusStreamIdleMs: 60_000,
	/** Query parameter of the queue submit naming the URL fal POSTs to when the job ends (fal's webhooks). */
	webhookParam: 'fal_webhook',
} as const;

/**
 * fal's names for every field: all documented on fal's Ultra and Ultra Redux API pages
 * (fal-queue-api.md, section 5). fal types `safety_tolerance` as the strings "1"…"6".
 */
export const FAL_FIELDS: FieldMap = {
	prompt: { wire: 'prompt', status: 'confirmed' },
	aspect_ratio: { wire: 'aspect_ratio', status: 'confirmed' },
	num_images: { wire: 'num_images', status: 'confirmed' },
	output_format: { wire: 'output_format', status: 'confirmed' },
	enhance_prompt: { wire: 'enhance_prompt', status: 'confirmed' },
	image_prompt_strength: { wire: 'image_prompt_strength', status: 'confirmed', withImageOnly: true },
	raw: { wire: 'raw', status: 'confirmed' },
	safety_tolerance: { wire: 'safety_tolerance', status: 'confirmed', encode: String },
	seed: { wire: 'seed', status: 'confirmed' },
	sync_mode: { wire: 'sync_mode', status: 'confirmed' },
	image_url: { wire: 'image_url', status: 'confirmed', note: 'a URL or a data URI; incoming files over 256 KB are uploaded to fal storage' },
};

/** Status polling: quick at first (short jobs), then at most one request every two seconds. */
export function pollDelayMs(elapsedMs: number): number {
	return rampDelayMs(elapsedMs, 250);
}
