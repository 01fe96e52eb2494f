import { IMAGE_INPUT, PROVIDER_PARAMS, hasControlCharacter, RESERVED_FIELD_NAMES } from './table';
import { MODELS, ULTRA_MODEL, type ModelDeclaration } from './models';
import { ParameterError } from '../transport/errors';
import {
	isBlank,
	parseRows,
	validateImageUrl,
	validateOptions,
	type FluxParams,
	type ImageInput,
	type JobRequest,
} from './validation';

/**
 * A Generate item for a model other than FLUX 1.1 [pro] Ultra: its fields are the model's own rows
 * (parameters/models/), Reference Images its ordered list of binary fields and URLs. A field
 * another model has but this one lacks, set anyway (an expression picks the model, or sets the
 * field), is refused naming the field and the model: nothing a model does not accept is sent.
 */

/** Raw values of a model item, as operations/itemParameters.ts reads them. */
export interface RawModelItem {
	main: Record<string, unknown>;
	options: Record<string, unknown>;
	/** Top-level values of fields this model does not have (another model's, Ultra's). */
	foreign: Record<string, unknown>;
	/** The Reference Images list as n8n hands it over: `{ image: [{ source, binaryPropertyName, url }] }`. */
	references: unknown;
}

/** Reference Images' names, as parameters/ui.ts builds the field. */
const REFS = { displayName: 'Reference Images', entry: 'image' } as const;

/** The field a reference's problem is named by: its position, as the prompt names it. */
export const referenceField = (n: number) => `${REFS.displayName} (image ${n + 1})`;

/** The item's model, or a refusal naming the value: a Model expression may give anything. */
export function resolveModel(
	value: unknown,
	models: readonly ModelDeclaration[] = MODELS,
): ModelDeclaration {
	const id = typeof value === 'string' ? value.trim() : value;
	const model = models.find((m) => m.id === id || m.displayName === id);
	if (!model)
		throw new ParameterError(
			'Model',
			`must be one of ${models.map((m) => `${m.id} (${m.displayName})`).join(', ')}`,
			typeof value === 'string' ? value.slice(0, 60) : value,
		);
	return model;
}

/** Every field some model (Ultra included) has, by n8n name: its display name, API name and defaults. */
function knownFields(models: readonly ModelDeclaration[]) {
	const known = new Map<string, { displayName: string; apiName: string; defaults: unknown[] }>();
	const add = (name: string, displayName: string, apiName: string, value: unknown) => {
		const entry = known.get(name) ?? { displayName, apiName, defaults: [] };
		entry.defaults.push(value);
		known.set(name, entry);
	};
	for (const model of models)
		for (const row of model.params) add(row.name, row.displayName, row.apiName, row.default);
	for (const row of PROVIDER_PARAMS) add(row.name, row.displayName, row.apiName, row.default);
	const { source, url, binary } = IMAGE_INPUT;
	add(source.name, source.displayName, IMAGE_INPUT.apiName, source.defaults.generate);
	add(url.name, url.displayName, IMAGE_INPUT.apiName, '');
	add(binary.name, binary.displayName, IMAGE_INPUT.apiName, binary.default);
	return known;
}

/**
 * Refuses a field the model lacks: any such Option that is set, and any such top-level field whose
 * value is not a default (n8n keeps shown fields with their defaults; one is shown for every model
 * while Model is an expression).
 */
function refuseForeign(
	model: ModelDeclaration,
	raw: RawModelItem,
	models: readonly ModelDeclaration[],
): void {
	const own = new Set<string>(model.params.map((p) => p.name));
	if (model.references) own.add('referenceImages');
	// Ultra's image input (an image prompt) is Ultra's own.
	if (model.id === ULTRA_MODEL)
		for (const f of [IMAGE_INPUT.source, IMAGE_INPUT.url, IMAGE_INPUT.binary]) own.add(f.name);
	const known = knownFields(models);
	const check = (name: string, value: unknown, topLevel: boolean) => {
		const field = known.get(name);
		if (!field || own.has(name) || isBlank(value)) return;
		if (topLevel && field.defaults.some((d) => d === value || String(d) === String(value))) return;
		const why = model.lacks?.[field.apiName];
		throw new ParameterError(
			field.displayName,
			`is not a ${model.displayName} parameter${why ? ` (${why})` : ''}: remove it, or choose a model that has it`,
			value,
		);
	};
	for (const [name, value] of Object.entries(raw.foreign)) check(name, value, true);
	for (const [name, value] of Object.entries(raw.options)) check(name, value, false);
	if (!model.references && !isBlank(raw.references) && referenceEntries(raw.references).length > 0)
		throw new ParameterError(
			REFS.displayName,
			`is not a ${model.displayName} parameter (the model takes no reference images)`,
			'…',
		);
}

function referenceEntries(value: unknown): unknown[] {
	if (Array.isArray(value)) return value;
	// One reference given as text by an expression (a URL, or `binary:<field>`): one entry, not none.
	if (typeof value === 'string') return value.trim() === '' ? [] : [value];
	if (value !== null && value !== undefined && typeof value !== 'object') return [value];
	if (value && typeof value === 'object') {
		const list = (value as Record<string, unknown>)[REFS.entry];
		return Array.isArray(list) ? list : list === undefined ? [] : [list];
	}
	return [];
}

/**
 * The ordered reference list: each entry a binary field name or an http(s) URL (a `data:` URI is
 * taken too, as for Ultra's Image URL). An expression may give the list as an array of entries, or
 * of plain strings (a URL, or `binary:<field>`). Counted against the model's limit here; sizes and
 * types are checked by the job's pre-flight before anything is paid.
 */
export function validateReferences(model: ModelDeclaration, value: unknown): ImageInput[] {
	if (!model.references || isBlank(value)) return [];
	const entries = referenceEntries(value);
	const refs = entries.map((entry, n): ImageInput => {
		const field = referenceField(n);
		let source: unknown;
		let binary: unknown;
		let url: unknown;
		if (typeof entry === 'string') {
			const text = entry.trim();
			if (text.toLowerCase().startsWith('binary:')) {
				source = 'binary';
				binary = text.slice('binary:'.length);
			} else {
				source = 'url';
				url = text;
			}
		} else if (entry && typeof entry === 'object') {
			const e = entry as Record<string, unknown>;
			source = e.source ?? (e.url !== undefined ? 'url' : 'binary');
			binary = e.binaryPropertyName ?? 'data';
			url = e.url;
		}
		if (source === 'url') return { kind: 'url', url: validateImageUrl(url, field) };
		if (source !== 'binary')
			throw new ParameterError(field, 'must be a binary field or an image URL', source);
		const name = typeof binary === 'string' ? binary.trim() : '';
		if (name === '')
			throw new ParameterError(
				field,
				'is required: name the binary field that holds the image',
				binary,
			);
		if (RESERVED_FIELD_NAMES.includes(name) || hasControlCharacter(name, false))
			throw new ParameterError(field, 'is not a usable binary field name', name.slice(0, 60));
		return { kind: 'binary', property: name };
	});
	if (refs.length > model.references.max)
		throw new ParameterError(
			REFS.displayName,
			`${refs.length} reference images; ${model.displayName} takes at most ${model.references.max}`,
			refs.length,
		);
	return refs;
}

/**
 * A Generate item that runs FLUX 1.1 [pro] Ultra while a Model field is stored (an expression may
 * pick Ultra for some items): a field only other models have, set anyway, is refused as it is for
 * them (`Resolution is not a FLUX 1.1 [pro] Ultra parameter`), not dropped. Saved workflows
 * without a Model have no such field.
 */
export function refuseForUltra(
	raw: RawModelItem,
	models: readonly ModelDeclaration[] = MODELS,
): void {
	const ultra = models.find((m) => m.id === ULTRA_MODEL);
	if (ultra) refuseForeign(ultra, raw, models);
}

/** Validates one Generate item for a model other than Ultra; makes no request. */
export function validateModelItem(
	model: ModelDeclaration,
	raw: RawModelItem,
	models: readonly ModelDeclaration[] = MODELS,
): JobRequest {
	if (model.id === ULTRA_MODEL) throw new Error('Ultra items take the table path');
	refuseForeign(model, raw, models);
	const parsed = parseRows(model.params, 'generate', { ...raw.main, ...raw.options });
	const params: Record<string, unknown> = {};
	for (const spec of model.params) {
		const v = parsed[spec.name];
		if (v === undefined) continue;
		params[spec.apiName] = spec.kind === 'options' && spec.canonical === 'number' ? Number(v) : v;
	}
	if (params.aspect_ratio === 'match' && !(referenceEntries(raw.references).length > 0))
		throw new ParameterError(
			'Aspect Ratio',
			'Match First Reference needs at least one reference image: add one, or pick a ratio',
			'match',
		);
	const references = validateReferences(model, raw.references);
	const settings = { ...raw.main, ...raw.options };
	if (isBlank(settings.maxImageSize) && model.maxImageSizeDefaultMb !== undefined)
		settings.maxImageSize = model.maxImageSizeDefaultMb;
	const options = validateOptions('generate', settings);
	return {
		operation: 'generate',
		params: params as unknown as FluxParams,
		options,
		model,
		references,
	};
}
