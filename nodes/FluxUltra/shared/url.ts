import type { IExecuteFunctions } from 'n8n-workflow';

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

/** IANA special-purpose IPv4 blocks (and multicast, reserved, broadcast): never a public image host. */
const INTERNAL_V4: Array<[number, number]> = (
	[
		['0.0.0.0', 8], // "this network"
		['10.0.0.0', 8], // private
		['100.64.0.0', 10], // shared address space (carrier-grade NAT; Alibaba's metadata service)
		['127.0.0.0', 8], // loopback
		['169.254.0.0', 16], // link-local (cloud metadata services)
		['172.16.0.0', 12], // private
		['192.0.0.0', 24], // IETF protocol assignments
		['192.0.2.0', 24], // TEST-NET-1
		['192.88.99.0', 24], // 6to4 relay anycast
		['192.168.0.0', 16], // private
		['198.18.0.0', 15], // benchmarking
		['198.51.100.0', 24], // TEST-NET-2
		['203.0.113.0', 24], // TEST-NET-3
		['224.0.0.0', 4], // multicast
		['240.0.0.0', 4], // reserved, and 255.255.255.255
	] as Array<[string, number]>
).map(([net, bits]) => [v4Number(net)!, bits]);

/** Names that only ever mean something inside a network (RFC 6761, 6762, 8375, ICANN's .internal, cloud metadata). */
const INTERNAL_SUFFIXES = [
	'localhost',
	'local',
	'internal',
	'home.arpa',
	'lan',
	'intranet',
	'corp',
	'localdomain',
];

/** A dotted-quad IPv4 address as a 32-bit number, or undefined. */
function v4Number(text: string): number | undefined {
	const parts = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
	if (!parts) return undefined;
	const octets = parts.slice(1).map(Number);
	if (octets.some((o) => o > 255)) return undefined;
	return ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
}

function isInternalV4(address: number): boolean {
	return INTERNAL_V4.some(([net, bits]) =>
		bits === 0 ? true : address >>> (32 - bits) === net >>> (32 - bits),
	);
}

/** An IPv6 address as eight 16-bit groups (an embedded dotted IPv4 tail included), or undefined. */
function v6Groups(text: string): number[] | undefined {
	let head = text;
	const tail: number[] = [];
	const dotted = /^(.*:)(\d{1,3}(?:\.\d{1,3}){3})$/.exec(head);
	if (dotted) {
		const v4 = v4Number(dotted[2]);
		if (v4 === undefined) return undefined;
		tail.push(v4 >>> 16, v4 & 0xffff);
		head = dotted[1].endsWith('::') ? dotted[1] : dotted[1].slice(0, -1);
	}
	const halves = head.split('::');
	if (halves.length > 2) return undefined;
	const parse = (part: string) =>
		part === ''
			? []
			: part.split(':').map((g) => (/^[0-9a-f]{1,4}$/.test(g) ? parseInt(g, 16) : NaN));
	const left = parse(halves[0]);
	const right = halves.length === 2 ? parse(halves[1]) : [];
	if ([...left, ...right].some(Number.isNaN)) return undefined;
	const known = left.length + right.length + tail.length;
	if (halves.length === 2 ? known > 7 : known !== 8) return undefined;
	return [...left, ...Array<number>(8 - known).fill(0), ...right, ...tail];
}

/** Whether an IPv6 address is internal itself, or carries an internal IPv4 address (mapped, translated, tunnelled). */
function isInternalV6(g: number[]): boolean {
	const v4At = (hi: number, lo: number) => ((hi << 16) | lo) >>> 0;
	const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
	if (zeros(0, 5) && (g[5] === 0 || g[5] === 0xffff)) {
		// ::/96 (unspecified, loopback, the deprecated IPv4-compatible form: nothing public) and ::ffff:0:0/96 (IPv4-mapped)
		return g[5] === 0 || isInternalV4(v4At(g[6], g[7]));
	}
	if (zeros(0, 4) && g[4] === 0xffff && g[5] === 0) return isInternalV4(v4At(g[6], g[7])); // ::ffff:0:a.b.c.d (SIIT)
	if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) return isInternalV4(v4At(g[6], g[7])); // NAT64 64:ff9b::/96
	if (g[0] === 0x64 && g[1] === 0xff9b && g[2] === 1) return true; // local-use NAT64 64:ff9b:1::/48
	if (g[0] === 0x2002) return isInternalV4(v4At(g[1], g[2])); // 6to4
	if (g[0] === 0x2001 && g[1] === 0) {
		// Teredo: the server's address, and the client's (stored inverted)
		return isInternalV4(v4At(g[2], g[3])) || isInternalV4(~v4At(g[6], g[7]) >>> 0);
	}
	if ((g[0] & 0xfe00) === 0xfc00) return true; // unique local fc00::/7
	if ((g[0] & 0xffc0) === 0xfe80 || (g[0] & 0xffc0) === 0xfec0) return true; // link-local fe80::/10, site-local fec0::/10
	if ((g[0] & 0xff00) === 0xff00) return true; // multicast
	if (g[0] === 0x100 && zeros(1, 4)) return true; // discard-only 100::/64
	if (g[0] === 0x2001 && g[1] === 0xdb8) return true; // documentation
	if (g[0] === 0x2001 && (g[1] & 0xfff0) === 0x10) return true; // ORCHID 2001:10::/28
	return false;
}

/**
 * Whether a host is a loopback, private, link-local or otherwise internal address, in any spelling:
 * IPv4 in every form WHATWG URL parsing accepts (short, octal, hex, decimal), IPv6 in every form
 * (mapped, compatible, NAT64, 6to4, Teredo carrying an internal IPv4; ULA, link- and site-local,
 * multicast), with brackets, a zone id or trailing dots; names that only mean something inside a
 * network (localhost, *.local, *.internal, *.home.arpa, …) and single-label names (resolved through
 * the machine's search domains, such as `metadata` or `redis`). A public name that merely resolves
 * to an internal address is not seen here: see `egressAllows`.
 */
export function isInternalHost(hostname: string): boolean {
	let host = hostname
		.trim()
		.toLowerCase()
		.replace(/^\[|\]$/g, '');
	host = host.replace(/%.*$/, ''); // zone id (fe80::1%eth0, or %25eth0 in a URL)
	if (host.includes(':')) {
		const groups = v6Groups(host);
		return groups ? isInternalV6(groups) : true;
	}
	host = host.replace(/\.+$/, '');
	if (host === '') return true;
	// Any IPv4 spelling (0x7f.1, 2130706433, 0177.0.0.1) becomes a dotted quad the way URL parsing does it.
	if (/^[0-9a-fx.]+$/.test(host) && /^[0-9]|\.[0-9]/.test(host)) {
		const parsed = parseUrl(`http://${host}/`)?.hostname;
		const v4 = parsed ? v4Number(parsed) : undefined;
		if (v4 !== undefined) return isInternalV4(v4);
	}
	if (!host.includes('.')) return true;
	return INTERNAL_SUFFIXES.some((suffix) => host === suffix || host.endsWith(`.${suffix}`));
}

/** Where downloads and uploads may go: https on public hosts, plus the one origin the credential's base URL names. */
export interface LinkPolicy {
	/** Plain-http origin allowed besides https (a mock or proxy base URL, itself on an internal host). */
	plainHttpOrigin?: string;
	/**
	 * The credential's base URL origin when it is on an internal host (a local mock or proxy): that
	 * origin, and no other internal one, may be fetched from.
	 */
	internalOrigin?: string;
}

/** Whether a download, an upload or a redirect they meet may go to this link (by its text alone). */
export function isDownloadableLink(value: unknown, policy: LinkPolicy): boolean {
	if (!isFollowableLink(value, policy.plainHttpOrigin)) return false;
	const url = parseUrl(value)!;
	if (url.origin === policy.plainHttpOrigin || url.origin === policy.internalOrigin) return true;
	return !isInternalHost(url.hostname);
}

/** What n8n's egress filter said of a link. */
export type EgressVerdict = { allowed: true } | { allowed: false; reason: string };

/** The part of n8n 2.x's `helpers.getSecureEgressFilter` used here (n8n-workflow's NodeEgressFilter). */
interface EgressFilter {
	validateUrl(url: string): Promise<{ ok: boolean; error?: unknown }>;
}

/**
 * Asks n8n whether its SSRF policy lets this link through, resolving the name as it does: n8n 2.x's
 * `getSecureEgressFilter('enforced')` applies the instance's blocked ranges (N8N_SSRF_BLOCKED_IP_RANGES,
 * n8n's default list unless set) and allow lists even when N8N_SSRF_PROTECTION_ENABLED is off. This
 * is how a public name that resolves to a loopback or private address is caught on n8n 2.x, where
 * the streamed answer hides its socket (see `peerRefusal` in transport/http.ts, which checks the
 * connected address itself on n8n 1.x): a community node may not look names up itself. n8n 1.x has
 * no such helper. The credential's own internal origin is not asked about.
 *
 * Fails closed: a name the filter cannot resolve (NXDOMAIN, SERVFAIL, a timeout, any error of the
 * filter) is refused, since n8n's client would resolve it again a moment later and might reach
 * whatever that second answer names. An n8n 2.x instance without DNS of its own, which reaches the
 * web only through HTTP_PROXY, therefore cannot download or fetch Image URLs (README).
 */
export async function egressAllows(
	ctx: IExecuteFunctions,
	link: string,
	policy: LinkPolicy,
): Promise<EgressVerdict> {
	const url = parseUrl(link);
	if (!url) return { allowed: false, reason: 'not a URL' };
	if (url.origin === policy.plainHttpOrigin || url.origin === policy.internalOrigin)
		return { allowed: true };
	const helpers = ctx.helpers as {
		getSecureEgressFilter?: (policy: 'enforced') => EgressFilter | undefined;
	};
	if (typeof helpers.getSecureEgressFilter !== 'function') return { allowed: true };
	try {
		const filter = helpers.getSecureEgressFilter('enforced');
		if (!filter) return { allowed: false, reason: "n8n's SSRF policy is not available" };
		const result = await filter.validateUrl(url.toString());
		if (result?.ok) return { allowed: true };
		return {
			allowed: false,
			reason:
				result?.error instanceof Error ? result.error.message : "refused by n8n's SSRF policy",
		};
	} catch (error) {
		return {
			allowed: false,
			reason: `n8n's SSRF check failed: ${error instanceof Error ? error.message : 'unknown error'}`,
		};
	}
}
