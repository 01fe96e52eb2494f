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
