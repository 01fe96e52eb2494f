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

/**
 * Whether a host name is a loopback, link-local, private or otherwise internal address written as
 * such (an IP literal, `localhost`, `*.local`). Names that merely resolve to one are n8n's SSRF
 * protection's to catch: community nodes may not do DNS look-ups of their own.
 */
export function isInternalHost(hostname: string): boolean {
	const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
	if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local') || host.endsWith('.internal')) return true;
	const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
	if (v4) {
		const [a, b] = [Number(v4[1]), Number(v4[2])];
		return (
			a === 0 || a === 10 || a === 127 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) ||
			(a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127) || a >= 224
		);
	}
	if (host.includes(':')) {
		if (host === '::' || host === '::1') return true;
		if (/^f[cd][0-9a-f]{2}:/.test(host) || /^fe[89ab][0-9a-f]:/.test(host)) return true;
		const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(host);
		if (mapped) return isInternalHost(mapped[1]);
	}
	return false;
}

/** Where downloads may go: https on public hosts, plus the configured base URL's origin and host kind. */
export interface LinkPolicy {
	/** Plain-http origin allowed besides https (a mock or proxy base URL). */
	plainHttpOrigin?: string;
	/** True when the credential's base URL is itself an internal host (a local mock): such hosts are allowed. */
	internalHostsAllowed?: boolean;
}

/** Whether a download (or a redirect it meets) may go to this link. */
export function isDownloadableLink(value: unknown, policy: LinkPolicy): boolean {
	if (!isFollowableLink(value, policy.plainHttpOrigin)) return false;
	const url = parseUrl(value)!;
	if (url.origin === policy.plainHttpOrigin) return true;
	const internalAllowed =
		policy.internalHostsAllowed ?? (policy.plainHttpOrigin !== undefined && isInternalHost(new URL(policy.plainHttpOrigin).hostname));
	return internalAllowed || !isInternalHost(url.hostname);
}
