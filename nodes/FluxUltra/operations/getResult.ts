import { NodeOperationError, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';

import { validateJobLinks, validateRequestId } from '../parameters/resultInput';
import {
	ASPECT_RATIOS,
	GET_RESULT,
	OPERATIONS,
	RESULT_INPUT,
	type AspectRatio,
	type Operation,
} from '../parameters/table';
import { ULTRA_MODEL, type ModelDeclaration } from '../parameters/models';
import { resolveModel } from '../parameters/modelValidation';
import { validateOptions, type FluxParams } from '../parameters/validation';
import type { FluxProvider, ProviderSession } from '../providers/types';
import { ParameterError } from '../transport/errors';
import { collectOne, type Ask } from '../job/collect';
import { agentSetField } from '../run/agentTool';
import { runBatch, stopAtFirstBad } from '../run/batch';
import { openEach } from '../run/sessions';
import { providersServing } from '../run/served';
import { fallbackOf } from '../run/settings';
import { isMainField, itemParameter, readOptions } from './itemParameters';

/**
 * Get Result: collects jobs created with Wait for Completion off. Per item, one status read; a
 * finished job's images come out exactly as a waiting run puts them out (same JSON, same binary),
 * a job still running comes out as one item with `status: 'running'` (feed it to Get Result again
 * later), a failed job fails its item as a waiting run would (an error item in place under
 * Continue On Fail). Only reads: retried freely, and no job is ever created here.
 */

const wholeNumber = (v: unknown): number | undefined =>
	typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined;

/**
 * One item's job: its ID and links (from the fields, which default to the incoming item's keys),
 * and what the incoming item says of the job for the output JSON (operation, prompt, aspect ratio,
 * image position), as Generate or Remix wrote it. Refuses a link off the provider's API host.
 */
function readAsk(
	ctx: IExecuteFunctions,
	provider: FluxProvider,
	session: ProviderSession,
	i: number,
): Ask {
	const agentSet = agentSetField(ctx);
	if (agentSet) throw agentSet;
	const requestId = validateRequestId(
		itemParameter(ctx, RESULT_INPUT.requestId.name, i, undefined),
	);
	const rawOptions = readOptions(ctx, i, GET_RESULT);
	// The incoming item describes this job only when it names the same request.
	const json = ctx.getInputData()[i]?.json ?? {};
	const described = json.requestId === requestId ? json : {};
	// Job Links: version 1's top-level field (it defaults to the item's links); version 2's option,
	// and left out there, the links of an incoming item that names the same request.
	const linksName = RESULT_INPUT.links.name;
	const rawLinks = isMainField(ctx, RESULT_INPUT.links, GET_RESULT)
		? itemParameter(ctx, linksName, i, undefined)
		: linksName in rawOptions
			? rawOptions[linksName]
			: described.links;
	delete rawOptions[linksName];
	const modelOption = rawOptions[RESULT_INPUT.model.name];
	delete rawOptions[RESULT_INPUT.model.name];
	const links = validateJobLinks(rawLinks);
	const options = validateOptions(GET_RESULT, rawOptions);
	if (typeof described.provider === 'string' && described.provider !== provider.id) {
		throw new NodeOperationError(
			ctx.getNode(),
			`The job ${requestId} was created on "${described.provider}", not on ${provider.displayName} [item ${i}]`,
			{
				itemIndex: i,
				description: `Set "Provider" to the one that created the job: its key is the only one that can read it.`,
			},
		);
	}
	const model = jobModel(provider, modelOption, described.model);
	const operation = OPERATIONS.includes(described.operation as Operation)
		? (described.operation as Operation)
		: 'generate';
	const aspectRatio = knownRatio(model, described.aspectRatio);
	// Only what the image JSON reads of a request: the job itself was made by Generate or Remix.
	const params = {
		prompt: typeof described.prompt === 'string' ? described.prompt : '',
		aspect_ratio: aspectRatio,
	} as FluxParams;
	const job = session.lookup(requestId, links, model);
	if (typeof described.providerCostUsd === 'number' && described.providerCostUsd >= 0)
		job.costUsd = described.providerCostUsd;
	const listPrice = described.listPriceUsd;
	const priced =
		model && typeof listPrice === 'number' && Number.isFinite(listPrice) && listPrice >= 0;
	return {
		job,
		request: {
			operation: model ? 'generate' : operation,
			params,
			options,
			...(model ? { model } : {}),
			...(priced ? { listPriceUsd: listPrice } : {}),
		},
		place: {
			firstImage: wholeNumber(described.imageIndex) ?? 0,
			imageCount: wholeNumber(described.imageCount),
			item: wholeNumber(described.item) ?? i,
		},
	};
}

/**
 * The aspect ratio an incoming item names, when it is one the job's model offers (a model's own:
 * FLUX 3 Image's `auto`, FLUX.2's `match`; else Ultra's): an item's text goes into the output only
 * as one of those values.
 */
function knownRatio(model: ModelDeclaration | undefined, value: unknown): AspectRatio | undefined {
	const row = model?.params.find((p) => p.apiName === 'aspect_ratio');
	const offered: readonly string[] = model
		? row && 'values' in row
			? row.values.map((v) => v.value)
			: []
		: ASPECT_RATIOS;
	return typeof value === 'string' && offered.includes(value) ? (value as AspectRatio) : undefined;
}

/**
 * The model a job runs, for its items' `model` and (fal.ai) its links: the Model option where set,
 * else the `model` of the incoming item that names the job, else Ultra (undefined: Ultra's items, as
 * saved workflows have them). A model this provider does not serve is refused before any request.
 */
function jobModel(
	provider: FluxProvider,
	option: unknown,
	described: unknown,
): ModelDeclaration | undefined {
	const chosen = option === undefined || option === null || option === '' ? described : option;
	if (chosen === undefined || chosen === null || chosen === '') return undefined;
	const model = resolveModel(chosen);
	if (model.id === ULTRA_MODEL) return undefined;
	if (!provider.models?.[model.id]) {
		const serving = providersServing(model).map((p) => p.displayName);
		throw new ParameterError(
			RESULT_INPUT.model.displayName,
			`${model.displayName} is not available on ${provider.displayName}, so no job of it can be there. ${serving.length ? `Providers that serve it: ${serving.join(', ')}.` : ''}`.trim(),
			model.id,
		);
	}
	return model;
}

/**
 * Runs Get Result over all items; output keeps the input order. A job whose item says the Fallback
 * Provider created it (an item that failed over) is read there, with the fallback's credential;
 * every other job on the node's Provider.
 */
export async function getResult(
	ctx: IExecuteFunctions,
	primary: FluxProvider,
	continueOnFail: boolean,
): Promise<INodeExecutionData[][]> {
	const fallback = fallbackOf(ctx, primary);
	const items = ctx.getInputData();
	const providerOf = (i: number) =>
		fallback && items[i]?.json.provider === fallback.id ? fallback : primary;
	const { opened, scrub } = await openEach(
		ctx,
		items.map((_, i) => providerOf(i)),
	);
	const sessionOf = (i: number) => opened.get(providerOf(i)) ?? {};
	// Every item is read and checked before the first request (a forged link fails here).
	const asks = items.map((_, i): { ask?: Ask; session?: ProviderSession; failure?: unknown } => {
		const { session, failure: openFailure } = sessionOf(i);
		if (openFailure !== undefined || !session) return { failure: openFailure };
		try {
			return { ask: readAsk(ctx, providerOf(i), session, i), session };
		} catch (failure) {
			return { failure };
		}
	});
	stopAtFirstBad(ctx, asks, continueOnFail, scrub);
	const limit = asks.find((a) => a.ask)?.ask?.request.options.maxParallelJobs ?? 1;
	const jobs = asks.map(({ ask, session, failure }, item) => ({
		item,
		failure,
		run:
			ask && session
				? async () => await collectOne(ctx, providerOf(item), session, ask, item)
				: undefined,
	}));
	return [await runBatch(ctx, jobs, limit, continueOnFail, scrub)];
}
