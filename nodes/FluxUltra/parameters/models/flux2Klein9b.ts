import { flux2OutputMegapixels } from './flux2Pro';
import { KLEIN_LACKS, KLEIN_ROWS, KLEIN_UNCONFIRMED } from './flux2Klein4b';
import type { ModelDeclaration } from './types';

/**
 * FLUX.2 [klein] 9B: klein's quality/speed balance (MF-10), the same fields as [klein] 4B (BF-24:
 * one `Flux2KleinInputs`), up to 4 reference images (BF-29; BFL's SDK says 5, the API schema 4),
 * 1.5¢ the first megapixel at Black Forest Labs (BF-35, BF-51).
 */
export const FLUX_2_KLEIN_9B: ModelDeclaration = {
	id: 'flux-2-klein-9b',
	displayName: 'FLUX.2 [klein] 9B',
	description:
		'FLUX.2 [klein] with more quality for a little more time: up to 4 reference images, from about 1.5¢ an image',
	params: KLEIN_ROWS,
	references: {
		max: 4,
		source: 'BF-29, FA-30 (the maker’s SDK and RP-25 say 5: the node holds 4)',
	},
	seed: true,
	// MF-12: the highest known figures — BFL's first MP (1.5¢), Runflow's edit (1.1¢ per MP in and
	// out, RF-34) for further output and input MP — for fal and Replicate, whose prices are leads.
	price: { kind: 'perMegapixel', firstUsd: 0.015, extraUsd: 0.011, inputUsd: 0.011, roundUp: true },
	outputMegapixels: flux2OutputMegapixels,
	lacks: KLEIN_LACKS,
	unconfirmed: {
		...KLEIN_UNCONFIRMED,
		'BF-29': 'how many references (the API schema 4, the maker’s SDK 5): the node allows 4',
	},
};
