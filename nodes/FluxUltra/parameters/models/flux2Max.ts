import { FLUX2_LACKS, flux2OutputMegapixels, FLUX2_ROWS, FLUX2_UNCONFIRMED } from './flux2Pro';
import type { ModelDeclaration } from './types';

/**
 * FLUX.2 [max]: the family's highest quality, the same fields as [pro] (BF-25: `Flux2Inputs`), up
 * to 8 reference images (BF-29, RP-23), at a higher per-megapixel price (BF-35; FA-34 CONFIRMED at
 * fal: "$0.07 first processed megapixel, each additional $0.03; input images counted").
 */
export const FLUX_2_MAX: ModelDeclaration = {
	id: 'flux-2-max',
	displayName: 'FLUX.2 [max]',
	description:
		'The highest-quality FLUX.2 model: the fields of FLUX.2 [pro], up to 8 reference images, about twice its price',
	params: FLUX2_ROWS,
	references: { max: 8, source: 'BF-29, RP-23' },
	seed: true,
	price: { kind: 'perMegapixel', firstUsd: 0.07, extraUsd: 0.03, inputUsd: 0.03, roundUp: true },
	outputMegapixels: flux2OutputMegapixels,
	lacks: FLUX2_LACKS,
	unconfirmed: FLUX2_UNCONFIRMED,
};
