import {
	displayNameForApiField,
	IMAGE_INPUT,
	PROVIDER_PARAMS,
	type Operation,
} from '../../parameters/table';

/** The table default of each canonical field, to leave unconfirmed fields out when they are at it. */
const DEFAULTS: Record<string, unknown> = Object.fromEntries(
	PROVIDER_PARAMS.map((p) => [
		p.apiName,
		'canonical' in p && p.canonical === 'number' ? Number(p.default) : p.default,
	]),
);
import type { FluxParams, JobRequest } from '../../parameters/validation';

/** Canonical parameter names: the table's `apiName`s plus the input image. */
export type CanonicalField = keyof FluxParams | typeof IMAGE_INPUT.apiName;

export const CANONICAL_FIELDS: readonly CanonicalField[] = [
	...PROVIDER_PARAMS.map((p) => p.apiName),
	IMAGE_INPUT.apiName,
];

/**
 * How one provider treats one canonical field. Every provider declares every field, so none is
 * dropped silently: a field is either sent under a wire name or refused with a reason.
 */
export type FieldSupport =
	| {
			/** Name in the provider's request body. */
			wire: string;
			/** `confirmed`: in the provider's own documentation; `unconfirmed`: a fal-style name the docs do not show. */
			status: 'confirmed' | 'unconfirmed';
			/** Converts the canonical value to the provider's type (e.g. a number to "2"). */
			encode?: (value: unknown) => unknown;
			/** Sent only when the job has an input image. */
			withImageOnly?: boolean;
			note?: string;
	  }
	| {
			/**
			 * Not sent: the provider makes one image per request, so the node sends one request per
			 * image (see `FluxProvider.imagesPerRequest`). Only for Number of Images.
			 */
			status: 'per_request';
			note: string;
	  }
	| {
			status: 'refused';
			/** The one value the provider can honour (the field's off state); any other is refused. */
			accepts: unknown;
			/** Why, and what to do instead, in words for the user. */
			note: string;
	  };

export type FieldMap = Readonly<Record<CanonicalField, FieldSupport>>;

/** Field-map entries, written the same way by every provider. */
type Sent = Extract<FieldSupport, { wire: string }>;

/** Sent under `wire`, as the provider's own documentation names it. */
export function confirmed(wire: string, more: Omit<Sent, 'wire' | 'status'> = {}): FieldSupport {
	return { wire, status: 'confirmed', ...more };
}

/** Fields the provider documents under the node's own names, sent as they are. */
export function sentAsNamed<K extends CanonicalField>(...names: K[]): Record<K, FieldSupport> {
	return Object.fromEntries(names.map((name) => [name, confirmed(name)])) as Record<
		K,
		FieldSupport
	>;
}

/** A field the provider can only have off (a boolean it cannot turn on): `note` says why and what to do. */
export function refusedWhenOn(note: string): FieldSupport {
	return { status: 'refused', accepts: false, note };
}

/** A field the provider does not have at all: any value is refused, with `note`. */
export function notAvailable(note: string): FieldSupport {
	return { status: 'refused', accepts: undefined, note };
}

/** A provider's field map for one operation: its `fields`, with that operation's differences. */
export function fieldsFor(
	provider: { fields: FieldMap; operationFields?: Partial<Record<Operation, Partial<FieldMap>>> },
	operation: Operation,
): FieldMap {
	const changes = provider.operationFields?.[operation];
	return changes ? { ...provider.fields, ...changes } : provider.fields;
}

/** A refused field in this request, as the router reports it: display name and problem. */
export function refusedField(
	providerName: string,
	fields: FieldMap,
	request: JobRequest,
): { field: string; problem: string; received: unknown } | undefined {
	for (const name of CANONICAL_FIELDS) {
		const support = fields[name];
		if (support.status !== 'refused') continue;
		const value =
			name === IMAGE_INPUT.apiName ? request.image : request.params[name as keyof FluxParams];
		if (value === undefined || value === support.accepts) continue;
		return {
			field: displayNameForApiField(name) ?? name,
			problem: `${providerName} cannot honour it: ${support.note}`,
			received: value,
		};
	}
	return undefined;
}

/**
 * The provider's input object, built from its field map: canonical values under wire names, with
 * each provider's encoding. Unset values and an empty prompt are left out, so the provider's own
 * default applies. A field whose wire name is unconfirmed is sent only when the user set it away
 * from its default: if the provider's schema rejects unknown keys, only the jobs that asked for
 * that field fail (and the provider's error names it), not every job.
 */
export function buildInput(
	fields: FieldMap,
	request: JobRequest,
	imageUrl: string | undefined,
): Record<string, unknown> {
	const input: Record<string, unknown> = {};
	for (const name of CANONICAL_FIELDS) {
		const support = fields[name];
		if (!('wire' in support)) continue;
		const value =
			name === IMAGE_INPUT.apiName ? imageUrl : request.params[name as keyof FluxParams];
		if (value === undefined || value === '') continue;
		if (support.withImageOnly && imageUrl === undefined) continue;
		if (
			support.status === 'unconfirmed' &&
			name !== IMAGE_INPUT.apiName &&
			value === DEFAULTS[name]
		)
			continue;
		input[support.wire] = support.encode ? support.encode(value) : value;
	}
	return input;
}

/** The node's display name for a provider's wire name (`prompt_upsampling` → "Enhance Prompt"), from its field map. */
export function displayNameForWire(fields: FieldMap, wire: string): string | undefined {
	const canonical = CANONICAL_FIELDS.find((name) => {
		const support = fields[name];
		return 'wire' in support && support.wire === wire;
	});
	return canonical === undefined ? undefined : displayNameForApiField(canonical);
}
