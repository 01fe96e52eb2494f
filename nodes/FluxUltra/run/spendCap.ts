import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
} from 'n8n-workflow';

import { exact, money, requestPriceUsd, type ImageCost } from '../job/cost';
import type { JobRequest } from '../parameters/validation';
import type { FluxProvider } from '../providers/types';
import { executionCredentials } from '../transport/credentials';
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
 * Whether an API base URL points at this computer (127.0.0.0/8, ::1, localhost): a mock or a proxy
 * on the same machine. Only a label: it decides how the run's figures are worded, nothing else.
 */
export function isLoopbackBaseUrl(value: unknown): boolean {
	if (typeof value !== 'string' || value.trim() === '') return false;
	let host: string;
	try {
		// WHATWG parsing writes every IPv4 spelling (0x7f.1, 2130706433) as a dotted quad.
		host = new URL(value.trim()).hostname.toLowerCase().replace(/^\[|\]$/g, '');
	} catch {
		return false;
	}
	if (host === 'localhost' || host.endsWith('.localhost')) return true;
	if (/^127\.\d+\.\d+\.\d+$/.test(host)) return true;
	// ::1, and IPv4-mapped 127.x (written by the parser as ::ffff:7fxx:xxxx).
	return host === '::1' || /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(host);
}

const LOOPBACK_NOTE = 'the API Base URL is a loopback address: a mock, or a proxy on this computer';
const images = (n: number) => `${n} image${n === 1 ? '' : 's'}`;

/**
 * The execution hint's text. `charged`: figures a provider reported, and list prices of images made
 * on a provider's own host (or a remote proxy). `estimated`: list prices of images made through a
 * loopback API Base URL (the demo's mocks bill nothing), worded as an estimate, never as a cost.
 */
export function costHintMessage(charged: ImageCost[], estimated: ImageCost[]): string | undefined {
	const sentences: string[] = [];
	if (charged.length > 0) {
		const total = exact(charged.reduce((sum, c) => sum + c.usd, 0));
		const reported = charged.filter((c) => c.source === 'provider').length;
		const listed = charged.length - reported;
		const parts = [
			...(reported ? [`${reported} as reported by the provider`] : []),
			...(listed ? [`${listed} at list price`] : []),
		];
		sentences.push(
			`This run cost about ${money(total)} (${images(charged.length)}: ${parts.join(', ')})`,
		);
	}
	if (estimated.length > 0) {
		const total = exact(estimated.reduce((sum, c) => sum + c.usd, 0));
		sentences.push(
			`Estimate, not a charge: ${images(estimated.length)} at list price would cost about ${money(total)} (${LOOPBACK_NOTE})`,
		);
	}
	return sentences.length > 0 ? sentences.join('. ') : undefined;
}

/**
 * The run's total as an execution hint, n8n's own place for a note about a run (shown above the
 * output in the editor, kept with the execution): "This run cost about $0.24 (4 images: 4 at list
 * price)". Counts the images delivered; failed jobs are not in it. An image made through a loopback
 * API Base URL (a mock) counts at list price as an estimate, not a charge. Hosts without hints:
 * nothing.
 */
export async function addCostHint(
	ctx: IExecuteFunctions,
	providers: readonly FluxProvider[],
	output: INodeExecutionData[],
): Promise<void> {
	if (typeof ctx.addExecutionHints !== 'function') return;
	const costed = output.filter((item) => isImageCost(item.json.cost));
	if (costed.length === 0) return;
	// The credentials were read for the run already (executionCredentials keeps them per execution).
	const loopback = new Set<string>();
	for (const provider of providers) {
		if (!costed.some((item) => item.json.provider === provider.id)) continue;
		const credentials = await executionCredentials(ctx, provider.credentialType).catch(
			() => undefined,
		);
		if (isLoopbackBaseUrl(credentials?.baseUrl)) loopback.add(provider.id);
	}
	const charged: ImageCost[] = [];
	const estimated: ImageCost[] = [];
	for (const item of costed) {
		const cost = item.json.cost as unknown as ImageCost;
		const viaLoopback = loopback.has(String(item.json.provider));
		(viaLoopback && cost.source === 'list_price' ? estimated : charged).push(cost);
	}
	const message = costHintMessage(charged, estimated);
	if (message) ctx.addExecutionHints({ message, type: 'info', location: 'outputPane' });
}
