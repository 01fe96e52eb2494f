import type { IExecuteFunctions } from 'n8n-workflow';

import { boundList, boundText, PROVIDER_TEXT_MAX, PROVIDER_WORD_MAX } from '../../shared/bound';
import { asRecord, asString } from '../../shared/json';
import { displayNameForApiField, IMAGE_INPUT, PROVIDER_PARAMS } from '../../parameters/table';
import type { FluxParams, JobRequest } from '../../parameters/validation';
import { ParameterError, type ProviderErrorContext } from '../../transport/errors';
import { parseBody } from '../../transport/body';
import { CANONICAL_FIELDS, type CanonicalField } from '../common/fields';
import { OnceHint, readDescription, SCHEMA_TIMEOUT_MS } from '../common/inputSchema';
import { RUNFLOW, RUNFLOW_FIELDS, RUNFLOW_INPUT_ALIASES } from './runflow.constants';

/**
 * Runflow's own description of a model's inputs, read at run time (`GET /v1/models/{owner}/{slug}`,
 * docs/provider-facts.md RF-26): which names the model takes, and where recognisable their type,
 * allowed values, range and default. Runflow documents the shape of `inputs[]` but not the values of
 * `variable_type_code` / `validator_code` nor the keys of `validator_attrs`, so only `name` and
 * `is_required` are relied on; the rest is used only when it comes in a shape read here.
 */

export type InputType = 'string' | 'integer' | 'number' | 'boolean' | 'array';
type Choice = string | number | boolean;

export interface ModelInput {
	name: string;
	required: boolean;
	type?: InputType;
	choices?: readonly Choice[];
	min?: number;
	max?: number;
	/** Runflow's default for it, when `default_value` holds one in a recognised shape. */
	default?: unknown;
	/** A list input's most entries, when `validator_attrs` says so (`max_items`, `maxItems`, `max_length`). */
	maxItems?: number;
}

export interface ModelSchema {
	/** Model id, e.g. `black-forest-labs/flux-1-1-pro-ultra`. */
	model: string;
	/** How the user knows it, e.g. "FLUX 1.1 [pro] Ultra". */
	label: string;
	inputs: readonly ModelInput[];
}

function typeOf(code: unknown): InputType | undefined {
	const text = typeof code === 'string' ? code.toLowerCase() : '';
	if (/bool/.test(text)) return 'boolean';
	if (/list|array/.test(text)) return 'array';
	if (/int/.test(text)) return 'integer';
	if (/float|double|decimal|number|numeric|real/.test(text)) return 'number';
	if (/str|text|enum|select|choice/.test(text)) return 'string';
	return undefined;
}

const isChoice = (v: unknown): v is Choice =>
	typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

function choicesOf(attrs: Record<string, unknown> | undefined): Choice[] | undefined {
	for (const key of ['choices', 'options', 'enum', 'values', 'allowed_values', 'allowed']) {
		const list = attrs?.[key];
		if (!Array.isArray(list) || list.length === 0) continue;
		const values = list.map((v) => (isChoice(v) ? v : asRecord(v)?.value));
		if (values.every(isChoice)) return values;
	}
	return undefined;
}

function numberAt(attrs: Record<string, unknown> | undefined, keys: string[]): number | undefined {
	for (const key of keys) {
		const v = attrs?.[key];
		if (typeof v === 'number' && Number.isFinite(v)) return v;
	}
	return undefined;
}

function defaultOf(value: unknown): unknown {
	if (isChoice(value)) return value;
	const record = asRecord(value);
	return record && 'value' in record && isChoice(record.value) ? record.value : undefined;
}

/**
 * The inputs of a models-API answer, or undefined when it is not the shape Runflow documents (a
 * model object with `inputs[]` of named entries; `{data: model}` is accepted too).
 */
export function readModelInputs(body: unknown): ModelInput[] | undefined {
	const record = asRecord(body);
	const model = Array.isArray(record?.inputs) ? record : asRecord(record?.data);
	if (!model || !Array.isArray(model.inputs)) return undefined;
	const inputs = model.inputs.flatMap((entry): ModelInput[] => {
		const e = asRecord(entry);
		const name = asString(e?.name);
		if (!e || !name) return [];
		const attrs = asRecord(e.validator_attrs);
		return [
			{
				name,
				required: e.is_required === true,
				type: typeOf(e.variable_type_code),
				choices: choicesOf(attrs),
				min: numberAt(attrs, ['min', 'minimum', 'ge', 'gte', 'min_value']),
				max: numberAt(attrs, ['max', 'maximum', 'le', 'lte', 'max_value']),
				default: defaultOf(e.default_value),
				maxItems: numberAt(attrs, ['max_items', 'maxItems', 'max_length', 'maxLength']),
			},
		];
	});
	return inputs.length > 0 ? inputs : undefined;
}

/** The node's default of each canonical field (a field at it is not sent unless Runflow's default differs). */
const NODE_DEFAULTS: Record<string, unknown> = Object.fromEntries(
	PROVIDER_PARAMS.map((p) => [
		p.apiName,
		'canonical' in p && p.canonical === 'number' ? Number(p.default) : p.default,
	]),
);

const IMAGE = IMAGE_INPUT.apiName;

/** The model's input for a canonical field: its RUNFLOW_FIELDS name, else the first alias the model lists. */
export function inputFor(schema: ModelSchema, field: CanonicalField): ModelInput | undefined {
	const support = RUNFLOW_FIELDS[field];
	if (!('wire' in support)) return undefined;
	for (const name of [support.wire, ...(RUNFLOW_INPUT_ALIASES[field] ?? [])]) {
		const input = schema.inputs.find((i) => i.name === name);
		if (input) return input;
	}
	return undefined;
}

/** Whether the model wants the image inline as base64 (`image_b64`) rather than as a URL. */
export function takesBase64(input: ModelInput | undefined): boolean {
	return !!input && /b64|base64/i.test(input.name);
}

/** The canonical value of a field in this request: the image's presence for the image, else the parameter. */
function valueOf(request: JobRequest, field: CanonicalField): unknown {
	if (field === IMAGE) return request.image === undefined ? undefined : true;
	const value = request.params[field as keyof FluxParams];
	return value === '' ? undefined : value;
}

/** A value in the input's type, where its type is known; else as the constants send it. */
function encodeFor(input: ModelInput, field: CanonicalField, value: unknown): unknown {
	return encodeTyped(input, value, (v) => {
		const support = RUNFLOW_FIELDS[field];
		return 'wire' in support && support.encode && input.name === support.wire
			? support.encode(v)
			: v;
	});
}

/** A value in the input's listed type (a number, a string); `untyped` where the type is not known. */
export function encodeTyped(
	input: ModelInput,
	value: unknown,
	untyped: (value: unknown) => unknown = (v) => v,
): unknown {
	switch (input.type) {
		case 'integer':
		case 'number': {
			const n =
				typeof value === 'number'
					? value
					: typeof value === 'string' && value.trim() !== ''
						? Number(value)
						: NaN;
			// A seed beyond 2^53 stays the digit string it came as: a number would lose digits.
			return Number.isFinite(n) &&
				(typeof value === 'number' || Number.isSafeInteger(n) || !Number.isInteger(n))
				? n
				: value;
		}
		case 'string':
			return typeof value === 'string' ? value : String(value);
		default:
			return untyped(value);
	}
}

/** Whether a field is at what Runflow would use anyway: its listed default, else the node's default. */
function atDefault(
	input: ModelInput,
	field: CanonicalField,
	value: unknown,
	encoded: unknown,
): boolean {
	if (field === IMAGE || field === 'prompt') return false;
	if (input.default !== undefined)
		return encoded === input.default || String(encoded) === String(input.default);
	return value === NODE_DEFAULTS[field];
}

const display = (field: CanonicalField) =>
	field === IMAGE ? IMAGE_INPUT.source.displayName : (displayNameForApiField(field) ?? field);

/**
 * Why Runflow's model cannot take this request, as the pre-flight reports it, or undefined: a field
 * the user set that the model does not list, a value outside what it lists, or an input the model
 * requires that the request leaves empty (or the node has no field for). Runflow's models API
 * decides how many inputs and values it lists and how long their names are: the refusal shows the
 * first few, each cut short, and counts the rest (shared/bound.ts).
 */
export function schemaRefusal(
	schema: ModelSchema,
	request: JobRequest,
): ParameterError | undefined {
	const listed = boundList(schema.inputs.map((i) => i.name));
	const used = new Set<string>();
	for (const field of CANONICAL_FIELDS) {
		const support = RUNFLOW_FIELDS[field];
		if (!('wire' in support)) continue;
		const input = inputFor(schema, field);
		if (input) used.add(input.name);
		const value = valueOf(request, field);
		if (value === undefined || (support.withImageOnly && request.image === undefined)) {
			if (input?.required && input.default === undefined) {
				return new ParameterError(
					display(field),
					`Runflow's ${schema.label} model requires it (as "${boundText(input.name, PROVIDER_WORD_MAX)}", read from Runflow's models API)`,
					value,
				);
			}
			continue;
		}
		if (!input) {
			// A field left at the node's default is simply not sent.
			if (field !== IMAGE && field !== 'prompt' && value === NODE_DEFAULTS[field]) continue;
			return new ParameterError(
				display(field),
				`Runflow's ${schema.label} model does not take it: the inputs Runflow's models API lists for it are ${listed}. ${field === IMAGE ? 'Remove the input image, or use another provider' : 'Leave it at its default, or use another provider'}`,
				field === IMAGE ? request.image : value,
			);
		}
		if (field === IMAGE) continue;
		const encoded = encodeFor(input, field, value);
		if (atDefault(input, field, value, encoded)) continue;
		const problem = valueProblem(input, encoded);
		if (problem)
			return new ParameterError(
				display(field),
				`Runflow's ${schema.label} model ${problem} (read from Runflow's models API)`,
				value,
			);
	}
	const unfilled = schema.inputs.find(
		(i) => i.required && i.default === undefined && !used.has(i.name),
	);
	if (unfilled) {
		return new ParameterError(
			'Operation',
			`Runflow's ${schema.label} model requires an input "${boundText(unfilled.name, PROVIDER_WORD_MAX)}" that this node has no field for, so it cannot run there`,
			request.operation,
		);
	}
	return undefined;
}

/** Why a value (in the input's type) is not one the input takes, or undefined. */
export function valueProblem(input: ModelInput, value: unknown): string | undefined {
	if (input.choices && !input.choices.some((c) => c === value || String(c) === String(value))) {
		return `accepts only ${boundList(input.choices, { quote: true })}`;
	}
	// A seed beyond 2^53 is a bigint (sent as its digits) or a digit string: a whole number all the same.
	const digits = typeof value === 'bigint' || (typeof value === 'string' && /^\d+$/.test(value));
	if ((input.type === 'integer' || input.type === 'number') && typeof value !== 'number' && !digits)
		return 'takes a number here';
	if (input.type === 'integer' && typeof value === 'number' && !Number.isInteger(value))
		return 'takes a whole number here';
	if (input.type === 'boolean' && typeof value !== 'boolean') return 'takes true or false here';
	if (
		typeof value === 'number' &&
		((input.min !== undefined && value < input.min) ||
			(input.max !== undefined && value > input.max))
	) {
		return `takes ${input.min ?? '…'}–${input.max ?? '…'} here`;
	}
	return undefined;
}

/**
 * The run's `input` under the names the model lists, each in its listed type. A field at Runflow's
 * listed default (or, where it lists none, at the node's default) is left out. `image` is what goes
 * in the image input: a URL, or base64 when the input is `image_b64`; a list input gets a list.
 */
export function schemaInput(
	schema: ModelSchema,
	request: JobRequest,
	image: string | undefined,
): Record<string, unknown> {
	const input: Record<string, unknown> = {};
	for (const field of CANONICAL_FIELDS) {
		const support = RUNFLOW_FIELDS[field];
		if (!('wire' in support)) continue;
		const target = inputFor(schema, field);
		if (!target) continue;
		if (field === IMAGE) {
			if (image !== undefined)
				input[target.name] = target.type === 'array' || /s$/.test(target.name) ? [image] : image;
			continue;
		}
		const value = valueOf(request, field);
		if (value === undefined || (support.withImageOnly && image === undefined)) continue;
		const encoded = encodeFor(target, field, value);
		if (atDefault(target, field, value, encoded)) continue;
		input[target.name] = encoded;
	}
	return input;
}

/** What looking a model up came to: its inputs, Runflow's 404, or no usable answer (and why). */
export type Lookup = { schema: ModelSchema } | { missing: true } | { unreadable: string };

/**
 * One try, short: the look-up is optional, a failed one falls back to the built-in names. It runs
 * before any job, once per execution: a models API that does not answer delays the run by at most
 * SCHEMA_TIMEOUT_MS (the shortest Timeout a job can have is 10 s too).
 */
export async function lookUpModel(
	ctx: IExecuteFunctions,
	errors: ProviderErrorContext,
	credentialType: string,
	base: string,
	model: string,
	label: string,
): Promise<Lookup> {
	const outcome = await readDescription(ctx, errors, {
		url: `${base}${RUNFLOW.modelPath(model)}`,
		credentialType,
		timeoutMs: SCHEMA_TIMEOUT_MS,
	});
	// Anything but a cancel (thrown, as every request's) or Runflow's 404 is only a missing description.
	if ('notFound' in outcome) return { missing: true };
	if ('unreadable' in outcome) return outcome;
	const inputs = readModelInputs(parseBody(outcome.response.body));
	return inputs
		? { schema: { model, label, inputs } }
		: { unreadable: 'its answer listed no inputs the node could read' };
}

/** The models Runflow runs for the node, by the name users know them by. */
const LABELS: Record<string, string> = Object.fromEntries([
	[RUNFLOW.models.generate, 'FLUX 1.1 [pro] Ultra'],
	[RUNFLOW.models.withImage, 'FLUX 1.1 [pro] Ultra'],
	[RUNFLOW.models.ultraEdit, 'FLUX 1.1 [pro] Ultra Edit'],
]);

/** The refusal of Remix when the models API has no Ultra Edit (404). */
export const RUNFLOW_NO_ULTRA_EDIT = `Remix on Runflow runs on Runflow's FLUX 1.1 [pro] Ultra Edit model; the node looked it up (${RUNFLOW.models.ultraEdit}) and Runflow's models API did not find it, so Remix is not available there; Generate with an Input Image works on Runflow.`;

/** What the editor says about Remix on Runflow: only what is known before the run. */
export const RUNFLOW_REMIX_NOTICE =
	"Remix on Runflow needs Runflow's FLUX 1.1 [pro] Ultra Edit model, whose id Runflow does not publish; the node looks it up when it runs and refuses the items (before any job) if Runflow has no such model.";

/**
 * One execution's model look-ups: each model at most once (one GET, whatever the number of items),
 * and the request checks against what was found. When Ultra's inputs cannot be read, the built-in
 * names of RUNFLOW_FIELDS apply, and the run says so once in an execution hint.
 */
export class RunflowModels {
	private readonly lookups = new Map<string, Promise<Lookup>>();
	private readonly found = new Map<string, Lookup>();
	private readonly hint: OnceHint;

	constructor(
		private readonly ctx: IExecuteFunctions,
		private readonly errors: ProviderErrorContext,
		private readonly credentialType: string,
		private readonly base: string,
	) {
		this.hint = new OnceHint(ctx);
	}

	/** One model's look-up: at most one GET per execution, whatever the number of items asking. */
	async lookUp(model: string, label: string = LABELS[model] ?? model): Promise<Lookup> {
		let pending = this.lookups.get(model);
		if (!pending) {
			pending = lookUpModel(
				this.ctx,
				this.errors,
				this.credentialType,
				this.base,
				model,
				label,
			).then((found) => {
				this.found.set(model, found);
				return found;
			});
			this.lookups.set(model, pending);
		}
		return await pending;
	}

	/** Whether a model already looked up takes its image inline (`image_b64`): uploads then keep the bytes. */
	wantsBase64(): boolean {
		return [...this.found.values()].some(
			(found) => 'schema' in found && takesBase64(inputFor(found.schema, IMAGE)),
		);
	}

	/**
	 * The model a request runs on and its inputs (none: the built-in names apply). Throws the
	 * request's refusal (a ParameterError) before anything is sent.
	 */
	async target(
		request: JobRequest,
		withImage: boolean,
	): Promise<{ model: string; schema?: ModelSchema }> {
		if (request.operation === 'remix') {
			const model = RUNFLOW.models.ultraEdit;
			const found = await this.lookUp(model);
			if ('missing' in found)
				throw new ParameterError('Operation', RUNFLOW_NO_ULTRA_EDIT, request.operation);
			if ('unreadable' in found) {
				throw new ParameterError(
					'Operation',
					`Remix on Runflow runs on Runflow's FLUX 1.1 [pro] Ultra Edit model, and the node could not look it up in Runflow's models API (${boundText(found.unreadable, PROVIDER_TEXT_MAX)}), so no job was sent. Try again later, or pick another provider for Remix`,
					request.operation,
				);
			}
			const refusal = schemaRefusal(found.schema, request);
			if (refusal) throw refusal;
			return { model, schema: found.schema };
		}
		const model = withImage ? RUNFLOW.models.withImage : RUNFLOW.models.generate;
		const found = await this.lookUp(model);
		if (!('schema' in found)) {
			this.hint.give(
				`Runflow's models API could not tell the inputs of ${LABELS[model] ?? model} (${'missing' in found ? 'it did not find the model' : boundText(found.unreadable, PROVIDER_TEXT_MAX)}), so this run sent its fields under the node's built-in names (see docs/provider-facts.md RF-17…RF-24)`,
			);
			return { model };
		}
		const refusal = schemaRefusal(found.schema, request);
		if (refusal) throw refusal;
		return { model, schema: found.schema };
	}
}
