import { FLUX2_LACKS, flux2OutputMegapixels, FLUX2_ROWS, FLUX2_UNCONFIRMED } from './flux2Pro';
import type { ModelDeclaration } from './types';

/**
 * FLUX.2 [flex]: FLUX.2 with the sampling exposed — prompt upsampling (on by default), guidance and
 * steps (BF-26) — up to 8 reference images (BF-29), 5¢ per megapixel in and out (BF-35; FA-34
 * CONFIRMED at fal, "rounded up to the nearest megapixel"). Guidance and Steps left unset are the
 * provider's own defaults, which differ (BFL 5 and 50, fal 3.5 and 28: BF-26, FA-29).
 */
export const FLUX_2_FLEX: ModelDeclaration = {
	id: 'flux-2-flex',
	displayName: 'FLUX.2 [flex]',
	description:
		'FLUX.2 with its sampling exposed: prompt upsampling, guidance and steps; up to 8 reference images; 5¢ per megapixel in and out',
	params: [
		...FLUX2_ROWS,
		{
			kind: 'boolean',
			name: 'promptUpsampling',
			apiName: 'prompt_upsampling',
			displayName: 'Prompt Upsampling',
			description:
				'Whether the model rewrites the prompt with more detail before generating (on by default)',
			placement: 'options',
			operations: { generate: 'optional' },
			default: true,
		},
		{
			kind: 'number',
			name: 'guidance',
			apiName: 'guidance',
			displayName: 'Guidance',
			description:
				"How closely the image follows the prompt: higher is closer, lower is freer. Not set: the provider's own default.",
			placement: 'options',
			operations: { generate: 'optional' },
			default: undefined,
			min: 1.5,
			max: 10,
			precision: 1,
		},
		{
			kind: 'integer',
			name: 'steps',
			apiName: 'steps',
			displayName: 'Steps',
			description:
				"Sampling steps: more is slower and can add detail. Not set: the provider's own default.",
			placement: 'options',
			operations: { generate: 'optional' },
			default: undefined,
			min: 1,
			max: 50,
		},
	],
	references: { max: 8, source: 'BF-29 (8 in the API; one older page says 10 for [flex])' },
	seed: true,
	price: { kind: 'perMegapixel', firstUsd: 0.05, extraUsd: 0.05, inputUsd: 0.05, roundUp: true },
	outputMegapixels: flux2OutputMegapixels,
	lacks: { ...FLUX2_LACKS, enhance_prompt: 'FLUX.2 [flex] calls it Prompt Upsampling' },
	unconfirmed: FLUX2_UNCONFIRMED,
};
