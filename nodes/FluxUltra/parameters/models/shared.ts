import { NUM_IMAGES_MAX, PROMPT_MAX_LENGTH, SEED_MAX } from '../table';
import type { ModelParamSpec } from './types';

/**
 * Rows several model declarations share as they are (same name, meaning and bounds). A model file
 * may use them or write its own row under the same name.
 */

export const GENERATE_ONLY = { generate: 'required' } as const;

/** The prompt of a model with reference images: it may name them by position. */
export function promptRow(maxReferences: number): ModelParamSpec {
	return {
		kind: 'string',
		name: 'prompt',
		apiName: 'prompt',
		displayName: 'Prompt',
		description: `What the image should show, in words. With Reference Images, name them by position ("the bottle from image 1 on the table from image 2"; up to image ${maxReferences}). Up to 10,000 characters.`,
		placeholder: 'e.g. The bottle from image 1 on the beach from image 2, golden hour',
		placement: 'main',
		operations: GENERATE_ONLY,
		default: '',
		maxLength: PROMPT_MAX_LENGTH,
		rows: 4,
	};
}

/** Number of Images: one job per image on every provider (none of these models makes several). */
export const NUM_IMAGES_ROW: ModelParamSpec = {
	kind: 'integer',
	name: 'numImages',
	apiName: 'num_images',
	displayName: 'Number of Images',
	description:
		'How many images to create (1 to 4) for each input item: one job each, each counted against "Max Parallel Jobs". Each image comes out as its own item.',
	placement: 'main',
	agentMaySet: false,
	operations: { generate: 'optional' },
	default: 1,
	min: 1,
	max: NUM_IMAGES_MAX,
};

/** A seed for models that take one (each further image of an item gets seed+1, as for Ultra). */
export const SEED_ROW: ModelParamSpec = {
	kind: 'integer',
	name: 'seed',
	apiName: 'seed',
	displayName: 'Seed',
	description:
		'Fixed seed for reproducible results. The same seed, prompt, references and settings give the same image. Leave unset for a random seed.',
	placement: 'options',
	operations: { generate: 'optional' },
	default: undefined,
	min: 0,
	max: SEED_MAX,
};

/** Safety tolerance as a list of whole numbers from `min` to `max` (the UI keeps strings, as for Ultra). */
export function safetyRow(min: number, max: number, model: string): ModelParamSpec {
	const values = Array.from({ length: max - min + 1 }, (_, n) => {
		const v = String(min + n);
		const label =
			min + n === min ? `${v} (Most Strict)` : min + n === max ? `${v} (Most Permissive)` : v;
		return { name: min + n === 2 ? `${v} (Default)` : label, value: v };
	});
	return {
		kind: 'options',
		name: 'safetyTolerance',
		apiName: 'safety_tolerance',
		displayName: 'Safety Tolerance',
		description: `How strictly the provider filters content, from ${min} (most strict) to ${max} (most permissive): ${model} takes ${min}–${max}`,
		placement: 'options',
		agentMaySet: false,
		operations: { generate: 'optional' },
		default: '2',
		canonical: 'number',
		values,
	};
}
