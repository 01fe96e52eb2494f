import type { INodePropertyOptions } from 'n8n-workflow';

import { falProvider } from './fal/fal.provider';
import type { FluxProvider } from './types';

/** Every provider, in the order the Provider field lists them. Adding one touches only this list. */
export const PROVIDERS: readonly FluxProvider[] = [falProvider];

export function providerById(id: unknown): FluxProvider | undefined {
	return PROVIDERS.find((p) => p.id === id);
}

export function providerOptions(): INodePropertyOptions[] {
	return PROVIDERS.map((p) => ({ name: p.displayName, value: p.id }));
}

/** Node subtitle, e.g. "Generate · fal.ai": operation and provider, names taken from this list. */
export function providerSubtitle(): string {
	const names = JSON.stringify(Object.fromEntries(PROVIDERS.map((p) => [p.id, p.displayName])));
	return `={{ ($parameter["operation"] === "remix" ? "Remix" : "Generate") + " · " + (${names})[$parameter["provider"]] }}`;
}
