import { FLUX2_LACKS, flux2OutputMegapixels, FLUX2_ROWS, FLUX2_UNCONFIRMED } from './flux2Pro';
import { promptRow, safetyRow } from './shared';
import type { ModelDeclaration, ModelParamSpec } from './types';

/**
 * FLUX.2 [klein] 4B: the fastest and cheapest FLUX.2 model, open weights (MF-10), up to 4 reference
 * images on every provider (BF-29, FA-30; Replicate takes 5, RP-25, the node holds 4). Its fields
 * are FLUX.2 [pro]'s without guidance or steps (BF-27: `Flux2KleinInputs`, "like Pro but max 4
 * images"); Safety Tolerance only Black Forest Labs honours (fal, Replicate and Runflow have a
 * safety checker only: FA-30, RP-25, RF-35). Facts: docs/provider-facts.md BF-27…BF-29, BF-50…BF-52,
 * FA-30, FA-53…FA-55, RP-25, RP-41…RP-43, RF-34, RF-35, MF-10…MF-12.
 */

/** FLUX.2's rows klein has as they are: one editor field for every FLUX.2 model. */
const shared = (name: string): ModelParamSpec => FLUX2_ROWS.find((row) => row.name === name)!;

/** BFL's klein range, 0–5 (BF-27); no other provider has the field for klein. */
const KLEIN_SAFETY: ModelParamSpec = {
	...safetyRow(0, 5, 'FLUX.2 [klein]'),
	description:
		'How strictly the provider filters content, from 0 (most strict) to 5 (most permissive). For FLUX.2 [klein] only the model’s maker takes it; the other providers run a safety checker instead and take only 2.',
};

/** The fields of FLUX.2 [klein] 4B and 9B (the same `Flux2KleinInputs`, BF-24, BF-27). */
export const KLEIN_ROWS: ModelDeclaration['params'] = [
	promptRow(4),
	shared('aspectRatio'),
	shared('megapixels'),
	shared('numImages'),
	shared('outputFormat'),
	KLEIN_SAFETY,
	shared('seed'),
];

/** What klein lacks of the other models' fields, for the refusal. */
export const KLEIN_LACKS: ModelDeclaration['lacks'] = {
	...FLUX2_LACKS,
	enhance_prompt: 'FLUX.2 [klein] has no prompt upsampling (BF-27)',
	prompt_upsampling: 'FLUX.2 [klein] has no prompt upsampling (BF-27)',
	guidance: 'FLUX.2 [klein] takes no guidance (BF-27)',
	steps: 'FLUX.2 [klein] takes no step count (BF-27: distilled to a few steps)',
};

/** What is UNCONFIRMED for both klein models, by provider-facts id. */
export const KLEIN_UNCONFIRMED: ModelDeclaration['unconfirmed'] = {
	...FLUX2_UNCONFIRMED,
	'MF-11':
		'the largest klein output (leads: 2048×2048; the maker: up to 4 MP for FLUX.2): 4 MP is offered',
	'MF-12':
		'prices where the provider states none (FA-53, FA-54, RP-42: leads only): the rule counts the highest known figure',
};

export const FLUX_2_KLEIN_4B: ModelDeclaration = {
	id: 'flux-2-klein-4b',
	displayName: 'FLUX.2 [klein] 4B',
	description:
		'The fastest and cheapest FLUX.2 model: up to 4 reference images, from about 1.4¢ an image',
	params: KLEIN_ROWS,
	references: { max: 4, source: 'BF-29, FA-30 (RP-25 says 5: the node holds 4)' },
	seed: true,
	// MF-12: the highest known figure, fal's own guide's $0.014 per megapixel (FA-53; whether input
	// megapixels count is not said, so they count), which is also BFL's first MP (BF-35, BF-51): the
	// cap never counts too little where the provider's price is UNCONFIRMED (fal, Replicate). BFL's
	// and Runflow's lines hold their own, lower rules.
	price: { kind: 'perMegapixel', firstUsd: 0.014, extraUsd: 0.014, inputUsd: 0.014, roundUp: true },
	outputMegapixels: flux2OutputMegapixels,
	lacks: KLEIN_LACKS,
	unconfirmed: KLEIN_UNCONFIRMED,
};
