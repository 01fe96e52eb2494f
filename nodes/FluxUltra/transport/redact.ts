/**
 * Masks anything shaped like a credential in text this package shows or logs. Errors are built from
 * provider bodies and never from request objects, so this is a second line of defence: a provider
 * that echoes a header, or a proxy error page, must not put a key into an n8n execution log.
 */
const AUTH_SCHEME = /\b(Key|Bearer|Basic|Token)\s+([A-Za-z0-9._~+/=:-]{6,})/gi;
/** A value under a field named for a secret is masked whatever it looks like. */
const KEY_FIELD = /("?(?:api[_-]?key|authorization|x-api-key|x-key|token|secret)"?\s*[:=]\s*"?)(?!(?:Key|Bearer|Basic|Token)\s)[^"\s,}]{6,}/gi;

/**
 * Whether a word looks like a secret rather than prose: it has a digit, or is long (a key, a token,
 * a base64 blob). "key provided" or "Token expired" stay as they are.
 */
function secretLike(word: string): boolean {
	return /\d/.test(word) || word.length >= 24;
}

export function redact(text: string): string {
	return text
		.replace(AUTH_SCHEME, (whole, scheme: string, value: string) => (secretLike(value) ? `${scheme} [redacted]` : whole))
		.replace(KEY_FIELD, '$1[redacted]');
}

/**
 * Masks the given secrets wherever they appear, as they are or URL-encoded: the exact answer to a
 * provider that echoes the key back in an error body, whatever its shape.
 */
export function secretScrubber(secrets: unknown[]): (text: string) => string {
	const forms = secrets
		.filter((s): s is string => typeof s === 'string' && s.length >= 6)
		.flatMap((s) => [s, encodeURIComponent(s)])
		.sort((a, b) => b.length - a.length);
	return (text) => forms.reduce((out, secret) => out.split(secret).join('[redacted]'), text);
}
