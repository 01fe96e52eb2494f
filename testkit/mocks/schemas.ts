import { FLUX3_RATIO_CHOICES, FLUX3_RESOLUTIONS } from './models';

/**
 * The input schemas the fal.ai and Replicate mocks publish for the models beyond Ultra, in each
 * provider's own answer shape: fal's model search with an OpenAPI document per endpoint
 * (`GET /v1/models?endpoint_id=…&expand=openapi-3.0`, docs/provider-facts.md FA-44…FA-46),
 * Replicate's model with its latest version's `openapi_schema` (`GET /v1/models/{owner}/{name}`,
 * RP-33, RP-34). The inputs follow the facts read (FA-27…FA-37, RP-22…RP-27); where a fact is
 * UNCONFIRMED the mock lists what the node's line sends, so the mocks run every wired model.
 * Tests build their own variants (a missing input, a smaller `maxItems`) from these.
 *
 * The servers call `serveFalSchema` / `serveReplicateSchema` with one line each.
 */

type Json = Record<string, unknown>;

export interface MockInputSchema {
	properties: Record<string, Json>;
	required: string[];
	/** Components the properties `$ref` (Replicate's enums). */
	components?: Record<string, Json>;
}

const str = (extra: Json = {}): Json => ({ type: 'string', ...extra });
const bool = (fallback: boolean): Json => ({ type: 'boolean', default: fallback });
const FAL_PRESETS = [
	'square_hd',
	'square',
	'portrait_4_3',
	'portrait_16_9',
	'landscape_4_3',
	'landscape_16_9',
];

/** fal's FLUX.2 [pro]/[max] inputs (FA-27); the edit endpoint adds `image_urls` (FA-28). */
function falFlux2(edit: boolean, extra: Record<string, Json> = {}): MockInputSchema {
	return {
		properties: {
			prompt: str(),
			image_size: {
				anyOf: [
					{ $ref: '#/components/schemas/ImageSize' },
					{ type: 'string', enum: edit ? ['auto', ...FAL_PRESETS] : FAL_PRESETS },
				],
				default: edit ? 'auto' : 'landscape_4_3',
			},
			seed: { type: 'integer' },
			safety_tolerance: str({ enum: ['1', '2', '3', '4', '5'], default: '2' }),
			enable_safety_checker: bool(true),
			output_format: str({ enum: ['jpeg', 'png'], default: 'jpeg' }),
			sync_mode: bool(false),
			...(edit ? { image_urls: { type: 'array', items: str() } } : {}),
			...extra,
		},
		required: edit ? ['prompt', 'image_urls'] : ['prompt'],
	};
}

/** fal's FLUX 3 inputs (FA-37; `resolution`, `grounding`, `safety_tolerance` UNCONFIRMED at fal). */
function falFlux3(edit: boolean): MockInputSchema {
	return {
		properties: {
			prompt: str(),
			aspect_ratio: str({ enum: FLUX3_RATIO_CHOICES, default: 'auto' }),
			resolution: str({ enum: FLUX3_RESOLUTIONS, default: '1k' }),
			grounding: bool(true),
			safety_tolerance: { type: 'integer', minimum: 0, maximum: 4, default: 2 },
			...(edit ? { image_urls: { type: 'array', items: str(), maxItems: 10 } } : {}),
		},
		required: edit ? ['prompt', 'image_urls'] : ['prompt'],
	};
}

/**
 * fal's FLUX.2 [klein] inputs (FA-30, FA-55: `Flux2Klein9b*Input = Flux2Klein4b*Input`): fal
 * presets or `{width, height}` (no `auto`: the edit endpoint takes the input's size when none is
 * sent), up to 4 images, a safety checker and no safety tolerance.
 */
function falKlein(edit: boolean): MockInputSchema {
	return {
		properties: {
			prompt: str(),
			image_size: {
				anyOf: [{ $ref: '#/components/schemas/ImageSize' }, str({ enum: FAL_PRESETS })],
				...(edit ? {} : { default: 'landscape_4_3' }),
			},
			num_inference_steps: { type: 'integer', minimum: 1, maximum: 8, default: 4 },
			seed: { type: 'integer' },
			num_images: { type: 'integer', minimum: 1, maximum: 4, default: 1 },
			enable_safety_checker: bool(true),
			output_format: str({ enum: ['jpeg', 'png', 'webp'], default: 'png' }),
			sync_mode: bool(false),
			...(edit ? { image_urls: { type: 'array', items: str(), maxItems: 4 } } : {}),
		},
		required: edit ? ['prompt', 'image_urls'] : ['prompt'],
	};
}

const FLEX: Record<string, Json> = {
	guidance_scale: { type: 'number', default: 3.5 },
	num_inference_steps: { type: 'integer', default: 28 },
};

/** fal's schemas by endpoint id. */
export const FAL_SCHEMAS: Readonly<Record<string, MockInputSchema>> = {
	'fal-ai/flux-2-pro': falFlux2(false),
	'fal-ai/flux-2-pro/edit': falFlux2(true),
	'fal-ai/flux-2-max': falFlux2(false),
	'fal-ai/flux-2-max/edit': falFlux2(true),
	'fal-ai/flux-2-flex': falFlux2(false, FLEX),
	'fal-ai/flux-2-flex/edit': falFlux2(true, FLEX),
	'fal-ai/flux-2/klein/4b': falKlein(false),
	'fal-ai/flux-2/klein/4b/edit': falKlein(true),
	'fal-ai/flux-2/klein/9b': falKlein(false),
	'fal-ai/flux-2/klein/9b/edit': falKlein(true),
	'blackforestlabs/flux-3/text-to-image': falFlux3(false),
	'blackforestlabs/flux-3/edit-image': falFlux3(true),
};

/** The component name fal's OpenAPI gives an endpoint's input (its id in PascalCase + `Input`). */
const componentName = (endpoint: string) =>
	`${endpoint
		.split(/[^a-zA-Z0-9]+/)
		.map((w) => w.charAt(0).toUpperCase() + w.slice(1))
		.join('')}Input`;

/** fal's model search answer for one endpoint with its OpenAPI document (FA-44, FA-45). */
export function falModelSearchAnswer(endpoint: string, schema: MockInputSchema): Json {
	const name = componentName(endpoint);
	return {
		models: [
			{
				endpoint_id: endpoint,
				metadata: { display_name: endpoint, category: 'text-to-image', status: 'active' },
				openapi: {
					openapi: '3.0.4',
					info: { title: 'Queue OpenAPI for ' + endpoint, version: '1.0.0' },
					paths: {
						[`/${endpoint}`]: {
							post: {
								requestBody: {
									required: true,
									content: {
										'application/json': { schema: { $ref: `#/components/schemas/${name}` } },
									},
								},
							},
						},
					},
					components: {
						schemas: {
							[name]: {
								title: name,
								type: 'object',
								properties: schema.properties,
								required: schema.required,
							},
							ImageSize: {
								type: 'object',
								properties: { width: { type: 'integer' }, height: { type: 'integer' } },
							},
							...schema.components,
						},
					},
				},
			},
		],
		next_cursor: null,
		has_more: false,
	};
}

/** An enum as Replicate's cog writes it: a sibling component reached by `allOf: [{$ref}]` (RP-34). */
function cogEnum(
	name: string,
	values: string[],
	fallback: string,
): { property: Json; component: Json } {
	return {
		property: { allOf: [{ $ref: `#/components/schemas/${name}` }], default: fallback },
		component: { title: name, type: 'string', enum: values, description: 'An enumeration.' },
	};
}

const REPLICATE_RATIOS = [
	'match_input_image',
	'custom',
	'1:1',
	'16:9',
	'3:2',
	'2:3',
	'4:5',
	'5:4',
	'9:16',
	'3:4',
	'4:3',
];

/** Replicate's FLUX.2 inputs (RP-22…RP-24); [flex] adds guidance, steps, prompt upsampling. */
function replicateFlux2(flex: boolean): MockInputSchema {
	const ratio = cogEnum('aspect_ratio', REPLICATE_RATIOS, '1:1');
	const resolution = cogEnum(
		'resolution',
		['match_input_image', '0.5 MP', '1 MP', '2 MP', '4 MP'],
		'1 MP',
	);
	const format = cogEnum('output_format', ['webp', 'jpg', 'png'], 'webp');
	return {
		properties: {
			prompt: str(),
			input_images: { type: 'array', items: str({ format: 'uri' }), default: [] },
			aspect_ratio: ratio.property,
			resolution: resolution.property,
			width: { type: 'integer', minimum: 256, maximum: 2048 },
			height: { type: 'integer', minimum: 256, maximum: 2048 },
			safety_tolerance: { type: 'integer', minimum: 1, maximum: 5, default: 2 },
			seed: { type: 'integer' },
			output_format: format.property,
			output_quality: { type: 'integer', minimum: 0, maximum: 100, default: 80 },
			...(flex
				? {
						guidance: { type: 'number', minimum: 1.5, maximum: 10, default: 4.5 },
						steps: { type: 'integer', minimum: 1, maximum: 50, default: 30 },
						prompt_upsampling: bool(true),
					}
				: {}),
		},
		required: ['prompt'],
		components: {
			aspect_ratio: ratio.component,
			resolution: resolution.component,
			output_format: format.component,
		},
	};
}

/**
 * Replicate's FLUX.2 [klein] inputs (RP-25 for klein-4b; RP-43: klein-9b read from its -base
 * model): `images` up to 5, `output_megapixels` instead of `resolution` (RP-41: values
 * UNCONFIRMED, the ones the node sends), a safety checker switch and no safety tolerance.
 */
function replicateKlein(): MockInputSchema {
	const ratio = cogEnum(
		'aspect_ratio',
		REPLICATE_RATIOS.filter((r) => r !== 'custom'),
		'1:1',
	);
	const megapixels = cogEnum('output_megapixels', ['0.25', '0.5', '1', '2', '4'], '1');
	const format = cogEnum('output_format', ['webp', 'jpg', 'png'], 'jpg');
	return {
		properties: {
			prompt: str(),
			images: { type: 'array', items: str({ format: 'uri' }), maxItems: 5, default: [] },
			aspect_ratio: ratio.property,
			output_megapixels: megapixels.property,
			seed: { type: 'integer' },
			output_format: format.property,
			output_quality: { type: 'integer', minimum: 0, maximum: 100, default: 95 },
			disable_safety_checker: bool(false),
		},
		required: ['prompt'],
		components: {
			aspect_ratio: ratio.component,
			output_megapixels: megapixels.component,
			output_format: format.component,
		},
	};
}

/** Replicate's FLUX 3 Image inputs (RP-27). */
function replicateFlux3(): MockInputSchema {
	const ratio = cogEnum('aspect_ratio', FLUX3_RATIO_CHOICES, 'auto');
	const resolution = cogEnum('resolution', FLUX3_RESOLUTIONS, '1k');
	const format = cogEnum('output_format', ['webp', 'jpg', 'png'], 'webp');
	return {
		properties: {
			prompt: str(),
			images: { type: 'array', items: str({ format: 'uri' }), maxItems: 10, default: [] },
			aspect_ratio: ratio.property,
			resolution: resolution.property,
			grounding: bool(true),
			safety_tolerance: { type: 'integer', minimum: 0, maximum: 4, default: 2 },
			output_format: format.property,
			output_quality: { type: 'integer', minimum: 0, maximum: 100, default: 90 },
		},
		required: ['prompt'],
		components: {
			aspect_ratio: ratio.component,
			resolution: resolution.component,
			output_format: format.component,
		},
	};
}

/** Replicate's schemas by model (`owner/name`). */
export const REPLICATE_SCHEMAS: Readonly<Record<string, MockInputSchema>> = {
	'black-forest-labs/flux-2-pro': replicateFlux2(false),
	'black-forest-labs/flux-2-max': replicateFlux2(false),
	'black-forest-labs/flux-2-flex': replicateFlux2(true),
	'black-forest-labs/flux-2-klein-4b': replicateKlein(),
	'black-forest-labs/flux-2-klein-9b': replicateKlein(),
	'black-forest-labs/flux-3-image': replicateFlux3(),
};

/** Replicate's model answer with its latest version's `openapi_schema` (RP-33). */
export function replicateModelAnswer(model: string, schema: MockInputSchema): Json {
	const [owner, name] = model.split('/');
	return {
		url: `https://replicate.com/${model}`,
		owner,
		name,
		visibility: 'public',
		latest_version: {
			id: 'mock0000version',
			created_at: '2026-12-01T00:00:00.000Z',
			cog_version: '0.16.0',
			openapi_schema: {
				openapi: '3.0.2',
				info: { title: 'Cog', version: '0.1.0' },
				components: {
					schemas: {
						Input: {
							title: 'Input',
							type: 'object',
							properties: schema.properties,
							required: schema.required,
						},
						Output: { type: 'string', format: 'uri', title: 'Output' },
						...schema.components,
					},
				},
			},
		},
	};
}

/**
 * The mock fal server's schema route: fal's model search (public: served with or without a key).
 * Undefined when the request is not one, so the server goes on.
 */
export function serveFalSchema(
	method: string | undefined,
	url: URL,
): { status: number; body: Json } | undefined {
	if (method !== 'GET' || url.pathname !== '/v1/models') return undefined;
	const endpoint = url.searchParams.get('endpoint_id') ?? '';
	const schema = FAL_SCHEMAS[endpoint];
	if (!schema) return { status: 200, body: { models: [], next_cursor: null, has_more: false } };
	return { status: 200, body: falModelSearchAnswer(endpoint, schema) };
}

/** The mock Replicate server's schema route (after its key check, as on api.replicate.com). */
export function serveReplicateSchema(
	method: string | undefined,
	path: string,
): { status: number; body: Json } | undefined {
	const match = /^\/v1\/models\/([\w.-]+\/[\w.-]+)$/.exec(path);
	if (method !== 'GET' || !match) return undefined;
	const schema = REPLICATE_SCHEMAS[match[1]];
	return schema
		? { status: 200, body: replicateModelAnswer(match[1], schema) }
		: { status: 404, body: { title: 'Not found', detail: 'Not found.', status: 404 } };
}
