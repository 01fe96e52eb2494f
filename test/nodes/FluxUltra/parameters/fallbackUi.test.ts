import { NodeHelpers, type INode, type INodeParameters } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';

import { FluxUltra } from '../../../../nodes/FluxUltra/FluxUltra.node';
import {
	fallbackParameterName,
	NO_FALLBACK,
	PROVIDERS,
} from '../../../../nodes/FluxUltra/providers/registry';

/**
 * Which credentials n8n shows, and lets the node read, for each Provider / Fallback Provider pair.
 * Decided by n8n-workflow's own code: `NodeHelpers.getNodeParameters` (how the editor and the
 * Workflow class fill in defaults and drop hidden fields) and `NodeHelpers.displayParameter` (what
 * the editor's credential list and n8n-core's `getCredentials` check before handing a credential
 * over — n8n-core dist/execution-engine/node-execution-context/node-execution-context.js).
 */
const description = new FluxUltra().description;
const node = (parameters: INodeParameters): INode => ({
	id: 'n1',
	name: 'FLUX 1.1 Ultra',
	type: 'n8n-nodes-flux-ultra.fluxUltra',
	typeVersion: 1,
	position: [0, 0],
	parameters,
});

function credentialsShown(provider: string, fallback?: string): string[] {
	const raw: INodeParameters = { provider, operation: 'generate', prompt: 'x' };
	if (fallback) raw[fallbackParameterName(provider)] = fallback;
	const parameters = NodeHelpers.getNodeParameters(
		description.properties,
		raw,
		true,
		false,
		node(raw),
		description,
	)!;
	return (description.credentials ?? [])
		.filter((c) => NodeHelpers.displayParameter(parameters, c, node(parameters), description))
		.map((c) => c.name);
}

const credentialOf = (id: string) => PROVIDERS.find((p) => p.id === id)!.credentialType;

describe('Fallback Provider in the editor', () => {
	it('shows only the provider’s credential when there is no fallback (also in a workflow saved before the field existed)', () => {
		for (const p of PROVIDERS) {
			expect(credentialsShown(p.id), p.id).toEqual([p.credentialType]);
			expect(credentialsShown(p.id, NO_FALLBACK), p.id).toEqual([p.credentialType]);
		}
	});

	it('shows the fallback’s credential beside the provider’s for every pair', () => {
		for (const p of PROVIDERS) {
			for (const f of PROVIDERS.filter((o) => o !== p)) {
				expect(credentialsShown(p.id, f.id).sort(), `${p.id} → ${f.id}`).toEqual(
					[p.credentialType, credentialOf(f.id)].sort(),
				);
			}
		}
	});

	it('offers, beside each provider, None and every other provider, never itself', () => {
		for (const p of PROVIDERS) {
			const field = description.properties.find((f) => f.name === fallbackParameterName(p.id))!;
			expect(field.displayOptions?.show?.provider).toEqual([p.id]);
			expect(field.default).toBe(NO_FALLBACK);
			expect(field.options?.map((o) => (o as { value: string }).value)).toEqual([
				NO_FALLBACK,
				...PROVIDERS.filter((o) => o !== p).map((o) => o.id),
			]);
		}
	});
});
