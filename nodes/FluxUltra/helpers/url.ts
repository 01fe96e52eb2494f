/** A URL object, or undefined when the text is not an absolute URL. */
export function parseUrl(value: unknown): URL | undefined {
	if (typeof value !== 'string') return undefined;
	try {
		return new URL(value);
	} catch {
		return undefined;
	}
}

/**
 * Whether the node may fetch from or upload to a link a provider handed back: https only, or plain
 * http on the one origin the user configured as API base URL (a local mock or proxy).
 */
export function isFollowableLink(value: unknown, plainHttpOrigin: string | undefined): boolean {
	const url = parseUrl(value);
	if (!url || url.username || url.password) return false;
	return url.protocol === 'https:' || (url.protocol === 'http:' && url.origin === plainHttpOrigin);
}
