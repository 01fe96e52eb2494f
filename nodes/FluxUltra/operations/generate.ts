import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { checkInputImage } from '../job/inputImage';
import { splitRequest } from '../job/expand';
import { IMAGE_INPUT, OPERATIONS, PROVIDER_PARAMS, type Operation } from '../parameters/table';
import { checkReferences } from '../job/references';
import {
	DEFAULT_MODEL,
	MODEL_FIELD,
	modelFieldNames,
	ULTRA_MODEL,
	type ModelDeclaration,
} from '../parameters/models';
import {
	refuseForUltra,
	resolveModel,
	validateModelItem,
	type RawModelItem,
} from '../parameters/modelValidation';
import { REFERENCE_IMAGES } from '../parameters/ui';
import { validateItemParameters, type JobRequest } from '../parameters/validation';
import type { FluxProvider } from '../providers/types';
import { inputSizeLimit } from '../parameters/inputSize';
import { agentSetField } from '../run/agentTool';
import { prepareAll, runBatch, stopAtFirstBad, type BatchJob } from '../run/batch';
import { checkAtRunTime, checkDeclared } from '../run/checks';
import { openRun } from '../run/sessions';
import { fallbackOf, runSettings } from '../run/settings';
import { addCostHint, applySpendCap } from '../run/spendCap';
import { isMainField, itemParameter, readOptions } from './itemParameters';

/**
 * Generate, Remix and Generate with Fine-Tune: read and check every item, then run one provider
 * job per item (or per image, where the provider makes one image per request), with failover and
 * the spend cap, and put out one item per image.
 */

/**
 * Reads one item's raw parameters the way n8n resolves them (expressions included), from where the
 * node's version puts each field (operations/itemParameters.ts isMainField).
 */
function readItem(ctx: IExecuteFunctions, i: number) {
	const operation = itemParameter(ctx, 'operation', i);
	const known = OPERATIONS.includes(operation as Operation) ? (operation as Operation) : undefined;
	// Generate runs the Model chosen (saved workflows have none: Ultra); the other operations are Ultra's.
	const stored = ctx.getNode().parameters ?? {};
	const model =
		operation === 'generate' && MODEL_FIELD.name in stored
			? resolveModel(itemParameter(ctx, MODEL_FIELD.name, i, DEFAULT_MODEL))
			: undefined;
	if (model && model.id !== ULTRA_MODEL) return { model, raw: readModelItem(ctx, i, model) };
	// Ultra picked while a Model field is stored: the other models' fields set anyway are refused.
	if (model) refuseForUltra(readModelItem(ctx, i, model));
	// Only the fields shown for this operation: n8n keeps no others, and reading one that it does not
	// keep, without a fallback, is n8n's error "Could not get parameter" (Fine-Tune ID on Generate).
	const onTop = (spec: Parameters<typeof isMainField>[1]) => isMainField(ctx, spec, known);
	const main: Record<string, unknown> = {};
	for (const spec of PROVIDER_PARAMS) {
		if (onTop(spec)) main[spec.name] = itemParameter(ctx, spec.name, i, undefined);
	}
	const options = readOptions(ctx, i, known);
	// The image input: a main field where the operation needs it (and in version 1), else in Options.
	const imageOnTop = onTop(IMAGE_INPUT.source);
	const image = (name: string, fallback: unknown) =>
		imageOnTop ? itemParameter(ctx, name, i, fallback) : (options[name] ?? fallback);
	const imageSource = image(IMAGE_INPUT.source.name, undefined);
	return {
		model: undefined,
		operation,
		main,
		options,
		imageSource,
		imageUrl: imageSource === 'url' ? image(IMAGE_INPUT.url.name, '') : undefined,
		binaryPropertyName:
			imageSource === 'binary'
				? image(IMAGE_INPUT.binary.name, IMAGE_INPUT.binary.default)
				: undefined,
	};
}

/**
 * A Generate item for a model other than Ultra: its own rows from where the node's version puts
 * them, its Reference Images, and the top-level fields n8n kept that the model does not have (shown
 * while Model is an expression), so that one set away from its default is refused, not dropped.
 */
function readModelItem(ctx: IExecuteFunctions, i: number, model: ModelDeclaration): RawModelItem {
	const stored = ctx.getNode().parameters ?? {};
	const main: Record<string, unknown> = {};
	const own = new Set<string>(model.params.map((p) => p.name));
	for (const spec of model.params) {
		if (isMainField(ctx, spec, 'generate') && spec.name in stored)
			main[spec.name] = itemParameter(ctx, spec.name, i, spec.default ?? null);
	}
	const options = readOptions(ctx, i, 'generate');
	const foreign: Record<string, unknown> = {};
	for (const name of [
		...modelFieldNames(),
		...PROVIDER_PARAMS.map((p) => p.name),
		IMAGE_INPUT.source.name,
		IMAGE_INPUT.url.name,
		IMAGE_INPUT.binary.name,
	]) {
		if (!own.has(name) && name in stored) foreign[name] = itemParameter(ctx, name, i, null);
	}
	const references =
		REFERENCE_IMAGES.name in stored
			? itemParameter(ctx, REFERENCE_IMAGES.name, i, {})
			: options[REFERENCE_IMAGES.name];
	delete options[REFERENCE_IMAGES.name];
	return { main, options, foreign, references };
}

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
