import type { INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import {
	GET_RESULT,
	IMAGE_INPUT,
	NODE_OPERATIONS,
	NODE_OPTION_PARAMS,
	placementIn,
	PROVIDER_PARAMS,
	RESULT_INPUT,
	type NodeOperation,
	type NodeVersion,
	type ParamSpec,
} from './table';
import {
	MODEL_FIELD,
	MODELS,
	ULTRA_MODEL,
	type ModelDeclaration,
	type ModelParamSpec,
} from './models';

/**
 * Shows top-level properties only at the given node version (n8n-workflow's
 * `displayOptions.show['@version']`, read from the node's `typeVersion`): version 1's layout stays
 * as saved workflows have it, version 2 (and later) gets its own.
 */
export function atVersion(version: NodeVersion, properties: INodeProperties[]): INodeProperties[] {
	const versions = version === 1 ? [1] : [{ _cnd: { gte: version } }];
	return properties.map((property) => ({
		...property,
		displayOptions: {
			...property.displayOptions,
			show: { '@version': versions, ...property.displayOptions?.show },
		},
	})) as INodeProperties[];
}

/** Option lists sorted by name, as master's options-sorted-alphabetically wants them at the top level. */
export function byName<T extends { name: string }>(options: readonly T[]): T[] {
	return [...options].sort((a, b) =>
		a.name.localeCompare(b.name, undefined, { sensitivity: 'base' }),
	);
}

/**
 * The range of a number field, from its table row, as the hint under it: n8n's number input clamps
 * what is typed to its limits without a word (5 in Number of Images would stay 4), so the field says
 * them. The same figures as the validation message an expression out of range gets.
 */
export function rangeHint(spec: ParamSpec): string | undefined {
	// A row's hint never changes: built once (number formatting is the costly part of the description).
	if (!hints.has(spec)) hints.set(spec, buildRangeHint(spec));
	return hints.get(spec);
}

const hints = new WeakMap<ParamSpec, string | undefined>();

function buildRangeHint(spec: ParamSpec): string | undefined {
	const grouped = (n: number | bigint) => n.toLocaleString('en-US');
	if (spec.kind === 'integer')
		return `A whole number from ${grouped(spec.min)} to ${grouped(spec.bigMax ?? spec.max)}`;
	if (spec.kind === 'number')
		return `From ${grouped(spec.min)} to ${grouped(spec.max)}${spec.unit ? ` ${spec.unit}` : ''}`;
	return undefined;
}

/** The n8n field for one table row, as it appears for the given operations. */
export function fieldProperty(
	spec: ParamSpec,
	operations: NodeOperation[],
	inCollection: boolean,
): INodeProperties {
	const presence = spec.operations[operations[0]];
	const description = spec.operationDescriptions?.[operations[0]] ?? spec.description;
	const hint = [spec.hint, rangeHint(spec)].filter(Boolean).join('. ');
	const base = {
		displayName: spec.displayName,
		name: spec.name,
		description,
		...(spec.placeholder ? { placeholder: spec.placeholder } : {}),
		...(hint ? { hint } : {}),
		...(!inCollection && presence === 'required' ? { required: true } : {}),
	};
	const onlySome = operations.length < NODE_OPERATIONS.length;
	const displayOptions = onlySome
		? { displayOptions: { show: { [inCollection ? '/operation' : 'operation']: operations } } }
		: {};

	switch (spec.kind) {
		case 'string':
			return {
				...base,
				type: 'string',
				default: spec.default,
				typeOptions: spec.rows ? { rows: spec.rows } : undefined,
				...displayOptions,
			};
		case 'integer':
			return {
				...base,
				type: 'number',
				default: spec.default ?? spec.min,
				typeOptions: { minValue: spec.min, maxValue: spec.max, numberPrecision: 0 },
				...displayOptions,
			};
		case 'number':
			return {
				...base,
				type: 'number',
				default: spec.default ?? spec.min,
				typeOptions: { minValue: spec.min, maxValue: spec.max, numberPrecision: spec.precision },
				...displayOptions,
			};
		case 'boolean':
			return { ...base, type: 'boolean', default: spec.default, ...displayOptions };
		case 'options':
			return {
				...base,
				type: 'options',
				default: spec.default,
				options: spec.values.map((v) => ({ ...v })) as INodePropertyOptions[],
				...displayOptions,
			};
	}
}

/** Groups the operations a row applies to by how it applies (required/optional, description, where it sits). */
function variants(spec: ParamSpec, version: NodeVersion): NodeOperation[][] {
	const groups = new Map<string, NodeOperation[]>();
	for (const op of NODE_OPERATIONS) {
		const presence = spec.operations[op];
		if (!presence) continue;
		const key = `${presence}|${spec.operationDescriptions?.[op] ?? ''}|${placementIn(spec, op, version)}`;
		groups.set(key, [...(groups.get(key) ?? []), op]);
	}
	return [...groups.values()];
}

function imageProperties(version: NodeVersion): {
	main: INodeProperties[];
	options: INodeProperties[];
} {
	const { source, url, binary } = IMAGE_INPUT;
	// Plain identifiers, so n8n's lint can see that each field has a default.
	const generateSource = source.defaults.generate;
	const remixSource = source.defaults.remix;
	const binaryField = binary.default;
	const sourceOptions = {
		none: { name: 'None', value: 'none', description: 'Generate from the prompt alone' },
		url: { name: 'Image URL', value: 'url', description: 'A public link to the image' },
		binary: {
			name: 'Binary File',
			value: 'binary',
			description:
				'An image in a binary field of the incoming item, e.g. from a Read/Write Files or HTTP Request node',
		},
	};
	const urlField = (show: Record<string, unknown>, inCollection: boolean): INodeProperties => ({
		displayName: url.displayName,
		name: url.name,
		type: 'string',
		default: '',
		...(inCollection ? {} : { required: true }),
		placeholder: url.placeholder,
		description: url.description,
		displayOptions: { show: show as never },
	});
	const binaryFieldProperty = (
		show: Record<string, unknown>,
		inCollection: boolean,
	): INodeProperties => ({
		displayName: binary.displayName,
		name: binary.name,
		type: 'string',
		default: binaryField,
		...(inCollection ? {} : { required: true }),
		description: binary.description,
		hint: binary.hint,
		displayOptions: { show: show as never },
	});
	if (version === 1) {
		return {
			main: [
				{
					displayName: source.displayName,
					name: source.name,
					type: 'options',
					default: generateSource,
					description: 'Optional image that guides the composition and style (an image prompt)',
					options: [sourceOptions.none, sourceOptions.url, sourceOptions.binary],
					displayOptions: { show: { operation: ['generate', 'finetune'] } },
				},
				{
					displayName: source.displayName,
					name: source.name,
					type: 'options',
					default: remixSource,
					description: 'The image to create variations of',
					options: [sourceOptions.url, sourceOptions.binary],
					displayOptions: { show: { operation: ['remix'] } },
				},
				urlField({ [source.name]: ['url'] }, false),
				binaryFieldProperty({ [source.name]: ['binary'] }, false),
			],
			options: [],
		};
	}
	// Version 2: Remix must have its image (top level, required); Generate and Fine-Tune take an
	// image prompt as an option, with its URL or binary field beside it in Options.
	const optional = ['generate', 'finetune'];
	return {
		main: [
			{
				displayName: source.displayName,
				name: source.name,
				type: 'options',
				default: remixSource,
				required: true,
				description: 'The image to create variations of',
				options: byName([sourceOptions.url, sourceOptions.binary]),
				displayOptions: { show: { operation: ['remix'] } },
			},
			urlField({ operation: ['remix'], [source.name]: ['url'] }, false),
			binaryFieldProperty({ operation: ['remix'], [source.name]: ['binary'] }, false),
		],
		options: [
			{
				displayName: source.displayName,
				name: source.name,
				type: 'options',
				default: generateSource,
				description:
					'Optional image that guides the composition and style (an image prompt); then add its Image URL or Input Binary Field',
				options: byName([sourceOptions.none, sourceOptions.url, sourceOptions.binary]),
				displayOptions: { show: { '/operation': optional } },
			},
			urlField({ '/operation': optional, [source.name]: ['url'] }, true),
			binaryFieldProperty({ '/operation': optional, [source.name]: ['binary'] }, true),
		],
	};
}

/** Every job field of the node, in display order, built from the parameter table. */
/** Hides a field for the providers named (those that can only refuse it). */
function hiddenFor(
	property: INodeProperties,
	providers: string[] | undefined,
	inCollection: boolean,
): INodeProperties {
	if (!providers?.length) return property;
	return hiddenWhen(property, 'provider', providers, inCollection);
}

/**
 * The property with one more hide condition: hidden while the node's `field` has one of `values`
 * (inside a collection, n8n reads the node's own field through a leading "/").
 */
function hiddenWhen(
	property: INodeProperties,
	field: string,
	values: string[],
	inCollection: boolean,
): INodeProperties {
	return {
		...property,
		displayOptions: {
			...property.displayOptions,
			hide: { ...property.displayOptions?.hide, [inCollection ? `/${field}` : field]: values },
		},
	};
}

/**
 * Hides an Ultra field (and the Ultra image input) for the other models: a field shows only for the
 * models that have it. Remix and Generate with Fine-Tune show no Model field (they are Ultra's), so
 * the condition never hides anything there.
 */
function ultraOnly(
	property: INodeProperties,
	models: readonly ModelDeclaration[],
	inCollection: boolean,
): INodeProperties {
	const others = models.filter((m) => m.id !== ULTRA_MODEL).map((m) => m.id);
	if (others.length === 0) return property;
	return hiddenWhen(property, MODEL_FIELD.name, others, inCollection);
}

/** Shows a model row for the models that declare it (Generate only), beside the operation condition. */
function forModels(
	property: INodeProperties,
	modelIds: string[],
	inCollection: boolean,
): INodeProperties {
	const slash = inCollection ? '/' : '';
	return {
		...property,
		displayOptions: {
			...property.displayOptions,
			show: {
				...property.displayOptions?.show,
				[`${slash}operation`]: ['generate'],
				[`${slash}${MODEL_FIELD.name}`]: modelIds,
			},
		},
	};
}

/**
 * The rows of the models other than Ultra, each shown only for the models that declare it (a row
 * object two models share is one field shown for both), and the Reference Images list for the
 * models that take references. Where each sits follows the same rule as Ultra's (placementIn).
 */
function modelRowProperties(
	models: readonly ModelDeclaration[],
	version: NodeVersion,
): { main: INodeProperties[]; options: INodeProperties[] } {
	const main: INodeProperties[] = [];
	const options: INodeProperties[] = [];
	const rows = new Map<ModelParamSpec, string[]>();
	for (const model of models) {
		if (model.id === ULTRA_MODEL) continue;
		for (const row of model.params) rows.set(row, [...(rows.get(row) ?? []), model.id]);
	}
	const referenced = models.filter((m) => m.id !== ULTRA_MODEL && m.references);
	let referencesAdded = false;
	for (const [row, ids] of rows) {
		const inCollection = placementIn(row, 'generate', version) !== 'main';
		const property = fieldProperty(row, ['generate'], inCollection);
		(inCollection ? options : main).push(forModels(property, ids, inCollection));
		// The references follow the prompt, as the image input does for Ultra.
		if (row.name === 'prompt' && !referencesAdded && referenced.length > 0) {
			referencesAdded = true;
			const inOptions = version !== 1;
			(inOptions ? options : main).push(
				forModels(
					referenceImagesProperty(referenced),
					referenced.map((m) => m.id),
					inOptions,
				),
			);
		}
	}
	return { main, options };
}

/** Reference Images' parameter names: the list, its entries, and each entry's fields. */
export const REFERENCE_IMAGES = {
	name: 'referenceImages',
	displayName: 'Reference Images',
	entry: 'image',
	source: 'source',
	binary: 'binaryPropertyName',
	url: 'url',
} as const;

/**
 * Reference Images: an ordered list, each entry a binary field of the incoming item or a URL, mixed
 * as the user likes; the prompt names them by position (image 1, image 2, …).
 */
function referenceImagesProperty(models: readonly ModelDeclaration[]): INodeProperties {
	const limits = models.map((m) => `${m.displayName} ${m.references!.max}`).join(', ');
	return {
		displayName: REFERENCE_IMAGES.displayName,
		name: REFERENCE_IMAGES.name,
		type: 'fixedCollection',
		placeholder: 'Add Reference Image',
		default: {},
		typeOptions: { multipleValues: true, sortable: true },
		description: `Images the model works from, in order: the prompt can name them as image 1, image 2, … (at most: ${limits}). Each is a binary field of the incoming item or a URL.`,
		options: [
			{
				displayName: 'Image',
				name: REFERENCE_IMAGES.entry,
				values: [
					{
						displayName: 'Source',
						name: REFERENCE_IMAGES.source,
						type: 'options',
						default: 'binary',
						options: [
							{
								name: 'Binary File',
								value: 'binary',
								description: 'An image in a binary field of the incoming item',
							},
							{ name: 'Image URL', value: 'url', description: 'A public link to the image' },
						],
					},
					{
						displayName: 'Input Binary Field',
						name: REFERENCE_IMAGES.binary,
						type: 'string',
						default: 'data',
						description: 'Name of the binary field of the incoming item that holds the image',
						displayOptions: { show: { [REFERENCE_IMAGES.source]: ['binary'] } },
					},
					{
						displayName: 'Image URL',
						name: REFERENCE_IMAGES.url,
						type: 'string',
						default: '',
						placeholder: 'e.g. https://example.com/logo.png',
						description: 'Public https:// URL of the image (JPEG, PNG, WebP or GIF)',
						displayOptions: { show: { [REFERENCE_IMAGES.source]: ['url'] } },
					},
				],
			},
		],
	};
}

/** The Model field (Generate only; Remix and Generate with Fine-Tune are Ultra's own operations). */
export function modelProperty(
	version: NodeVersion,
	models: readonly ModelDeclaration[] = MODELS,
): INodeProperties {
	const options = models.map((m) => ({
		name: m.displayName,
		value: m.id,
		description: m.description,
	}));
	// A plain identifier, so n8n's lint can see that the field has a default.
	const firstModel = models[0].id;
	return {
		displayName: MODEL_FIELD.displayName,
		name: MODEL_FIELD.name,
		type: 'options',
		options: version === 1 ? options : byName(options),
		default: firstModel,
		...(version === 1 ? {} : { required: true }),
		description:
			'The FLUX model that makes the images. Each shows only its own fields; a provider that does not serve a model refuses it before any request, naming those that do.',
		displayOptions: { show: { operation: ['generate'] } },
	};
}

/** Adds what the providers say about a field (assembled above this layer) to its description. */
function withNote(property: INodeProperties, note: string | undefined): INodeProperties {
	return note
		? { ...property, description: property.description ? `${property.description} ${note}` : note }
		: property;
}

/**
 * The job fields of one node version. `hide` maps a field name to the providers that can only
 * refuse it (e.g. Sync Mode where a provider has none): the editor does not offer it there, and a
 * value set by other means is still refused. `notes` maps a field name to the sentences the
 * providers add to its description (which provider does what), so the table's own text names none.
 * Version 1: as its rows' `placement` says. Version 2: only what an operation requires at the top
 * level, everything else in Options (placementIn), Get Result's Job Links included.
 */
export function jobProperties(
	hide: Record<string, string[]> = {},
	notes: Record<string, string> = {},
	version: NodeVersion = 1,
	models: readonly ModelDeclaration[] = MODELS,
): INodeProperties[] {
	const main: INodeProperties[] = [];
	const options: INodeProperties[] = [];
	const ultraRows = new Set<string>(PROVIDER_PARAMS.map((p) => p.name));
	for (const spec of [...PROVIDER_PARAMS, ...NODE_OPTION_PARAMS]) {
		for (const ops of variants(spec, version)) {
			const inCollection = placementIn(spec, ops[0], version) !== 'main';
			const property = hiddenFor(
				withNote(fieldProperty(spec, ops, inCollection), notes[spec.name]),
				hide[spec.name],
				inCollection,
			);
			(inCollection ? options : main).push(
				ultraRows.has(spec.name) ? ultraOnly(property, models, inCollection) : property,
			);
		}
		// The image input follows the prompt, as the providers' own forms order them.
		if (spec.name === 'prompt') {
			const image = imageProperties(version);
			main.push(...image.main.map((p) => ultraOnly(p, models, false)));
			options.push(...image.options.map((p) => ultraOnly(p, models, true)));
		}
		// The other models' fields, each shown only for its models, before the node's own settings.
		if (spec === PROVIDER_PARAMS[PROVIDER_PARAMS.length - 1]) {
			const modelRows = modelRowProperties(models, version);
			main.push(...modelRows.main);
			options.push(...modelRows.options);
		}
	}
	if (version !== 1) options.push(jobLinksOption());
	options.push(jobModelOption(models));
	const collection: INodeProperties = {
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: options.sort((a, b) => a.displayName.localeCompare(b.displayName)),
	};
	return [...main, collection];
}

/** Get Result's Model, in its Options: From the Request (the incoming item's `model`) by default. */
function jobModelOption(models: readonly ModelDeclaration[]): INodeProperties {
	const { model } = RESULT_INPUT;
	const fromRequest = model.default;
	return {
		displayName: model.displayName,
		name: model.name,
		type: 'options',
		options: byName([
			{ name: 'From the Request', value: fromRequest },
			...models.map((m) => ({ name: m.displayName, value: m.id })),
		]),
		default: fromRequest,
		description: model.description,
		displayOptions: { show: { '/operation': [GET_RESULT] } },
	};
}

/** Version 2's Job Links, in Get Result's Options: left out, the incoming item's own links are read. */
function jobLinksOption(): INodeProperties {
	const { links } = RESULT_INPUT;
	const linksDefault = links.default;
	return {
		displayName: links.displayName,
		name: links.name,
		type: 'json',
		default: linksDefault,
		description: `${links.description} Left out, the incoming item's "links" are read when it names the same Request ID`,
		displayOptions: { show: { '/operation': [GET_RESULT] } },
	};
}
