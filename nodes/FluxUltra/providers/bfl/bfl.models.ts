import { flux2SizeOf } from '../../parameters/models/flux2Pro';
import { withFields, type ModelLine } from '../common/modelLines';

/**
 * Black Forest Labs' lines for the models beyond Ultra (issue 29): one endpoint per model, the
 * same async submit → `polling_url` → `result.sample` as Ultra (BF-23, BF-41), so the session's
 * submit, wait and result code serve them unchanged. Facts: docs/provider-facts.md, section
 * "FLUX.2 and FLUX 3 Image (read 2026-12-07)"; UNCONFIRMED facts are listed in each line's
 * `unconfirmed` (and in docs/models.md).
 */

/** An integer field (BFL takes `safety_tolerance` as an integer). */
const int = (value: unknown) => Number(value);

/** FLUX.2 [pro] and [max]: the same `Flux2Inputs` (BF-25) at their own endpoints (BF-23). */
function flux2Line(endpoint: string): ModelLine {
	return {
		// BF-23 (CONFIRMED): one endpoint generates and edits.
		endpoint,
		// BF-25 (CONFIRMED via BFL's OpenAPI copy): prompt, input_image…_8, seed, width, height,
		// safety_tolerance 0–5, output_format, webhook_url. No aspect_ratio: the size is sent as pixels.
		fields: {
			prompt: { wire: 'prompt' },
			seed: { wire: 'seed' },
			output_format: { wire: 'output_format' },
			safety_tolerance: { wire: 'safety_tolerance', encode: int },
			aspect_ratio: { derivedOnly: true },
			megapixels: { derivedOnly: true },
			num_images: { derivedOnly: true },
		},
		// Match First Reference: width and height left out (0, "let the model choose", BF-32).
		derived: (params) => flux2SizeOf(params) ?? {},
		// BF-29, BF-30 (CONFIRMED): 8 numbered fields, URL or bare base64.
		references: { style: 'numbered', wire: 'input_image', max: 8, source: 'BF-29, BF-30' },
		webhook: { wire: 'webhook_url' },
		unconfirmed: {
			'BF-31': 'per-reference size limits (none published)',
			'BF-32': 'width/height multiple of 16',
			'BF-34': 'result.seed in the answer (SECONDARY)',
		},
	};
}

/**
 * FLUX.2 [klein] 4B and 9B: `Flux2KleinInputs` (BF-24, BF-27), [pro]'s fields with 4 references
 * (`input_image` … `input_image_4`) and `safety_tolerance` 0–5, at its own endpoint (BF-23, BF-50),
 * at BFL's klein price (BF-35, BF-51: first MP and each further output or input MP).
 */
function kleinLine(endpoint: string, firstUsd: number, perMegapixelUsd: number): ModelLine {
	return {
		...flux2Line(endpoint),
		references: { style: 'numbered', wire: 'input_image', max: 4, source: 'BF-27, BF-29' },
		price: {
			kind: 'perMegapixel',
			firstUsd,
			extraUsd: perMegapixelUsd,
			inputUsd: perMegapixelUsd,
			roundUp: true,
		},
		unconfirmed: {
			'BF-31': 'per-reference size limits (none published)',
			'BF-32': 'width/height multiple of 16',
			'BF-35': 'per-megapixel increments (SECONDARY) and their rounding',
		},
	};
}

export const BFL_MODEL_LINES: Readonly<Record<string, ModelLine>> = {
	// BF-23 (CONFIRMED): one endpoint per model generates and edits.
	'flux-2-pro': flux2Line('/v1/flux-2-pro'),
	'flux-2-max': flux2Line('/v1/flux-2-max'),
	// BF-26 (CONFIRMED): [pro]'s fields plus prompt_upsampling, guidance 1.5–10 and steps 1–50.
	'flux-2-flex': withFields(flux2Line('/v1/flux-2-flex'), {
		prompt_upsampling: { wire: 'prompt_upsampling' },
		guidance: { wire: 'guidance' },
		steps: { wire: 'steps' },
	}),
	// BF-23, BF-50 (CONFIRMED): one endpoint per klein model generates and edits.
	'flux-2-klein-4b': kleinLine('/v1/flux-2-klein-4b', 0.014, 0.001),
	'flux-2-klein-9b': kleinLine('/v1/flux-2-klein-9b', 0.015, 0.002),
	'flux-3-image': {
		// BF-41 (UNCONFIRMED): POST /v1/flux-3-image, async like Ultra.
		endpoint: '/v1/flux-3-image',
		// BF-42 (UNCONFIRMED), BF-43: a strict schema, so only these are ever sent.
		fields: {
			prompt: { wire: 'prompt' },
			aspect_ratio: { wire: 'aspect_ratio' },
			resolution: { wire: 'resolution' },
			safety_tolerance: { wire: 'safety_tolerance', encode: int },
			grounding: { wire: 'grounding' },
			num_images: { derivedOnly: true },
		},
		// BF-42/BF-44 (UNCONFIRMED): `images`, a list of 1–10, URL or base64.
		references: {
			style: 'list',
			wire: 'images',
			max: 10,
			maxMegapixels: 16,
			source: 'BF-42, BF-44',
		},
		// BF-47 (UNCONFIRMED): no webhook field in the schema; the node polls.
		webhook: {
			refused:
				"Black Forest Labs' FLUX 3 Image endpoint takes no webhook (its schema has no webhook field): leave Completion Webhook URL empty, the node waits for the job itself",
		},
		unconfirmed: {
			'BF-41': 'the endpoint itself',
			'BF-42': 'field names and ranges (safety tolerance 0–4)',
			'BF-44': 'reference limits',
			'BF-46': 'prices per resolution class (the answer’s cost is used when present)',
			'BF-47': 'no webhook',
		},
	},
};
