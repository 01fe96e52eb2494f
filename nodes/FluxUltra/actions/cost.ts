import { NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';

import type { Operation } from '../parameters/table';
import type { JobRequest } from '../parameters/validation';
import type { FluxProvider, JobResult } from '../providers/types';
import { FluxError } from '../transport/errors';

/**
 * What an image cost, as its output item reports it: the provider's own figure where its answer
 * has one (`provider`), else the provider's list price (`list_price`, from its price table).
 */
export interface ImageCost {
	usd: number;
	source: 'provider' | 'list_price';
}

/** The Options field the cap is set in, as messages name it. */
const CAP_FIELD = 'Max Cost per Run (USD)';

/** A cent-and-below figure as people write money: $0.06, $0.055, $1.50. */
export function money(usd: number): string {
	return `$${usd.toFixed(4).replace(/0{1,2}$/, '')}`;
}

/** Rounds away float noise (0.1 + 0.2) while keeping sub-cent shares. */
const exact = (usd: number) => Math.round(usd * 1e6) / 1e6;

/**
 * The provider's list price of one image for an operation. An operation its table does not name is
 * priced at the table's highest price, so a cap never counts too little.
 */
export function listPriceUsd(provider: FluxProvider, operation: Operation): number {
	const table = provider.pricePerImageUsd;
	return table[operation] ?? Math.max(...Object.values(table).filter((v): v is number => typeof v === 'number'));
}

/**
 * One image's cost. A provider figure covers the whole job, so a job that made several images
 * (fal.ai and Runflow make up to 4 in one job) gives each an equal share of it.
 */
export function imageCost(provider: FluxProvider, request: JobRequest, result: JobResult): ImageCost {
	if (result.costUsd !== undefined && result.images.length > 0) {
		return { usd: exact(result.costUsd / result.images.length), source: 'provider' };
	}
	return { usd: listPriceUsd(provider, request.operation), source: 'list_price' };
}

/**
 * The spend cap ("Max Cost per Run (USD)", read from the first runnable item, like Max Parallel
 * Jobs; 0 is no cap). Before any job, the worst case of the run is added up: each item's images ×
 * the provider's list price. Over the cap, without Continue On Fail the run fails before anything is
 * sent; with it, the items that fit run in order and every item from the first one that does not
 * fit on becomes an error item in its place. Items already refused by validation are not counted.
 */
export function applySpendCap(
	ctx: IExecuteFunctions,
	provider: FluxProvider,
	prepared: Array<{ request?: JobRequest; failure?: unknown }>,
	continueOnFail: boolean,
	/** The Fallback Provider: an item may run there instead, so the higher of the two prices counts. */
	fallback?: FluxProvider,
): void {
	const runnable = prepared.filter((p): p is { request: JobRequest } => p.request !== undefined);
	const cap = runnable[0]?.request.options.maxCostPerRunUsd ?? 0;
	if (!(cap > 0)) return;
	const priceOf = (operation: Operation) => Math.max(listPriceUsd(provider, operation), fallback ? listPriceUsd(fallback, operation) : 0);
	const costOf = (r: JobRequest) => r.params.num_images * priceOf(r.operation);
	const total = exact(runnable.reduce((sum, p) => sum + costOf(p.request), 0));
	if (total <= cap) return;

	const prices = [...new Set(runnable.map((p) => priceOf(p.request.operation)))];
	const whose = fallback ? `the higher list price of ${provider.displayName} and the fallback ${fallback.displayName}` : `${provider.displayName} list price`;
	const price = prices.length === 1 ? `${money(prices[0])} (${whose} per image)` : `${whose}s`;
	const images = runnable.reduce((sum, p) => sum + p.request.params.num_images, 0);
	const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
	const figures = `${plural(runnable.length, 'item')}, ${plural(images, 'image')} × ${price}`;
	const what = `Raise "${CAP_FIELD}" in Options, lower "Number of Images", or send fewer items at once (e.g. through a Loop Over Items node).`;
	if (!continueOnFail) {
		throw new NodeOperationError(
			ctx.getNode(),
			`This run could cost up to ${money(total)}, more than "${CAP_FIELD}" allows (${money(cap)}): ${figures}`,
			{
				description: `Nothing was sent to ${provider.displayName}. ${what} With "On Error" set to continue, the items that fit the cap run, in order, and the rest come out as error items.`,
			},
		);
	}
	let planned = 0;
	let full = false;
	for (const p of prepared) {
		if (!p.request) continue;
		const cost = costOf(p.request);
		if (!full && exact(planned + cost) <= cap) {
			planned = exact(planned + cost);
			continue;
		}
		full = true;
		const count = p.request.params.num_images;
		p.failure = new FluxError(
			'spend_cap',
			`Not run: "${CAP_FIELD}" is ${money(cap)}, the items before this one may cost up to ${money(planned)}, and this item's ${plural(count, 'image')} × ${money(cost / count)} would make ${money(exact(planned + cost))}`,
			{ description: `Nothing was sent to ${provider.displayName} for this item. The whole run would cost up to ${money(total)} (${figures}). ${what}` },
		);
		delete p.request;
	}
}

function isImageCost(value: unknown): value is ImageCost {
	const cost = value as IDataObject | undefined;
	return typeof cost?.usd === 'number' && (cost.source === 'provider' || cost.source === 'list_price');
}

/**
 * The run's total as an execution hint, n8n's own place for a note about a run (shown above the
 * output in the editor, kept with the execution): "This run cost about $0.24 (4 images: 4 at list
 * price)". Counts the images delivered; failed jobs are not in it. Hosts without hints: nothing.
 */
export function addCostHint(ctx: IExecuteFunctions, provider: FluxProvider, output: INodeExecutionData[]): void {
	if (typeof ctx.addExecutionHints !== 'function') return;
	const costs = output.map((item) => item.json.cost).filter(isImageCost);
	if (costs.length === 0) return;
	const total = exact(costs.reduce((sum, c) => sum + c.usd, 0));
	const reported = costs.filter((c) => c.source === 'provider').length;
	const listed = costs.length - reported;
	const parts = [
		...(reported ? [`${reported} as reported by the provider`] : []),
		...(listed ? [`${listed} at list price`] : []),
	];
	ctx.addExecutionHints({
		message: `This run cost about ${money(total)} (${costs.length} image${costs.length === 1 ? '' : 's'}: ${parts.join(', ')})`,
		type: 'info',
		location: 'outputPane',
	});
}
