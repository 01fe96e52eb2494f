import { confirmed, refusedWhenOn, sentAsNamed, type FieldMap } from '../common/fields';
import type { PriceTable } from '../types';
import type { StopProof } from '../../transport/verdict';
import { rampDelayMs } from '../common/polling';
import { BFL_API } from './bfl.api';

/**
 * Black Forest Labs facts, each one constant. Each is sourced and dated in docs/provider-facts.md
 * (ids BF-01…BF-22, read 2026-12-02); an UNCONFIRMED mark names its entry there. A wrong guess about
 * BFL's API is fixed here and nowhere else.
 */
export const BFL = {
	/** Hosts by Region (Ultra, and Generate with Fine-Tune) and the credential test: bfl.api.ts. */
	...BFL_API,
	/** Both operations use Ultra: Remix is Ultra with `image_prompt` required ("image to remix"). */
	endpointPath: '/v1/flux-pro-1.1-ultra',
	/** Generate with Fine-Tune: Ultra with a fine-tune, then `polling_url` as for Ultra. */
	finetuneEndpointPath: '/v1/flux-pro-1.1-ultra-finetuned',
	/**
	 * The hosts the API key may go to, besides the credential's own API Base URL: BFL's API hosts,
	 * https on port 443 only. BFL lists `api.bfl.ai` (global), `api.eu.bfl.ai`, `api.us.bfl.ai` and
	 * the single-cluster `api.eu1.bfl.ai`, `api.us1.bfl.ai`, and says the returned `polling_url`
	 * "already points at the region that handled your request" and that regional host names change
	 * as clusters come and go (help.bfl.ai "Which API endpoint should I use?", last updated
	 * 2026-06-12; docs.bfl.ai/integration_guidelines; read 2026-12-07; docs/provider-facts.md BF-06).
	 * So: `api.bfl.ai`, or `api.` + one cluster label (two to four letters, up to two digits) +
	 * `.bfl.ai`. Any other `*.bfl.ai` host (docs, delivery, an invented one) or port gets no key;
	 * result files come from `delivery.*.bfl.ai` and are downloaded without it.
	 */
	apiHost: /^api(?:\.[a-z]{2,4}\d{0,2})?\.bfl\.ai$/,
	/** The polling endpoint `polling_url` names, to look a job up by id when no polling URL is at hand. */
	getResultPath: (id: string) => `/v1/get_result?id=${encodeURIComponent(id)}`,
	/**
	 * Body field naming the URL BFL POSTs to when the task ends (with `webhook_secret`, unused here).
	 * BFL's skills repo documents the payload `{id, status, result: {sample, prompt, seed}}` and an
	 * `X-BFL-Signature: sha256=<HMAC of the body>` header; BFL's Python SDK says the secret comes back
	 * verbatim in `X-Webhook-Secret` instead (docs/provider-facts.md BF-20). The node reads neither.
	 */
	webhookField: 'webhook_url',
	/** `status` values of `GET polling_url` (help.bfl.ai; BFL's Python SDK). */
	status: {
		pending: ['Pending'],
		ready: 'Ready',
		/** Input flagged before processing / output flagged after: neither is charged. */
		moderated: ['Request Moderated', 'Content Moderated'],
		/** `Failed` is not in BFL's docs but in the AI SDK's client (UNCONFIRMED, BF-09): treated as a failure too. */
		failed: ['Error', 'Failed'],
		notFound: 'Task not found',
	},
	/** Signed result URLs expire 10 minutes after the job is ready: downloaded at once. */
	resultUrlTtlMs: 10 * 60_000,
	/**
	 * BFL documents no cancel endpoint for a running job (UNCONFIRMED that none exists:
	 * docs/provider-facts.md BF-11): on timeout the job is left to finish and may bill.
	 */
	canCancel: false,
	/**
	 * BFL's row of the pay-twice rule table (transport/verdict.ts, STOP PROOF): `Error` (and the
	 * AI SDK's `Failed`) is the job's own failure; both moderated statuses are "Not charged" (BF-09),
	 * stopped too, but blocked content is never moved. BFL has no cancel (BF-11).
	 */
	stopProof: {
		stopped: {
			Error: 'BF-09 (help.bfl.ai "why did my request fail"; docs.bfl.ai errors page)',
			Failed: 'BF-09 (the AI SDK client only: UNCONFIRMED word, same meaning)',
			'Request Moderated': 'BF-09 ("Not charged")',
			'Content Moderated': 'BF-09 ("Not charged")',
		},
		notProof: {
			'Task not found':
				'BF-09: BFL had accepted the job; not knowing it now says nothing of its end',
		},
		readAfterCancel: false,
	} satisfies StopProof,
	/** Concurrent jobs BFL allows per key on standard endpoints (SECONDARY: BFL's skills repo, BF-12). */
	maxConcurrentJobs: 24,
} as const;

export type BflRegion = keyof typeof BFL.hosts;

/** Status polling: BFL's SDK polls every second; quick at first, never more than two seconds apart. */
export function bflPollDelayMs(elapsedMs: number): number {
	return rampDelayMs(elapsedMs, 250);
}

/** An image for `image_prompt`: BFL takes bare base64, so a data URI's prefix is dropped. */
export function toBase64(value: unknown): unknown {
	return typeof value === 'string' ? value.replace(/^data:[^,]*;base64,/, '') : value;
}

/**
 * BFL's names for every field, all documented in BFL's Ultra OpenAPI (`FluxUltraInput`). Ultra makes
 * one image per request, so Number of Images becomes that many requests.
 */
export const BFL_FIELDS: FieldMap = {
	...sentAsNamed('prompt', 'output_format', 'raw', 'seed'),
	aspect_ratio: confirmed('aspect_ratio', { note: 'any ratio between 21:9 and 9:21' }),
	num_images: {
		status: 'per_request',
		note: 'Ultra makes one image per request: the node sends one request per image, each counted against "Max Parallel Jobs"; with a Seed, the images get seed, seed+1, …',
	},
	enhance_prompt: confirmed('prompt_upsampling'),
	image_prompt_strength: confirmed('image_prompt_strength', { withImageOnly: true }),
	// BFL takes an integer 0–6; the node's 1–6 fit (BFL's 0, stricter than fal's strictest, is not offered).
	safety_tolerance: confirmed('safety_tolerance', {
		encode: Number,
		note: 'integer; BFL also has 0, not offered',
	}),
	sync_mode: refusedWhenOn(
		'Black Forest Labs has no sync mode: it always returns a link, which the node downloads at once. Turn "Sync Mode" off; the images still arrive as binary data.',
	),
	image_url: confirmed('image_prompt', {
		encode: toBase64,
		note: 'base64 only: the node reads the incoming file, or downloads the Image URL itself, and sends its bytes',
	}),
	// The fine-tuned endpoint's (see BFL_FINETUNE_FIELDS): `finetune_id` required (`org-id/lora-name`
	// for a shared LoRA), `finetune_strength` 0–2, default 1.2.
	finetune_id: confirmed('finetune_id', { note: 'a shared LoRA is named org-id/lora-name' }),
	finetune_strength: confirmed('finetune_strength', {
		note: "0–2; BFL's default 1.2 is the node's too",
	}),
};

/**
 * How the fine-tuned endpoint differs from Ultra. BFL's OpenAPI (`FinetuneFluxUltraInput`,
 * docs.bfl.ml "Generate an image with FLUX 1.1 [pro] finetune with ultra mode", CONFIRMED):
 * finetune_id (required), finetune_strength (0–2, default 1.2), prompt, seed, aspect_ratio,
 * safety_tolerance (0–6), output_format, image_prompt (base64), image_prompt_strength,
 * prompt_upsampling, webhook_url, webhook_secret; no `raw`, so Raw is refused there before any request.
 */
export const BFL_FINETUNE_FIELDS: Partial<FieldMap> = {
	raw: refusedWhenOn(
		'its fine-tuned Ultra endpoint has no raw mode. Turn "Raw" off in Options, or use Generate without the fine-tune for a raw image.',
	),
};

/**
 * BFL's list price per image: FLUX1.1 [pro] Ultra is 6 credits, $0.06 (BFL's pricing page, CONFIRMED);
 * Remix is the same endpoint with an image prompt. An item reports the submit answer's own `cost`
 * instead where it has one: "cost in credits for this request" (BFL's OpenAPI), 1 credit = $0.01.
 */
export const BFL_PRICE_USD: PriceTable = {
	generate: 0.06,
	remix: 0.06,
	// Fine-tuned Ultra: $0.07 per image as a third-party page quotes BFL's pricing (UNCONFIRMED on BFL's
	// own pages: docs/provider-facts.md BF-17; the submit answer's `cost`, when present, is what an item
	// reports).
	finetune: 0.07,
};
export const BFL_CREDIT_USD = 0.01;
