import { z } from 'zod';

import { parseUrl } from '../shared/url';
import { beyondSafeInteger } from '../shared/digits';
import { ParameterError } from '../transport/errors';
import {
	hasControlCharacter,
	IMAGE_INPUT,
	NODE_OPTION_PARAMS,
	OPERATION_NAMES,
	OPERATIONS,
	PROVIDER_PARAMS,
	type ImageSource,
	type NodeOperation,
	type Operation,
	type ParamSpec,
} from './table';
import type { ModelDeclaration } from './models';

type ProviderParamSpec = (typeof PROVIDER_PARAMS)[number];

/** The value a field of the parameter table stands for once validated. */
type CanonicalValue<S> = S extends { kind: 'options'; canonical: 'number' }
	? number
	: S extends { kind: 'options'; values: ReadonlyArray<{ value: infer V }> }
		? V
		: S extends { kind: 'integer'; bigMax: bigint }
			? // A number, or a BigInt when beyond 2^53 (written with every digit on the wire).
				number | bigint
			: S extends { kind: 'integer' | 'number' }
				? number
				: S extends { kind: 'boolean' }
					? boolean
					: S extends { kind: 'string' }
						? string
						: never;

/**
 * Whether a validated request always holds the field: Generate has it (so every operation does; the
 * fine-tune fields only Fine-Tune) and it has a default (Seed has none).
 */
type AlwaysSet<S> = S extends { operations: infer O; default: infer D }
	? 'generate' extends keyof O
		? D extends undefined
			? false
			: true
		: false
	: false;

/**
 * Canonical, provider-neutral job parameters, derived from the parameter table: keys are its
 * `apiName`s, value types follow each field's kind. A field some operation lacks (the fine-tune
 * fields) or one without a default (Seed) is optional.
 */
export type FluxParams = {
	[S in ProviderParamSpec as AlwaysSet<S> extends true ? S['apiName'] : never]: CanonicalValue<S>;
} & {
	[S in ProviderParamSpec as AlwaysSet<S> extends true ? never : S['apiName']]?: CanonicalValue<S>;
};

export type ImageInput = { kind: 'url'; url: string } | { kind: 'binary'; property: string };

export interface NodeOptions {
	binaryPropertyOutput: string;
	fileName: string;
	timeoutMs: number;
	/** Byte cap for each downloaded image. */
	maxImageBytes: number;
	/** How many items' jobs may run at once (read from the first item). */
	maxParallelJobs: number;
	/** Spend cap of the run in US dollars, 0 for none (read from the first item). */
	maxCostPerRunUsd: number;
	/** False: output the image links and metadata only, without downloading the images. */
	downloadImage: boolean;
	/** Off: create the job and put out its request ID at once (Get Result collects it). */
	waitForCompletion: boolean;
	/** URL the provider calls when the job has finished (its webhook field), if any. */
	webhookUrl?: string;
	/** Write the AI label (XMP) into files without Content Credentials; with the prompt too. */
	aiLabel?: { withPrompt: boolean };
}

export interface JobRequest {
	operation: Operation;
	/**
	 * Canonical parameters: Ultra's (the table's `apiName`s), or, for another model, its own rows'
	 * (parameters/models/): `prompt`, `num_images` and `seed` mean the same in every model.
	 */
	params: FluxParams;
	image?: ImageInput;
	options: NodeOptions;
	/** A model other than FLUX 1.1 [pro] Ultra (Generate only); unset: Ultra, as every saved workflow. */
	model?: ModelDeclaration;
	/** That model's reference images, in the order the prompt names them (image 1, image 2, …). */
	references?: ImageInput[];
	/** Each reference's megapixels where the pre-flight read it (a URL's is unknown): the price rule's input. */
	referenceMegapixels?: Array<number | undefined>;
	/**
	 * Get Result: a model job's list price of one image as its submit-only item recorded it
	 * (`listPriceUsd`), since the price rule reads fields (Megapixels, Resolution) the item does not carry.
	 */
	listPriceUsd?: number;
}

/** Raw values as n8n hands them over: typed fields may hold anything an expression produced. */
export interface RawItemParameters {
	operation: unknown;
	main: Record<string, unknown>;
	options: Record<string, unknown>;
	imageSource: unknown;
	imageUrl: unknown;
	binaryPropertyName: unknown;
}

const CONTROL_MESSAGE =
	'must not contain control characters (such as a null byte, an escape or, in a one-line field, a line break)';

/** Nothing given: undefined, null or only white space. */
export const isBlank = (v: unknown) =>
	v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

/** Expressions often yield numbers as text (a sheet cell, a JSON string): accept plain numerals. */
function toNumber(v: unknown): unknown {
	if (typeof v === 'string' && /^\s*[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?\s*$/i.test(v))
		return Number(v);
	return v;
}

function toBoolean(v: unknown): unknown {
	if (typeof v === 'string') {
		const t = v.trim().toLowerCase();
		if (t === 'true') return true;
		if (t === 'false') return false;
	}
	return v;
}

function rangeText(spec: { min: number; max: number }) {
	return `from ${spec.min} to ${spec.max}`;
}

/** The zod schema for one table row; every message is written for a no-code user. */
export function fieldSchema(spec: ParamSpec, presence: 'required' | 'optional'): z.ZodTypeAny {
	switch (spec.kind) {
		case 'string': {
			let text = z
				.string({ invalid_type_error: 'must be text' })
				.trim()
				.max(spec.maxLength, `must be at most ${spec.maxLength} characters long`);
			if (presence === 'required') text = text.min(1, 'is required and cannot be empty');
			const multiLine = spec.rows !== undefined;
			let checked: z.ZodTypeAny = text.refine(
				(v) => !hasControlCharacter(v, multiLine),
				CONTROL_MESSAGE,
			);
			if (spec.pattern)
				checked = checked.pipe(z.string().regex(spec.pattern.regex, spec.pattern.message));
			const reserved = spec.reserved;
			if (reserved)
				checked = checked.refine((v: string) => !reserved.names.includes(v), reserved.message);
			return z.preprocess(
				(v) => (typeof v === 'number' ? String(v) : isBlank(v) ? '' : v),
				checked,
			);
		}
		case 'integer': {
			const msg = `must be a whole number from ${spec.min} to ${String(spec.bigMax ?? spec.max)}`;
			const n = z
				.number({ invalid_type_error: msg, required_error: msg })
				.int(msg)
				.min(spec.min, msg)
				.max(spec.max, msg);
			const big = spec.bigMax;
			const value: z.ZodTypeAny =
				big === undefined
					? n
					: z.union(
							[
								n,
								z
									.bigint()
									.min(BigInt(spec.max) + BigInt(1), msg)
									.max(big, msg),
							],
							{ errorMap: () => ({ message: msg }) },
						);
			// Beyond 2^53 a number has lost digits already: only digit strings (or BigInts) are exact.
			// More digits than the largest accepted value has are refused unparsed: turning a 1 MB digit
			// string into a BigInt takes n8n's one thread about 85 ms.
			const bigDigits = big === undefined ? 0 : String(big).length;
			const bigOrNumber = (v: unknown) => {
				if (big === undefined || typeof v !== 'string' || !/^\s*\d+\s*$/.test(v))
					return toNumber(v);
				const digits = v.trim().replace(/^0+(?=\d)/, '');
				if (digits.length > bigDigits) return v;
				return beyondSafeInteger(digits) ? BigInt(digits) : toNumber(v);
			};
			return z.preprocess(
				(v) => (isBlank(v) ? undefined : bigOrNumber(v)),
				spec.default === undefined ? value.optional() : value,
			);
		}
		case 'number': {
			const msg = `must be a number ${spec.unit ? `of ${spec.unit} ` : ''}${rangeText(spec)}`;
			const n = z
				.number({ invalid_type_error: msg, required_error: msg })
				.finite(msg)
				.min(spec.min, msg)
				.max(spec.max, msg);
			return z.preprocess(
				(v) => (isBlank(v) ? undefined : toNumber(v)),
				spec.default === undefined ? n.optional() : n,
			);
		}
		case 'boolean':
			return z.preprocess(
				toBoolean,
				z.boolean({
					invalid_type_error: 'must be true or false',
					required_error: 'must be true or false',
				}),
			);
		case 'options': {
			const values = spec.values.map((o) => o.value) as [string, ...string[]];
			const msg = `must be one of ${values.join(', ')}`;
			return z.preprocess(
				(v) => (typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim() : v),
				z.enum(values, { errorMap: () => ({ message: msg }) }),
			);
		}
	}
}

const schemaCache = new Map<readonly ParamSpec[], Map<NodeOperation, z.ZodObject<z.ZodRawShape>>>();

/** A zod object over table rows for one operation, keyed by n8n parameter name; built once. */
function rowsSchema(
	rows: readonly ParamSpec[],
	operation: NodeOperation,
): z.ZodObject<z.ZodRawShape> {
	const byOperation = schemaCache.get(rows) ?? new Map<NodeOperation, z.ZodObject<z.ZodRawShape>>();
	schemaCache.set(rows, byOperation);
	let schema = byOperation.get(operation);
	if (!schema) {
		const shape: z.ZodRawShape = {};
		for (const spec of rows) {
			const presence = spec.operations[operation];
			if (presence) shape[spec.name] = fieldSchema(spec, presence);
		}
		schema = z.object(shape);
		byOperation.set(operation, schema);
	}
	return schema;
}

/** Parses table rows from raw values: unset fields take their default; the first problem throws. */
export function parseRows(
	rows: readonly ParamSpec[],
	operation: NodeOperation,
	raw: Record<string, unknown>,
) {
	const values: Record<string, unknown> = {};
	for (const spec of rows) {
		if (!spec.operations[operation]) continue;
		values[spec.name] = raw[spec.name] === undefined ? spec.default : raw[spec.name];
	}
	const parsed = rowsSchema(rows, operation).safeParse(values);
	if (!parsed.success) {
		const issue = parsed.error.issues[0];
		const name = String(issue.path[0] ?? '');
		const field = rows.find((r) => r.name === name)?.displayName ?? name;
		throw new ParameterError(field, issue.message, values[name]);
	}
	return parsed.data;
}

const DATA_URI = /^data:image\/[a-z0-9.+-]+;base64,[a-z0-9+/=\s]+$/i;

/** The input image URL must be an http(s) URL the provider can fetch, or an inline data URI. */
export function validateImageUrl(
	value: unknown,
	field: string = IMAGE_INPUT.url.displayName,
): string {
	if (typeof value !== 'string' || value.trim() === '') {
		throw new ParameterError(field, 'is required: give a public image URL', value);
	}
	const url = value.trim();
	if (url.startsWith('data:')) {
		if (!DATA_URI.test(url))
			throw new ParameterError(field, 'is not a base64 image data URI', url.slice(0, 40));
		return url;
	}
	// A URL parser drops tabs and line breaks: "https://exa\nmple.com" would be a different host.
	if (hasControlCharacter(url, false))
		throw new ParameterError(field, CONTROL_MESSAGE, url.slice(0, 40));
	if (url.length > IMAGE_INPUT.url.maxLength) {
		throw new ParameterError(
			field,
			`must be at most ${IMAGE_INPUT.url.maxLength} characters long`,
			url.slice(0, 40),
		);
	}
	const parsed = parseUrl(url);
	if (!parsed)
		throw new ParameterError(field, 'is not a valid URL (it must start with https://)', url);
	if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
		throw new ParameterError(field, `must be an https:// URL, not ${parsed.protocol}`, url);
	}
	if (parsed.username || parsed.password) {
		throw new ParameterError(field, 'must not contain a user name or password', parsed.host);
	}
	return url;
}

function validateImage(operation: Operation, raw: RawItemParameters): ImageInput | undefined {
	const allowed: readonly ImageSource[] =
		operation === 'remix' ? ['url', 'binary'] : ['none', 'url', 'binary'];
	const source = isBlank(raw.imageSource)
		? IMAGE_INPUT.source.defaults[operation]
		: raw.imageSource;
	if (typeof source !== 'string' || !allowed.includes(source as ImageSource)) {
		throw new ParameterError(
			IMAGE_INPUT.source.displayName,
			`must be one of ${allowed.join(', ')}`,
			source,
		);
	}
	if (source === 'none') return undefined;
	if (source === 'url') return { kind: 'url', url: validateImageUrl(raw.imageUrl) };
	const property = raw.binaryPropertyName;
	const field = IMAGE_INPUT.binary.displayName;
	if (typeof property !== 'string' || property.trim() === '') {
		throw new ParameterError(
			field,
			'is required: name the binary field that holds the image',
			property,
		);
	}
	const name = property.trim();
	if (IMAGE_INPUT.binary.reserved.names.includes(name))
		throw new ParameterError(field, IMAGE_INPUT.binary.reserved.message, name);
	if (hasControlCharacter(name, false))
		throw new ParameterError(field, CONTROL_MESSAGE, name.slice(0, 60));
	return { kind: 'binary', property: name };
}

export function validateOptions(
	operation: NodeOperation,
	options: Record<string, unknown>,
): NodeOptions {
	const values = parseRows(NODE_OPTION_PARAMS, operation, options);
	return {
		binaryPropertyOutput: values.binaryPropertyOutput as string,
		fileName: values.fileName as string,
		timeoutMs: Math.round(((values.timeout as number | undefined) ?? NODE_TIMEOUT_DEFAULT) * 1000),
		maxImageBytes: Math.round((values.maxImageSize as number) * 1024 * 1024),
		maxParallelJobs: values.maxParallelJobs as number,
		maxCostPerRunUsd: values.maxCostPerRun as number,
		downloadImage: values.downloadImage as boolean,
		waitForCompletion: (values.waitForCompletion as boolean | undefined) ?? true,
		...(values.webhookUrl ? { webhookUrl: values.webhookUrl as string } : {}),
		...(values.aiLabel === true ? { aiLabel: { withPrompt: values.aiLabelPrompt === true } } : {}),
	};
}

const NODE_TIMEOUT_DEFAULT = NODE_OPTION_PARAMS.find((p) => p.name === 'timeout')!
	.default as number;

/**
 * Validates one item's parameters. Throws a ParameterError naming the first bad field; makes no
 * request and reads no binary data.
 */
export function validateItemParameters(raw: RawItemParameters): JobRequest {
	const operation = raw.operation as Operation;
	if (!OPERATIONS.includes(operation)) {
		throw new ParameterError(
			'Operation',
			`must be one of ${Object.values(OPERATION_NAMES).join(', ')}`,
			operation,
		);
	}
	const parsed = parseRows(PROVIDER_PARAMS, operation, { ...raw.main, ...raw.options });

	const params: Record<string, unknown> = {};
	for (const spec of PROVIDER_PARAMS) {
		if (!(spec.operations as ParamSpec['operations'])[operation]) continue;
		const v = parsed[spec.name];
		if (v === undefined) continue;
		params[spec.apiName] =
			spec.kind === 'options' && 'canonical' in spec && spec.canonical === 'number' ? Number(v) : v;
	}
	const image = validateImage(operation, raw);
	// Wait for Completion sits among the main fields, the others in Options.
	const options = validateOptions(operation, { ...raw.main, ...raw.options });
	return { operation, params: params as unknown as FluxParams, image, options };
}
