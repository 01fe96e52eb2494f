import type { PriceRule } from '../../parameters/models';
import { flux2SizeOf } from '../../parameters/models/flux2Pro';
import type { ModelLine } from '../common/modelLines';

/**
 * Runflow's lines for the models beyond Ultra (issue 29), of two kinds.
 *
 * STATIC: FLUX.2 [klein] 4B and 9B, whose slugs and fields Runflow's own docs give (RF-34, RF-35):
 * each a text-to-image model and an `…/edit` model for jobs with references, runs created as
 * Ultra's (`POST /v1/models/{id}/runs`, `{input: …}`, the callback beside it), fal-style inputs.
 *
 * LOOKED UP AT RUN TIME: Runflow lists FLUX.2 [pro] and [flex] on its marketing pages (RF-36,
 * RF-42…RF-44) and names FLUX.2 [max] in the same family list; FLUX 3 Image is in no stored Runflow
 * page (RF-37). Its docs pages for these models are not stored, so their slugs are CANDIDATES, each
 * UNCONFIRMED (RF-45): every job first looks its slug up in Runflow's models API
 * (`GET /v1/models/{owner}/{slug}`, RF-26, RF-40), once per execution, before any paid request. A
 * 404 there refuses the item naming the model, Runflow and the providers that serve it; a look-up
 * that fails (5xx, no answer, unreadable) refuses it too (fails closed, RF-47); a model found is
 * sent the node's fields under the names its `inputs[]` lists (runflow.modelSchema.ts), so `fields`
 * here are the names tried first (fal-style, as Runflow's [klein] models take them: RF-35) and
 * each line's `alternatives` the names tried after. Runs are created at `POST /v1/models/{slug}/runs`
 * and followed as Ultra's are (RF-04, RF-41).
 */

/** FLUX.2 size: `image_size: {width, height}` (fal-style, RF-36), Match First Reference `auto`. */
function flux2ImageSize(params: Record<string, unknown>): Record<string, unknown> {
	return {
		image_size: flux2SizeOf(params) ?? 'auto',
	};
}

/**
 * Runflow's price per model, the spend cap's basis before a run's own `cost` is known (a finished
 * run's `cost` wins: RF-28, RF-38). [pro] and [flex] are Runflow's own marketing-page figures
 * (RF-42, RF-43). UNCONFIRMED (RF-46): [pro]'s price of input megapixels (Runflow names none: counted
 * as Black Forest Labs counts them, $0.015) and the whole of [max]'s and FLUX 3 Image's prices
 * (Runflow publishes none): for those the model's own rule, Black Forest Labs' price, is the cap's
 * worst-case estimate (`rule` undefined).
 */
export const RUNFLOW_MODEL_PRICES: Readonly<
	Record<string, { rule?: PriceRule; unconfirmed?: string }>
> = {
	'flux-2-pro': {
		rule: { kind: 'perMegapixel', firstUsd: 0.03, extraUsd: 0.015, inputUsd: 0.015, roundUp: true },
		unconfirmed:
			"input megapixels: Runflow names no price for them, counted at $0.015 as the model's own rule counts them",
	},
	'flux-2-flex': {
		rule: { kind: 'perMegapixel', firstUsd: 0.05, extraUsd: 0.05, inputUsd: 0.05, roundUp: true },
	},
	'flux-2-max': {
		unconfirmed:
			"Runflow publishes no price for [max]: the cap counts the model's own rule, its maker's list price ($0.07 first MP + $0.03 per further and per input MP)",
	},
	'flux-3-image': {
		unconfirmed:
			"Runflow publishes no price for FLUX 3 Image: the cap counts the model's own rule, its maker's per-class list prices",
	},
};

/** A line whose slug and fields are Runflow's candidates, settled by the models API at run time. */
function lookedUp(
	id: string,
	displayName: string,
	slug: string,
	fields: ModelLine['fields'],
	max: number,
	derived?: ModelLine['derived'],
): ModelLine {
	const price = RUNFLOW_MODEL_PRICES[id];
	return {
		endpoint: slug,
		withReferences: `${slug}/edit`,
		fields,
		derived,
		// The schema's own `maxItems`, where it lists one, lowers this (runflow.modelSchema.ts).
		// Then the names the other providers use for them, where Runflow's models API lists one of those.
		references: {
			style: 'list',
			wire: 'image_urls',
			max,
			source: 'RF-35, RF-48',
			alternatives: ['images', 'input_images', 'reference_images', 'image_url'],
		},
		webhook: { beside: 'callback_url' },
		price: price?.rule,
		notice: `${displayName} on Runflow: Runflow publishes no page for it, so the node looks it up in Runflow's models API when it runs (${slug}, with Reference Images ${slug}/edit) and refuses the items, before any job, if Runflow does not have it or the look-up fails.`,
		unconfirmed: {
			'RF-45': `the slugs \`${slug}\` and \`${slug}/edit\` (looked up in Runflow's models API before any job: a 404 refuses the item)`,
			'RF-48':
				"the input names: the names Runflow's models API lists win; a field it does not list is refused when set",
			...(price?.unconfirmed ? { 'RF-46': price.unconfirmed } : {}),
		},
	};
}

const FLUX2_FIELDS: ModelLine['fields'] = {
	prompt: { wire: 'prompt' },
	seed: { wire: 'seed' },
	output_format: { wire: 'output_format' },
	safety_tolerance: { wire: 'safety_tolerance' },
	aspect_ratio: { derivedOnly: true },
	megapixels: { derivedOnly: true },
	num_images: { derivedOnly: true },
};

const LOOKED_UP_LINES: Readonly<Record<string, ModelLine>> = {
	// RF-36/RF-42: the marketing page's path; RF-45: UNCONFIRMED until a real look-up.
	'flux-2-pro': lookedUp(
		'flux-2-pro',
		'FLUX.2 [pro]',
		'black-forest-labs/flux-2-pro',
		FLUX2_FIELDS,
		8,
		flux2ImageSize,
	),
	'flux-2-max': lookedUp(
		'flux-2-max',
		'FLUX.2 [max]',
		'black-forest-labs/flux-2-max',
		FLUX2_FIELDS,
		8,
		flux2ImageSize,
	),
	// RF-43: "Adjustable inference steps and guidance scale" (fal-style names, as fal's [flex], FA-29).
	'flux-2-flex': lookedUp(
		'flux-2-flex',
		'FLUX.2 [flex]',
		'black-forest-labs/flux-2-flex',
		{
			...FLUX2_FIELDS,
			// BFL's and Replicate's names, tried where Runflow's models API does not list fal's.
			guidance: { wire: 'guidance_scale', alternatives: ['guidance'] },
			steps: { wire: 'num_inference_steps', alternatives: ['steps'] },
			// RF-48: no Runflow page names a prompt-upsampling switch for [flex]; sent when listed.
			prompt_upsampling: { wire: 'prompt_upsampling', unconfirmed: 'RF-48' },
		},
		8,
		flux2ImageSize,
	),
	// RF-37: not found in any stored Runflow page; the slug is BFL's endpoint name (BF-41).
	'flux-3-image': lookedUp(
		'flux-3-image',
		'FLUX 3 Image',
		'black-forest-labs/flux-3-image',
		{
			prompt: { wire: 'prompt' },
			aspect_ratio: { wire: 'aspect_ratio' },
			resolution: { wire: 'resolution' },
			safety_tolerance: { wire: 'safety_tolerance' },
			grounding: { wire: 'grounding' },
			num_images: { derivedOnly: true },
		},
		10,
	),
};

/** A klein model on Runflow: its slug and `/edit`, its own prices for each (RF-34). */
function kleinLine(
	endpoint: string,
	price: ModelLine['price'],
	priceWithReferences: ModelLine['priceWithReferences'],
): ModelLine {
	return {
		endpoint,
		withReferences: `${endpoint}/edit`,
		// RF-35 (CONFIRMED): prompt, image_size, seed, output_format (default png: always sent),
		// num_images (one job per image: not sent), enable_safety_checker; no safety tolerance.
		fields: {
			prompt: { wire: 'prompt' },
			seed: { wire: 'seed' },
			output_format: { wire: 'output_format' },
			safety_tolerance: {
				refused:
					'Runflow has no safety tolerance for FLUX.2 [klein], only a safety checker (RF-35). Leave "Safety Tolerance" at 2',
				accepts: 2,
			},
			aspect_ratio: { derivedOnly: true },
			megapixels: { derivedOnly: true },
			num_images: { derivedOnly: true },
		},
		// `image_size` as `{width, height}`; Match First Reference sends none (fal's edit then takes the
		// first image's size, FA-55; Runflow's the same is UNCONFIRMED, RF-35).
		derived: (params) => {
			const size = flux2SizeOf(params);
			return size ? { image_size: size } : {};
		},
		// RF-35: `image_urls` on the edit model; Runflow states no maximum: fal's 4 (FA-30).
		references: { style: 'list', wire: 'image_urls', max: 4, source: 'RF-35, FA-30' },
		webhook: { beside: 'callback_url' },
		price,
		priceWithReferences,
		unconfirmed: {
			'RF-35':
				'how many references the edit model takes (the node allows 4) and its size with Match First Reference',
			'RF-34':
				'how Runflow rounds megapixels (the node counts started ones whole); its answer’s cost is used when present',
		},
	};
}

const STATIC_LINES: Readonly<Record<string, ModelLine>> = {
	// RF-34 (CONFIRMED): $0.005 per MP; the edit model $0.005 per image.
	'flux-2-klein-4b': kleinLine(
		'black-forest-labs/flux-2-klein-4b',
		{ kind: 'perMegapixel', firstUsd: 0.005, extraUsd: 0.005, inputUsd: 0, roundUp: true },
		{ kind: 'perImage', usd: 0.005 },
	),
	// RF-34 (CONFIRMED): $0.006 per MP; the edit model $0.011 per MP, input and output.
	'flux-2-klein-9b': kleinLine(
		'black-forest-labs/flux-2-klein-9b',
		{ kind: 'perMegapixel', firstUsd: 0.006, extraUsd: 0.006, inputUsd: 0, roundUp: true },
		{ kind: 'perMegapixel', firstUsd: 0.011, extraUsd: 0.011, inputUsd: 0.011, roundUp: true },
	),
};

/** Every model Runflow serves beyond Ultra, by model id. */
export const RUNFLOW_MODEL_LINES: Readonly<Record<string, ModelLine>> = {
	...LOOKED_UP_LINES,
	...STATIC_LINES,
};

/** Whether a model's Runflow line is a candidate the models API must confirm before any job. */
export function isLookedUp(modelId: string): boolean {
	return Object.prototype.hasOwnProperty.call(LOOKED_UP_LINES, modelId);
}
