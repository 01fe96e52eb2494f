import type { Operation } from '../../parameters/table';
import { confirmed, sentAsNamed, type FieldMap } from '../common/fields';
import type { PriceTable } from '../types';
import type { StopProof } from '../../transport/verdict';
import { rampDelayMs } from '../common/polling';
import { FAL_API } from './fal.api';

/** fal's only failed state, as the STOP PROOF table names it: `COMPLETED` with `error` set. */
export const FAL_FAILED = 'COMPLETED with error';

/**
 * fal.ai facts, each one constant. Each is sourced and dated in docs/provider-facts.md (ids FA-01…
 * FA-25, FA-43, read 2026-12-02); an UNCONFIRMED mark names its entry there. A wrong guess about fal's API
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
	/** Queue host (submit, status, result, cancel), REST host (storage, credential test): fal.api.ts. */
	...FAL_API,
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
	/**
	 * fal.ai's row of the pay-twice rule table (transport/verdict.ts, STOP PROOF). fal has no FAILED
	 * or CANCELLED status: a job that failed is `COMPLETED` with `error` set ("present only if the
	 * request failed", FA-43), which proves it stopped without a result. Its cancel proves nothing:
	 * 202 `CANCELLATION_REQUESTED` for a running job that "may still complete", 400
	 * `ALREADY_COMPLETED` for a finished one (FA-22). fal documents no status for a cancelled job, so
	 * no read after the cancel could prove more.
	 */
	stopProof: {
		stopped: { [FAL_FAILED]: 'FA-43 (fal queue docs: `error` "only when COMPLETED")' },
		notProof: {
			CANCELLATION_REQUESTED: 'FA-22: a job IN_PROGRESS "may still complete"',
			ALREADY_COMPLETED: 'FA-22: finished, billed',
		},
		readAfterCancel: false,
	} satisfies StopProof,
	/** Error type fal gives content the safety checker blocked. */
	moderationTypes: ['content_policy_violation'],
	/** Storage upload (what fal's own client does): initiate, then PUT the bytes to the returned URL. */
	uploadInitiatePath: `${FAL_API.uploadInitiate.path}?storage_type=${FAL_API.uploadInitiate.storageType}`,
	/**
	 * Input images up to this size go inline as a data URI (one request fewer); larger ones are
	 * uploaded to fal storage first, so the job payload and request history stay small. The node's
	 * choice: fal publishes no data-URI size limit (FA-10).
	 */
	inlineImageMaxBytes: 256 * 1024,
	/**
	 * The largest input image the node puts in fal storage: it sends one PUT, and fal's own client
	 * sends a file over 90 MB in parts instead (@fal-ai/client 1.10.1 `storage.js`: "Check for 90+ MB
	 * file size to do multipart upload"). fal publishes no upload limit (FA-42): the node's choice.
	 */
	uploadMaxBytes: 90 * 1024 * 1024,
	/**
	 * Wait on `…/status/stream` (server-sent events) instead of polling: fal's own client offers it
	 * as its streaming mode. One request per job, completion known at once.
	 */
	statusStream: true,
	/** Longest quiet spell on the status stream before polling takes over. */
	statusStreamIdleMs: 60_000,
	/** Query parameter of the queue submit naming the URL fal POSTs to when the job ends (fal's webhooks). */
	webhookParam: 'fal_webhook',
	/**
	 * fal's model search, which gives an endpoint's OpenAPI document (FA-44…FA-46): `GET
	 * https://api.fal.ai/v1/models?endpoint_id=<id>&expand=openapi-3.0`. Authentication is optional
	 * there (a key only raises rate limits), and api.fal.ai is not the credential's queue or REST
	 * host, so the node asks without the key. With an API Base URL in the credential (a proxy, the
	 * mock), it asks that base instead, likewise without the key.
	 */
	modelSearch: {
		base: 'https://api.fal.ai',
		url: (base: string, endpoint: string) =>
			`${base}/v1/models?endpoint_id=${encodeURIComponent(endpoint)}&expand=openapi-3.0`,
	},
} as const;

/**
 * fal's names for every field: all documented on fal's Ultra and Ultra Redux API pages
 * (https://fal.ai/docs/model-api-reference/image-generation-api/flux-pro-v1.1-ultra and
 * https://fal.ai/models/fal-ai/flux-pro/v1.1-ultra/redux/llms.txt, read 2026-12-02;
 * docs/provider-facts.md FA-14). fal types `safety_tolerance` as the strings "1"…"6". The fine-tuned
 * endpoint takes every one of them plus `finetune_id` and `finetune_strength`, both required there
 * (`@fal-ai/client` 1.10.1 `FluxProV11UltraFinetunedInput`; fal's API reference page for the endpoint,
 * https://fal.ai/docs/model-api-reference/image-generation-api/flux-pro-v1.1-ultra-finetuned.md).
 */
export const FAL_FIELDS: FieldMap = {
	...sentAsNamed('prompt', 'aspect_ratio', 'output_format', 'raw', 'seed'),
	num_images: confirmed('num_images'),
	enhance_prompt: confirmed('enhance_prompt'),
	image_prompt_strength: confirmed('image_prompt_strength', { withImageOnly: true }),
	safety_tolerance: confirmed('safety_tolerance', { encode: String }),
	sync_mode: confirmed('sync_mode'),
	image_url: confirmed('image_url', {
		note: 'a URL or a data URI; incoming files over 256 KB are uploaded to fal storage',
	}),
	finetune_id: confirmed('finetune_id'),
	finetune_strength: confirmed('finetune_strength', {
		// The name is fal's; the range is not: fal types it as a bare number.
		note: "required by fal.ai, so always sent; fal documents no range (the node's 0–2 is UNCONFIRMED at fal.ai, docs/provider-facts.md FA-16)",
	}),
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
