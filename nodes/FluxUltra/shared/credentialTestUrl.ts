/**
 * The base URL of a credential's *Test* request (`test.request.baseURL`), which n8n evaluates as an
 * expression over `$credentials` and sends with the key when the credential is saved. Imports
 * nothing: the credentials import it.
 *
 * The node refuses a plain-http API Base URL on a public host before any request
 * (providers/common/baseUrl.ts); the test request must not send the key there either. So the expression
 * passes an https URL through, and a plain-http one only when its host is plainly a loopback,
 * private or local one (a subset of `isInternalHost` that an expression can check: localhost,
 * single-label and `.local`/`.internal`/… names, 127/8, 10/8, 172.16/12, 192.168/16, 169.254/16,
 * [::1]; no user info, no IPv4 in other spellings). Anything else becomes a URL with the scheme
 * `PLAIN_HTTP_REFUSED`, which n8n's HTTP client refuses before connecting ("Unsupported protocol
 * plain-http-to-a-public-host-is-refused-use-https:"), so the key goes nowhere.
 */
export const PLAIN_HTTP_REFUSED = 'plain-http-to-a-public-host-is-refused-use-https:';

const LOCAL_PLAIN_HTTP = String.raw`^http:\/\/(?:[a-z][a-z0-9-]*|[a-z0-9.-]+\.(?:localhost|local|internal|home\.arpa|lan|intranet|corp|localdomain)|127(?:\.\d{1,3}){3}|10(?:\.\d{1,3}){3}|192\.168(?:\.\d{1,3}){2}|172\.(?:1[6-9]|2\d|3[01])(?:\.\d{1,3}){2}|169\.254(?:\.\d{1,3}){2}|\[::1\])(?::\d{1,5})?(?:\/[^\s@\\]*)?$`;

/**
 * The `={{ … }}` expression: the credential's API Base URL when set (trimmed, trailing slashes
 * dropped, plain http only to a local host), else `production`, itself a JavaScript expression
 * (a quoted URL, or a choice by `$credentials.region`).
 */
export function credentialTestBaseUrl(production: string): string {
	return `={{((b) => b === "" ? ${production} : /^https:\\/\\//i.test(b) || /${LOCAL_PLAIN_HTTP}/i.test(b) ? b.replace(/\\/+$/, "") : "${PLAIN_HTTP_REFUSED}")(String($credentials.baseUrl || "").trim())}}`;
}
