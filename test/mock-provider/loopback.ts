import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the mock servers share: body reading, JSON answers, and listening on 127.0.0.1. */

const MAX_BODY = 64 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<Buffer> {
	const chunks: Buffer[] = [];
	let size = 0;
	for await (const chunk of req) {
		size += (chunk as Buffer).length;
		if (size > MAX_BODY) throw new Error('body too large');
		chunks.push(chunk as Buffer);
	}
	return Buffer.concat(chunks);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
	res.writeHead(status, { 'content-type': 'application/json', ...headers });
	res.end(JSON.stringify(body));
}

/** Starts the server on a loopback port; `url` is its base, `close` ends every open connection too. */
export async function listenLoopback(server: Server, port = 0): Promise<{ url: string; close(): Promise<void> }> {
	await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}

export type RunflowOutputShape = 'outputs' | 'image_urls' | 'image' | 'url';

/** Runflow's normalized `output` in one of the shapes its SDK reads (used by the mock and by nock). */
export function runflowOutputBody(
	shape: RunflowOutputShape,
	images: Array<{ url: string; contentType: string; width?: number; height?: number }>,
	seed: number,
) {
	switch (shape) {
		case 'image_urls':
			return { image_urls: images.map((i) => i.url) };
		case 'image':
			return { image: { url: images[0].url } };
		case 'url':
			return { url: images[0].url };
		default:
			return {
				type: 'image',
				outputs: images.map((i) => ({ type: 'image', url: i.url, content_type: i.contentType, width: i.width, height: i.height })),
				seed,
			};
	}
}
