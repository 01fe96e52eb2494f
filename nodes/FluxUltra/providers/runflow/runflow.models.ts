import { flux2Size } from '../../parameters/models/flux2Pro';
import type { ModelLine } from '../common/modelLines';

/**
 * Runflow's lines for the models beyond Ultra whose slugs and fields its own docs give (issue 29):
 * FLUX.2 [klein] 4B and 9B, each a text-to-image model and an `…/edit` model for jobs with
 * references (RF-34), runs created as Ultra's (`POST /v1/models/{id}/runs`, `{input: …}`, the
 * callback beside it), fal-style inputs (RF-35). Facts: docs/provider-facts.md RF-34, RF-35.
 */

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
		derived: (params) =>
			params.aspect_ratio === 'match'
				? {}
				: {
						image_size: flux2Size(String(params.aspect_ratio), Number(params.megapixels ?? 1)),
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

export const RUNFLOW_MODEL_LINES: Readonly<Record<string, ModelLine>> = {
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
