import type { IExecuteFunctions } from 'n8n-workflow';

import {
	DEFAULT_MODEL,
	MODEL_FIELD,
	modelFieldNames,
	ULTRA_MODEL,
	type ModelDeclaration,
} from '../parameters/models';
import { refuseForUltra, resolveModel, type RawModelItem } from '../parameters/modelValidation';
import {
	IMAGE_INPUT,
	NODE_OPTION_PARAMS,
	nodeVersionOf,
	OPERATIONS,
	placementIn,
	PROVIDER_PARAMS,
	type NodeOperation,
	type Operation,
} from '../parameters/table';
import { REFERENCE_IMAGES } from '../parameters/ui';

/**
 * Per-item parameter reads without paying n8n's expression engine for what cannot differ between
 * items. n8n resolves every `getNodeParameter(name, i)` through its expression machinery, even for
 * a fixed value; over 1,000 items and a dozen parameters that was about a second of n8n's one
 * thread before the first job could start (the scale series of `npm run bench`). A parameter whose
 * stored value holds no expression anywhere is the same for every item: it is read once per
 * execution and handed out as a copy. One with an expression is read for each item, as before.
 */
const perExecution = new WeakMap<object, Map<string, { value: unknown }>>();

/** Whether a stored parameter value holds an n8n expression (a string starting with "="), at any depth. */
export function holdsExpression(value: unknown): boolean {
	if (typeof value === 'string') return value.startsWith('=');
	if (Array.isArray(value)) return value.some(holdsExpression);
	if (value && typeof value === 'object') return Object.values(value).some(holdsExpression);
	return false;
}

function copy<T>(value: T): T {
	return value !== null && typeof value === 'object' ? (structuredClone(value) as T) : value;
}

/** `ctx.getNodeParameter(name, itemIndex, fallback)`, read once per execution when it holds no expression. */
export function itemParameter(
	ctx: IExecuteFunctions,
	name: string,
	itemIndex: number,
	fallback?: unknown,
): unknown {
	const stored = ctx.getNode().parameters?.[name];
	if (holdsExpression(stored)) return ctx.getNodeParameter(name, itemIndex, fallback);
	let cache = perExecution.get(ctx);
	if (!cache) perExecution.set(ctx, (cache = new Map()));
	let entry = cache.get(name);
	if (!entry) {
		entry = { value: ctx.getNodeParameter(name, itemIndex, fallback) };
		cache.set(name, entry);
	}
	return copy(entry.value);
}

/**
 * Whether a field is a main field (not in Options) for this operation in the node's version
 * (parameters/table.ts placementIn): version 1 as workflows saved before version 2 have it,
 * version 2 with every optional field in Options. No operation (an unknown one): nowhere.
 */
export function isMainField(
	ctx: IExecuteFunctions,
	spec: Parameters<typeof placementIn>[0],
	operation: NodeOperation | undefined,
): boolean {
	const version = nodeVersionOf(ctx.getNode().typeVersion);
	return operation !== undefined && placementIn(spec, operation, version) === 'main';
}

/**
 * One item's Options as the run reads them, for every operation: the Options collection, and the
 * node settings that a version shows as main fields (Download Image in version 1) read with them.
 */
export function readOptions(
	ctx: IExecuteFunctions,
	i: number,
	operation: NodeOperation | undefined,
): Record<string, unknown> {
	const options = { ...((itemParameter(ctx, 'options', i, {}) ?? {}) as Record<string, unknown>) };
	for (const spec of NODE_OPTION_PARAMS) {
		if (isMainField(ctx, spec, operation))
			options[spec.name] = itemParameter(ctx, spec.name, i, undefined);
	}
	return options;
}

/**
 * Reads one item's raw parameters the way n8n resolves them (expressions included), from where the
 * node's version puts each field (isMainField above): Generate, Remix and Generate with Fine-Tune.
 */
export function readItem(ctx: IExecuteFunctions, i: number) {
	const operation = itemParameter(ctx, 'operation', i);
	const known = OPERATIONS.includes(operation as Operation) ? (operation as Operation) : undefined;
	// Generate runs the Model chosen (saved workflows have none: Ultra); the other operations are Ultra's.
	const stored = ctx.getNode().parameters ?? {};
	const model =
		operation === 'generate' && MODEL_FIELD.name in stored
			? resolveModel(itemParameter(ctx, MODEL_FIELD.name, i, DEFAULT_MODEL))
			: undefined;
	if (model && model.id !== ULTRA_MODEL) return { model, raw: readModelItem(ctx, i, model) };
	// Only the fields shown for this operation: n8n keeps no others, and reading one that it does not
	// keep, without a fallback, is n8n's error "Could not get parameter" (Fine-Tune ID on Generate).
	const onTop = (spec: Parameters<typeof isMainField>[1]) => isMainField(ctx, spec, known);
	const main: Record<string, unknown> = {};
	for (const spec of PROVIDER_PARAMS) {
		if (onTop(spec)) main[spec.name] = itemParameter(ctx, spec.name, i, undefined);
	}
	const options = readOptions(ctx, i, known);
	// Ultra picked while a Model field is stored: the other models' fields set anyway are refused,
	// checked on the Options just read (the Reference Images taken out for the check only).
	if (model) {
		const checked = { ...options };
		const references = takeReferences(ctx, i, checked);
		refuseForUltra({ main, options: checked, foreign: foreignFields(ctx, i, model), references });
	}
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
	for (const spec of model.params) {
		if (isMainField(ctx, spec, 'generate') && spec.name in stored)
			main[spec.name] = itemParameter(ctx, spec.name, i, spec.default ?? null);
	}
	const options = readOptions(ctx, i, 'generate');
	const foreign = foreignFields(ctx, i, model);
	return { main, options, foreign, references: takeReferences(ctx, i, options) };
}

/** Every field some model has, Ultra's and its image input included: what a Generate item may hold. */
const FIELD_NAMES: ReadonlySet<string> = new Set([
	...modelFieldNames(),
	...PROVIDER_PARAMS.map((p) => p.name),
	IMAGE_INPUT.source.name,
	IMAGE_INPUT.url.name,
	IMAGE_INPUT.binary.name,
]);

/** The top-level fields n8n kept that `model` does not have (shown while Model is an expression). */
function foreignFields(
	ctx: IExecuteFunctions,
	i: number,
	model: ModelDeclaration,
): Record<string, unknown> {
	const stored = ctx.getNode().parameters ?? {};
	const own = new Set<string>(model.params.map((p) => p.name));
	const foreign: Record<string, unknown> = {};
	for (const name of FIELD_NAMES)
		if (!own.has(name) && name in stored) foreign[name] = itemParameter(ctx, name, i, null);
	return foreign;
}

/** The Reference Images list, a top-level field or an Option (then taken out of `options`). */
function takeReferences(
	ctx: IExecuteFunctions,
	i: number,
	options: Record<string, unknown>,
): unknown {
	const stored = ctx.getNode().parameters ?? {};
	const references =
		REFERENCE_IMAGES.name in stored
			? itemParameter(ctx, REFERENCE_IMAGES.name, i, {})
			: options[REFERENCE_IMAGES.name];
	delete options[REFERENCE_IMAGES.name];
	return references;
}
