import type { NodeOperation, ParamSpec, Presence } from '../table';

/**
 * A model is a declaration (issue 29): its parameters (the table rows that drive the editor, the
 * validation, the types, the AI Agent tool rules and docs/models.md), its reference-image limits
 * and its price rule. Which providers serve it, with their endpoints and field names, is declared in
 * each provider's own folder (`<provider>.models.ts`, the provider's `models` lines), so a provider
 * stays one folder and a model one file. CONTRIBUTING.md has the recipe.
 */

/** Fields a model row may have beyond a table row: only Generate runs a model other than Ultra. */
export type ModelParamSpec = ParamSpec & {
	apiName: string;
	operations: Partial<Record<NodeOperation, Presence>>;
};

/** How many reference images a job may carry, and how large each may be (before any request). */
export interface ReferenceLimits {
	/** At most this many references per job (the model's own API limit). */
	max: number;
	/** Each side at least this many pixels, where the model says so. */
	minSide?: number;
	/** Each reference at most this many megapixels (decoded), where the model says so. */
	maxMegapixels?: number;
	/** Where the limits come from (docs/provider-facts.md ids). */
	source: string;
}

/**
 * A price rule, in US dollars. `perImage`: flat. `perResolutionClass`: one price per value of the
 * named canonical field (FLUX 3 Image's `resolution`). `perMegapixel`: the first output megapixel,
 * each further output megapixel, each input (reference) megapixel; `roundUp` counts every started
 * megapixel as a whole one (the worst case when the provider does not say).
 */
export type PriceRule =
	/** Each provider's own per-image list (`FluxProvider.pricePerImageUsd`): FLUX 1.1 [pro] Ultra. */
	| { kind: 'providerList' }
	| { kind: 'perImage'; usd: number }
	| { kind: 'perResolutionClass'; field: string; usd: Readonly<Record<string, number>> }
	| {
			kind: 'perMegapixel';
			firstUsd: number;
			extraUsd: number;
			inputUsd: number;
			roundUp: boolean;
	  };

export interface ModelDeclaration {
	/** Value of the node's Model field. */
	id: string;
	/** As the editor, messages and docs name it. */
	displayName: string;
	/** One line for the Model field's option. */
	description: string;
	/** The model's fields (Generate only), in display order. Reference Images are declared below. */
	params: readonly ModelParamSpec[];
	/** Reference images the model takes (none: the Reference Images field is not shown for it). */
	references?: ReferenceLimits;
	/** Whether the model takes and reports a seed (FLUX 3 Image has none: its items say `seed: null`). */
	seed: boolean;
	/** The list price of one image, before the provider's own figure is known. */
	price: PriceRule;
	/** The output megapixels of one image for the price rule, from the validated parameters. */
	outputMegapixels(params: Record<string, unknown>): number;
	/**
	 * "Max Image Size (MB)" when the user left it unset, where this model's files need more than the
	 * node's default (FLUX 3 Image's 4k PNG, ~16 MP).
	 */
	maxImageSizeDefaultMb?: number;
	/** Why a field of another model is not one of this model's, where there is more to say. */
	lacks?: Readonly<Record<string, string>>;
	/** This model's facts still UNCONFIRMED on the provider's own pages (fact id → what). */
	unconfirmed: Readonly<Record<string, string>>;
}
