import type { ModelDeclaration, PriceRule } from '../parameters/models';
import type { Operation } from '../parameters/table';
import type { JobRequest } from '../parameters/validation';
import type { FluxProvider, JobResult } from '../providers/types';

/**
 * What an image cost, as its output item reports it: the provider's own figure where its answer
 * has one (`provider`), else the provider's list price (`list_price`, from its price table).
 */
export interface ImageCost {
	usd: number;
	source: 'provider' | 'list_price';
}

/** A cent-and-below figure as people write money: $0.06, $0.055, $1.50. */
export function money(usd: number): string {
	return `$${usd.toFixed(4).replace(/0{1,2}$/, '')}`;
}

/** Rounds away float noise (0.1 + 0.2) while keeping sub-cent shares. */
export const exact = (usd: number) => Math.round(usd * 1e6) / 1e6;

/**
 * The provider's list price of one image for an operation. An operation its table does not name is
 * priced at the table's highest price, so a cap never counts too little.
 */
export function listPriceUsd(provider: FluxProvider, operation: Operation): number {
	const table = provider.pricePerImageUsd;
	return (
		table[operation] ??
		Math.max(...Object.values(table).filter((v): v is number => typeof v === 'number'))
	);
}

/**
 * A reference whose size the pre-flight could not read (an https URL the provider fetches itself)
 * counts as this many megapixels, unless the model caps references lower: FLUX.2 publishes no
 * per-reference limit (BF-31, UNCONFIRMED), and its output tops out at 4 MP (BF-32).
 */
const UNKNOWN_REFERENCE_MEGAPIXELS = 4;

/** The price of one image by a model's price rule; every started megapixel counts where `roundUp`. */
export function priceByRule(
	rule: PriceRule,
	model: ModelDeclaration,
	params: Record<string, unknown>,
	referenceMegapixels: ReadonlyArray<number | undefined>,
): number {
	switch (rule.kind) {
		case 'providerList':
			return Number.NaN;
		case 'perImage':
			return rule.usd;
		case 'perResolutionClass': {
			const price = rule.usd[String(params[rule.field])];
			// A class the table does not name counts at its highest price: the cap never counts too little.
			return price ?? Math.max(...Object.values(rule.usd));
		}
		case 'perMegapixel': {
			const round = (mp: number) => (rule.roundUp ? Math.ceil(mp - 1e-9) : mp);
			const out = Math.max(1, round(model.outputMegapixels(params)));
			const input = referenceMegapixels.reduce<number>(
				(sum, mp) =>
					sum + round(mp ?? model.references?.maxMegapixels ?? UNKNOWN_REFERENCE_MEGAPIXELS),
				0,
			);
			return exact(rule.firstUsd + rule.extraUsd * (out - 1) + rule.inputUsd * input);
		}
	}
}

/**
 * The list price of one image of a request on a provider: Ultra's per-image table, or the model's
 * price rule (the provider line's own where it has one), with the item's references counted.
 */
export function requestPriceUsd(
	provider: FluxProvider,
	request: Pick<
		JobRequest,
		'operation' | 'params' | 'model' | 'references' | 'referenceMegapixels' | 'listPriceUsd'
	>,
): number {
	const model = request.model;
	if (!model) return listPriceUsd(provider, request.operation);
	if (request.listPriceUsd !== undefined) return request.listPriceUsd;
	const line = provider.models?.[model.id];
	const sizes = request.referenceMegapixels ?? (request.references ?? []).map(() => undefined);
	const rule =
		(sizes.length > 0 ? line?.priceWithReferences : undefined) ?? line?.price ?? model.price;
	return priceByRule(rule, model, request.params as unknown as Record<string, unknown>, sizes);
}

/**
 * One image's cost. A provider figure covers the whole job, so a job that made several images
 * (fal.ai and Runflow make up to 4 in one job) gives each an equal share of it.
 */
export function imageCost(
	provider: FluxProvider,
	request: JobRequest,
	result: JobResult,
): ImageCost {
	if (result.costUsd !== undefined && result.images.length > 0) {
		return { usd: exact(result.costUsd / result.images.length), source: 'provider' };
	}
	return { usd: requestPriceUsd(provider, request), source: 'list_price' };
}
