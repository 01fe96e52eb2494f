import { ULTRA_SIZES } from './images';
import { FLUX3_RATIO_CHOICES, FLUX3_RESOLUTIONS } from './models';

/**
 * What the mock Runflow answers at `GET /v1/models/{owner}/{slug}`: a model with `inputs[]` in the
 * shape Runflow documents (`id, name, display_name, description, variable_type_code,
 * default_behavior_code, validator_code, validator_attrs, is_required, default_value, sort_order,
 * is_featured`). The codes and `validator_attrs` keys are undocumented; these are the mock's own
 * spelling, which the node may read only where it recognises them. Each variant's runs are checked
 * against its own inputs (`validateBySchema`).
 */

/** `json`: an object or a string (fal-style `image_size`: a preset name or `{width, height}`). */
export type MockInputType = 'string' | 'integer' | 'float' | 'boolean' | 'list' | 'json';

export interface MockInputSpec {
	name: string;
	type: MockInputType;
	required?: boolean;
	choices?: readonly unknown[];
	min?: number;
	max?: number;
	/** A list's most entries (`validator_attrs.max_items`). */
	maxItems?: number;
	default?: unknown;
}

/** Which inputs the mock's Ultra model lists. */
export type MockRunflowSchema = 'guessed' | 'renamed';

const RATIOS = Object.keys(ULTRA_SIZES);

/** The names the node's constants guess (RUNFLOW_FIELDS), with Runflow-like validators. */
const GUESSED: MockInputSpec[] = [
	{ name: 'prompt', type: 'string', required: true },
	{ name: 'aspect_ratio', type: 'string', choices: RATIOS, default: '16:9' },
	{ name: 'num_images', type: 'integer', min: 1, max: 4, default: 1 },
	{ name: 'output_format', type: 'string', choices: ['jpeg', 'png'], default: 'jpeg' },
	{
		name: 'safety_tolerance',
		type: 'string',
		choices: ['1', '2', '3', '4', '5', '6'],
		default: '2',
	},
	{ name: 'raw', type: 'boolean', default: false },
	{ name: 'enhance_prompt', type: 'boolean', default: false },
	{ name: 'image_url', type: 'string' },
	{ name: 'image_prompt_strength', type: 'float', min: 0, max: 1, default: 0.1 },
	{ name: 'seed', type: 'integer', min: 0 },
];

/**
 * Other names and types for the same model: `num_outputs`, `prompt_upsampling`, `safety_tolerance`
 * as an integer 1–5, an image under `image_urls[]`; no `raw`.
 */
const RENAMED: MockInputSpec[] = [
	{ name: 'prompt', type: 'string', required: true },
	{ name: 'aspect_ratio', type: 'string', choices: RATIOS, default: '16:9' },
	{ name: 'num_outputs', type: 'integer', min: 1, max: 4, default: 1 },
	{ name: 'output_format', type: 'string', choices: ['jpeg', 'png'], default: 'jpeg' },
	{ name: 'safety_tolerance', type: 'integer', min: 1, max: 5, default: 2 },
	{ name: 'prompt_upsampling', type: 'boolean', default: false },
	{ name: 'image_urls', type: 'list' },
	{ name: 'image_prompt_strength', type: 'float', min: 0, max: 1, default: 0.1 },
	{ name: 'seed', type: 'integer', min: 0 },
];

/** The mock's "FLUX 1.1 [pro] Ultra Edit": an image (as `image_urls[]` or `image_b64`) and a few settings. */
export function ultraEditInputs(image: 'image_urls' | 'image_b64'): MockInputSpec[] {
	return [
		{ name: image, type: image === 'image_urls' ? 'list' : 'string', required: true },
		{ name: 'prompt', type: 'string' },
		{ name: 'aspect_ratio', type: 'string', choices: RATIOS, default: '16:9' },
		{ name: 'num_images', type: 'integer', min: 1, max: 4, default: 1 },
		{ name: 'output_format', type: 'string', choices: ['jpeg', 'png'], default: 'jpeg' },
		{ name: 'seed', type: 'integer', min: 0 },
	];
}

export function ultraInputs(schema: MockRunflowSchema): MockInputSpec[] {
	return schema === 'renamed' ? RENAMED : GUESSED;
}

/** The model object of `GET /v1/models/{owner}/{slug}`. */
export function modelBody(id: string, path: string, displayName: string, inputs: MockInputSpec[]) {
	const [owner, ...slug] = path.split('/');
	return {
		id,
		owner,
		slug: slug.join('/'),
		display_name: displayName,
		lora_support: false,
		fine_tuning: false,
		inputs: inputs.map((spec, n) => ({
			id: `${id.slice(0, 8)}-${String(n).padStart(4, '0')}`,
			name: spec.name,
			display_name: spec.name.replace(/_/g, ' '),
			description: '',
			variable_type_code: spec.type,
			default_behavior_code: spec.default === undefined ? 'none' : 'use_default',
			validator_code: spec.choices
				? 'choices'
				: spec.min !== undefined || spec.max !== undefined || spec.maxItems !== undefined
					? 'range'
					: 'none',
			validator_attrs: {
				...(spec.choices ? { choices: spec.choices } : {}),
				...(spec.min !== undefined ? { min: spec.min } : {}),
				...(spec.max !== undefined ? { max: spec.max } : {}),
				...(spec.maxItems !== undefined ? { max_items: spec.maxItems } : {}),
			},
			is_required: spec.required ?? false,
			default_value: spec.default === undefined ? {} : { value: spec.default },
			sort_order: n,
			is_featured: n < 2,
		})),
	};
}

/** Checks a run's `input` against a variant's inputs the way a schema-driven API would. */
export function validateBySchema(
	inputs: MockInputSpec[],
	input: Record<string, unknown>,
): Array<{ field: string; message: string }> {
	const errors: Array<{ field: string; message: string }> = [];
	const fail = (name: string, message: string) => errors.push({ field: `input.${name}`, message });
	const byName = new Map(inputs.map((spec) => [spec.name, spec]));
	for (const spec of inputs) {
		if (spec.required && (input[spec.name] === undefined || input[spec.name] === ''))
			fail(spec.name, 'field required');
	}
	for (const [key, value] of Object.entries(input)) {
		const spec = byName.get(key);
		if (!spec) {
			fail(key, 'unknown field');
			continue;
		}
		const typeOk =
			spec.type === 'string'
				? typeof value === 'string'
				: spec.type === 'integer'
					? Number.isInteger(value)
					: spec.type === 'float'
						? typeof value === 'number' && Number.isFinite(value)
						: spec.type === 'boolean'
							? typeof value === 'boolean'
							: spec.type === 'json'
								? typeof value === 'string' ||
									(value !== null && typeof value === 'object' && !Array.isArray(value))
								: Array.isArray(value) && value.every((v) => typeof v === 'string');
		if (!typeOk) {
			fail(key, `must be of type ${spec.type}`);
			continue;
		}
		if (spec.maxItems !== undefined && Array.isArray(value) && value.length > spec.maxItems)
			fail(key, `must have at most ${spec.maxItems} items`);
		if (spec.choices && !spec.choices.includes(value))
			fail(key, `must be one of ${spec.choices.map((c) => `'${String(c)}'`).join(', ')}`);
		if (
			typeof value === 'number' &&
			((spec.min !== undefined && value < spec.min) || (spec.max !== undefined && value > spec.max))
		) {
			fail(key, `must be between ${spec.min ?? '-∞'} and ${spec.max ?? '∞'}`);
		}
	}
	return errors;
}

/**
 * The FLUX.2 and FLUX 3 Image models the mock Runflow serves (issue 29), by slug, text-to-image and
 * `/edit`. THESE SLUGS AND INPUTS ARE OUR GUESS (docs/provider-facts.md RF-45, RF-48): Runflow's
 * marketing pages show `black-forest-labs/flux-2-pro` and `…/flux-2-flex` and fal-style inputs
 * (`image_size`, RF-36, RF-42, RF-43); its [klein] edit model takes `image_urls[]` (RF-35); nothing
 * stored shows [max]'s or FLUX 3 Image's slug, the `/edit` slugs or any reference limit. The node
 * looks each slug up before any run, so a wrong guess here is a 404 there, not a bad run.
 */
const FLUX2_INPUTS: MockInputSpec[] = [
	{ name: 'prompt', type: 'string', required: true },
	{ name: 'image_size', type: 'json', default: 'landscape_4_3' },
	{ name: 'seed', type: 'integer', min: 0 },
	{ name: 'output_format', type: 'string', choices: ['jpeg', 'png'], default: 'jpeg' },
	{ name: 'safety_tolerance', type: 'string', choices: ['1', '2', '3', '4', '5'], default: '2' },
	{ name: 'enable_safety_checker', type: 'boolean', default: true },
	{ name: 'sync_mode', type: 'boolean', default: false },
];

/** [flex] adds guidance and steps under fal's names (RF-43); it lists no prompt-upsampling switch. */
const FLUX2_FLEX_INPUTS: MockInputSpec[] = [
	...FLUX2_INPUTS,
	{ name: 'guidance_scale', type: 'float', min: 1.5, max: 10, default: 3.5 },
	{ name: 'num_inference_steps', type: 'integer', min: 1, max: 50, default: 28 },
];

const FLUX3_INPUTS: MockInputSpec[] = [
	{ name: 'prompt', type: 'string', required: true },
	{
		name: 'aspect_ratio',
		type: 'string',
		choices: FLUX3_RATIO_CHOICES,
		default: 'auto',
	},
	{
		name: 'resolution',
		type: 'string',
		choices: FLUX3_RESOLUTIONS,
		default: '1k',
	},
	{ name: 'safety_tolerance', type: 'integer', min: 0, max: 4, default: 2 },
	{ name: 'grounding', type: 'boolean', default: true },
];

/** An `/edit` model: the text model's inputs and a required `image_urls[]` of at most `max`. */
const withReferences = (inputs: MockInputSpec[], max: number): MockInputSpec[] => [
	inputs[0],
	{ name: 'image_urls', type: 'list', required: true, maxItems: max },
	...inputs.slice(1),
];

/** Slug → display name and inputs, as the mock's models API answers them. */
export const RUNFLOW_FLUX_MODELS: Readonly<
	Record<string, { id: string; displayName: string; inputs: MockInputSpec[] }>
> = {
	'black-forest-labs/flux-2-pro': {
		id: '2a7f0c1e-0000-4f20-8000-000000000201',
		displayName: 'FLUX.2 [pro]',
		inputs: FLUX2_INPUTS,
	},
	'black-forest-labs/flux-2-pro/edit': {
		id: '2a7f0c1e-0000-4f20-8000-000000000202',
		displayName: 'FLUX.2 [pro] Edit',
		inputs: withReferences(FLUX2_INPUTS, 8),
	},
	'black-forest-labs/flux-2-max': {
		id: '2a7f0c1e-0000-4f20-8000-000000000203',
		displayName: 'FLUX.2 [max]',
		inputs: FLUX2_INPUTS,
	},
	'black-forest-labs/flux-2-max/edit': {
		id: '2a7f0c1e-0000-4f20-8000-000000000204',
		displayName: 'FLUX.2 [max] Edit',
		inputs: withReferences(FLUX2_INPUTS, 8),
	},
	'black-forest-labs/flux-2-flex': {
		id: '2a7f0c1e-0000-4f20-8000-000000000205',
		displayName: 'FLUX.2 [flex]',
		inputs: FLUX2_FLEX_INPUTS,
	},
	'black-forest-labs/flux-2-flex/edit': {
		id: '2a7f0c1e-0000-4f20-8000-000000000206',
		displayName: 'FLUX.2 [flex] Edit',
		inputs: withReferences(FLUX2_FLEX_INPUTS, 8),
	},
	'black-forest-labs/flux-3-image': {
		id: '2a7f0c1e-0000-4f20-8000-000000000301',
		displayName: 'FLUX 3 Image',
		inputs: FLUX3_INPUTS,
	},
	'black-forest-labs/flux-3-image/edit': {
		id: '2a7f0c1e-0000-4f20-8000-000000000302',
		displayName: 'FLUX 3 Image Edit',
		inputs: withReferences(FLUX3_INPUTS, 10),
	},
};

/** The models-API answer for one of RUNFLOW_FLUX_MODELS, inputs replaced where a test says. */
export function fluxModelBody(slug: string, inputs?: MockInputSpec[]) {
	const model = RUNFLOW_FLUX_MODELS[slug] ?? RUNFLOW_KLEIN_MODELS[slug];
	return modelBody(model.id, slug, model.displayName, inputs ?? model.inputs);
}

/**
 * FLUX.2 [klein] on Runflow, as its own docs give them (docs/provider-facts.md RF-34, RF-35): a
 * text-to-image model and an `/edit` model per size, fal-style inputs (`image_size` a preset or
 * `{width, height}`, `num_images` 1–4, `num_inference_steps`, `output_format` jpeg/png/webp with
 * png the default, a safety checker and no safety tolerance); the edit model requires
 * `image_urls[]`. Runflow states no reference limit (RF-35: UNCONFIRMED); the mock holds fal's 4
 * (FA-30). Unlike RUNFLOW_FLUX_MODELS these slugs are documented, so they are always served.
 */
const KLEIN_INPUTS: MockInputSpec[] = [
	{ name: 'prompt', type: 'string', required: true },
	{ name: 'image_size', type: 'json', default: 'landscape_4_3' },
	{ name: 'num_images', type: 'integer', min: 1, max: 4, default: 1 },
	{ name: 'num_inference_steps', type: 'integer', min: 1, max: 50, default: 4 },
	{ name: 'seed', type: 'integer', min: 0 },
	{ name: 'output_format', type: 'string', choices: ['jpeg', 'png', 'webp'], default: 'png' },
	{ name: 'enable_safety_checker', type: 'boolean', default: true },
	{ name: 'sync_mode', type: 'boolean', default: false },
];

/** Slug → display name and inputs of Runflow's [klein] models (RF-34, RF-35). */
export const RUNFLOW_KLEIN_MODELS: Readonly<
	Record<string, { id: string; displayName: string; inputs: MockInputSpec[] }>
> = {
	'black-forest-labs/flux-2-klein-4b': {
		id: '2a7f0c1e-0000-4f20-8000-000000000401',
		displayName: 'FLUX.2 [klein] 4B',
		inputs: KLEIN_INPUTS,
	},
	'black-forest-labs/flux-2-klein-4b/edit': {
		id: '2a7f0c1e-0000-4f20-8000-000000000402',
		displayName: 'FLUX.2 [klein] 4B Edit',
		inputs: withReferences(KLEIN_INPUTS, 4),
	},
	'black-forest-labs/flux-2-klein-9b': {
		id: '2a7f0c1e-0000-4f20-8000-000000000403',
		displayName: 'FLUX.2 [klein] 9B',
		inputs: KLEIN_INPUTS,
	},
	'black-forest-labs/flux-2-klein-9b/edit': {
		id: '2a7f0c1e-0000-4f20-8000-000000000404',
		displayName: 'FLUX.2 [klein] 9B Edit',
		inputs: withReferences(KLEIN_INPUTS, 4),
	},
};
