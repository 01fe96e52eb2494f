import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
} from 'n8n-workflow';

import { exact, money, requestPriceUsd, type ImageCost } from '../job/cost';
import type { JobRequest } from '../parameters/validation';
import type { FluxProvider } from '../providers/types';
import { FluxError } from '../transport/errors';
import type { Prepared } from './batch';
import type { RunSettings } from './settings';

/** The Options field the cap is set in, as messages name it. */
const CAP_FIELD = 'Max Cost per Run (USD)';

/**
 * The spend cap ("Max Cost per Run (USD)", a run setting; 0 is no cap). Before any job, the worst case of the run is added up: each item's images ×
 * the provider's list price. Over the cap, without Continue On Fail the run fails before anything is
 * sent; with it, the items that fit run in order and every item from the first one that does not
 * fit on becomes an error item in its place. Items already refused by validation are not counted.
 */
export function applySpendCap(
	ctx: IExecuteFunctions,
	settings: RunSettings,
	prepared: Array<Prepared<JobRequest>>,
): void {
	// The Fallback Provider: an item may run there instead, so the higher of the two prices counts.
	const { provider, fallback, continueOnFail } = settings;
	const runnable = prepared.filter((p): p is { value: JobRequest } => p.value !== undefined);
	const cap = settings.maxCostPerRunUsd;
	if (!(cap > 0)) return;
	// Per image: Ultra's list price, or the model's price rule at this item's settings and references.
	const priceOf = (r: JobRequest) =>
		Math.max(requestPriceUsd(provider, r), fallback ? requestPriceUsd(fallback, r) : 0);
	const costOf = (r: JobRequest) => r.params.num_images * priceOf(r);
	const total = exact(runnable.reduce((sum, p) => sum + costOf(p.value), 0));
	if (total <= cap) return;

	const prices = [...new Set(runnable.map((p) => priceOf(p.value)))];
	const whose = fallback
		? `the higher list price of ${provider.displayName} and the fallback ${fallback.displayName}`
		: `${provider.displayName} list price`;
	const price = prices.length === 1 ? `${money(prices[0])} (${whose} per image)` : `${whose}s`;
	const images = runnable.reduce((sum, p) => sum + p.value.params.num_images, 0);
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
		if (!p.value) continue;
		const cost = costOf(p.value);
		if (!full && exact(planned + cost) <= cap) {
			planned = exact(planned + cost);
			continue;
		}
		full = true;
		const count = p.value.params.num_images;
		p.failure = new FluxError(
			'spend_cap',
			`Not run: "${CAP_FIELD}" is ${money(cap)}, the items before this one may cost up to ${money(planned)}, and this item's ${plural(count, 'image')} × ${money(cost / count)} would make ${money(exact(planned + cost))}`,
			{
				description: `Nothing was sent to ${provider.displayName} for this item. The whole run would cost up to ${money(total)} (${figures}). ${what}`,
			},
		);
		delete p.value;
	}
}

function isImageCost(value: unknown): value is ImageCost {
	const cost = value as IDataObject | undefined;
	return (
		typeof cost?.usd === 'number' && (cost.source === 'provider' || cost.source === 'list_price')
	);
}

/**
 * The run's total as an execution hint, n8n's own place for a note about a run (shown above the
 * output in the editor, kept with the execution): "This run cost about $0.24 (4 images: 4 at list
 * price)". Counts the images delivered; failed jobs are not in it. Hosts without hints: nothing.
 */
export function addCostHint(
	ctx: IExecuteFunctions,
	provider: FluxProvider,
	output: INodeExecutionData[],
): void {
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
