import { PROVIDER_PARAMS } from '../table';
import type { ModelDeclaration } from './types';

/**
 * FLUX 1.1 [pro] Ultra, the node's first model and the Model field's default: saved workflows have
 * no Model and run it as before. Its table is parameters/table.ts (PROVIDER_PARAMS), which also
 * serves Remix (Ultra Redux) and Generate with Fine-Tune; every provider serves it (no provider
 * line needed), each at its own per-image list price.
 */
export const ULTRA: ModelDeclaration = {
	id: 'flux-1.1-pro-ultra',
	displayName: 'FLUX 1.1 [pro] Ultra',
	description: 'Up to 4 MP at every ratio, an optional image prompt, raw mode; priced per image',
	params: PROVIDER_PARAMS,
	seed: true,
	price: { kind: 'providerList' },
	outputMegapixels: () => 4.2,
	lacks: {
		resolution: 'Ultra renders about 4 megapixels at every ratio',
		megapixels: 'Ultra renders about 4 megapixels at every ratio',
		grounding: 'Ultra has no grounding',
		prompt_upsampling: 'Ultra calls it Enhance Prompt',
		guidance: 'Ultra takes no guidance',
		steps: 'Ultra takes no step count',
	},
	unconfirmed: {},
};
