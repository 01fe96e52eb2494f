/**
 * Masks anything shaped like a credential in text this package shows or logs. Errors are built from
 * provider bodies and never from request objects, so this is a second line of defence: a provider
 * that echoes a header, or a proxy error page, must not put a key into an n8n execution log.
 */
const AUTH_SCHEME = /\b(Key|Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=:-]{6,}/gi;
const KEY_FIELD = /("?(?:api[_-]?key|authorization|x-api-key|token|secret)"?\s*[:=]\s*"?)[^"\s,}]{6,}/gi;

export function redact(text: string): string {
	return text.replace(AUTH_SCHEME, '$1 [redacted]').replace(KEY_FIELD, '$1[redacted]');
}
