import { FLUX_2_FLEX } from './flux2Flex';
import { FLUX_2_KLEIN_4B } from './flux2Klein4b';
import { FLUX_2_KLEIN_9B } from './flux2Klein9b';
import { FLUX_2_MAX } from './flux2Max';
import { FLUX_2_PRO } from './flux2Pro';
import { FLUX_3_IMAGE } from './flux3Image';
import type { ModelDeclaration } from './types';
import { ULTRA } from './ultra';

export type { ModelDeclaration, ModelParamSpec, PriceRule, ReferenceLimits } from './types';

/**
 * Every model the node offers, in the Model field's order (the first is the default). Adding a model
 * is one file in this folder, one line here, and a line in each provider's `<provider>.models.ts`
 * that serves it (CONTRIBUTING.md, "Adding a model").
 */
export const MODELS: readonly ModelDeclaration[] = [
	ULTRA,
	FLUX_3_IMAGE,
	FLUX_2_PRO,
	FLUX_2_MAX,
	FLUX_2_FLEX,
	FLUX_2_KLEIN_9B,
	FLUX_2_KLEIN_4B,
];

/** The Model field's default: saved workflows (which have no Model) run Ultra, as they did. */
export const DEFAULT_MODEL = ULTRA.id;
export const ULTRA_MODEL = ULTRA.id;

/** The Model field's parameter name. */
export const MODEL_FIELD = { name: 'model', displayName: 'Model' } as const;

export function modelById(
	id: unknown,
	models: readonly ModelDeclaration[] = MODELS,
): ModelDeclaration | undefined {
	return models.find((m) => m.id === id);
}

/** Every field name (n8n parameter name) some model has: the ones a model may have to refuse. */
export function modelFieldNames(models: readonly ModelDeclaration[] = MODELS): Set<string> {
	return new Set(models.flatMap((m) => m.params.map((p) => p.name)));
}
