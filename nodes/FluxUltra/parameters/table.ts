/**
 * The parameter table: the single source for the node's UI fields, the zod validation of every
 * item, and the defaults. Each row describes one provider parameter in provider-neutral terms;
 * `apiName` is the canonical name (fal.ai's, which the product brief uses), and each provider maps
 * the canonical names onto its own wire format in its own module.
 *
 * Defaults and ranges are fal.ai's documented ones for `fal-ai/flux-pro/v1.1-ultra` and
 * `.../v1.1-ultra/redux`: https://fal.ai/docs/model-api-reference/image-generation-api/flux-pro-v1.1-ultra
 * and https://fal.ai/models/fal-ai/flux-pro/v1.1-ultra/redux/llms.txt, with fal-js (`@fal-ai/client`
 * 1.10.1, commit 381105e of 2026-08-02) `FluxProV11UltraInput` and `FluxProV11UltraReduxInput`; read
 * 2026-12-02 (docs/provider-facts.md FA-14).
 */

export const OPERATIONS = ['generate', 'remix', 'finetune'] as const;
export type Operation = (typeof OPERATIONS)[number];

/** Each operation's name in the editor (Operation field, subtitle, messages). */
export const OPERATION_NAMES: Record<Operation, string> = {
	generate: 'Generate',
	remix: 'Remix',
	finetune: 'Generate with Fine-Tune',
};

/**
 * Default Fine-Tune Strength: Black Forest Labs' documented default. fal.ai requires the field and
 * documents no default, so the node always sends it: the same workflow gets the same strength on
 * either provider.
 */
export const FINETUNE_STRENGTH_DEFAULT = 1.2;

/**
 * Get Result: reads a job that Generate or Remix created with Wait for Completion off. It creates
 * no job, so it is not one of the provider OPERATIONS; rows say where they apply to it too.
 */
export const GET_RESULT = 'getResult';
export const NODE_OPERATIONS = [...OPERATIONS, GET_RESULT] as const;
export type NodeOperation = (typeof NODE_OPERATIONS)[number];

export const ASPECT_RATIOS = [
	'21:9',
	'16:9',
	'4:3',
	'3:2',
	'1:1',
	'2:3',
	'3:4',
	'9:16',
	'9:21',
] as const;
export type AspectRatio = (typeof ASPECT_RATIOS)[number];

export const OUTPUT_FORMATS = ['jpeg', 'png'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Longest prompt accepted before any provider call. The providers publish no limit (UNCONFIRMED). */
export const PROMPT_MAX_LENGTH = 10_000;

/** The most images one item (and so one job) can ask for: Number of Images' maximum. */
export const NUM_IMAGES_MAX = 4;

/** Seeds up to this are numbers; larger ones (fal reports 64-bit seeds) travel as digit strings. */
export const SEED_MAX = Number.MAX_SAFE_INTEGER;

/**
 * Largest seed accepted: 2^64−1, so any seed the node outputs (fal reports seeds such as
 * 15860307465884635512) can be typed or mapped back into Seed. The providers document no upper
 * bound (UNCONFIRMED).
 */
export const SEED_BIG_MAX = BigInt('18446744073709551615');

/** Where a parameter applies, and whether it must be set there. */
export type Presence = 'required' | 'optional';

/**
 * The node's versions (n8n's `version: [1, 2]`; a saved workflow keeps the `typeVersion` it was
 * made with, a new node gets DEFAULT_VERSION). Version 1 is the layout of workflows saved before
 * version 2: every field where its row's `placement` puts it. Version 2 follows n8n's UX
 * guidelines (and master's community-node rules): the short form shows only what must be filled
 * in; every field that may be left as it is sits in the "Options" collection.
 */
export const NODE_VERSIONS = [1, 2] as const;
export type NodeVersion = (typeof NODE_VERSIONS)[number];
export const DEFAULT_VERSION: NodeVersion = 2;

/** A version as n8n hands it over (`node.typeVersion`): unknown or older ones read as version 1. */
export function nodeVersionOf(typeVersion: unknown): NodeVersion {
	return typeof typeVersion === 'number' && typeVersion >= 2 ? 2 : 1;
}

/**
 * Where a field sits for one operation in one node version: version 1 as the row's `placement`
 * says; version 2 at the top level only where it is a `main` field the operation requires, in the
 * "Options" collection otherwise. The one rule the editor (parameters/ui.ts) and the reading
 * (operations/) both follow.
 */
export function placementIn(
	spec: { placement: 'main' | 'options'; operations: Partial<Record<NodeOperation, Presence>> },
	operation: NodeOperation,
	version: NodeVersion,
): 'main' | 'options' | undefined {
	const presence = spec.operations[operation];
	if (!presence) return undefined;
	if (version === 1) return spec.placement;
	return spec.placement === 'main' && presence === 'required' ? 'main' : 'options';
}

interface SpecBase {
	/** n8n parameter name (camelCase, as n8n's own nodes name them). */
	name: string;
	/** Canonical provider-neutral name; providers map it to their wire names. Node settings have none. */
	apiName?: string;
	displayName: string;
	description: string;
	/** `main` fields are always visible; `options` fields sit in the "Options" collection. */
	placement: 'main' | 'options';
	operations: Partial<Record<NodeOperation, Presence>>;
	/** Replaces `description` for one operation where the field means something else there. */
	operationDescriptions?: Partial<Record<NodeOperation, string>>;
	placeholder?: string;
	hint?: string;
	/**
	 * False: when the node runs as an AI Agent tool, the model may not set this field (through
	 * `$fromAI`, or the tool call's input `$json`): it bounds what a run may spend, how much it may
	 * take, or where it sends or fetches things. See AGENT_SOURCE and `agentSetField`.
	 */
	agentMaySet?: false;
}

export interface StringSpec extends SpecBase {
	kind: 'string';
	default: string;
	maxLength: number;
	rows?: number;
	/** A shape the text must have, with the message that explains it. */
	pattern?: { regex: RegExp; message: string };
	/** Names refused as they are (a field name JavaScript objects reserve). */
	reserved?: { names: readonly string[]; message: string };
}

export interface IntegerSpec extends SpecBase {
	kind: 'integer';
	default: number | undefined;
	min: number;
	max: number;
	/** Also accept whole numbers above `max` up to this, as digit strings (kept exact as BigInt). */
	bigMax?: bigint;
}

export interface NumberSpec extends SpecBase {
	kind: 'number';
	/** Undefined: optional, unset means the provider's own default (FLUX.2 [flex]'s Guidance). */
	default: number | undefined;
	min: number;
	max: number;
	precision: number;
	/** Unit named in messages, e.g. "seconds". */
	unit?: string;
}

export interface BooleanSpec extends SpecBase {
	kind: 'boolean';
	default: boolean;
}

export interface OptionsSpec extends SpecBase {
	kind: 'options';
	default: string;
	values: ReadonlyArray<{ name: string; value: string; description?: string }>;
	/** The canonical value is the number the option names (the UI keeps strings, as fal does). */
	canonical?: 'number';
}

export type ParamSpec = StringSpec | IntegerSpec | NumberSpec | BooleanSpec | OptionsSpec;

/**
 * Names no field of an item may take: every member of a plain object's prototype and the names
 * JavaScript treats as its prototype. A binary field so named reads back as the inherited member
 * (`binary.constructor` is a function), and one written so is dropped: n8n copies binary fields
 * into plain objects, where `__proto__` sets the prototype instead of a field.
 */
export const RESERVED_FIELD_NAMES: readonly string[] = [
	...Object.getOwnPropertyNames(Object.prototype),
	'prototype',
].sort();

const RESERVED_FIELD_MESSAGE =
	'is a name JavaScript objects reserve (such as __proto__, constructor or toString): n8n would lose or misread the file. Pick another name, e.g. data';

/**
 * What makes a field's value the AI Agent's when the node runs as a tool: `$fromAI()` (n8n also
 * takes `$fromai` and `$fromAi`), and the tool's input item, which is the model's tool call
 * (`$json`, `$input`, `$binary`; n8n-core's get-input-connection-data.ts).
 */
export const AGENT_SOURCE = /\$(?:fromai|json|input|binary)\b/i;

/**
 * Whether text holds a control character (C0 or DEL): refused in every text field, except tab,
 * line feed and carriage return in multi-line ones (the prompt).
 */
export function hasControlCharacter(text: string, multiLine: boolean): boolean {
	for (let i = 0; i < text.length; i++) {
		const code = text.charCodeAt(i);
		if (
			code === 0x7f ||
			(code < 0x20 && !(multiLine && (code === 0x09 || code === 0x0a || code === 0x0d)))
		)
			return true;
	}
	return false;
}

/** Every operation (named before Generate with Fine-Tune, which takes all of Ultra's fields too). */
const BOTH: Partial<Record<Operation, Presence>> = {
	generate: 'optional',
	remix: 'optional',
	finetune: 'optional',
};

export const PROVIDER_PARAMS = [
	{
		kind: 'string',
		name: 'finetuneId',
		apiName: 'finetune_id',
		displayName: 'Fine-Tune ID',
		description:
			"ID of your fine-tune (a LoRA trained on your own images, e.g. a brand's products or style) at the provider it was trained on.",
		placeholder: 'e.g. a1b2c3d4-5678-90ab-cdef-1234567890ab',
		placement: 'main',
		operations: { finetune: 'required' },
		default: '',
		maxLength: 200,
		pattern: { regex: /^\S+$/, message: 'must be one fine-tune ID, without spaces' },
	},
	{
		kind: 'number',
		name: 'finetuneStrength',
		apiName: 'finetune_strength',
		displayName: 'Fine-Tune Strength',
		description:
			'How strongly the fine-tune shapes the image, from 0 (not at all) to 2. Raise it when your subject or style does not show strongly enough, lower it when images look overdone.',
		placement: 'main',
		operations: { finetune: 'required' },
		default: FINETUNE_STRENGTH_DEFAULT,
		min: 0,
		max: 2,
		precision: 2,
	},
	{
		kind: 'string',
		name: 'prompt',
		apiName: 'prompt',
		displayName: 'Prompt',
		description:
			'What the image should show, in words: subject, setting, style, light. Up to 10,000 characters.',
		placeholder: 'e.g. A product photo of a ceramic mug on a walnut table, morning light',
		placement: 'main',
		operations: { generate: 'required', remix: 'optional', finetune: 'required' },
		operationDescriptions: {
			remix:
				'Optional text that steers the variations of the input image, e.g. a new setting or style',
			finetune:
				"What the image should show, in words: subject, setting, style, light. Put your fine-tune's trigger word (e.g. TOK), if it was trained with one, where its subject should appear. Up to 10,000 characters.",
		},
		default: '',
		maxLength: PROMPT_MAX_LENGTH,
		rows: 4,
	},
	{
		kind: 'options',
		name: 'aspectRatio',
		apiName: 'aspect_ratio',
		displayName: 'Aspect Ratio',
		description:
			'Width-to-height ratio of the image: 21:9, 16:9, 4:3, 3:2, 1:1, 2:3, 3:4, 9:16 or 9:21. Ultra renders about 4 megapixels at every ratio.',
		placement: 'main',
		operations: BOTH,
		default: '16:9',
		values: [
			{ name: '21:9 (Ultrawide, 3136×1344)', value: '21:9' },
			{ name: '16:9 (Landscape, 2752×1536)', value: '16:9' },
			{ name: '4:3 (Landscape, 2368×1792)', value: '4:3' },
			{ name: '3:2 (Landscape, 2496×1664)', value: '3:2' },
			{ name: '1:1 (Square, 2048×2048)', value: '1:1' },
			{ name: '2:3 (Portrait, 1664×2496)', value: '2:3' },
			{ name: '3:4 (Portrait, 1792×2368)', value: '3:4' },
			{ name: '9:16 (Portrait, 1536×2752)', value: '9:16' },
			{ name: '9:21 (Tall, 1344×3136)', value: '9:21' },
		],
	},
	{
		kind: 'integer',
		name: 'numImages',
		apiName: 'num_images',
		displayName: 'Number of Images',
		description:
			'How many images to create (1 to 4) for each input item. Each image comes out as its own item.',
		placement: 'main',
		agentMaySet: false,
		operations: BOTH,
		default: 1,
		min: 1,
		max: NUM_IMAGES_MAX,
	},
	{
		kind: 'options',
		name: 'outputFormat',
		apiName: 'output_format',
		displayName: 'Output Format',
		description: 'File format of the images: jpeg (smaller files) or png (lossless)',
		placement: 'main',
		operations: BOTH,
		default: 'jpeg',
		values: [
			{ name: 'JPEG', value: 'jpeg', description: 'Smaller files, best for photos' },
			{ name: 'PNG', value: 'png', description: 'Lossless, larger files' },
		],
	},
	{
		kind: 'boolean',
		name: 'enhancePrompt',
		apiName: 'enhance_prompt',
		displayName: 'Enhance Prompt',
		description: 'Whether the provider rewrites the prompt with more detail before generating',
		placement: 'options',
		operations: BOTH,
		default: false,
	},
	{
		kind: 'number',
		name: 'imagePromptStrength',
		apiName: 'image_prompt_strength',
		displayName: 'Image Prompt Strength',
		description:
			'How strongly the input image steers the result, from 0 (prompt only) to 1 (image only). Used only when an input image is given.',
		placement: 'options',
		operations: BOTH,
		default: 0.1,
		min: 0,
		max: 1,
		precision: 2,
	},
	{
		kind: 'boolean',
		name: 'raw',
		apiName: 'raw',
		displayName: 'Raw',
		description: 'Whether to generate less processed, more natural-looking images',
		placement: 'options',
		operations: BOTH,
		default: false,
	},
	{
		kind: 'options',
		name: 'safetyTolerance',
		apiName: 'safety_tolerance',
		displayName: 'Safety Tolerance',
		description:
			'How strictly the provider filters content, from 1 (most strict) to 6 (most permissive)',
		placement: 'options',
		agentMaySet: false,
		operations: BOTH,
		default: '2',
		canonical: 'number',
		values: [
			{ name: '1 (Most Strict)', value: '1' },
			{ name: '2 (Default)', value: '2' },
			{ name: '3', value: '3' },
			{ name: '4', value: '4' },
			{ name: '5', value: '5' },
			{ name: '6 (Most Permissive)', value: '6' },
		],
	},
	{
		kind: 'integer',
		name: 'seed',
		apiName: 'seed',
		displayName: 'Seed',
		description:
			'Fixed seed for reproducible results. The same seed, prompt and settings give the same image. Leave unset for a random seed. A seed from an earlier output (a number, or text when it is beyond 2^53) can be mapped in as it is.',
		placement: 'options',
		operations: BOTH,
		default: undefined,
		min: 0,
		max: SEED_MAX,
		bigMax: SEED_BIG_MAX,
	},
	{
		kind: 'boolean',
		name: 'syncMode',
		apiName: 'sync_mode',
		displayName: 'Sync Mode',
		description:
			'Whether the provider returns the images inline instead of as links. Output items then carry no link (url is null): leave it off when an AI Agent needs the link.',
		placement: 'options',
		operations: BOTH,
		default: false,
	},
] as const satisfies readonly ParamSpec[];

export type ProviderParamName = (typeof PROVIDER_PARAMS)[number]['name'];

/** Image input (`image_url`): where the image comes from is a node concern, not a provider one. */
export const IMAGE_SOURCES = ['none', 'url', 'binary'] as const;
export type ImageSource = (typeof IMAGE_SOURCES)[number];

export const IMAGE_INPUT = {
	apiName: 'image_url',
	source: {
		name: 'imageSource',
		displayName: 'Input Image',
		placement: 'main',
		// Remix needs an image; Generate and Fine-Tune take one optionally (None by default).
		operations: { generate: 'optional', remix: 'required', finetune: 'optional' },
		defaults: { generate: 'none', remix: 'url', finetune: 'none' } satisfies Record<
			Operation,
			ImageSource
		>,
	},
	url: {
		name: 'imageUrl',
		displayName: 'Image URL',
		description: 'Public URL of the input image (JPEG, PNG, WebP, GIF or AVIF), or a data URI',
		placeholder: 'e.g. https://example.com/product.png',
		maxLength: 2048,
		agentMaySet: false,
	},
	binary: {
		name: 'binaryPropertyName',
		displayName: 'Input Binary Field',
		description: 'Name of the binary field of the incoming item that holds the input image',
		hint: 'The name of the input binary field containing the image',
		default: 'data',
		reserved: { names: RESERVED_FIELD_NAMES, message: RESERVED_FIELD_MESSAGE },
	},
} as const;

/** Node behaviour settings, also in the "Options" collection: table rows like the others. */
export const NODE_OPTION_PARAMS = [
	{
		kind: 'string',
		name: 'binaryPropertyOutput',
		displayName: 'Put Output File in Field',
		description: 'Name of the binary field each output item puts its image in',
		hint: 'The name of the output binary field to put the file in',
		placement: 'options',
		// Unset means the default; added to Options and left empty is a mistake worth naming.
		operations: {
			generate: 'required',
			remix: 'required',
			finetune: 'required',
			getResult: 'required',
		},
		default: 'data',
		maxLength: 100,
		pattern: {
			regex: /^[\w.-]+$/,
			message: 'must be a field name of letters, digits, "_", "-" or "."',
		},
		reserved: { names: RESERVED_FIELD_NAMES, message: RESERVED_FIELD_MESSAGE },
	},
	{
		kind: 'string',
		name: 'fileName',
		displayName: 'File Name',
		description:
			'Name given to each image file, without extension. Placeholders: {requestId}, {index} (image number, from 1), {item} (input item number, from 1), {seed}.',
		placement: 'options',
		operations: {
			generate: 'required',
			remix: 'required',
			finetune: 'required',
			getResult: 'required',
		},
		default: 'flux-{requestId}-{index}',
		maxLength: 200,
	},
	{
		kind: 'number',
		name: 'timeout',
		displayName: 'Timeout (Seconds)',
		description: 'How long to wait for each job before giving up.',
		placement: 'options',
		agentMaySet: false,
		operations: BOTH,
		default: 600,
		min: 10,
		max: 3600,
		precision: 0,
		unit: 'seconds',
	},
	{
		kind: 'integer',
		name: 'maxParallelJobs',
		displayName: 'Max Parallel Jobs',
		description:
			'How many jobs run at the same time: one per item, or one per image where a provider makes one image per request. Output order is kept.',
		placement: 'options',
		agentMaySet: false,
		operations: { ...BOTH, getResult: 'optional' },
		default: 2,
		min: 1,
		max: 16,
	},
	{
		kind: 'number',
		name: 'maxImageSize',
		displayName: 'Max Image Size (MB)',
		description:
			'Largest image file the node takes in or out: each result download, and the input image (a binary field, a data: URI, an Image URL the node downloads), which is refused before any request. A provider with a smaller upload limit keeps its own. A 4-megapixel PNG is at most about 13 MB. Left unset for FLUX 3 Image, whose 4k PNG is about 16 megapixels, it is 100 MB.',
		placement: 'options',
		agentMaySet: false,
		operations: { ...BOTH, getResult: 'optional' },
		default: 40,
		min: 1,
		max: 200,
		precision: 0,
		unit: 'MB',
	},
	{
		kind: 'number',
		name: 'maxCostPerRun',
		displayName: 'Max Cost per Run (USD)',
		description:
			"Spend cap for one run of this node, 0 for none. Before the first job the node adds up the worst case (items × images × the provider's list price per image, or the model's price rule at the item's resolution and references) and, if it is higher, fails before anything is paid; with On Error set to continue, the items that fit run and the rest become error items. An expression is read from the first item.",
		placement: 'options',
		agentMaySet: false,
		operations: BOTH,
		default: 0,
		min: 0,
		max: 100_000,
		precision: 2,
		unit: 'US dollars',
	},
	{
		kind: 'boolean',
		name: 'aiLabel',
		displayName: 'Write AI Label',
		description:
			"Whether to write IPTC's AI label into each JPEG or PNG image that carries no Content Credentials: an XMP packet saying a trained model made it (DigitalSourceType trainedAlgorithmicMedia) and naming the model. A file with Content Credentials (C2PA) is never changed. Off: every file is delivered exactly as the provider made it.",
		placement: 'options',
		agentMaySet: false,
		operations: { ...BOTH, getResult: 'optional' },
		default: false,
	},
	{
		kind: 'boolean',
		name: 'aiLabelPrompt',
		displayName: 'Include Prompt in AI Label',
		description:
			'Whether the AI label (see Write AI Label) also carries the prompt (IPTC AIPromptInformation). Prompts can hold private data: leave it off unless the prompt may travel with the file.',
		placement: 'options',
		agentMaySet: false,
		operations: { ...BOTH, getResult: 'optional' },
		default: false,
	},
	{
		kind: 'boolean',
		name: 'downloadImage',
		displayName: 'Download Image',
		description:
			'Whether to download the generated image as binary data. When disabled, only the image URL is returned. Links expire, so pass them on at once.',
		placement: 'main',
		operations: { ...BOTH, getResult: 'optional' },
		default: true,
	},
	{
		kind: 'boolean',
		name: 'waitForCompletion',
		displayName: 'Wait for Completion',
		description:
			'Whether to wait for each job and output its images. Off: each job is only created, and one item per job comes out at once with its request ID; the Get Result operation collects the images later (see "Completion Webhook URL" in Options).',
		placement: 'main',
		operations: BOTH,
		default: true,
	},
	{
		kind: 'string',
		name: 'webhookUrl',
		displayName: 'Completion Webhook URL',
		description:
			'URL the provider calls (POST) when each job has finished, e.g. {{ $execution.resumeUrl }} for a Wait node set to "On Webhook Call".',
		placeholder: 'e.g. {{ $execution.resumeUrl }}',
		placement: 'options',
		agentMaySet: false,
		operations: BOTH,
		default: '',
		maxLength: 2048,
		pattern: {
			regex: /^(https?:\/\/[^\s/?#]+(?:[/?#]\S*)?)?$/i,
			message: 'must be an http:// or https:// URL',
		},
	},
] as const satisfies readonly ParamSpec[];

/**
 * Get Result's own inputs: which job to read. They default to the keys of the item Generate or
 * Remix puts out with Wait for Completion off, so the two nodes connect with nothing to map.
 */
export const RESULT_INPUT = {
	requestId: {
		name: 'requestId',
		displayName: 'Request ID',
		description:
			'ID of the job to collect, as Generate or Remix put it out with Wait for Completion off',
		default: '={{ $json.requestId }}',
		maxLength: 200,
	},
	links: {
		name: 'jobLinks',
		displayName: 'Job Links',
		placement: 'main',
		// Optional: in version 2 it sits in Options, and left out there the incoming item's links are read.
		operations: { getResult: 'optional' },
		description:
			'The job\'s status and result links, as Generate or Remix put them out ("links"). Leave empty with a typed-in Request ID: the links are then built from it. A link is used only on the provider\'s own API host.',
		default: '={{ $json.links }}',
	},
	/** In Options (every version): which model the job runs, where the incoming item does not say. */
	model: {
		name: 'jobModel',
		displayName: 'Model',
		description:
			'The model the job runs. From the Request: the "model" of an incoming item that names the same Request ID, else FLUX 1.1 [pro] Ultra. Set it for a Request ID typed in or copied from an error message: a provider may keep each model\'s jobs apart, and the images\' items name it.',
		default: '',
	},
} as const;

/** Looks up a parameter by its canonical API name, to name fields in provider errors. */
export function displayNameForApiField(apiName: string): string | undefined {
	if (apiName === IMAGE_INPUT.apiName) return IMAGE_INPUT.url.displayName;
	return PROVIDER_PARAMS.find((p) => p.apiName === apiName)?.displayName;
}
