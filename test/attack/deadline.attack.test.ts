import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';

import nock from 'nock';
import { afterAll, beforeAll, beforeEach, describe, expect } from 'vitest';

import { createHarness } from '../../testkit/harness/context';
import { errorOf } from '../../testkit/harness/errorItems';
import { makeImage } from '../../testkit/mocks/images';
import { listenLoopback } from '../../testkit/mocks/loopback';
import { attack } from './attack';

/**
 * Issue 18, findings 1, 6, 7 and 9 (retries, SSE): every wait ends at the job's deadline (Timeout),
 * whatever a hostile provider does with its answers, over real loopback sockets and n8n-core
 * 2.41.1's own request helpers (whose axios wraps every streamed answer in `Readable.from`, which
 * `destroy()` does not stop). One tiny fal-shaped server; each case sets how it misbehaves.
 */

type Route = (req: IncomingMessage, res: ServerResponse) => void;

interface Hostile {
	/** `…/status/stream` (fal's SSE); 404 by default, so the node polls. */
	stream: Route;
	/** `…/status` (a poll). */
	status: Route;
	/** The image file. */
	file: Route;
}

const PNG = makeImage('png', 64, 48, 7);

let server: Server;
let base: string;
let close: () => Promise<void>;
let routes: Hostile;
/** Answers left open by a route (never ended by the server): how many are, and how many closed. */
const stalled = { served: 0, closed: 0 };
const counts = { submit: 0, status: 0, cancel: 0, file: 0 };

function stall(res: ServerResponse): void {
	stalled.served++;
	res.on('close', () => stalled.closed++);
}

const defaults = (): Hostile => ({
	stream: (_req, res) => {
		res.writeHead(404, { 'content-type': 'application/json' });
		res.end('{"detail":"Not Found"}');
	},
	status: (_req, res) => json(res, 200, { status: 'COMPLETED' }),
	file: (_req, res) => {
		res.writeHead(200, { 'content-type': 'image/png', 'content-length': String(PNG.length) });
		res.end(PNG);
	},
});

function json(
	res: ServerResponse,
	status: number,
	body: unknown,
	headers: Record<string, string> = {},
): void {
	res.writeHead(status, {
		'content-type': 'application/json',
		'x-fal-request-id': 'r1',
		...headers,
	});
	res.end(JSON.stringify(body));
}

/** A JSON status answer of 72 MB (mostly spaces), gzipped to about 72 KB; made once, before any case is measured. */
let gzipBomb: Buffer;

beforeAll(async () => {
	gzipBomb = gzipSync(
		Buffer.concat([
			Buffer.from('{"status":"IN_QUEUE","pad":"'),
			Buffer.alloc(72 * 1024 * 1024, 0x20),
			Buffer.from('"}'),
		]),
		{ level: 9 },
	);
	nock.enableNetConnect('127.0.0.1');
	server = createServer((req, res) => {
		const path = (req.url ?? '').split('?')[0];
		const job = '/fal-ai/flux-pro/requests/r1';
		if (req.method === 'POST' && path === '/fal-ai/flux-pro/v1.1-ultra') {
			counts.submit++;
			req.resume();
			return json(res, 200, {
				request_id: 'r1',
				status_url: `${base}${job}/status`,
				response_url: `${base}${job}`,
				cancel_url: `${base}${job}/cancel`,
			});
		}
		if (path === `${job}/status/stream`) return routes.stream(req, res);
		if (path === `${job}/status`) {
			counts.status++;
			return routes.status(req, res);
		}
		if (path === `${job}/cancel`) {
			counts.cancel++;
			return json(res, 202, { status: 'CANCELLATION_REQUESTED' });
		}
		if (path === job)
			return json(res, 200, {
				images: [
					{ url: `${base}/files/out.png`, width: 64, height: 48, content_type: 'image/png' },
				],
				seed: 1,
			});
		if (path === '/files/out.png') {
			counts.file++;
			return routes.file(req, res);
		}
		res.writeHead(404).end();
	});
	({ url: base, close } = await listenLoopback(server));
});
afterAll(async () => {
	await close();
});
beforeEach(() => {
	routes = defaults();
	stalled.served = 0;
	stalled.closed = 0;
	for (const key of Object.keys(counts) as Array<keyof typeof counts>) counts[key] = 0;
});

const run = (options: Record<string, unknown>, signal?: AbortSignal) =>
	createHarness({
		params: {
			provider: 'fal',
			operation: 'generate',
			prompt: 'a lighthouse',
			imageSource: 'none',
			numImages: 1,
			outputFormat: 'png',
			options,
		},
		credentials: { falApi: { apiKey: 'dummy-fal-key:example', baseUrl: base } },
		continueOnFail: true,
		signal,
	});

/** Runs the node; how long it took (s) and its items. */
async function timed(options: Record<string, unknown>, signal?: AbortSignal) {
	const started = performance.now();
	const outcome = await run(options, signal)
		.run()
		.then((output) => ({ items: output[0], error: undefined as unknown }))
		.catch((error: unknown) => ({ items: [], error }));
	return { seconds: (performance.now() - started) / 1000, ...outcome };
}

/** Waits (a little) for the server to see every stalled answer's connection closed. */
async function stalledStillOpen(): Promise<number> {
	for (let i = 0; i < 40 && stalled.closed < stalled.served; i++)
		await new Promise((r) => setTimeout(r, 50));
	return stalled.served - stalled.closed;
}

/** Figures for the run summary (test/summaryReporter.ts). */
function figure(context: { task: { meta: { figures?: string } } }, line: string): void {
	context.task.meta.figures = context.task.meta.figures
		? `${context.task.meta.figures}\n${line}`
		: line;
}

/** Peak RSS growth while a run lasts, sampled every 5 ms (the bomb's whole life is milliseconds). */
function sampleMemory() {
	(globalThis as { gc?: () => void }).gc?.();
	const before = process.memoryUsage().rss;
	let peak = before;
	const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
	return {
		stop: () => clearInterval(sampler),
		growthMb: () => (Math.max(peak, process.memoryUsage().rss) - before) / 1048576,
	};
}

/** A case that hangs on broken code is stopped by vitest here, well before the ≥ 45 s it would take. */
const CASE_MS = 40_000;

describe('every wait ends at Timeout (issue 18)', () => {
	attack(
		'1 silent provider',
		'a status body that stops mid-answer ends at Timeout and its socket is closed',
		async (context) => {
			routes.status = (_req, res) => {
				stall(res);
				res.writeHead(200, { 'content-type': 'application/json', 'content-length': '200' });
				res.write('{"status":"IN_');
			};
			const { seconds, items } = await timed({ timeout: 10 });
			figure(context, `ended ${(seconds - 10).toFixed(1)} s past a 10 s Timeout`);
			expect(errorOf(items[0]).kind).toBe('timeout');
			expect(seconds).toBeLessThan(20);
			expect(counts.cancel).toBe(1);
			expect(await stalledStillOpen()).toBe(0);
		},
		CASE_MS,
	);

	attack(
		'1 silent provider',
		'an SSE status stream that goes silent without keep-alives ends at Timeout',
		async (context) => {
			routes.stream = (_req, res) => {
				stall(res);
				res.writeHead(200, { 'content-type': 'text/event-stream' });
				res.write('data: {"status":"IN_QUEUE"}\n\n');
			};
			const { seconds, items } = await timed({ timeout: 10 });
			figure(context, `ended ${(seconds - 10).toFixed(1)} s past a 10 s Timeout`);
			expect(errorOf(items[0]).kind).toBe('timeout');
			expect(seconds).toBeLessThan(20);
			expect(await stalledStillOpen()).toBe(0);
		},
		CASE_MS,
	);

	attack(
		'1 silent provider',
		'a download that stops after 40 bytes ends at Timeout, socket closed',
		async (context) => {
			routes.file = (_req, res) => {
				stall(res);
				res.writeHead(200, { 'content-type': 'image/png', 'content-length': String(PNG.length) });
				res.write(PNG.subarray(0, 40));
			};
			const { seconds, items } = await timed({ timeout: 10 });
			figure(
				context,
				`ended ${(seconds - 10).toFixed(1)} s past a 10 s Timeout (${counts.file} download attempts)`,
			);
			expect(errorOf(items[0]).kind).toBe('download');
			expect(errorOf(items[0]).imageUrl).toBe(`${base}/files/out.png`);
			expect(seconds).toBeLessThan(20);
			expect(await stalledStillOpen()).toBe(0);
		},
		CASE_MS,
	);

	// A guard, not a reproduction: this held before the fix too (n8n gave the signed read the
	// execution's signal). It now holds through the request's own signal, which n8n no longer replaces.
	attack(
		'1 silent provider',
		"the execution's cancel ends a stalled status read at once and closes its socket",
		async (context) => {
			routes.status = (_req, res) => {
				stall(res);
				res.writeHead(200, { 'content-type': 'application/json', 'content-length': '200' });
				res.write('{"status":"IN_');
			};
			const cancel = new AbortController();
			const cancelAfter = 1500;
			setTimeout(() => cancel.abort(), cancelAfter);
			const { seconds } = await timed({ timeout: 120 }, cancel.signal);
			figure(context, `ended ${(seconds - cancelAfter / 1000).toFixed(1)} s after the cancel`);
			expect(seconds).toBeLessThan(cancelAfter / 1000 + 5);
			expect(await stalledStillOpen()).toBe(0);
		},
		CASE_MS,
	);

	attack(
		'6 download deadline',
		'a download trickling 1 byte every 2 s ends at Timeout',
		async (context) => {
			routes.file = (_req, res) => {
				stall(res);
				res.writeHead(200, { 'content-type': 'image/png', 'content-length': String(PNG.length) });
				res.write(PNG.subarray(0, 40));
				let at = 40;
				const drip = setInterval(() => {
					if (at >= PNG.length) return clearInterval(drip);
					res.write(PNG.subarray(at, ++at));
				}, 2000);
				res.on('close', () => clearInterval(drip));
			};
			const { seconds, items } = await timed({ timeout: 10 });
			figure(context, `ended ${(seconds - 10).toFixed(1)} s past a 10 s Timeout`);
			expect(errorOf(items[0]).kind).toBe('download');
			expect(seconds).toBeLessThan(20);
			expect(await stalledStillOpen()).toBe(0);
		},
		CASE_MS,
	);

	attack(
		'7 body caps',
		'a 1 GB status answer is cut short, not buffered',
		async (context) => {
			let sent = 0;
			routes.status = (_req, res) => {
				stall(res);
				const total = 1024 * 1024 * 1024;
				res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(total) });
				const head = Buffer.from('{"status":"IN_QUEUE","pad":"');
				const chunk = Buffer.alloc(256 * 1024, 0x61);
				res.write(head);
				sent = head.length;
				const pump = () => {
					while (sent < total - chunk.length && !res.destroyed) {
						sent += chunk.length;
						if (!res.write(chunk)) return void res.once('drain', pump);
					}
				};
				pump();
			};
			const memory = sampleMemory();
			const { seconds, items } = await timed({ timeout: 30 }).finally(memory.stop);
			figure(
				context,
				`server had sent ${Math.round(sent / 1048576)} MB when the node stopped reading; RSS grew by at most ${memory.growthMb().toFixed(0)} MB; took ${seconds.toFixed(1)} s`,
			);
			expect(errorOf(items[0]).kind).toBe('bad_response');
			expect(errorOf(items[0]).message).toMatch(/larger than/);
			expect(sent).toBeLessThan(200 * 1024 * 1024);
			expect(memory.growthMb()).toBeLessThan(100);
			expect(await stalledStillOpen()).toBe(0);
		},
		CASE_MS,
	);

	attack(
		'7 body caps',
		'a 72 KB gzip status answer that inflates to 72 MB is refused, not parsed',
		async (context) => {
			const bomb = gzipBomb;
			routes.status = (_req, res) => {
				res.writeHead(200, {
					'content-type': 'application/json',
					'content-encoding': 'gzip',
					'content-length': String(bomb.length),
				});
				res.end(bomb);
			};
			const memory = sampleMemory();
			const { items } = await timed({ timeout: 10 }).finally(memory.stop);
			figure(
				context,
				`gzip answer ${Math.round(bomb.length / 1024)} KB; RSS grew by at most ${memory.growthMb().toFixed(0)} MB; ${counts.status} status reads`,
			);
			expect(errorOf(items[0]).kind).toBe('bad_response');
			expect(errorOf(items[0]).message).toMatch(/larger than/);
			expect(counts.status).toBe(1);
			expect(memory.growthMb()).toBeLessThan(60);
		},
		CASE_MS,
	);

	attack(
		'7 body caps',
		'a 503 with a 2 MB error page is still retried: read to 64 KB, the rest dropped',
		async (context) => {
			let first = true;
			routes.status = (_req, res) => {
				if (!first) return json(res, 200, { status: 'COMPLETED' });
				first = false;
				res.writeHead(503, { 'content-type': 'text/html' });
				res.end(Buffer.alloc(2 * 1024 * 1024, 0x3c));
			};
			const { items } = await timed({ timeout: 10 });
			figure(context, `${counts.status} status reads; image delivered: ${!!items[0]?.binary}`);
			expect(errorOf(items[0]).kind).toBeUndefined();
			expect(items[0].binary).toBeDefined();
			expect(counts.status).toBe(2);
		},
		CASE_MS,
	);

	attack(
		'9 retries past the deadline',
		'Retry-After: 60 on a status poll does not carry the item past a 10 s Timeout',
		async (context) => {
			routes.status = (_req, res) => json(res, 503, { detail: 'busy' }, { 'retry-after': '60' });
			const { seconds, items } = await timed({ timeout: 10 });
			figure(context, `ended after ${seconds.toFixed(1)} s (Timeout 10 s, Retry-After 60 s)`);
			expect(errorOf(items[0]).kind).toBe('timeout');
			expect(seconds).toBeLessThan(12);
			expect(counts.cancel).toBe(1);
		},
		CASE_MS,
	);

	attack(
		'9 SSE line',
		'a 24 MB SSE line with no blank line does not stall the event loop',
		async (context) => {
			routes.stream = (_req, res) => {
				res.writeHead(200, { 'content-type': 'text/event-stream' });
				res.write('data: {"status":"IN_QUEUE","pad":"');
				const chunk = Buffer.alloc(64 * 1024, 0x78);
				let left = (24 * 1024 * 1024) / chunk.length;
				const pump = () => {
					while (left > 0 && !res.destroyed) {
						left--;
						if (!res.write(chunk)) return void res.once('drain', pump);
					}
					if (left === 0) res.end();
				};
				pump();
			};
			const delay = monitorEventLoopDelay({ resolution: 10 });
			delay.enable();
			const { items } = await timed({ timeout: 30 });
			delay.disable();
			const maxMs = delay.max / 1e6;
			figure(context, `longest event-loop stall ${maxMs.toFixed(0)} ms`);
			expect(errorOf(items[0]).kind).toBeUndefined();
			expect(items[0].binary).toBeDefined();
			expect(maxMs).toBeLessThan(300);
		},
		CASE_MS,
	);
});
