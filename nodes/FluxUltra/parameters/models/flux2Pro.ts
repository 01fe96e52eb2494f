import { NUM_IMAGES_ROW, promptRow, safetyRow, SEED_ROW } from './shared';
import type { ModelDeclaration } from './types';

/**
 * FLUX.2 [pro]: Black Forest Labs' recommended default for generation and editing (MF-02), up to
 * 4 MP out, up to 8 reference images (BF-29). Facts: docs/provider-facts.md BF-23…BF-36.
 */

/** Aspect ratios every provider of FLUX.2 takes (Replicate's named list, RP-22); `match`: the first reference's. */
const RATIOS = ['1:1', '16:9', '3:2', '2:3', '4:5', '5:4', '9:16', '3:4', '4:3'] as const;

/** The largest output BFL documents for FLUX.2 (BF-32: "output up to 4MP"). */
export const FLUX2_MAX_MEGAPIXELS = 4;

/**
 * Width and height for an aspect ratio and a megapixel count, for the providers that take pixels
 * (BFL): width = √(MP·10⁶·r) and height = width / r, both rounded to a multiple of 16 (a multiple
 * of 16 is UNCONFIRMED, BF-32), at least 64 (BF-32), and together at most 4 MP.
 */
export function flux2Size(ratio: string, megapixels: number): { width: number; height: number } {
	const [w, h] = ratio.split(':').map(Number);
	const r = w / h;
	const round16 = (n: number) => Math.max(64, Math.round(n / 16) * 16);
	let width = round16(Math.sqrt(megapixels * 1e6 * r));
	let height = round16(width / r);
	while (width * height > FLUX2_MAX_MEGAPIXELS * 1_048_576) {
		width -= 16;
		height = round16(width / r);
	}
	return { width, height };
}

/**
 * A FLUX.2 job's size from its canonical fields: Aspect Ratio × Megapixels (1 MP when unset) as
 * flux2Size gives it, or undefined with Match First Reference (each provider then sends its own
 * "as the first image": nothing, or `auto`).
 */
export function flux2SizeOf(
	params: Record<string, unknown>,
): { width: number; height: number } | undefined {
	return params.aspect_ratio === 'match'
		? undefined
		: flux2Size(String(params.aspect_ratio), Number(params.megapixels ?? 1));
}

/**
 * The fields of FLUX.2 [pro] and [max] (BF-25: the same `Flux2Inputs`): one row object each, so the
 * editor shows one field for both models.
 */
export const FLUX2_ROWS: ModelDeclaration['params'] = [
	promptRow(8),
	{
		kind: 'options',
		name: 'aspectRatio',
		apiName: 'aspect_ratio',
		displayName: 'Aspect Ratio',
		description:
			'Width-to-height ratio of the image, or Match First Reference (the size of the first reference image)',
		placement: 'main',
		operations: { generate: 'optional' },
		default: '1:1',
		values: [
			{ name: 'Match First Reference', value: 'match' },
			...RATIOS.map((r) => ({ name: r, value: r })),
		],
	},
	{
		kind: 'options',
		name: 'megapixels',
		apiName: 'megapixels',
		displayName: 'Megapixels',
		// It sets the price: an AI Agent may not choose it.
		agentMaySet: false,
		description:
			'Size of the image: 0.5, 1, 2 or 4 megapixels (the price grows with it). Not used with Match First Reference.',
		placement: 'main',
		operations: { generate: 'optional' },
		default: '1',
		canonical: 'number',
		values: [
			{ name: '0.5 MP', value: '0.5' },
			{ name: '1 MP', value: '1' },
			{ name: '2 MP', value: '2' },
			{ name: '4 MP', value: '4' },
		],
	},
	NUM_IMAGES_ROW,
	{
		kind: 'options',
		name: 'outputFormat',
		apiName: 'output_format',
		displayName: 'Output Format',
		description: 'File format of the images: jpeg (smaller files) or png (lossless)',
		placement: 'main',
		operations: { generate: 'optional' },
		default: 'jpeg',
		values: [
			{ name: 'JPEG', value: 'jpeg', description: 'Smaller files, best for photos' },
			{ name: 'PNG', value: 'png', description: 'Lossless, larger files' },
		],
	},
	safetyRow(1, 5, 'FLUX.2'),
	SEED_ROW,
];

/** What FLUX.2 lacks of the other models' fields, for the refusal. */
export const FLUX2_LACKS: ModelDeclaration['lacks'] = {
	raw: 'FLUX.2 has no raw mode',
	enhance_prompt: 'FLUX.2 [pro] and [max] have no prompt upsampling (BF-25)',
	image_prompt_strength: 'FLUX.2 takes Reference Images instead of an image prompt',
	resolution: 'FLUX.2 takes Megapixels instead',
	grounding: 'FLUX.2 has no grounding switch (BF-25)',
	prompt_upsampling: 'only FLUX.2 [flex] has it (BF-25, BF-26)',
	guidance: 'only FLUX.2 [flex] has it (BF-25, BF-26)',
	steps: 'only FLUX.2 [flex] has it (BF-25, BF-26)',
};

/** How the price rule counts the output of a FLUX.2 job: Match First Reference as the largest, 4 MP. */
export function flux2OutputMegapixels(params: Record<string, unknown>): number {
	return params.aspect_ratio === 'match'
		? FLUX2_MAX_MEGAPIXELS
		: typeof params.megapixels === 'number'
			? params.megapixels
			: 1;
}

/** What is UNCONFIRMED for every FLUX.2 model ([pro], [max], [flex]), by provider-facts id. */
export const FLUX2_UNCONFIRMED: ModelDeclaration['unconfirmed'] = {
	'BF-31': 'per-reference size, megapixel and format limits (none enforced beyond the node’s own)',
	'BF-32': 'width and height in multiples of 16',
};

export const FLUX_2_PRO: ModelDeclaration = {
	id: 'flux-2-pro',
	displayName: 'FLUX.2 [pro]',
	description:
		'The FLUX.2 model its makers recommend for generating and editing (MF-02): up to 4 MP, up to 8 reference images, priced per megapixel',
	params: FLUX2_ROWS,
	references: {
		max: 8,
		source: 'BF-29, RP-22 (8 on every provider that states it)',
	},
	seed: true,
	// BF-35: 3¢ the first output MP, 1.5¢ each further output MP and each input MP. Started megapixels
	// count whole here (BFL's rounding is UNCONFIRMED): the cap never counts too little.
	price: { kind: 'perMegapixel', firstUsd: 0.03, extraUsd: 0.015, inputUsd: 0.015, roundUp: true },
	outputMegapixels: flux2OutputMegapixels,
	lacks: FLUX2_LACKS,
	unconfirmed: {
		...FLUX2_UNCONFIRMED,
		'BF-35': 'per-megapixel increments (SECONDARY source) and their rounding',
	},
};
