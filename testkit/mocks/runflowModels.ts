import { ULTRA_SIZES } from './images';

/**
 * What the mock Runflow answers at `GET /v1/models/{owner}/{slug}`: a model with `inputs[]` in the
 * shape Runflow documents (`id, name, display_name, description, variable_type_code,
 * default_behavior_code, validator_code, validator_attrs, is_required, default_value, sort_order,
 * is_featured`). The codes and `validator_attrs` keys are undocumented; these are the mock's own
 * spelling, which the node may read only where it recognises them. Each variant's runs are checked
 * against its own inputs (`validateBySchema`).
 */

export type MockInputType = 'string' | 'integer' | 'float' | 'boolean' | 'list';

export interface MockInputSpec {
	name: string;
	type: MockInputType;
	required?: boolean;
	choices?: readonly unknown[];
	min?: number;
	max?: number;
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
				: spec.min !== undefined || spec.max !== undefined
					? 'range'
					: 'none',
			validator_attrs: {
				...(spec.choices ? { choices: spec.choices } : {}),
				...(spec.min !== undefined ? { min: spec.min } : {}),
				...(spec.max !== undefined ? { max: spec.max } : {}),
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
							: Array.isArray(value) && value.every((v) => typeof v === 'string');
		if (!typeOk) {
			fail(key, `must be of type ${spec.type}`);
			continue;
		}
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
