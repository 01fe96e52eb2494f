import { flux2SizeOf } from '../../parameters/models/flux2Pro';
import { withFields, type ModelLine } from '../common/modelLines';

/**
 * fal.ai's lines for the models beyond Ultra (issue 29). fal's queue runs them as it runs Ultra
 * (`queue.fal.run/<endpoint>`, status/result/cancel links in the submit answer, `images[]` in the
 * result: FA-26, FA-33), and splits text-to-image from editing: a job with references goes to the
 * edit endpoint (FA-26, FA-36). References are `image_urls`, each uploaded to fal's storage or
 * inlined as today (FA-32). Facts: docs/provider-facts.md, "FLUX.2 and FLUX 3 Image".
 *
 * These names are the fallback, not the truth: each run reads the endpoint's published input schema
 * (fal's model search, FA-44…FA-50; providers/common/inputSchema.ts) and checks the request against
 * it before paying; only when it cannot be read do these names go out unchecked (`schema: "compiled"`).
 */

/** fal's FLUX.2 `safety_tolerance` is a string "1"–"5" (FA-27). */
const asText = (value: unknown) => String(value);

/** FLUX.2 [pro] and [max] at fal: the same input types (`Flux2ProInput = Flux2MaxInput`, FA-27). */
function flux2Line(endpoint: string, unconfirmed: ModelLine['unconfirmed']): ModelLine {
	return {
		endpoint,
		withReferences: `${endpoint}/edit`,
		// FA-27/FA-28 (CONFIRMED, fal's client types): prompt, image_size, seed, safety_tolerance (a
		// string), output_format; no num_images (one image per request), no aspect_ratio.
		fields: {
			prompt: { wire: 'prompt' },
			seed: { wire: 'seed' },
			output_format: { wire: 'output_format' },
			safety_tolerance: { wire: 'safety_tolerance', encode: asText },
			aspect_ratio: { derivedOnly: true },
			megapixels: { derivedOnly: true },
			num_images: { derivedOnly: true },
		},
		// `image_size` as `{width, height}`; Match First Reference is fal's `auto` (edit only, FA-28).
		derived: (params) => ({
			image_size: flux2SizeOf(params) ?? 'auto',
		}),
		// FA-31: fal states no maximum for [pro]'s edit; the node holds BFL's API limit, 8.
		references: { style: 'list', wire: 'image_urls', max: 8, source: 'FA-28, FA-31, FA-32' },
		webhook: { query: 'fal_webhook' },
		unconfirmed,
	};
}

/**
 * FLUX.2 [klein] 4B and 9B at fal (FA-26, FA-30: `Flux2Klein9b*Input = Flux2Klein4b*Input`): the
 * size as `image_size` pixels, none with Match First Reference (the edit endpoint then "uses the
 * input image size", FA-55), `output_format` always sent (fal's default is png, the node's jpeg),
 * up to 4 `image_urls`. fal has no safety tolerance for klein, only a safety checker (FA-30).
 */
function kleinLine(endpoint: string, unconfirmed: ModelLine['unconfirmed']): ModelLine {
	return {
		endpoint,
		withReferences: `${endpoint}/edit`,
		fields: {
			prompt: { wire: 'prompt' },
			seed: { wire: 'seed' },
			output_format: { wire: 'output_format' },
			safety_tolerance: {
				refused:
					'fal.ai has no safety tolerance for FLUX.2 [klein], only a safety checker (FA-30). Leave "Safety Tolerance" at 2',
				accepts: 2,
			},
			aspect_ratio: { derivedOnly: true },
			megapixels: { derivedOnly: true },
			num_images: { derivedOnly: true },
		},
		derived: (params) => {
			const size = flux2SizeOf(params);
			return size ? { image_size: size } : {};
		},
		// FA-30 (CONFIRMED): "A maximum of 4 images are allowed".
		references: { style: 'list', wire: 'image_urls', max: 4, source: 'FA-30' },
		webhook: { query: 'fal_webhook' },
		unconfirmed,
	};
}

export const FAL_MODEL_LINES: Readonly<Record<string, ModelLine>> = {
	// FA-26 (CONFIRMED): text-to-image and `/edit` per model; [max]'s types are [pro]'s (FA-27, FA-28).
	'flux-2-pro': flux2Line('fal-ai/flux-2-pro', {
		'FA-31': 'how many references fal takes for [pro] (the node allows 8)',
		'FA-34': "[pro]'s price at fal (the model's rule is used)",
	}),
	'flux-2-max': flux2Line('fal-ai/flux-2-max', {
		'FA-31': 'how many references fal takes for [max] (the node allows 8)',
	}),
	// FA-29 (CONFIRMED names): guidance_scale and num_inference_steps; no prompt upsampling switch.
	'flux-2-flex': withFields(
		flux2Line('fal-ai/flux-2-flex', {
			'FA-29': 'the ranges of guidance_scale and num_inference_steps at fal',
			'FA-31': 'how many references fal takes for [flex] (the node allows 8)',
		}),
		{
			guidance: { wire: 'guidance_scale' },
			steps: { wire: 'num_inference_steps' },
			prompt_upsampling: {
				refused:
					'fal.ai has no prompt upsampling switch for it (FA-29). Leave "Prompt Upsampling" on',
				accepts: true,
			},
		},
	),
	// FA-26 (CONFIRMED): `fal-ai/flux-2/klein/<size>` and `…/edit`.
	'flux-2-klein-4b': kleinLine('fal-ai/flux-2/klein/4b', {
		'FA-53': "klein 4B's price at fal (fal's guide: $0.014 per MP): the model's rule is used",
	}),
	'flux-2-klein-9b': kleinLine('fal-ai/flux-2/klein/9b', {
		'FA-54':
			"klein 9B's price at fal (leads: $0.006 per MP, edit $0.011 per MP in and out): the model's rule is used",
	}),
	'flux-3-image': {
		// FA-36 (CONFIRMED): owner `blackforestlabs`, not `fal-ai`.
		endpoint: 'blackforestlabs/flux-3/text-to-image',
		withReferences: 'blackforestlabs/flux-3/edit-image',
		fields: {
			prompt: { wire: 'prompt' },
			aspect_ratio: { wire: 'aspect_ratio' },
			// FA-37: these names at fal are UNCONFIRMED: sent only when set away from the default.
			resolution: { wire: 'resolution', unconfirmed: 'FA-37' },
			safety_tolerance: { wire: 'safety_tolerance', unconfirmed: 'FA-37' },
			grounding: { wire: 'grounding', unconfirmed: 'FA-37' },
			num_images: { derivedOnly: true },
		},
		// FA-37, FA-39 (CONFIRMED): `image_urls`, image 1 … image 10, each ≥ 256 px a side and ≤ 4 MP.
		references: {
			style: 'list',
			wire: 'image_urls',
			max: 10,
			maxMegapixels: 4,
			source: 'FA-37, FA-39',
		},
		webhook: { query: 'fal_webhook' },
		unconfirmed: {
			'FA-37':
				'`resolution`, `grounding`, `safety_tolerance` at fal (sent only when set away from the default)',
			'FA-38': 'prices other than 1k ($0.048, CONFIRMED): the model’s rule is used',
		},
	},
};
