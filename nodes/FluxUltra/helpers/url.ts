/** Parses an absolute URL; undefined instead of an exception for anything that is not one. */
export function parseUrl(text: unknown): URL | undefined {
	if (typeof text !== 'string') return undefined;
	try {
		return new URL(text);
	} catch {
		return undefined;
	}
}
