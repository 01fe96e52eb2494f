import {
	confirmed,
	refusedWhenOn,
	notAvailable,
	sentAsNamed,
	type FieldMap,
} from '../common/fields';
import type { PriceTable } from '../types';
import type { StopProof } from '../../transport/verdict';
import { rampDelayMs } from '../common/polling';
import { REPLICATE_API } from './replicate.api';

/**
 * Replicate facts, each one constant. Each is sourced and dated in docs/provider-facts.md (ids
 * RP-01…RP-19, read 2026-12-02; RP-32 2026-12-07); an UNCONFIRMED mark names its entry there. A wrong guess about
 * Replicate's API is fixed here and nowhere else.
 */
export const REPLICATE = {
	/** The API host and the credential test's path: replicate.api.ts. */
	...REPLICATE_API,
	/** Official-model endpoint: `POST` with `{input}`; both operations use Ultra (Remix: `image_prompt` required). */
	predictionsPath: '/v1/models/black-forest-labs/flux-1.1-pro-ultra/predictions',
	/** An official model's create path (RP-20, RP-27: the models beyond Ultra, by `owner/name`). */
	modelPredictionsPath: (model: string) => `/v1/models/${model}/predictions`,
	/** An official model, with its latest version's `openapi_schema` (RP-33: read at run time, signed: the API host). */
	modelPath: (model: string) => `/v1/models/${model}`,
	/** Fallbacks when a prediction lacks `urls.get` / `urls.cancel` (normally returned). */
	predictionPath: (id: string) => `/v1/predictions/${encodeURIComponent(id)}`,
	cancelPath: (id: string) => `/v1/predictions/${encodeURIComponent(id)}/cancel`,
	/**
	 * Webhook: `webhook` URL and the events sent to it (`start`, `output`, `logs`, `completed` in
	 * Replicate's client); `completed` only: the terminal call (retried on failure). Replicate's
	 * current docs send only the events asked for ("If you request start and completed webhooks,
	 * then they'll always be sent regardless of throttling"); "start is always sent" was its 2023
	 * changelog (docs/provider-facts.md RP-04).
	 */
	webhook: { field: 'webhook', filterField: 'webhook_events_filter', events: ['completed'] },
	/**
	 * `status` values. `aborted` is in Replicate's own client (`Status` in replicate-javascript's
	 * index.d.ts, RP-07): treated as a failure. `cancelled` (two l) is not, and is kept as harmless.
	 */
	status: {
		pending: ['starting', 'processing'],
		succeeded: 'succeeded',
		failed: ['failed', 'aborted'],
		canceled: ['canceled', 'cancelled'],
	},
	/**
	 * Replicate's row of the pay-twice rule table (transport/verdict.ts, STOP PROOF). Replicate's
	 * prediction lifecycle page (RP-32): `failed` "encountered an error during processing",
	 * `canceled` "was canceled by the user or exceeded its deadline after starting" (predict() was
	 * stopped: no output; "you pay for the time the prediction ran before it was canceled"),
	 * `aborted` "exceeded its deadline before it could start running" ("no charge"). Each proves the
	 * prediction stopped, whether read while waiting, in the cancel's answer (the prediction) or in a
	 * read after it. `starting`/`processing` in a cancel's answer prove nothing: the cancel may take
	 * effect later, so the status is read again within STOP_CONFIRM.
	 */
	stopProof: {
		stopped: {
			failed: 'RP-32 (lifecycle page: "encountered an error during processing")',
			aborted: 'RP-32 ("exceeded its deadline before it could start running"; no charge)',
			canceled: 'RP-32 ("canceled by the user or exceeded its deadline after starting")',
			cancelled: 'RP-07 (two-l spelling, kept as harmless: the same state as canceled)',
		},
		notProof: {
			starting: 'RP-32: not running yet, not stopped either',
			processing: 'RP-32: predict() "is currently running"',
		},
		readAfterCancel: true,
	} satisfies StopProof,
	/**
	 * Incoming files up to this size go inline as a data URI ("only recommended if the file is less
	 * than 1MB", Replicate's input-files page); larger ones are uploaded with the Files API.
	 */
	inlineImageMaxBytes: 1024 * 1024,
	/** Files API (what Replicate's own client does for a Buffer): multipart `content`, answer `urls.get`. */
	filesPath: '/v1/files',
	/** "This will work for files up to 100MB" (input-files page). */
	uploadMaxBytes: 100 * 1024 * 1024,
	/**
	 * Failure texts that mean the safety checker blocked the job. Replicate puts the model's error in
	 * `error`; the exact wording for Ultra is UNCONFIRMED (docs/provider-facts.md RP-11; Replicate's
	 * FLUX models say "flagged as sensitive", code E005).
	 */
	moderationPattern:
		/sensitive|nsfw|moderat|content[_ -]?policy|safety[_ -]?(checker|filter)|flagged|\bE005\b/i,
	/** Replicate returns no seed for Ultra; its logs may name it (UNCONFIRMED: RP-12), else the input seed is reported. */
	seedInLogs: /\bseed[:=\s]+(\d{1,16})\b/i,
} as const;

/** Status polling: Replicate's client polls every 500 ms (RP-13); quick at first, never more than two seconds apart. */
export function replicatePollDelayMs(elapsedMs: number, starting: boolean): number {
	return rampDelayMs(elapsedMs, starting ? 500 : 250);
}

/**
 * Generate with Fine-Tune is refused on Replicate before any request, with a notice in the editor.
 * Replicate does list a `black-forest-labs/flux-1.1-pro-ultra-finetuned` model (seen in third-party
 * code only, with `prompt`, `finetune_id`, `aspect_ratio`), but its input schema and which fine-tune
 * ids it accepts are UNCONFIRMED (docs/provider-facts.md RP-16), so this node does not send jobs to it.
 */
export const REPLICATE_NO_FINETUNE =
	'This node does not run fine-tunes on Replicate, so Generate with Fine-Tune is not available there.';

/** Replicate names JPEG "jpg". */
export function toReplicateFormat(value: unknown): unknown {
	return value === 'jpeg' ? 'jpg' : value;
}

/**
 * Replicate's names for every field, all in the Ultra model's input schema on Replicate. Ultra
 * there makes one image per prediction and has no prompt enhancement.
 */
export const REPLICATE_FIELDS: FieldMap = {
	...sentAsNamed('prompt', 'raw', 'seed'),
	// Replicate's default is 1:1; the node always sends the ratio, so the default never applies.
	aspect_ratio: confirmed('aspect_ratio', { note: 'sent always: Replicate defaults to 1:1' }),
	num_images: {
		status: 'per_request',
		note: 'Ultra on Replicate makes one image per prediction: the node creates one prediction per image, each counted against "Max Parallel Jobs"; with a Seed, the images get seed, seed+1, …',
	},
	output_format: confirmed('output_format', { encode: toReplicateFormat, note: '"jpg" for JPEG' }),
	enhance_prompt: refusedWhenOn(
		'Replicate\'s Ultra model has no prompt enhancement (no "prompt_upsampling" input). Turn "Enhance Prompt" off, or pick a provider that offers it.',
	),
	image_prompt_strength: confirmed('image_prompt_strength', { withImageOnly: true }),
	safety_tolerance: confirmed('safety_tolerance', { encode: Number, note: 'integer 1–6' }),
	sync_mode: refusedWhenOn(
		'Replicate always returns a link to the image (its "Prefer: wait" only holds the answer open). Turn "Sync Mode" off; the images still arrive as binary data.',
	),
	image_url: confirmed('image_prompt', {
		note: "an https URL as given; incoming files up to 1 MB as a data URI, larger ones through Replicate's Files API",
	}),
	finetune_id: notAvailable(REPLICATE_NO_FINETUNE),
	finetune_strength: notAvailable(REPLICATE_NO_FINETUNE),
};

/**
 * Replicate's list price per image (its prediction carries no cost, so this is what an item reports):
 * $0.06 per output image, as for Ultra everywhere else (UNCONFIRMED: Replicate's model page price is
 * not in the sources read; a third-party aggregator quotes $0.06, docs/provider-facts.md RP-15).
 * Remix is the same model with an image prompt.
 */
export const REPLICATE_PRICE_USD: PriceTable = { generate: 0.06, remix: 0.06 };
