import { asRecord, ownValue } from '../../shared/json';
import { readInputSchema, type SchemaRead } from '../common/inputSchema';

/**
 * A model's input schema from Replicate's model answer (`GET /v1/models/{owner}/{name}`, RP-33):
 * `latest_version.openapi_schema.components.schemas.Input`, whose enums sit in sibling components
 * reached by `allOf: [{$ref}]` (RP-34). Official models run on their latest version (RP-30), so this
 * is the schema a prediction runs with.
 */
export function replicateInputSchema(answer: unknown): SchemaRead {
	const version = asRecord(asRecord(answer)?.latest_version);
	if (!version) return { unreadable: 'its answer has no latest version' };
	const components = asRecord(asRecord(asRecord(version.openapi_schema)?.components)?.schemas);
	return readInputSchema(
		ownValue(components, 'Input'),
		components,
		"Replicate's model API (openapi_schema)",
	);
}
