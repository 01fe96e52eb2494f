import { boundList, boundText, PROVIDER_TEXT_MAX, PROVIDER_WORD_MAX } from '../../shared/bound';
import { NUM_IMAGES_ROW } from '../../parameters/models/shared';
import type { JobRequest } from '../../parameters/validation';
import { ParameterError } from '../../transport/errors';
import { lineEndpoint, type ModelLine } from '../common/modelLines';
import {
	encodeTyped,
	valueProblem,
	type ModelInput,
	type ModelSchema,
	type RunflowModels,
} from './runflow.schema';

/**
 * A model job (FLUX.2, FLUX 3 Image) on Runflow against the inputs Runflow's models API lists for
 * its slug (RF-26, RF-48): each of the node's fields under the name the schema lists (the line's
 * name first, then its `alternatives`), in the schema's type and within its choices and range.
 * Nothing is dropped silently: a field the user set that the schema does not list is refused naming
 * the field and the model; a field left at the model's default is then not sent (Runflow's own
 * default applies). Reference images go in the schema's list input, at most min(the model's limit,
 * the line's, the schema's `maxItems`). An input the schema requires that the node cannot fill is
 * refused. Makes no request.
 */

/** The field one request per image covers (job/expand.ts): never sent, never refused. */
const FAN_OUT = NUM_IMAGES_ROW.apiName;

const find = (schema: ModelSchema, names: readonly string[]): ModelInput | undefined =>
	names.map((name) => schema.inputs.find((i) => i.name === name)).find((i) => i !== undefined);

const word = (text: string) => boundText(text, PROVIDER_WORD_MAX);

export type ModelRunInput = { input: Record<string, unknown> } | { refusal: ParameterError };

export function modelRunInput(
	schema: ModelSchema,
	line: ModelLine,
	request: JobRequest,
	/** The job's references as the provider takes them (the pre-flight passes placeholders). */
	references: readonly string[],
): ModelRunInput {
	const model = request.model!;
	const params = request.params as unknown as Record<string, unknown>;
	const rows = new Map(model.params.map((row) => [row.apiName, row]));
	const name = (field: string) => rows.get(field)?.displayName ?? field;
	const atDefault = (field: string, value: unknown) => {
		const fallback = rows.get(field)?.default;
		return fallback !== undefined && String(value) === String(fallback);
	};
	const of = `Runflow's ${model.displayName} model (${word(schema.model)})`;
	const listed = `the inputs Runflow's models API lists for it are ${boundList(schema.inputs.map((i) => i.name))}`;
	const refuse = (field: string, problem: string, received: unknown): ModelRunInput => ({
		refusal: new ParameterError(field, problem, received),
	});
	const notTaken = (field: string, value: unknown) =>
		refuse(
			name(field),
			`${of} does not take it: ${listed}. Leave it at its default, or use another provider`,
			value,
		);

	// A model field this line has no name for at all (a field added to the model later): never dropped.
	for (const row of model.params) {
		const value = params[row.apiName];
		if (row.apiName in line.fields || value === undefined || value === '') continue;
		if (!atDefault(row.apiName, value)) return notTaken(row.apiName, value);
	}

	const input: Record<string, unknown> = {};
	const used = new Set<string>();
	for (const [field, support] of Object.entries(line.fields)) {
		if (!('wire' in support)) continue;
		const value = params[field];
		if (value === undefined || value === '') continue;
		// A name still UNCONFIRMED goes only with a value the user set away from the model's default.
		if (support.unconfirmed && atDefault(field, value)) continue;
		const target = find(schema, [support.wire, ...(support.alternatives ?? [])]);
		if (!target) {
			if (atDefault(field, value)) continue;
			return notTaken(field, value);
		}
		const encoded = encodeTyped(target, support.encode ? support.encode(value) : value);
		const problem = valueProblem(target, encoded);
		if (problem) {
			// The model's default the schema does not take: not sent, Runflow's own default applies.
			if (atDefault(field, value)) continue;
			return refuse(name(field), `${of} ${problem} (read from Runflow's models API)`, value);
		}
		used.add(target.name);
		input[target.name] = encoded;
	}

	// Fields computed from several (FLUX.2's `image_size` from Aspect Ratio × Megapixels).
	for (const [key, value] of Object.entries(line.derived?.(params, references.length) ?? {})) {
		const found = find(schema, [key]);
		// A size the input's listed values do not include (presets only) is one it cannot take.
		const target = found?.choices && !found.choices.some((c) => c === value) ? undefined : found;
		if (target) {
			used.add(target.name);
			input[target.name] = value;
			continue;
		}
		const size = value as { width?: unknown; height?: unknown } | undefined;
		const width = find(schema, ['width']);
		const height = find(schema, ['height']);
		if (width && height && typeof size?.width === 'number' && typeof size.height === 'number') {
			used.add(width.name).add(height.name);
			input[width.name] = size.width;
			input[height.name] = size.height;
			continue;
		}
		const set = Object.entries(line.fields).find(
			([field, support]) =>
				'derivedOnly' in support &&
				field !== FAN_OUT &&
				params[field] !== undefined &&
				!atDefault(field, params[field]),
		);
		if (set) return notTaken(set[0], params[set[0]]);
	}

	if (references.length > 0) {
		const wire = line.references?.wire ?? 'image_urls';
		const target = find(schema, [wire, ...(line.references?.alternatives ?? [])]);
		if (!target)
			return refuse(
				'Reference Images',
				`${of} takes no reference images: ${listed}. Remove them, or use another provider`,
				references.length,
			);
		const list = target.type === 'array' || /s$/.test(target.name);
		const max = Math.min(
			model.references?.max ?? 0,
			line.references?.max ?? 0,
			list ? (target.maxItems ?? Number.POSITIVE_INFINITY) : 1,
		);
		if (references.length > max)
			return refuse(
				'Reference Images',
				`${references.length} reference images; ${model.displayName} on Runflow takes at most ${max} (${word(target.name)} as Runflow's models API lists it for ${word(schema.model)})`,
				references.length,
			);
		used.add(target.name);
		input[target.name] = list ? [...references] : references[0];
	}

	const unfilled = schema.inputs.find(
		(i) => i.required && i.default === undefined && !used.has(i.name),
	);
	if (unfilled) {
		const ours = Object.entries(line.fields).find(
			([, support]) =>
				'wire' in support &&
				[support.wire, ...(support.alternatives ?? [])].includes(unfilled.name),
		);
		return ours
			? refuse(
					name(ours[0]),
					`${of} requires it (as "${word(unfilled.name)}", read from Runflow's models API)`,
					params[ours[0]],
				)
			: refuse(
					'Model',
					`${of} requires an input "${word(unfilled.name)}" that this node has no field for, so it cannot run there`,
					model.id,
				);
	}
	return { input };
}

/**
 * Where a model job goes on Runflow and its `input`, from the slug's look-up (cached per execution,
 * RunflowModels): the line's slug, or its `/edit` slug with references. A 404 refuses the item as a
 * model Runflow does not serve (the run's checks add the providers that do); a look-up that fails
 * otherwise (5xx, no answer, an answer without inputs) refuses it too — it fails closed, before any
 * paid request (RF-47). Throws a ParameterError.
 */
export async function modelTarget(
	models: RunflowModels,
	line: ModelLine,
	request: JobRequest,
	references: readonly string[],
): Promise<{ model: string; input: Record<string, unknown> }> {
	const declared = request.model!;
	const slug = lineEndpoint(line, references.length);
	const found = await models.lookUp(slug, declared.displayName);
	if ('missing' in found)
		throw new ParameterError(
			'Model',
			`${declared.displayName} is not available on Runflow (the node looked up ${slug} in Runflow's models API: not found)`,
			declared.id,
		);
	if ('unreadable' in found)
		throw new ParameterError(
			'Model',
			`${declared.displayName} on Runflow: the node could not look up ${slug} in Runflow's models API (${boundText(found.unreadable, PROVIDER_TEXT_MAX)}), so no job was sent. Try again later, or use another provider`,
			declared.id,
		);
	const mapped = modelRunInput(found.schema, line, request, references);
	if ('refusal' in mapped) throw mapped.refusal;
	return { model: slug, input: mapped.input };
}
