import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';

import { listenLoopback, readBody } from '../../testkit/mocks/loopback';

/**
 * A small reverse proxy on loopback, in front of a mock provider, as a user would put nginx in
 * front of an API (the credential's API Base URL points at it). It forwards every request, rewrites
 * the target's address to its own in text answers (so links the provider returns lead back through
 * it), and lets a test answer a request itself — before forwarding (a proxy that never sends it) or
 * after (a proxy that sent it upstream, then lost or replaced the answer) — or rewrite an answer.
 * Image downloads (`/files/`, `/delivery/`) are counted, with the most in flight at once.
 */

export interface Exchange {
	method: string;
	path: string;
	body: Buffer;
}

export interface Answer {
	status: number;
	headers: Record<string, string>;
	body: Buffer | string;
}

export interface ProxyHooks {
	/** Answer without forwarding (the request never reaches the provider). */
	before?(exchange: Exchange): Answer | undefined;
	/** Replace the provider's answer (the request did reach it). `json` is its body, parsed, if JSON. */
	after?(exchange: Exchange, upstream: Answer & { json?: unknown }): Answer | undefined;
	/** Hold each download this long before forwarding it, so overlapping downloads show. */
	downloadDelayMs?: number;
}

export interface HostileProxy {
	url: string;
	/** Requests forwarded to the provider, by `METHOD path`. */
	forwarded: string[];
	downloads: { total: number; inFlight: number; maxInFlight: number };
	close(): Promise<void>;
}

/** nginx's own 504 page: what a proxy answers when the upstream took too long (no x-fal-request-id). */
export const NGINX_504: Answer = {
	status: 504,
	headers: { 'content-type': 'text/html', server: 'nginx/1.27.0' },
	body: '<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body>\r\n<center><h1>504 Gateway Time-out</h1></center>\r\n<hr><center>nginx/1.27.0</center>\r\n</body>\r\n</html>\r\n',
};

/** nginx's own 502 page (the upstream closed the connection before answering). */
export const NGINX_502: Answer = {
	status: 502,
	headers: { 'content-type': 'text/html', server: 'nginx/1.27.0' },
	body: '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.27.0</center>\r\n</body>\r\n</html>\r\n',
};

export const json = (
	status: number,
	body: unknown,
	headers: Record<string, string> = {},
): Answer => ({
	status,
	headers: { 'content-type': 'application/json', ...headers },
	body: JSON.stringify(body),
});

const isDownload = (path: string) => path.startsWith('/files/') || path.startsWith('/delivery/');

function flatHeaders(headers: IncomingHttpHeaders): Record<string, string> {
	const out: Record<string, string> = {};
	for (const [k, v] of Object.entries(headers))
		if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
	return out;
}

export async function startHostileProxy(
	target: string,
	hooks: ProxyHooks = {},
): Promise<HostileProxy> {
	const forwarded: string[] = [];
	const downloads = { total: 0, inFlight: 0, maxInFlight: 0 };
	let self = '';
	const server = createServer((req, res) => {
		void (async () => {
			const body = await readBody(req);
			const path = req.url ?? '/';
			const exchange: Exchange = { method: req.method ?? 'GET', path, body };
			const reply = (answer: Answer) => {
				const bytes = Buffer.isBuffer(answer.body) ? answer.body : Buffer.from(answer.body);
				res.writeHead(answer.status, { ...answer.headers, 'content-length': String(bytes.length) });
				res.end(bytes);
			};
			const early = hooks.before?.(exchange);
			if (early) return reply(early);
			const download = isDownload(path);
			if (download) {
				downloads.total++;
				downloads.inFlight++;
				downloads.maxInFlight = Math.max(downloads.maxInFlight, downloads.inFlight);
				res.on('close', () => downloads.inFlight--);
				if (hooks.downloadDelayMs)
					await new Promise((done) => setTimeout(done, hooks.downloadDelayMs));
			}
			forwarded.push(`${exchange.method} ${path.split('?')[0]}`);
			const headers = flatHeaders(req.headers);
			for (const hop of ['host', 'connection', 'keep-alive', 'transfer-encoding'])
				delete headers[hop];
			headers['content-length'] = String(body.length);
			const upstream = httpRequest(`${target}${path}`, { method: req.method, headers });
			upstream.on('error', () => res.destroy());
			upstream.on('response', (answer) => {
				const type = String(answer.headers['content-type'] ?? '');
				if (type.includes('event-stream') || !/json|text/.test(type)) {
					// A stream or a file: passed on as it comes.
					res.writeHead(answer.statusCode ?? 502, flatHeaders(answer.headers));
					answer.pipe(res);
					return;
				}
				void readBody(answer).then((raw) => {
					const text = raw.toString('utf8').split(target).join(self);
					let parsed: unknown;
					try {
						parsed = JSON.parse(text);
					} catch {
						parsed = undefined;
					}
					const responseHeaders = flatHeaders(answer.headers);
					for (const hop of ['content-length', 'transfer-encoding', 'connection', 'keep-alive'])
						delete responseHeaders[hop];
					const passed: Answer = {
						status: answer.statusCode ?? 502,
						headers: responseHeaders,
						body: text,
					};
					reply(hooks.after?.(exchange, { ...passed, json: parsed }) ?? passed);
				});
			});
			upstream.end(body);
		})().catch(() => res.destroy());
	});
	const loopback = await listenLoopback(server);
	self = loopback.url;
	return { url: self, forwarded, downloads, close: loopback.close };
}
