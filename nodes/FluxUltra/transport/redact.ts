/**
 * Masks anything shaped like a credential in text this package shows or logs. Errors are built from
 * provider bodies and never from request objects, so this is a second line of defence: a provider
 * that echoes a header, or a proxy error page, must not put a key into an n8n execution log.
 */
const AUTH_SCHEME = /\b(Key|Bearer|Basic|Token)\s+([A-Za-z0-9._~+/=:-]{6,})/gi;
/** A value under a field named for a secret is masked whatever it looks like. */
const KEY_FIELD =
	/("?(?:api[_-]?key|authorization|x-api-key|x-key|token|secret)"?\s*[:=]\s*"?)(?!(?:Key|Bearer|Basic|Token)\s)[^"\s,}]{6,}/gi;

/**
 * Whether a word looks like a secret rather than prose: it has a digit, or is long (a key, a token,
 * a base64 blob). "key provided" or "Token expired" stay as they are.
 */
function secretLike(word: string): boolean {
	return /\d/.test(word) || word.length >= 24;
}

export function redact(text: string): string {
	return text
		.replace(AUTH_SCHEME, (whole, scheme: string, value: string) =>
			secretLike(value) ? `${scheme} [redacted]` : whole,
		)
		.replace(KEY_FIELD, '$1[redacted]');
}

/**
 * The forms a secret can take in text: as it is, URL-encoded, and base64 (standard and URL-safe,
 * with or without padding). Base64 of a longer text (e.g. `Basic base64(user:key)`) writes the key
 * with one of three alignments; each alignment's characters that depend on the key alone are a form
 * too, so an echo of the key inside any base64 blob is found.
 */
export function secretForms(secret: string): string[] {
	const bytes = Buffer.from(secret, 'utf8');
	const forms = new Set([secret, encodeURIComponent(secret)]);
	for (let shift = 0; shift < 3; shift++) {
		const encoded = Buffer.concat([Buffer.alloc(shift), bytes])
			.toString('base64')
			.replace(/=+$/, '');
		// Leading characters mix in the bytes before the key; the last group may mix in those after it.
		const start = shift === 0 ? 0 : 4;
		const whole = shift === 0 ? encoded : encoded.slice(start);
		const core = encoded.slice(start, encoded.length - ((bytes.length + shift) % 3 === 0 ? 0 : 4));
		for (const form of [whole, core]) {
			if (form.length < 8) continue;
			forms.add(form);
			forms.add(form.replace(/\+/g, '-').replace(/\//g, '_'));
		}
	}
	return [...forms];
}

/** Where a bounded text was cut (shared/bound.ts `boundText`). */
const CUT = '…';

/**
 * Masks the given secrets wherever they appear, in any of their `secretForms`: the exact answer to a
 * provider that echoes the key back, whatever its shape. A text cut short where it quoted a
 * provider (shared/bound.ts) may end in the first characters of a key: those are masked too, when
 * at least 6 of them stand right before the cut mark.
 */
export function secretScrubber(secrets: unknown[]): (text: string) => string {
	const forms = [
		...new Set(
			secrets
				.filter((s): s is string => typeof s === 'string' && s.length >= 6)
				.flatMap((s) => secretForms(s)),
		),
	].sort((a, b) => b.length - a.length);
	return (text) => {
		const whole = forms.reduce(
			(out, secret) => (out.includes(secret) ? out.split(secret).join('[redacted]') : out),
			text,
		);
		if (!whole.includes(CUT)) return whole;
		return forms.reduce((out, secret) => {
			for (let length = secret.length - 1; length >= 6; length--) {
				const cutKey = `${secret.slice(0, length)}${CUT}`;
				if (out.includes(cutKey)) out = out.split(cutKey).join(`[redacted]${CUT}`);
			}
			return out;
		}, whole);
	};
}
