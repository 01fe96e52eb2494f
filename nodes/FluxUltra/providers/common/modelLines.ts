import type { PriceRule } from '../../parameters/models';
import type { JobRequest } from '../../parameters/validation';

/**
 * A provider line: how one provider serves one model (issue 29). Each provider declares its lines in
 * its own folder (`<provider>/<provider>.models.ts`), so adding a model never touches another
 * provider's file, and a provider stays one folder. FLUX 1.1 [pro] Ultra needs no line: it is
 * every provider's first model, wired through `FluxProvider.fields`.
 */
export interface ModelLine {
	/** Where a job goes (a path on the provider's API base, or a model id, as the provider needs). */
	endpoint: string;
	/** Where a job with reference images goes, where the provider splits them (fal's `…/edit`). */
	withReferences?: string;
	/** The model's canonical fields (its rows' `apiName`s) under this provider's names and types. */
	fields: Readonly<Record<string, LineField>>;
	/** Fields computed from several canonical ones (FLUX.2's size from Aspect Ratio × Megapixels). */
	derived?: (params: Record<string, unknown>, referenceCount: number) => Record<string, unknown>;
	/** How reference images travel, and this provider's own limits (the node enforces the smaller). */
	references?: {
		/** `numbered`: `wire`, `wire_2`, … (BFL FLUX.2); `list`: one array field. */
		style: 'numbered' | 'list';
		wire: string;
		max: number;
		maxMegapixels?: number;
		source: string;
		/** Other names the provider may list the references under (an UNCONFIRMED `wire`): see LineField. */
		alternatives?: readonly string[];
	};
	/**
	 * The webhook: a body field, a query parameter of the submit (fal's `fal_webhook`), a field
	 * beside the model's input that the provider's session writes as it does for Ultra (Replicate's
	 * `webhook`), or why the provider's endpoint for this model takes none (refused before any request).
	 */
	webhook: { wire: string } | { query: string } | { beside: string } | { refused: string };
	/** This provider's price rule where it is not the model's. */
	price?: PriceRule;
	/**
	 * This provider's price rule for a job with references, where it differs from `price` (Runflow
	 * prices its klein `…/edit` models apart, RF-34).
	 */
	priceWithReferences?: PriceRule;
	/**
	 * What the editor says when this provider and model are picked, where the line is settled only
	 * at run time (Runflow's look-up): shown as a notice, as a model a provider does not serve is.
	 */
	notice?: string;
	/** Facts of this line still UNCONFIRMED (docs/provider-facts.md id → what), shown in docs/models.md. */
	unconfirmed: Readonly<Record<string, string>>;
}

/** A canonical field on the wire: its name, and how its value is written there. */
export type LineField =
	| {
			wire: string;
			encode?: (value: unknown) => unknown;
			/**
			 * The wire name is UNCONFIRMED (the fact id says where it comes from): sent only when the
			 * user set the field away from the model's default, as Ultra's unconfirmed names are
			 * (providers/common/fields.ts buildInput), so only the jobs that asked for it can fail on it.
			 */
			unconfirmed?: string;
			/**
			 * Names the provider's published schema may list the field under instead, where `wire` is
			 * UNCONFIRMED: when the schema is read at run time (common/inputSchema.ts), the first name it
			 * lists is sent. `wire` stays the fallback when the schema cannot be read, not the truth.
			 */
			alternatives?: readonly string[];
	  }
	/** Not sent: used by `derived` (Megapixels → width and height), or one job per image (Number of Images). */
	| { derivedOnly: true }
	/**
	 * The provider has no such input for this model: the one value it can honour (the model's
	 * behaviour without the switch) passes unsent, any other is refused before any request with `note`.
	 */
	| { refused: string; accepts: unknown };

/** A line with more fields than another (FLUX.2 [flex] over [pro]'s). */
export function withFields(line: ModelLine, fields: ModelLine['fields']): ModelLine {
	return { ...line, fields: { ...line.fields, ...fields } };
}

/** Where a model job goes: the references endpoint when it has references and the provider splits. */
export function lineEndpoint(line: ModelLine, referenceCount: number): string {
	return referenceCount > 0 && line.withReferences ? line.withReferences : line.endpoint;
}

/** The request body of a model job from a provider line: fields, derived fields, references. */
export function modelBody(
	line: ModelLine,
	request: JobRequest,
	references: readonly string[],
): Record<string, unknown> {
	const params = request.params as unknown as Record<string, unknown>;
	const defaults = new Map(request.model?.params.map((row) => [row.apiName, row.default]));
	const body: Record<string, unknown> = {};
	for (const [name, field] of Object.entries(line.fields)) {
		if ('derivedOnly' in field || 'refused' in field) continue;
		const value = params[name];
		if (value === undefined || value === '') continue;
		if (field.unconfirmed && String(value) === String(defaults.get(name))) continue;
		body[field.wire] = field.encode ? field.encode(value) : value;
	}
	Object.assign(body, line.derived?.(params, references.length));
	if (references.length > 0 && line.references) {
		const { style, wire } = line.references;
		if (style === 'list') body[wire] = [...references];
		else references.forEach((ref, n) => (body[n === 0 ? wire : `${wire}_${n + 1}`] = ref));
	}
	if (request.options.webhookUrl && 'wire' in line.webhook)
		body[line.webhook.wire] = request.options.webhookUrl;
	return body;
}
