// What a host nock answers for "resolves to": the address the intercepted connection reports as
// `socket.remoteAddress`. nock 14 answers through @mswjs/interceptors' MockHttpSocket, which has no
// peer at all (remoteAddress undefined; nock's older fake socket said 127.0.0.1 for every host);
// either would make every nocked download look unreadable or loopback to the node's peer-address
// check. Here an IP literal resolves to itself and a name to a public address (93.184.216.34),
// unless a test says otherwise with `resolvesTo` (an attacker's DNS pointing a public-looking name
// inward). A connection nock lets through to a real server keeps its real peer.
import { isIP, Socket } from 'node:net';

/** A public address every nocked name resolves to by default. */
export const DEFAULT_PUBLIC_ADDRESS = '93.184.216.34';

const answers = new Map<string, string>();

/** Makes `host` (a name nock answers for) "resolve" to `address` until the test ends. */
export function resolvesTo(host: string, address: string): void {
	answers.set(host.toLowerCase(), address);
}

/** Forgets every `resolvesTo` (useNock calls it after each test). */
export function clearAddresses(): void {
	answers.clear();
}

/** The address a nocked connection to `host` reports. */
export function addressOf(host: string): string {
	const bare = host.replace(/^\[|\]$/g, '');
	if (isIP(bare)) return bare;
	return answers.get(host.toLowerCase()) ?? DEFAULT_PUBLIC_ADDRESS;
}

interface PeerSocket {
	_getpeername(): { address?: string; family?: string; port?: number };
	connectionOptions?: { hostname?: string; host?: string; port?: number | string };
}

let installed = false;

/** Gives nock's mock sockets (those with `connectionOptions` and no real peer) the host's address. */
export function installNockAddresses(): void {
	if (installed) return;
	installed = true;
	const proto = Socket.prototype as unknown as PeerSocket;
	const original = proto._getpeername;
	proto._getpeername = function (this: PeerSocket) {
		const peer = original.call(this);
		const options = this.connectionOptions;
		if (peer?.address !== undefined || !options) return peer;
		const address = addressOf(String(options.hostname ?? options.host ?? ''));
		return {
			address,
			family: isIP(address) === 6 ? 'IPv6' : 'IPv4',
			port: Number(options.port),
		};
	};
}
