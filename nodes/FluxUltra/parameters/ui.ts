import type { INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import {
	IMAGE_INPUT,
	NODE_OPERATIONS,
	NODE_OPTION_PARAMS,
	PROVIDER_PARAMS,
	type NodeOperation,
	type ParamSpec,
} from './table';

/** The n8n field for one table row, as it appears for the given operations. */
export function fieldProperty(spec: ParamSpec, operations: NodeOperation[], inCollection: boolean): INodeProperties {
	const presence = spec.operations[operations[0]];
	const description = spec.operationDescriptions?.[operations[0]] ?? spec.description;
	const base = {
		displayName: spec.displayName,
		name: spec.name,
		description,
		...(spec.placeholder ? { placeholder: spec.placeholder } : {}),
		...(spec.hint ? { hint: spec.hint } : {}),
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

/** Groups the operations a row applies to by how it applies (required/optional, description). */
function variants(spec: ParamSpec): NodeOperation[][] {
	const groups = new Map<string, NodeOperation[]>();
	for (const op of NODE_OPERATIONS) {
		const presence = spec.operations[op];
		if (!presence) continue;
		const key = `${presence}|${spec.operationDescriptions?.[op] ?? ''}`;
		groups.set(key, [...(groups.get(key) ?? []), op]);
	}
	return [...groups.values()];
}

function imageProperties(): INodeProperties[] {
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
			description: 'An image in a binary field of the incoming item, e.g. from a Read/Write Files or HTTP Request node',
		},
	};
	return [
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
		{
			displayName: url.displayName,
			name: url.name,
			type: 'string',
			default: '',
			required: true,
			placeholder: url.placeholder,
			description: url.description,
			displayOptions: { show: { [source.name]: ['url'] } },
		},
		{
			displayName: binary.displayName,
			name: binary.name,
			type: 'string',
			default: binaryField,
			required: true,
			description: binary.description,
			hint: binary.hint,
			displayOptions: { show: { [source.name]: ['binary'] } },
		},
	];
}

/** Every job field of the node, in display order, built from the parameter table. */
/** Hides a field for the providers named (those that can only refuse it). */
function hiddenFor(property: INodeProperties, providers: string[] | undefined, inCollection: boolean): INodeProperties {
	if (!providers?.length) return property;
	return {
		...property,
		displayOptions: { ...property.displayOptions, hide: { [inCollection ? '/provider' : 'provider']: providers } },
	};
}

/** Adds what the providers say about a field (assembled above this layer) to its description. */
function withNote(property: INodeProperties, note: string | undefined): INodeProperties {
	return note ? { ...property, description: property.description ? `${property.description} ${note}` : note } : property;
}

/**
 * The job fields. `hide` maps a field name to the providers that can only refuse it (e.g. Sync Mode
 * where a provider has none): the editor does not offer it there, and a value set by other means is
 * still refused. `notes` maps a field name to the sentences the providers add to its description
 * (which provider does what), so the table's own text names none.
 */
export function jobProperties(hide: Record<string, string[]> = {}, notes: Record<string, string> = {}): INodeProperties[] {
	const main: INodeProperties[] = [];
	const options: INodeProperties[] = [];
	for (const spec of [...PROVIDER_PARAMS, ...NODE_OPTION_PARAMS]) {
		for (const ops of variants(spec)) {
			const inCollection = spec.placement !== 'main';
			(inCollection ? options : main).push(hiddenFor(withNote(fieldProperty(spec, ops, inCollection), notes[spec.name]), hide[spec.name], inCollection));
		}
		// The image input follows the prompt, as the providers' own forms order them.
		if (spec.name === 'prompt') main.push(...imageProperties());
	}
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
