import { refusedWhenOn, notAvailable, sentAsNamed, type FieldMap } from '../common/fields';
import type { PriceTable } from '../types';
import type { StopProof } from '../../transport/verdict';
import { rampDelayMs } from '../common/polling';
import { RUNFLOW_API } from './runflow.api';

/**
 * Runflow facts, each one constant. Each is sourced and dated in docs/provider-facts.md (ids RF-01…
 * RF-33, read 2026-12-02); an UNCONFIRMED mark names its entry there. A wrong guess about Runflow's
 * API is fixed here and nowhere else.
 */
export const RUNFLOW = {
	/** The API host and the credential test's path: runflow.api.ts. */
	...RUNFLOW_API,
	/**
	 * Model ids; runs are created at `POST /v1/models/{model}/runs`. CONFIRMED for text-to-image
	 * (RF-02); with an input image the same model is sent its image input (RF-03, RF-24). Each
	 * model's inputs are read at run time from Runflow's models API (`modelPath`, RF-26). Runflow's
	 * catalog lists a "FLUX 1.1 [pro] Ultra Edit" (image-to-image at ultra resolution) whose id no
	 * source gives: `ultraEdit` is a guess by Runflow's naming (owner/slug/sub), UNCONFIRMED (RF-30).
	 * Remix runs there when the models API finds it; a 404 there means Runflow has no such model.
	 */
	models: {
		generate: 'black-forest-labs/flux-1-1-pro-ultra',
		withImage: 'black-forest-labs/flux-1-1-pro-ultra',
		ultraEdit: 'black-forest-labs/flux-1-1-pro-ultra/edit',
	},
	/**
	 * Where runs of a model are created: the documented form with the owner segment (RF-04). The bare
	 * slug form is listed nowhere, and Runflow's SDK guide says a bare slug "returns HTTP 405 from the
	 * API directly", so the node no longer tries it.
	 */
	createPath: (model: string) => `/v1/models/${model}/runs`,
	/**
	 * A model with its `inputs[]` (`GET /v1/models/{owner}/{slug}`, Bearer; RF-26). Read once per
	 * execution; only `inputs[].name` and `is_required` are relied on (the codes and
	 * `validator_attrs` keys are undocumented and read only where their shape is recognised).
	 */
	modelPath: (model: string) => `/v1/models/${model}`,
	runPath: (runId: string) => `/v1/runs/${encodeURIComponent(runId)}`,
	/**
	 * Top-level body field (beside `input`) naming the URL Runflow POSTs to when the run is terminal
	 * (RF-06). Signed `Runflow-Signature: <hex HMAC-SHA256 of the body>` once a callback secret exists
	 * (not verified by the node; docs/provider-facts.md, open question (c)).
	 */
	callbackField: 'callback_url',
	uploadCreatePath: '/v1/asset-uploads',
	uploadConfirmPath: (assetId: string) =>
		`/v1/asset-uploads/${encodeURIComponent(assetId)}/confirmations`,
	/** Runflow's asset-upload cap: "the cap is 50 MB" (its SDK 0.1.1 README, RF-09). */
	uploadMaxBytes: 50 * 1024 * 1024,
	/**
	 * `status_code` values (RF-10). `canceled` is documented with one l, an older revision used two;
	 * `errored` is only in Runflow's templates repo.
	 */
	status: {
		pending: ['queued', 'dispatching', 'running'],
		succeeded: ['succeeded', 'partial_succeeded'],
		failed: ['failed', 'errored'],
		canceled: ['canceled', 'cancelled'],
	},
	/**
	 * Runflow has no public cancel (docs: guides/cancel-a-run, RF-11): an abandoned run finishes and
	 * is billed. Only an admin endpoint exists, and it does not stop the inference or refund either.
	 */
	canCancel: false,
	/**
	 * Runflow's row of the pay-twice rule table (transport/verdict.ts, STOP PROOF): a run Runflow
	 * reports `failed` (or `errored`, its templates' word) stopped without a result. A `canceled`
	 * run proves nothing: Runflow's only cancel "does not abort the in-flight inference" and
	 * "does not auto-refund" (RF-11), so it may have made, and billed, its image.
	 */
	stopProof: {
		stopped: {
			failed: 'RF-10 (concepts/runs status enum)',
			errored: 'RF-10 (runflow-io/templates only: SECONDARY)',
		},
		notProof: {
			canceled: 'RF-11: the cancel does not abort the in-flight inference and does not refund',
			cancelled: 'RF-10/RF-11: the older spelling of canceled',
		},
		readAfterCancel: false,
	} satisfies StopProof,
	/**
	 * Error and failure codes that mean the content checker blocked the job. UNCONFIRMED: Runflow
	 * documents no moderation code (docs/provider-facts.md RF-12).
	 */
	moderationPattern: /moderat|content[_ -]?policy|nsfw|safety|flagged/i,
	/**
	 * Codes that mean the account cannot pay: `INSUFFICIENT_CREDIT` is documented; `PAYMENT_REQUIRED`
	 * as a code is UNCONFIRMED (docs/provider-facts.md RF-13), kept as a harmless extra.
	 */
	creditCodes: ['INSUFFICIENT_CREDIT', 'PAYMENT_REQUIRED'],
} as const;

/** Status polling: quick at first, then at most one request every two seconds (the SDK's pace). */
export function runflowPollDelayMs(elapsedMs: number, queued: boolean): number {
	// A queued run waits for compute: no point asking often until it starts.
	return rampDelayMs(elapsedMs, queued ? 500 : 250);
}

const unconfirmed = (entry: string) =>
	`UNCONFIRMED (docs/provider-facts.md ${entry}): the name other FLUX hosts use, not shown in Runflow's Ultra docs`;
const olderPage = (entry: string) =>
	`UNCONFIRMED (docs/provider-facts.md ${entry}): listed on an older Runflow Ultra page`;

/**
 * Runflow lists no FLUX 1.1 [pro] ultra fine-tuned model (none in its docs or model pages read;
 * UNCONFIRMED that none exists: docs/provider-facts.md RF-29), so Generate with Fine-Tune is refused
 * before any request, with a notice in the editor.
 */
export const RUNFLOW_NO_FINETUNE =
	'Runflow offers no FLUX 1.1 [pro] ultra fine-tuned model, so Generate with Fine-Tune is not available there.';

/**
 * Runflow's names for every field. Runflow documents only `prompt` (and lists `seed`) for Ultra;
 * an older Runflow page lists `aspect_ratio`, `num_images`, `raw` and `output_format`, and its FLUX
 * Kontext model takes the fal-style names with `safety_tolerance` as the strings "1"…"6". So the
 * rest are sent under fal's names; a wrong one is fixed in this table. Runflow's models API
 * (`GET /v1/models/black-forest-labs/flux-1-1-pro-ultra` → `inputs[].name`) can settle each one:
 * docs/provider-facts.md RF-26 and open question (a).
 */
export const RUNFLOW_FIELDS: FieldMap = {
	...sentAsNamed('prompt', 'seed'),
	aspect_ratio: { wire: 'aspect_ratio', status: 'unconfirmed', note: olderPage('RF-17') },
	num_images: { wire: 'num_images', status: 'unconfirmed', note: olderPage('RF-18') },
	output_format: { wire: 'output_format', status: 'unconfirmed', note: olderPage('RF-19') },
	enhance_prompt: { wire: 'enhance_prompt', status: 'unconfirmed', note: unconfirmed('RF-21') },
	image_prompt_strength: {
		wire: 'image_prompt_strength',
		status: 'unconfirmed',
		withImageOnly: true,
		note: unconfirmed('RF-22'),
	},
	raw: { wire: 'raw', status: 'unconfirmed', note: olderPage('RF-20') },
	safety_tolerance: {
		wire: 'safety_tolerance',
		status: 'unconfirmed',
		encode: String,
		note: 'UNCONFIRMED (docs/provider-facts.md RF-23): string "1"…"6", as on Runflow\'s Kontext model',
	},
	sync_mode: refusedWhenOn(
		'Runflow always returns links to the images (it documents no sync mode for Ultra). Turn "Sync Mode" off; the images still arrive as binary data.',
	),
	image_url: {
		wire: 'image_url',
		status: 'unconfirmed',
		note: 'UNCONFIRMED (docs/provider-facts.md RF-24, RF-03): an https URL; incoming files and data URIs are uploaded to Runflow assets first',
	},
	finetune_id: notAvailable(RUNFLOW_NO_FINETUNE),
	finetune_strength: notAvailable(RUNFLOW_NO_FINETUNE),
};

/**
 * Other names under which Runflow's models API may list a field, tried in this order after the
 * field's own name (RUNFLOW_FIELDS): the names Runflow's other models and the other providers use
 * for the same thing — `num_outputs` (Replicate), `prompt_upsampling` (BFL), `image_urls[]` and
 * `image_b64` (Runflow's own edit models, RF-03), `input_image` / `image_prompt` (BFL). A name
 * found in the model's `inputs[]` wins; when the models API cannot be read, RUNFLOW_FIELDS applies.
 */
export const RUNFLOW_INPUT_ALIASES: Readonly<Record<string, readonly string[]>> = {
	num_images: ['num_outputs'],
	enhance_prompt: ['prompt_upsampling'],
	image_url: ['image_urls', 'image_b64', 'input_image', 'image_prompt', 'image'],
};

/**
 * Runflow's list price per image: "$0.06/image" on its Ultra model page (CONFIRMED, RF-27; the
 * marketing page's header says "per request", counted per image here, the higher figure). An item
 * reports the run's own `cost` instead where the finished run carries one: a decimal string, read as
 * US dollars (UNCONFIRMED unit: docs/provider-facts.md RF-28), shared equally by the run's images.
 */
export const RUNFLOW_PRICE_USD: PriceTable = { generate: 0.06 };
