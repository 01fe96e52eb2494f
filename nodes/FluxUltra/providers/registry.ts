import type { INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import { OPERATIONS, PROVIDER_PARAMS } from '../parameters/table';

import { bflProvider } from './bfl/bfl.provider';
import { falProvider } from './fal/fal.provider';
import { replicateProvider } from './replicate/replicate.provider';
import { runflowProvider } from './runflow/runflow.provider';
import type { FluxProvider } from './types';

/** Every provider, in the order the Provider field lists them. Adding one touches only this list. */
export const PROVIDERS: readonly FluxProvider[] = [falProvider, runflowProvider, bflProvider, replicateProvider];

export function providerById(id: unknown): FluxProvider | undefined {
	return PROVIDERS.find((p) => p.id === id);
}

export function providerOptions(): INodePropertyOptions[] {
	return PROVIDERS.map((p) => ({ name: p.displayName, value: p.id }));
}

/** Node subtitle, e.g. "Generate · fal.ai": operation and provider, names taken from this list. */
export function providerSubtitle(): string {
	const names = JSON.stringify(Object.fromEntries(PROVIDERS.map((p) => [p.id, p.displayName])));
	return `={{ ({ remix: "Remix", getResult: "Get Result" }[$parameter["operation"]] ?? "Generate") + " · " + (${names})[$parameter["provider"]] }}`;
}

/**
 * A notice in the editor for each operation a provider cannot run, shown as soon as the user picks
 * that pair, so the run-time error is never the first they hear of it.
 */
export function unsupportedNotices(): INodeProperties[] {
	return PROVIDERS.flatMap((p) =>
		OPERATIONS.flatMap((operation) => {
			const reason = p.unsupported(operation);
			if (!reason) return [];
			return [
				{
					displayName: reason,
					name: `${p.id}${operation[0].toUpperCase()}${operation.slice(1)}Notice`,
					type: 'notice' as const,
					default: '',
					displayOptions: { show: { provider: [p.id], operation: [operation] } },
				},
			];
		}),
	);
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
			return support?.status === 'refused' && spec.kind === 'boolean' && support.accepts === spec.default;
		}).map((p) => p.id);
		if (providers.length) hide[spec.name] = providers;
	}
	return hide;
}
