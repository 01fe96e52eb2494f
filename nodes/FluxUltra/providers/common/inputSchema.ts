import type { IExecuteFunctions } from 'n8n-workflow';

import {
	boundList,
	boundText,
	MESSAGE_MAX,
	PROVIDER_TEXT_MAX,
	PROVIDER_WORD_MAX,
} from '../../shared/bound';
import { asRecord, ownValue as own } from '../../shared/json';
import type { JobRequest } from '../../parameters/validation';
import { FluxError, ParameterError, type ProviderErrorContext } from '../../transport/errors';
import { send, type HttpCall, type HttpResponse } from '../../transport/http';
import { parseBody } from '../../transport/body';
import { ONE_TRY } from '../../transport/retryPolicy';
import { lineEndpoint, modelBody, type LineField, type ModelLine } from './modelLines';

/**
 * A model's input schema as its provider publishes it, read at run time (issue 29, point 7): fal's
 * model search with its OpenAPI document (docs/provider-facts.md FA-44…FA-48), Replicate's model
 * with its latest version's `openapi_schema` (RP-33…RP-37). Runflow reads its own models API the
 * same way (providers/runflow/runflow.schema.ts); this file is what fal and Replicate share.
 *
 * What a read schema decides, before any paid request:
 * - every input the node would send is one the schema lists, under the line's name or one of the
 *   line's `alternatives` for an UNCONFIRMED name (the schema's name is then sent); any other is
 *   refused naming the input and the model;
 * - a listed value set (`enum`), range (`minimum`/`maximum`) and the references' `maxItems` hold
 *   (the limit is the smaller of the model's and the schema's);
 * - an input the schema requires, with no default, is sent.
 * When the schema cannot be read (network, 404, not the shape, too big, wrong types), the line's
 * compiled names are used — they are sourced in docs/provider-facts.md — and the item says so
 * (`schema: 'compiled'`), with one execution hint. A schema that was read and contradicts the line
 * is never overruled: the item is refused.
 *
 * Bounded, whatever the provider or a proxy answers: one try, at most SCHEMA_TIMEOUT_MS (and never
 * past the job's timeout), at most SCHEMA_BODY_MAX bytes, at most SCHEMA_PROPERTIES_MAX inputs and
 * SCHEMA_ENUM_MAX values per input, `$ref`s followed SCHEMA_REF_DEPTH deep and only into
 * `components.schemas` (own keys: `__proto__` is no schema). Anything beyond is "unreadable".
 */

/** The longest a schema read or Runflow's models look-up may take (it delays the run, once). */
export const SCHEMA_TIMEOUT_MS = 10_000;
/** A schema answer larger than this is not read (fal's and Replicate's are tens of KB). */
export const SCHEMA_BODY_MAX = 2 * 1024 * 1024;
/** Inputs one model may list (FLUX models list about 10–20). */
export const SCHEMA_PROPERTIES_MAX = 200;
/** Values one input's `enum` may list (the longest, aspect ratios, about 15). */
export const SCHEMA_ENUM_MAX = 200;
/** How many `$ref`/`allOf` steps are followed to an input's own description. */
export const SCHEMA_REF_DEPTH = 4;

type Scalar = string | number | boolean;

export interface SchemaInput {
	type?: string;
	enum?: readonly Scalar[];
	maxItems?: number;
	minimum?: number;
	maximum?: number;
	hasDefault: boolean;
}

export interface InputSchema {
	/** The inputs by name, in the schema's order. */
	inputs: ReadonlyMap<string, SchemaInput>;
	required: readonly string[];
	/** Where it was read, for messages ("fal.ai's model search"). */
	source: string;
}

/** What reading a schema came to: the inputs, or why not (the compiled names then apply). */
export type SchemaRead = { schema: InputSchema } | { unreadable: string };

class Unreadable extends Error {}

const isScalar = (v: unknown): v is Scalar =>
	typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean';

/** A `#/components/schemas/<name>` reference, resolved in `components` (own keys only), else undefined. */
function follow(ref: unknown, components: Record<string, unknown> | undefined): unknown {
	if (typeof ref !== 'string' || !components) return undefined;
	const prefix = '#/components/schemas/';
	if (!ref.startsWith(prefix)) return undefined;
	return own(components, ref.slice(prefix.length));
}

/**
 * An input's own description: its `$ref` or one-element `allOf` followed (Replicate writes enums
 * so), an `anyOf`/`oneOf` of one type and `null` taken as that type (an optional input); the
 * input's own keys win over the referenced ones (its `default`, say).
 */
function resolve(
	node: Record<string, unknown>,
	components: Record<string, unknown> | undefined,
	depth: number,
): Record<string, unknown> {
	if (depth >= SCHEMA_REF_DEPTH) return node;
	let target: unknown;
	if (node.$ref !== undefined) target = follow(node.$ref, components);
	else if (Array.isArray(node.allOf) && node.allOf.length === 1) target = node.allOf[0];
	else {
		const branches = Array.isArray(node.anyOf) ? node.anyOf : node.oneOf;
		if (Array.isArray(branches) && branches.length === 2) {
			const typed = branches.filter((b) => asRecord(b)?.type !== 'null');
			if (typed.length === 1) target = typed[0];
		}
	}
	const inner = asRecord(target);
	if (!inner) return node;
	const rest = { ...node };
	delete rest.$ref;
	delete rest.allOf;
	delete rest.anyOf;
	delete rest.oneOf;
	return { ...resolve(inner, components, depth + 1), ...rest };
}

function number(value: unknown, what: string): number | undefined {
	if (value === undefined) return undefined;
	if (typeof value !== 'number' || !Number.isFinite(value))
		throw new Unreadable(`${what} is not a number`);
	return value;
}

function readInput(
	name: string,
	raw: unknown,
	components: Record<string, unknown> | undefined,
): SchemaInput {
	const record = asRecord(raw);
	if (!record)
		throw new Unreadable(`input "${boundText(name, PROVIDER_WORD_MAX)}" is not an object`);
	const node = resolve(record, components, 0);
	const input: SchemaInput = { hasDefault: node.default !== undefined };
	const type = Array.isArray(node.type) ? node.type.find((t) => t !== 'null') : node.type;
	if (typeof type === 'string') input.type = type;
	if (node.enum !== undefined) {
		if (!Array.isArray(node.enum))
			throw new Unreadable(`the values of "${boundText(name, PROVIDER_WORD_MAX)}" are not a list`);
		if (node.enum.length > SCHEMA_ENUM_MAX)
			throw new Unreadable(
				`"${boundText(name, PROVIDER_WORD_MAX)}" lists more than ${SCHEMA_ENUM_MAX} values`,
			);
		if (!node.enum.every(isScalar))
			throw new Unreadable(
				`the values of "${boundText(name, PROVIDER_WORD_MAX)}" are not plain values`,
			);
		input.enum = node.enum;
	}
	const maxItems = number(node.maxItems, `maxItems of "${boundText(name, PROVIDER_WORD_MAX)}"`);
	if (maxItems !== undefined) {
		if (!Number.isSafeInteger(maxItems) || maxItems < 0)
			throw new Unreadable(`maxItems of "${boundText(name, PROVIDER_WORD_MAX)}" is not a count`);
		input.maxItems = maxItems;
	}
	input.minimum = number(node.minimum, `minimum of "${boundText(name, PROVIDER_WORD_MAX)}"`);
	input.maximum = number(node.maximum, `maximum of "${boundText(name, PROVIDER_WORD_MAX)}"`);
	return input;
}

/**
 * A model's inputs from an OpenAPI object schema (`properties`, `required`) and the components its
 * `$ref`s point into; `unreadable` when it is not that shape or goes beyond the bounds above.
 */
export function readInputSchema(schema: unknown, components: unknown, source: string): SchemaRead {
	try {
		const record = asRecord(schema);
		const properties = asRecord(record?.properties);
		if (!record || !properties) throw new Unreadable('it lists no inputs');
		const names = Object.keys(properties);
		if (names.length === 0) throw new Unreadable('it lists no inputs');
		if (names.length > SCHEMA_PROPERTIES_MAX)
			throw new Unreadable(`it lists more than ${SCHEMA_PROPERTIES_MAX} inputs`);
		const refs = asRecord(components);
		const inputs = new Map<string, SchemaInput>();
		for (const name of names) inputs.set(name, readInput(name, properties[name], refs));
		const required = record.required ?? [];
		if (
			!Array.isArray(required) ||
			required.length > SCHEMA_PROPERTIES_MAX ||
			!required.every((r) => typeof r === 'string')
		)
			throw new Unreadable('its required inputs are not a list of names');
		return { schema: { inputs, required: required as string[], source } };
	} catch (error) {
		// Anything else a hostile shape might cause is unreadable too: the compiled names then apply.
		return {
			unreadable: error instanceof Unreadable ? error.message : 'its shape could not be read',
		};
	}
}

/**
 * One try of a GET that reads what a provider says about a model (an input schema, a models-API
 * entry), with the execution's cancel signal: its answer, the provider's 404 (no such model), or
 * why there is no answer. A cancelled execution throws here, as every request does.
 */
export async function readDescription(
	ctx: IExecuteFunctions,
	errors: ProviderErrorContext,
	call: Omit<HttpCall, 'method' | 'purpose' | 'signal'>,
): Promise<{ response: HttpResponse } | { notFound: true } | { unreadable: string }> {
	try {
		const response = await send(
			ctx,
			errors,
			{ method: 'GET', ...call, purpose: 'status', signal: ctx.getExecutionCancelSignal?.() },
			ONE_TRY,
		);
		return { response };
	} catch (failure) {
		if (failure instanceof FluxError && failure.kind === 'cancelled') throw failure.with({});
		if (failure instanceof FluxError && failure.httpCode === 404) return { notFound: true };
		return { unreadable: failure instanceof Error ? failure.message : String(failure) };
	}
}

/**
 * One bounded GET of a schema (one try; the cancel of the execution stops it as every request;
 * anything else is only "unreadable"): its parsed JSON, or why not. `call` says where and whether
 * it is signed: a schema on a host that is not the provider's API host goes without the key.
 */
export async function fetchSchemaJson(
	ctx: IExecuteFunctions,
	errors: ProviderErrorContext,
	call: Pick<HttpCall, 'url' | 'credentialType' | 'peer'>,
	timeoutMs: number,
): Promise<{ json: unknown } | { unreadable: string }> {
	const outcome = await readDescription(ctx, errors, {
		...call,
		timeoutMs: Math.max(1, Math.min(SCHEMA_TIMEOUT_MS, timeoutMs)),
		bodyMax: SCHEMA_BODY_MAX,
		// A schema read follows no redirect, signed or not: a 3xx is an unreadable answer.
		manualRedirect: true,
	});
	if ('notFound' in outcome) return { unreadable: 'it did not find the model (404)' };
	if ('unreadable' in outcome) return outcome;
	const { status } = outcome.response;
	if (status < 200 || status >= 300)
		return { unreadable: `it answered HTTP ${status} (redirects are not followed)` };
	const json = parseBody(outcome.response.body);
	return asRecord(json) ? { json } : { unreadable: 'its answer is not a JSON object' };
}

/** The name a line field goes under when the schema is read: its wire, else the first alternative listed. */
function listedName(schema: InputSchema, wire: string, alternatives?: readonly string[]): string {
	if (schema.inputs.has(wire)) return wire;
	return alternatives?.find((name) => schema.inputs.has(name)) ?? wire;
}

/**
 * A scalar in the type the schema lists (a number where it lists a string, as fal's FLUX.2
 * `safety_tolerance` "1"…"5"; digits where it lists a number); anything else as it is.
 */
function inType(value: unknown, type: string | undefined): unknown {
	if (type === 'string' && (typeof value === 'number' || typeof value === 'boolean'))
		return String(value);
	if (
		(type === 'integer' || type === 'number') &&
		typeof value === 'string' &&
		/^-?\d+(\.\d+)?$/.test(value)
	) {
		const n = Number(value);
		return Number.isSafeInteger(n) || (type === 'number' && Number.isFinite(n)) ? n : value;
	}
	return value;
}

/**
 * The line under the schema's names and types: an UNCONFIRMED name the schema does not list, but an
 * alternative of it, is mapped; a value goes in the type the schema lists for it.
 */
export function lineForSchema(line: ModelLine, schema: InputSchema): ModelLine {
	const fields: Record<string, LineField> = {};
	for (const [name, field] of Object.entries(line.fields)) {
		if (!('wire' in field)) {
			fields[name] = field;
			continue;
		}
		const wire = listedName(schema, field.wire, field.alternatives);
		const type = schema.inputs.get(wire)?.type;
		const encode = field.encode;
		fields[name] = {
			...field,
			wire,
			encode: (value: unknown) => inType(encode ? encode(value) : value, type),
		};
	}
	const references = line.references && {
		...line.references,
		wire: listedName(schema, line.references.wire, line.references.alternatives),
	};
	return { ...line, fields, ...(references ? { references } : {}) };
}

/** Where a wire name comes from, for the message: the node's field, or Reference Images. */
function fieldOf(line: ModelLine, request: JobRequest, wire: string): string {
	if (line.references?.wire === wire) return 'Reference Images';
	for (const [name, field] of Object.entries(line.fields)) {
		if ('wire' in field && field.wire === wire)
			return request.model?.params.find((row) => row.apiName === name)?.displayName ?? name;
	}
	return 'Model';
}

const shown = (name: string) => `"${boundText(name, PROVIDER_WORD_MAX)}"`;

/**
 * Why the request cannot run on this schema, or undefined: checks the body the line would send
 * (references as `count` placeholders) against the schema. Names the node's field and the model.
 */
export function schemaRefusal(
	providerName: string,
	line: ModelLine,
	schema: InputSchema,
	request: JobRequest,
	referenceCount: number,
): ParameterError | undefined {
	const model = request.model?.displayName ?? 'this model';
	const endpoint = lineEndpoint(line, referenceCount);
	const where = `${providerName}'s ${model} (${boundText(endpoint, PROVIDER_TEXT_MAX)}), as ${schema.source} describes it`;
	const body = modelBody(
		line,
		request,
		Array.from({ length: referenceCount }, () => ''),
	);
	for (const [wire, value] of Object.entries(body)) {
		const field = fieldOf(line, request, wire);
		const input = schema.inputs.get(wire);
		if (!input) {
			return new ParameterError(
				field,
				`${where}, takes no input ${shown(wire)} (it lists ${boundList([...schema.inputs.keys()], { quote: true })}), so no job was sent. ${field === 'Model' ? 'Choose another provider for this model' : `Leave "${field}" at its default, or choose another provider`}`,
				wire,
			);
		}
		if (wire === line.references?.wire && Array.isArray(value)) {
			if (input.maxItems !== undefined && value.length > input.maxItems)
				return new ParameterError(
					'Reference Images',
					`${value.length} reference images; ${where}, takes at most ${input.maxItems}, so no job was sent`,
					value.length,
				);
			continue;
		}
		if (!isScalar(value)) continue;
		if (input.enum && !input.enum.some((c) => c === value || String(c) === String(value)))
			return new ParameterError(
				field,
				`${where}, accepts ${shown(wire)} only as ${boundList(input.enum, { quote: true })}, not ${shown(String(value))}, so no job was sent`,
				value,
			);
		if (
			typeof value === 'number' &&
			((input.minimum !== undefined && value < input.minimum) ||
				(input.maximum !== undefined && value > input.maximum))
		)
			return new ParameterError(
				field,
				`${where}, takes ${shown(wire)} from ${input.minimum ?? '…'} to ${input.maximum ?? '…'}, so no job was sent`,
				value,
			);
	}
	const missing = schema.required.find(
		(name) => !(name in body) && !schema.inputs.get(name)?.hasDefault,
	);
	if (missing)
		return new ParameterError(
			'Model',
			`${where}, requires an input ${shown(missing)} that the node does not send for this item, so no job was sent`,
			missing,
		);
	return undefined;
}

/** How the item's fields went out: under names checked against the schema read, or the compiled ones. */
export type SchemaUse = 'read' | 'compiled';

/**
 * A warning given at most once per execution in n8n's output pane (a run that could not read a
 * model's description says so once, not per item); none on n8n versions without execution hints.
 */
export class OnceHint {
	private given = false;

	constructor(private readonly ctx: IExecuteFunctions) {}

	give(message: string): void {
		if (this.given || typeof this.ctx.addExecutionHints !== 'function') return;
		this.given = true;
		this.ctx.addExecutionHints({
			message: boundText(message, MESSAGE_MAX),
			type: 'warning',
			location: 'outputPane',
		});
	}
}

/**
 * One execution's schemas for one provider: each endpoint read at most once (one GET, whatever the
 * number of items), and each model request checked against its endpoint's schema. When a schema
 * cannot be read, the compiled line applies and the run says so once in an execution hint.
 */
export class InputSchemas {
	private readonly reads = new Map<string, Promise<SchemaRead>>();
	private readonly hint: OnceHint;

	constructor(
		ctx: IExecuteFunctions,
		private readonly providerName: string,
		/** Reads one endpoint's schema (bounded: fetchSchemaJson, readInputSchema). */
		private readonly read: (endpoint: string, timeoutMs: number) => Promise<SchemaRead>,
	) {
		this.hint = new OnceHint(ctx);
	}

	private async schemaOf(endpoint: string, timeoutMs: number): Promise<SchemaRead> {
		let pending = this.reads.get(endpoint);
		if (!pending) {
			pending = this.read(endpoint, timeoutMs);
			this.reads.set(endpoint, pending);
			// A cancelled execution is not a schema: the next caller asks again (and is cancelled too).
			pending.catch(() => this.reads.delete(endpoint));
		}
		return await pending;
	}

	/**
	 * The line a model request goes out under and whether its schema was read. Throws the request's
	 * refusal (a ParameterError) when the schema read contradicts it, before anything is paid for.
	 */
	async target(
		line: ModelLine,
		request: JobRequest,
		referenceCount: number,
	): Promise<{ line: ModelLine; schema: SchemaUse }> {
		const endpoint = lineEndpoint(line, referenceCount);
		const found = await this.schemaOf(endpoint, request.options.timeoutMs);
		if ('unreadable' in found) {
			this.hint.give(
				`${this.providerName} could not give the input schema of ${endpoint} (${boundText(found.unreadable, PROVIDER_TEXT_MAX)}), so this run sent its fields under the node's compiled names (docs/provider-facts.md); its items say schema: "compiled"`,
			);
			return { line, schema: 'compiled' };
		}
		const mapped = lineForSchema(line, found.schema);
		const refusal = schemaRefusal(this.providerName, mapped, found.schema, request, referenceCount);
		if (refusal) throw refusal;
		return { line: mapped, schema: 'read' };
	}

	/**
	 * A request's target on this provider: undefined for Ultra (no model) or a model the provider's
	 * `lines` lack, else `target` of its line.
	 */
	async targetOf(
		lines: Readonly<Record<string, ModelLine>>,
		request: JobRequest,
		referenceCount: number,
	): Promise<{ line: ModelLine; schema: SchemaUse } | undefined> {
		const line = request.model ? lines[request.model.id] : undefined;
		return line && (await this.target(line, request, referenceCount));
	}
}
