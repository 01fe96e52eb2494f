import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { checkInputImage } from '../job/inputImage';
import { splitRequest } from '../job/expand';
import { checkReferences } from '../job/references';
import { validateModelItem } from '../parameters/modelValidation';
import { validateItemParameters, type JobRequest } from '../parameters/validation';
import type { FluxProvider } from '../providers/types';
import { inputSizeLimit } from '../parameters/inputSize';
import { agentSetField } from '../run/agentTool';
import { prepareAll, runBatch, stopAtFirstBad, type BatchJob } from '../run/batch';
import { checkAtRunTime, checkDeclared } from '../run/checks';
import { openRun } from '../run/sessions';
import { fallbackOf, runSettings } from '../run/settings';
import { addCostHint, applySpendCap } from '../run/spendCap';
import { readItem } from './itemParameters';

/**
 * Generate, Remix and Generate with Fine-Tune: read and check every item, then run one provider
 * job per item (or per image, where the provider makes one image per request), with failover and
 * the spend cap, and put out one item per image.
 */

/**
 * One item read and checked completely, without any request: its fields, what the provider and the
 * fallback declare they take (run/checks.ts), and its input file's bytes.
 */
async function prepareItem(
	ctx: IExecuteFunctions,
	provider: FluxProvider,
	fallback: FluxProvider | undefined,
	i: number,
): Promise<JobRequest> {
	const agentSet = agentSetField(ctx);
	if (agentSet) throw agentSet;
	const read = readItem(ctx, i);
	const request =
		'raw' in read && read.model
			? validateModelItem(read.model, read.raw)
			: validateItemParameters(read as Parameters<typeof validateItemParameters>[0]);
	checkDeclared(request, provider, fallback);
	// One size rule for the input image, whichever provider the item ends up on.
	const providers = fallback ? [provider, fallback] : [provider];
	const limit = inputSizeLimit(request.options.maxImageBytes, providers);
	await checkInputImage(ctx, i, request.image, limit);
	// A model's references: read and checked now (count, size, type, pixels), their megapixels kept
	// for the price rule.
	if (request.model && request.references?.length)
		request.referenceMegapixels = await checkReferences(ctx, i, request, limit, providers);
	return request;
}

/**
 * Runs the operation over all items. Every item is validated before the first request: without
 * "Continue On Fail" a bad item stops the node before anything is paid for; with it, the bad item
 * becomes an error item and the others run. Output keeps the input order.
 */
export async function generate(
	ctx: IExecuteFunctions,
	provider: FluxProvider,
	continueOnFail: boolean,
): Promise<INodeExecutionData[][]> {
	const fallback = fallbackOf(ctx, provider);
	// One item after another, every one before the first request: a file is read only to check its bytes.
	const prepared = await prepareAll(
		ctx.getInputData().length,
		async (i) => await prepareItem(ctx, provider, fallback, i),
	);
	const settings = runSettings(
		provider,
		fallback,
		continueOnFail,
		prepared.find((p) => p.value)?.value?.options,
	);
	stopAtFirstBad(ctx, prepared, settings.continueOnFail);
	applySpendCap(ctx, settings, prepared);

	const { session, openFailure, openedFallback, failover, scrub } = await openRun(
		ctx,
		provider,
		fallback,
		prepared.some((p) => p.value),
	);
	if (await checkAtRunTime(prepared, provider, session, fallback, openedFallback))
		stopAtFirstBad(ctx, prepared, settings.continueOnFail, scrub);
	// An item whose images take several requests (one image per request on BFL and Replicate) is
	// several jobs, in image order.
	const jobs: BatchJob[] = prepared.flatMap(({ value: request, failure }, item): BatchJob[] => {
		if (!request || !session) return [{ item, failure: failure ?? openFailure }];
		const opened = session;
		return splitRequest(provider, request).map((job) => ({
			item,
			run: async (release, failing) =>
				await failover.run(opened, job.request, item, release, job.part, failing),
		}));
	});
	const output = await runBatch(
		ctx,
		jobs,
		settings.maxParallelJobs,
		settings.continueOnFail,
		scrub,
	);
	await addCostHint(ctx, fallback ? [provider, fallback] : [provider], output);
	return [output];
}
