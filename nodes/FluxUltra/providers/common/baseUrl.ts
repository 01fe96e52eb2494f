import { isInternalHost, parseUrl } from '../../shared/url';
import { FluxError } from '../../transport/errors';

/**
 * The API base URL a credential sets (a proxy or a local test server), or the provider's production
 * host when the field is empty. Returned without a trailing slash.
 */
export function baseUrlFromCredential(
	value: unknown,
	productionBase: string,
	credentialName: string,
): string {
	if (typeof value !== 'string' || value.trim() === '') return productionBase;
	const url = parseUrl(value.trim());
	if (
		!url ||
		(url.protocol !== 'https:' && url.protocol !== 'http:') ||
		url.username ||
		url.password
	) {
		throw new FluxError(
			'auth',
			`The API base URL in the "${credentialName}" credential is not an http(s) URL`,
			{
				description: `Open the "${credentialName}" credential and clear "API Base URL", or set it to a full URL such as https://proxy.example.com.`,
			},
		);
	}
	if (url.protocol === 'http:' && !isInternalHost(url.hostname)) {
		throw new FluxError(
			'auth',
			`The API base URL in the "${credentialName}" credential is plain http:// on a public host: the API key would travel unencrypted`,
			{
				description: `Open the "${credentialName}" credential and set "API Base URL" to an https:// URL, or clear it. Plain http:// is accepted only for a local mock or proxy on a loopback or private address.`,
			},
		);
	}
	return url.toString().replace(/\/+$/, '');
}

/** The origin allowed over plain http: only a base URL the user set to http (a mock or proxy). */
export function plainHttpOriginOf(base: string): string | undefined {
	const origin = new URL(base).origin;
	return origin.startsWith('http:') ? origin : undefined;
}

/**
 * The base URL's origin when the user set it to an internal host (a local mock or proxy): downloads
 * and uploads may go to that one origin, and to no other internal host.
 */
export function internalOriginOf(base: string): string | undefined {
	const url = new URL(base);
	return isInternalHost(url.hostname) ? url.origin : undefined;
}
