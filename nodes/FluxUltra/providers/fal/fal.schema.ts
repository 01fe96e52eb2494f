import { asRecord, ownValue as own } from '../../shared/json';
import { readInputSchema, type SchemaRead } from '../common/inputSchema';

/** At most this many entries of the model search's `models` are looked at (fal answers 1 per id asked). */
const MODELS_MAX = 50;

/**
 * An endpoint's input schema from fal's model search answer (`{models: [{endpoint_id, openapi}]}`,
 * FA-44): the entry for the endpoint, its OpenAPI document's `POST /<endpoint>` request body
 * (`$ref` into `components.schemas`, FA-45), else its one `…Input` component.
 */
export function falInputSchema(answer: unknown, endpoint: string): SchemaRead {
	const models = asRecord(answer)?.models;
	if (!Array.isArray(models)) return { unreadable: 'its answer has no models list' };
	const entry = models
		.slice(0, MODELS_MAX)
		.map(asRecord)
		.find((m) => m?.endpoint_id === endpoint);
	if (!entry) return { unreadable: 'it did not list the endpoint' };
	const openapi = asRecord(entry.openapi);
	if (!openapi) return { unreadable: 'it gave no OpenAPI document for the endpoint' };
	const components = asRecord(asRecord(openapi.components)?.schemas);
	const operation = asRecord(own(asRecord(own(asRecord(openapi.paths), `/${endpoint}`)), 'post'));
	const body = asRecord(
		own(asRecord(asRecord(operation?.requestBody)?.content), 'application/json'),
	);
	let schema: unknown = asRecord(body?.schema);
	const ref = asRecord(schema)?.$ref;
	if (typeof ref === 'string' && ref.startsWith('#/components/schemas/'))
		schema = own(components, ref.slice('#/components/schemas/'.length));
	if (!asRecord(schema)) {
		const inputs = Object.keys(components ?? {}).filter((name) => name.endsWith('Input'));
		if (inputs.length === 1) schema = own(components, inputs[0]);
	}
	return readInputSchema(schema, components, "fal.ai's model search (OpenAPI)");
}
