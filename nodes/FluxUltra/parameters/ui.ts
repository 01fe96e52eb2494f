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
				default: spec.default,
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
	return {
		...property,
		displayOptions: {
			...property.displayOptions,
			hide: { [inCollection ? '/provider' : 'provider']: providers },
		},
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
): INodeProperties[] {
	const main: INodeProperties[] = [];
	const options: INodeProperties[] = [];
	for (const spec of [...PROVIDER_PARAMS, ...NODE_OPTION_PARAMS]) {
		for (const ops of variants(spec, version)) {
			const inCollection = placementIn(spec, ops[0], version) !== 'main';
			(inCollection ? options : main).push(
				hiddenFor(
					withNote(fieldProperty(spec, ops, inCollection), notes[spec.name]),
					hide[spec.name],
					inCollection,
				),
			);
		}
		// The image input follows the prompt, as the providers' own forms order them.
		if (spec.name === 'prompt') {
			const image = imageProperties(version);
			main.push(...image.main);
			options.push(...image.options);
		}
	}
	if (version !== 1) options.push(jobLinksOption());
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
