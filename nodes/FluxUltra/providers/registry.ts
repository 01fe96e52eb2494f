import type {
	INodeCredentialDescription,
	INodeProperties,
	INodePropertyOptions,
} from 'n8n-workflow';

import { OPERATION_NAMES, PROVIDER_PARAMS, type NodeVersion } from '../parameters/table';
import { byName } from '../parameters/ui';

import { EDITION_PROVIDERS } from './edition';
import type { FluxProvider } from './types';

/** Every provider of this package (edition.ts), in the order the Provider field lists them. Adding one touches only that list. */
export const PROVIDERS: readonly FluxProvider[] = EDITION_PROVIDERS;

/**
 * Whether a Fallback Provider can be set: only with a second provider in the package. A one-provider
 * edition has no Fallback Provider field and no second credential.
 */
export const HAS_FALLBACK = PROVIDERS.length > 1;

/** The Provider field's default: the first provider listed. */
export const DEFAULT_PROVIDER: string = PROVIDERS[0].id;

export function providerById(id: unknown): FluxProvider | undefined {
	return PROVIDERS.find((p) => p.id === id);
}

/** The Provider field's options: version 1 in the registry's order, version 2 by name. */
export function providerOptions(version: NodeVersion = 1): INodePropertyOptions[] {
	const options = PROVIDERS.map((p) => ({ name: p.displayName, value: p.id }));
	return version === 1 ? options : byName(options);
}

/** Node subtitle, e.g. "Generate with Fine-Tune · fal.ai": operation and provider, by their editor names. */
export function providerSubtitle(): string {
	const names = JSON.stringify(Object.fromEntries(PROVIDERS.map((p) => [p.id, p.displayName])));
	const operations = JSON.stringify(OPERATION_NAMES);
	return `={{ ((${operations})[$parameter["operation"]] ?? "Generate") + " · " + (${names})[$parameter["provider"]] }}`;
}

/**
 * Fields each provider can only refuse (a boolean it cannot turn on, such as Sync Mode on Runflow),
 * by n8n parameter name: the editor hides them for that provider.
 */
export function fieldsHiddenByProvider(): Record<string, string[]> {
	const hide: Record<string, string[]> = {};
	for (const spec of PROVIDER_PARAMS) {
		const providers = PROVIDERS.filter((p) => {
			const support = p.fields[spec.apiName as keyof typeof p.fields];
			return (
				support?.status === 'refused' && spec.kind === 'boolean' && support.accepts === spec.default
			);
		}).map((p) => p.id);
		if (providers.length) hide[spec.name] = providers;
	}
	return hide;
}

/** The Fallback Provider value that turns failover off. */
export const NO_FALLBACK = 'none';

/**
 * The n8n parameter holding the fallback of one primary provider, e.g. `fallbackFromFal`. There is
 * one per primary, shown only beside it: its options never list the primary itself, and the editor
 * can show the fallback's credential (see credentialDescriptions).
 */
export function fallbackParameterName(primaryId: string): string {
	return `fallbackFrom${primaryId[0].toUpperCase()}${primaryId.slice(1)}`;
}

/**
 * The "Fallback Provider" field, once per primary provider (version 2: its options by name). It
 * stays at the top level in version 2 too: n8n decides which credentials a node shows and may use
 * from its top-level parameters, and a field in a collection is absent until added, which could not
 * hide the second credential (see credentialDescriptions). testkit/scan/exemptions.mjs says so.
 */
export function fallbackProperties(version: NodeVersion = 1): INodeProperties[] {
	if (!HAS_FALLBACK) return [];
	return PROVIDERS.map((primary) => {
		const options = [
			{ name: 'None', value: NO_FALLBACK },
			...PROVIDERS.filter((p) => p !== primary).map((p) => ({ name: p.displayName, value: p.id })),
		];
		return {
			displayName: 'Fallback Provider',
			name: fallbackParameterName(primary.id),
			type: 'options' as const,
			noDataExpression: true,
			options: version === 1 ? options : byName(options),
			default: NO_FALLBACK,
			description: `Another service that takes over an item when ${primary.displayName} provably did not take its job or failed it on its side (down, throttled, out of credit, job failed, or timed out and provably stopped). Never after a job may have been created, never for a refused field or blocked content, so nothing is paid twice.`,
			displayOptions: { show: { provider: [primary.id] } },
		};
	});
}

/**
 * Each provider's credential, shown when it is the Provider or the Fallback Provider. n8n's display
 * rules AND the keys of `show` and OR those of `hide`, so "Provider is X or Fallback is X" is
 * written as: hide X's credential when the fallback field of another primary (present only while
 * that one is the Provider) holds anything but X. n8n checks the same rule when the node asks for
 * the credential at run time (n8n-core `getCredentials` → n8n-workflow `NodeHelpers.displayParameter`).
 */
export function credentialDescriptions(): INodeCredentialDescription[] {
	if (!HAS_FALLBACK) return PROVIDERS.map((p) => ({ name: p.credentialType, required: true }));
	return PROVIDERS.map((p) => ({
		name: p.credentialType,
		required: true,
		displayOptions: {
			hide: Object.fromEntries(
				PROVIDERS.filter((primary) => primary !== p).map((primary) => [
					fallbackParameterName(primary.id),
					[NO_FALLBACK, ...PROVIDERS.filter((o) => o !== primary && o !== p).map((o) => o.id)],
				]),
			),
		},
	}));
}
