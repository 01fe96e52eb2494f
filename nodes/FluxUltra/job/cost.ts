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
	return { usd: listPriceUsd(provider, request.operation), source: 'list_price' };
}
