import type { Operation } from '../../parameters/table';
import type { FieldMap } from '../fields';
import type { PriceTable } from '../types';
import { rampDelayMs } from '../polling';

/**
 * fal.ai facts, each one constant. Each is sourced and dated in docs/provider-facts.md (ids FA-01…
 * FA-25, read 2026-12-02); an UNCONFIRMED mark names its entry there. A wrong guess about fal's API
 * is fixed here and nowhere else.
 */
export const FAL = {
	/** Header fal's queue sets on every answer it gives itself (absent on its ingress's own errors). */
	requestIdHeader: 'x-fal-request-id',
	/**
	 * Body text of a 502/503 from fal's ingress, which fal's Python client resends submits after
	 * (it resends after a 504 too; this node does not: a 504 may come after the job was created).
	 */
	ingressMarker: 'nginx',
	/** fal's own domains: only an answer from one of these can be fal's front door. */
	ownDomains: ['fal.run', 'fal.ai'],
	/** Queue API host: submit, status, result, cancel. */
	queueBase: 'https://queue.fal.run',
	/** REST host: storage uploads and the credential test. */
	restBase: 'https://rest.fal.ai',
	/** Endpoint ids per operation; submits go to `${queueBase}/${endpoint}`. */
	endpoints: {
		generate: 'fal-ai/flux-pro/v1.1-ultra',
		remix: 'fal-ai/flux-pro/v1.1-ultra/redux',
		/**
		 * Ultra with a fine-tune (`@fal-ai/client` 1.10.1 endpoint types, FA-05). The inference endpoint is
		 * still listed; fal's *trainer* (`fal-ai/flux-pro-trainer`) is deprecated, "no longer supported",
		 * and left fal's client types in Dec 2025 (FA-21): new fal fine-tunes cannot be made there.
		 */
		finetune: 'fal-ai/flux-pro/v1.1-ultra-finetuned',
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
	 * uploaded to fal storage first, so the job payload and request history stay small. The node's
	 * choice: fal publishes no data-URI size limit (FA-10).
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
 * (fal-queue-api.md, section 5). fal types `safety_tolerance` as the strings "1"…"6". The fine-tuned
 * endpoint takes every one of them plus `finetune_id` and `finetune_strength`, both required there
 * (`@fal-ai/client` 1.10.1 `FluxProV11UltraFinetunedInput`; fal's API reference page for the endpoint).
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
	finetune_id: { wire: 'finetune_id', status: 'confirmed' },
	finetune_strength: {
		wire: 'finetune_strength',
		status: 'confirmed',
		// The name is fal's; the range is not: fal types it as a bare number.
		note: 'required by fal.ai, so always sent; fal documents no range (0–2 is BFL\'s: UNCONFIRMED at fal.ai, docs/provider-facts.md FA-16)',
	},
};

/** Status polling: quick at first (short jobs), then at most one request every two seconds. */
export function pollDelayMs(elapsedMs: number): number {
	return rampDelayMs(elapsedMs, 250);
}

/**
 * fal.ai's list price per image (fal's answer carries no cost, so this is what an item reports).
 * Generate: "$0.06 per image" on fal's Ultra docs page (CONFIRMED, FA-18). Remix runs Ultra Redux,
 * which fal's llms.txt prices at $0.05 per megapixel, billed rounded up to the megapixel: Ultra's
 * ~4.2 MP makes 5 MP, $0.25 per image (UNCONFIRMED that Ultra Redux is billed so:
 * docs/provider-facts.md FA-19; counted high on purpose, so that a spend cap is never too lenient).
 */
export const FAL_PRICE_USD: PriceTable = {
	generate: 0.06,
	remix: 0.25,
	// Ultra fine-tuned: fal's page for it shows no price; $0.07 is BFL's third-party-quoted price for
	// the fine-tuned Ultra (UNCONFIRMED at fal.ai: docs/provider-facts.md FA-20), above Ultra's $0.06
	// so that a spend cap does not under-count.
	finetune: 0.07,
};
