import { NodeOperationError, type IExecuteFunctions } from 'n8n-workflow';

import type { NodeOptions } from '../parameters/validation';
import {
	fallbackParameterName,
	HAS_FALLBACK,
	NO_FALLBACK,
	providerById,
} from '../providers/registry';
import type { FluxProvider } from '../providers/types';

/**
 * What holds for the whole run, read once: the provider and its fallback, Continue On Fail, and the
 * run-level Options (Max Parallel Jobs, Max Cost per Run), which n8n keeps per item but which
 * count for the run: they are taken from the first item that passed its checks.
 */
export interface RunSettings {
	provider: FluxProvider;
	fallback?: FluxProvider;
	continueOnFail: boolean;
	maxParallelJobs: number;
	/** 0: no cap. */
	maxCostPerRunUsd: number;
}

/** The node's Provider. */
export function providerOf(ctx: IExecuteFunctions): FluxProvider {
	const provider = providerById(ctx.getNodeParameter('provider', 0));
	if (!provider) {
		throw new NodeOperationError(ctx.getNode(), 'Unknown provider', {
			description: 'Pick a provider in the "Provider" field.',
		});
	}
	return provider;
}

/** The Fallback Provider set beside the provider, if any. */
export function fallbackOf(
	ctx: IExecuteFunctions,
	provider: FluxProvider,
): FluxProvider | undefined {
	if (!HAS_FALLBACK) return undefined;
	const id = ctx.getNodeParameter(fallbackParameterName(provider.id), 0, NO_FALLBACK);
	if (id === NO_FALLBACK) return undefined;
	const fallback = providerById(id);
	if (!fallback || fallback === provider) {
		throw new NodeOperationError(ctx.getNode(), `Unknown fallback provider "${String(id)}"`, {
			description: 'Pick another provider, or None, in the "Fallback Provider" field.',
		});
	}
	return fallback;
}

/**
 * The run's settings, once every item was read (`continueOnFail`: n8n's, as the node's execute()
 * read it; `firstOptions`: those of the first runnable item).
 */
export function runSettings(
	provider: FluxProvider,
	fallback: FluxProvider | undefined,
	continueOnFail: boolean,
	firstOptions: Pick<NodeOptions, 'maxParallelJobs' | 'maxCostPerRunUsd'> | undefined,
): RunSettings {
	return {
		provider,
		fallback,
		continueOnFail,
		maxParallelJobs: firstOptions?.maxParallelJobs ?? 1,
		maxCostPerRunUsd: firstOptions?.maxCostPerRunUsd ?? 0,
	};
}
