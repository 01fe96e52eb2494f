import type { FieldMap } from '../fields';
import type { PriceTable } from '../types';
import { rampDelayMs } from '../polling';

/**
 * Runflow facts, each one constant (sources: shared/reference/runflow-bfl-replicate-api.md, §1).
 * A wrong guess about Runflow's API is fixed here and nowhere else.
 */
export const RUNFLOW = {
	apiBase: 'https://api.runflow.io',
	/**
	 * Model ids; runs are created at `POST /v1/models/{model}/runs`. CONFIRMED for text-to-image.
	 * With an input image the same model is sent `image_url` (UNCONFIRMED: if the image prompt turns
	 * out to live on the "Ultra Edit" model, plausibly `black-forest-labs/flux-1-1-pro-ultra/edit`,
	 * change `withImage` only).
	 */
	models: {
		generate: 'black-forest-labs/flux-1-1-pro-ultra',
		withImage: 'black-forest-labs/flux-1-1-pro-ultra',
	},
	/**
	 * Where runs of the model are created, in the order tried: the documented form with the owner
	 * segment (API reference, model docs, SDK), then the short form Runflow's model page lists
	 * (UNCONFIRMED whether it is an alias). Only a 404 at creation moves on to the next: nothing was
	 * created, so trying the other cannot bill twice. The form that worked is kept for the execution.
	 */
	createPaths: (model: string) => [`/v1/models/${model}/runs`, `/v1/models/${model.split('/').pop()}/runs`],
	runPath: (runId: string) => `/v1/runs/${encodeURIComponent(runId)}`,
	/** Top-level body field (beside `input`) naming the URL Runflow POSTs to when the run is terminal. */
	callbackField: 'callback_url',
	/** Free, authenticated: "a 200 with your account payload confirms the key works". */
	authCheckPath: '/v1/auth/me',
	uploadCreatePath: '/v1/asset-uploads',
	uploadConfirmPath: (assetId: string) => `/v1/asset-uploads/${encodeURIComponent(assetId)}/confirmations`,
	/** Runflow's asset-upload cap (its SDK: 50 MB). */
	uploadMaxBytes: 50 * 1024 * 1024,
	/** `status_code` values. `canceled` is documented with one l, an older revision used two. */
	status: {
		pending: ['queued', 'dispatching', 'running'],
		succeeded: ['succeeded', 'partial_succeeded'],
		failed: ['failed', 'errored'],
		canceled: ['canceled', 'cancelled'],
	},
	/**
	 * Runflow has no public cancel (docs: guides/cancel-a-run): an abandoned run finishes and is
	 * billed. Only an admin endpoint exists, and it does not stop the inference either.
	 */
	canCancel: false,
	/** Error and failure codes that mean the content checker blocked the job (UNCONFIRMED list). */
	moderationPattern: /moderat|content[_ -]?policy|nsfw|safety|flagged/i,
	/** Codes that mean the account cannot pay. */
	creditCodes: ['INSUFFICIENT_CREDIT', 'PAYMENT_REQUIRED'],
} as const;

/** Status polling: quick at first, then at most one request every two seconds (the SDK's pace). */
export function runflowPollDelayMs(elapsedMs: number, queued: boolean): number {
	// A queued run waits for compute: no point asking often until it starts.
	return rampDelayMs(elapsedMs, queued ? 500 : 250);
}

const unconfirmed = 'fal-style name, not shown in Runflow\'s Ultra docs';

/**
 * Runflow lists no FLUX 1.1 [pro] ultra fine-tuned model (none in its docs or model list that the
 * reference read; UNCONFIRMED that none exists), so Generate with Fine-Tune is refused before any
 * request, with a notice in the editor.
 */
export const RUNFLOW_NO_FINETUNE =
	'Runflow offers no FLUX 1.1 [pro] ultra fine-tuned model, so Generate with Fine-Tune is not available there. A fine-tune runs where it was trained: pick a fal.ai or Black Forest Labs credential (Provider "fal.ai" or "Black Forest Labs").';

/**
 * Runflow's names for every field. Runflow documents only `prompt` (and lists `seed`) for Ultra;
 * an older Runflow page lists `aspect_ratio`, `num_images`, `raw` and `output_format`, and its FLUX
 * Kontext model takes the fal-style names with `safety_tolerance` as the strings "1"…"6". So the
 * rest are sent under fal's names; a wrong one is fixed in this table.
 */
export const RUNFLOW_FIELDS: FieldMap = {
	prompt: { wire: 'prompt', status: 'confirmed' },
	aspect_ratio: { wire: 'aspect_ratio', status: 'unconfirmed', note: 'listed on an older Runflow Ultra page' },
	num_images: { wire: 'num_images', status: 'unconfirmed', note: 'listed on an older Runflow Ultra page' },
	output_format: { wire: 'output_format', status: 'unconfirmed', note: 'listed on an older Runflow Ultra page' },
	enhance_prompt: { wire: 'enhance_prompt', status: 'unconfirmed', note: unconfirmed },
	image_prompt_strength: { wire: 'image_prompt_strength', status: 'unconfirmed', withImageOnly: true, note: unconfirmed },
	raw: { wire: 'raw', status: 'unconfirmed', note: 'listed on an older Runflow Ultra page' },
	safety_tolerance: { wire: 'safety_tolerance', status: 'unconfirmed', encode: String, note: 'string "1"…"6", as on Runflow\'s Kontext model' },
	seed: { wire: 'seed', status: 'confirmed' },
	sync_mode: {
		status: 'refused',
		accepts: false,
		note: 'Runflow always returns links to the images (it documents no sync mode for Ultra). Turn "Sync Mode" off; the images still arrive as binary data.',
	},
	image_url: { wire: 'image_url', status: 'unconfirmed', note: 'an https URL; incoming files and data URIs are uploaded to Runflow assets first' },
	finetune_id: { status: 'refused', accepts: undefined, note: RUNFLOW_NO_FINETUNE },
	finetune_strength: { status: 'refused', accepts: undefined, note: RUNFLOW_NO_FINETUNE },
};

/**
 * Runflow's list price per image: "$0.06/image" on its Ultra model page (CONFIRMED). An item reports
 * the run's own `cost` instead where the finished run carries one: a string, read as US dollars
 * (UNCONFIRMED unit: Runflow's API reference types it as a string and names no currency), shared
 * equally by the run's images.
 */
export const RUNFLOW_PRICE_USD: PriceTable = { generate: 0.06 };
