import { withFields, type ModelLine } from '../common/modelLines';

/**
 * Replicate's lines for the models beyond Ultra (issue 29): official models, created as Ultra is
 * (`POST /v1/models/{owner}/{name}/predictions`, `{input: …}`, polled at `urls.get`), one model for
 * generating and editing (RP-21), references as one list field, each inline or through the Files
 * API as today. `endpoint` is the model's `owner/name`. Facts: docs/provider-facts.md, "FLUX.2 and
 * FLUX 3 Image" (RP-20…RP-31).
 *
 * These names are the fallback, not the truth: each run reads the model's published input schema
 * (its latest version's `openapi_schema`, RP-33…RP-38; providers/common/inputSchema.ts) and checks
 * the request against it before paying; only when it cannot be read do these go out unchecked.
 */

/** An integer field (Replicate's `safety_tolerance` is an integer, RP-22, RP-27). */
const int = (value: unknown) => Number(value);

/** Replicate writes JPEG as `jpg` (RP-22: webp, jpg, png; its default is webp, so always sent). */
const replicateFormat = (value: unknown) => (value === 'jpeg' ? 'jpg' : value);

/** FLUX.2 [pro] and [max] on Replicate: the same inputs (RP-22, RP-23). */
function flux2Line(
	endpoint: string,
	/** The fact the references' limit rests on (RP-22, RP-23). */
	source: string,
	unconfirmed: ModelLine['unconfirmed'],
): ModelLine {
	return {
		endpoint,
		// RP-22 (CONFIRMED for version 285631b5): prompt, input_images, aspect_ratio, resolution,
		// safety_tolerance 1–5, seed, output_format.
		fields: {
			prompt: { wire: 'prompt' },
			seed: { wire: 'seed' },
			safety_tolerance: { wire: 'safety_tolerance', encode: int },
			output_format: { wire: 'output_format', encode: replicateFormat },
			aspect_ratio: { derivedOnly: true },
			megapixels: { derivedOnly: true },
			num_images: { derivedOnly: true },
		},
		// Replicate takes the ratio and "N MP" itself; Match First Reference is `match_input_image`.
		derived: (params) =>
			params.aspect_ratio === 'match'
				? { aspect_ratio: 'match_input_image', resolution: 'match_input_image' }
				: { aspect_ratio: params.aspect_ratio, resolution: `${String(params.megapixels ?? 1)} MP` },
		references: { style: 'list', wire: 'input_images', max: 8, source },
		webhook: { beside: 'webhook' },
		unconfirmed,
	};
}

/**
 * FLUX.2 [klein] on Replicate (RP-25, CONFIRMED for klein-4b version 8e9c42d7): `images` (up to 5;
 * the node holds the model's 4), `aspect_ratio` with `match_input_image`, `output_megapixels`
 * instead of `resolution`, `output_format` (default jpg), an array of URIs out (RP-26). No safety
 * tolerance (`disable_safety_checker` only): refused away from the default.
 */
function kleinLine(endpoint: string, unconfirmed: ModelLine['unconfirmed']): ModelLine {
	return {
		endpoint,
		fields: {
			prompt: { wire: 'prompt' },
			seed: { wire: 'seed' },
			output_format: { wire: 'output_format', encode: replicateFormat },
			safety_tolerance: {
				refused:
					'Replicate has no safety tolerance for FLUX.2 [klein], only a safety checker (RP-25). Leave "Safety Tolerance" at 2',
				accepts: 2,
			},
			aspect_ratio: { derivedOnly: true },
			megapixels: { derivedOnly: true },
			num_images: { derivedOnly: true },
		},
		// RP-41: `output_megapixels` as text ("1"); with Match First Reference Replicate's own default.
		derived: (params) =>
			params.aspect_ratio === 'match'
				? { aspect_ratio: 'match_input_image' }
				: {
						aspect_ratio: params.aspect_ratio,
						output_megapixels: String(params.megapixels ?? 1),
					},
		references: { style: 'list', wire: 'images', max: 5, source: 'RP-25' },
		webhook: { beside: 'webhook' },
		unconfirmed,
	};
}

export const REPLICATE_MODEL_LINES: Readonly<Record<string, ModelLine>> = {
	'flux-2-pro': flux2Line('black-forest-labs/flux-2-pro', 'RP-22', {
		'RP-22':
			'the schema changes between versions (read for 285631b5); "0.5 MP" as a resolution value',
		'RP-28':
			'price ($0.015 a run + $0.015 per output and per input MP: the model’s rule is the same)',
	}),
	// RP-23 (CONFIRMED for version 9c23b0aa): [pro]'s fields, 8 images.
	'flux-2-max': flux2Line('black-forest-labs/flux-2-max', 'RP-23', {
		'RP-23':
			'the schema changes between versions (read for 9c23b0aa); "0.5 MP" as a resolution value',
		'RP-28': 'price not read (the model’s rule is used)',
	}),
	// RP-20 (model SECONDARY), RP-24 (fields from third-party copies of the schema: UNCONFIRMED, so
	// guidance, steps and prompt_upsampling are sent only when set away from the default).
	'flux-2-flex': withFields(
		flux2Line('black-forest-labs/flux-2-flex', 'RP-24', {
			'RP-20': 'the model itself (its page is not among the sources read)',
			'RP-24':
				'every field (third-party copies of the schema); it says 10 references, the node allows 8',
			'RP-28': 'price not read (the model’s rule is used)',
		}),
		{
			// When the model's schema is read (RP-33), a name it lists instead is sent: fal's names for them.
			guidance: { wire: 'guidance', unconfirmed: 'RP-24', alternatives: ['guidance_scale'] },
			steps: { wire: 'steps', unconfirmed: 'RP-24', alternatives: ['num_inference_steps'] },
			prompt_upsampling: { wire: 'prompt_upsampling', unconfirmed: 'RP-24' },
		},
	),
	'flux-2-klein-4b': kleinLine('black-forest-labs/flux-2-klein-4b', {
		'RP-41':
			'`output_megapixels` values (the version page gives no list; "0.5", "1", "2", "4" sent) and the aspect-ratio list',
		'RP-42': "price (a lead: $0.001 per input MP): the model's rule is used",
	}),
	// RP-20 (the model SECONDARY), RP-43: fields read only for flux-2-klein-9b-base (RP-25's + guidance).
	'flux-2-klein-9b': kleinLine('black-forest-labs/flux-2-klein-9b', {
		'RP-20': 'the model itself (its page is not among the sources read)',
		'RP-43': "every field (read for flux-2-klein-9b-base, the same as klein-4b's plus guidance)",
		'RP-42': "price not read: the model's rule is used",
	}),
	'flux-3-image': {
		endpoint: 'black-forest-labs/flux-3-image',
		// RP-27 (CONFIRMED from the model's readme): prompt, images, aspect_ratio, resolution,
		// grounding (always sent: its default is disputed), safety_tolerance 0–4, output_format.
		fields: {
			prompt: { wire: 'prompt' },
			aspect_ratio: { wire: 'aspect_ratio' },
			resolution: { wire: 'resolution' },
			grounding: { wire: 'grounding' },
			safety_tolerance: { wire: 'safety_tolerance', encode: int },
			num_images: { derivedOnly: true },
		},
		// PNG, as the model makes elsewhere (Replicate would send webp by default).
		derived: () => ({ output_format: 'png' }),
		references: {
			style: 'list',
			wire: 'images',
			max: 10,
			maxMegapixels: 16,
			source: 'RP-27',
		},
		webhook: { beside: 'webhook' },
		unconfirmed: {
			'RP-27': 'defaults of the version API page (only the readme was read)',
			'RP-28': 'prices (a launch promo "$0.0205–$0.3035 by size"; the model’s rule is used)',
		},
	},
};
