import { isInternalHost, parseUrl } from '../shared/url';
import { FluxError } from '../transport/errors';

/**
 * The API base URL a credential sets (a proxy or a local test server), or the provider's production
 * host when the field is empty. Returned without a trailing slash.
 */
export function baseUrlFromCredential(value: unknown, productionBase: string, credentialName: string): string {
	if (typeof value !== 'string' || value.trim() === '') return productionBase;
	const url = parseUrl(value.trim());
	if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password) {
		throw new FluxError('auth', `The API base URL in the "${credentialName}" credential is not an http(s) URL`, {
			description: `Open the "${credentialName}" credential and clear "API Base URL", or set it to a full URL such as https://proxy.example.com.`,
		});
	}
	return url.toString().replace(/\/+$/, '');
}

/** The origin allowed over plain http: only a base URL the user set to http (a mock or proxy). */
export function plainHttpOriginOf(base: string): string | undefined {
	const origin = new URL(base).origin;
	return origin.startsWith('http:') ? origin : undefined;
}

/** Whether the base URL the user set is itself an internal host (a local mock or proxy). */
export function internalHostsAllowedBy(base: string): boolean {
	return isInternalHost(new URL(base).hostname);
}
