// Default imports are the CommonJS module objects, which nock patches; a namespace import of a
// builtin is a snapshot taken at import time and would bypass nock if loaded before it.
import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';

import type { IHttpRequestOptions } from 'n8n-workflow';

/** One request as it left the process, for assertions ("zero requests", "no auth header"). */
export interface SentRequest {
	method: string;
	url: string;
	headers: Record<string, string>;
	body?: Buffer;
}

/**
 * A real HTTP client with the semantics of n8n's `helpers.httpRequest` (which is axios): full
 * response on request, thrown errors for non-2xx unless `ignoreHttpStatusErrors`, `timeout` as
 * ECONNABORTED, cancellation as ERR_CANCELED, redirects followed without the Authorization header
 * across origins. It goes through node:http, so nock intercepts exactly what a provider would get.
 */
export async function realHttpRequest(options: IHttpRequestOptions, log: SentRequest[]): Promise<unknown> {
	let url = new URL(options.url, options.baseURL);
	for (const [k, v] of Object.entries(options.qs ?? {})) {
		if (v !== undefined) url.searchParams.set(k, String(v));
	}
	let method = (options.method ?? 'GET').toUpperCase();
	const headers: Record<string, string> = {};
	for (const [k, v] of Object.entries(options.headers ?? {})) {
		if (v !== undefined) headers[k.toLowerCase()] = String(v);
	}
	let body: Buffer | undefined;
	if (Buffer.isBuffer(options.body)) body = options.body;
	else if (typeof options.body === 'string') body = Buffer.from(options.body);
	else if (options.body !== undefined && options.body !== null) {
		body = Buffer.from(JSON.stringify(options.body));
		headers['content-type'] ??= 'application/json';
	}

	for (let redirects = 0; ; redirects++) {
		const response = await once(url, method, headers, body, options, log);
		const location = response.headers.location;
		if (response.statusCode >= 300 && response.statusCode < 400 && location && redirects < 5 && !options.disableFollowRedirect) {
			const next = new URL(location, url);
			if (next.origin !== url.origin) delete headers.authorization;
			if (response.statusCode === 303) {
				method = 'GET';
				body = undefined;
			}
			url = next;
			continue;
		}
		const status = response.statusCode;
		let data: unknown = response.body;
		if (options.encoding === 'stream') data = response.stream ?? Readable.from([response.body]);
		else if (options.encoding !== 'arraybuffer') {
			const text = response.body.toString('utf8');
			try {
				data = JSON.parse(text);
			} catch {
				data = text;
			}
		}
		const ok = status >= 200 && status < 300;
		if (!ok && !options.ignoreHttpStatusErrors) {
			throw Object.assign(new Error(`Request failed with status code ${status}`), {
				name: 'AxiosError',
				code: status >= 500 ? 'ERR_BAD_RESPONSE' : 'ERR_BAD_REQUEST',
				config: { url: url.toString(), headers },
				response: { status, data, headers: response.headers },
			});
		}
		return options.returnFullResponse
			? { body: data, headers: response.headers, statusCode: status, statusMessage: response.statusMessage }
			: data;
	}
}

interface RawResponse {
	statusCode: number;
	statusMessage: string;
	headers: Record<string, string>;
	body: Buffer;
	/** With `encoding: 'stream'`, the body as it arrives (not buffered), as axios gives it. */
	stream?: Readable;
}

function once(
	url: URL,
	method: string,
	headers: Record<string, string>,
	body: Buffer | undefined,
	options: IHttpRequestOptions,
	log: SentRequest[],
): Promise<RawResponse> {
	log.push({ method, url: url.toString(), headers: { ...headers }, body });
	return new Promise((resolve, reject) => {
		const signal = options.abortSignal as AbortSignal | undefined;
		if (signal?.aborted) {
			reject(Object.assign(new Error('canceled'), { name: 'CanceledError', code: 'ERR_CANCELED' }));
			return;
		}
		const client = url.protocol === 'https:' ? https : http;
		const req = client.request(url, { method, headers: body ? { ...headers, 'content-length': String(body.length) } : headers });
		const onAbort = () =>
			req.destroy(Object.assign(new Error('canceled'), { name: 'CanceledError', code: 'ERR_CANCELED' }));
		signal?.addEventListener('abort', onAbort, { once: true });
		if (options.timeout) {
			req.setTimeout(options.timeout, () =>
				req.destroy(Object.assign(new Error(`timeout of ${options.timeout}ms exceeded`), { code: 'ECONNABORTED' })),
			);
		}
		req.on('error', (error) => {
			signal?.removeEventListener('abort', onAbort);
			reject(error);
		});
		req.on('response', (res) => {
			const flatHeaders = () => {
				const flat: Record<string, string> = {};
				for (const [k, v] of Object.entries(res.headers)) {
					if (v !== undefined) flat[k] = Array.isArray(v) ? v.join(', ') : v;
				}
				return flat;
			};
			const redirect = (res.statusCode ?? 0) >= 300 && (res.statusCode ?? 0) < 400;
			if (options.encoding === 'stream' && !redirect) {
				res.on('end', () => signal?.removeEventListener('abort', onAbort));
				resolve({ statusCode: res.statusCode ?? 0, statusMessage: res.statusMessage ?? '', headers: flatHeaders(), body: Buffer.alloc(0), stream: res });
				return;
			}
			const chunks: Buffer[] = [];
			res.on('data', (c: Buffer) => chunks.push(c));
			res.on('error', reject);
			res.on('end', () => {
				signal?.removeEventListener('abort', onAbort);
				resolve({
					statusCode: res.statusCode ?? 0,
					statusMessage: res.statusMessage ?? '',
					headers: flatHeaders(),
					body: Buffer.concat(chunks),
				});
			});
		});
		req.end(body);
	});
}
