/**
 * The bench's FLUX 3 Image 4k source: a loopback stand-in for Black Forest Labs' async API as the
 * node's BFL provider speaks it for FLUX 3 Image (`POST /v1/flux-3-image` → `{id, polling_url}`,
 * `GET polling_url` → Pending, then Ready with `result.sample`, the file on a delivery path that
 * needs no key), serving every job the same full-size 4k PNG: 4096×4096 (~16.8 MP, the 4k class of
 * BF-45) with noisy pixels, so it stays tens of MB after deflate, as a photographic 4k PNG does.
 * The file is made once at start-up and streamed in 1 MB writes, like a CDN answer.
 *
 * The counters `/__stats` returns have the shape of the mock fal.ai's (testkit/mocks/falServer.ts),
 * so bench.ts reads both alike. Run in its own process by the bench (startMock in scale.ts):
 * `tsx testkit/bench/flux3Server.ts '{"latencyMs":2000}'` prints `READY <url>` and serves until killed.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';

import { rgbPng } from '../mocks/images';

export const FLUX3_4K_SIDE = 4096;

/**
 * An RGB PNG of side × side: a colour gradient with pseudo-random noise in the low six bits of each
 * channel (deflate cannot squeeze noise, so the file keeps the size of a photographic 4k PNG).
 */
export function makeNoisyPng(side = FLUX3_4K_SIDE, seed = 1): Buffer {
	const stride = side * 3 + 1;
	const raw = Buffer.alloc(stride * side);
	let state = seed >>> 0 || 1;
	for (let y = 0; y < side; y++) {
		const row = y * stride;
		raw[row] = 0; // filter: none
		for (let x = 0; x < side; x++) {
			// xorshift32: fast, deterministic
			state ^= state << 13;
			state ^= state >>> 17;
			state ^= state << 5;
			const i = row + 1 + x * 3;
			raw[i] = ((x * 192) / side + (state & 63)) & 255;
			raw[i + 1] = ((y * 192) / side + ((state >>> 8) & 63)) & 255;
			raw[i + 2] = (128 + ((state >>> 16) & 63)) & 255;
		}
	}
	return rgbPng(side, side, raw);
}

interface Job {
	id: string;
	submittedAt: number;
	statusRequests: number;
	lastDownloadAt?: number;
}

export interface BenchFlux3Server {
	url: string;
	/** The PNG every job is answered with. */
	png: Buffer;
	close(): Promise<void>;
}

export async function startBenchFlux3(
	options: { latencyMs?: number; side?: number } = {},
): Promise<BenchFlux3Server> {
	const latencyMs = options.latencyMs ?? 2000;
	const png = makeNoisyPng(options.side ?? FLUX3_4K_SIDE);
	const jobs = new Map<string, Job>();
	const counts = { submit: 0, status: 0, download: 0 };
	let base = '';
	const json = (res: ServerResponse, status: number, body: unknown) => {
		res.writeHead(status, { 'content-type': 'application/json' });
		res.end(JSON.stringify(body));
	};
	const server = createServer((req, res) => {
		const url = new URL(req.url ?? '/', base);
		const keyed = typeof req.headers['x-key'] === 'string' && req.headers['x-key'] !== '';
		if (req.method === 'GET' && url.pathname === '/__stats')
			return json(res, 200, { latencyMs, counts, jobs: [...jobs.values()], fileBytes: png.length });
		if (req.method === 'POST' && url.pathname === '/v1/flux-3-image') {
			if (!keyed) return json(res, 403, { detail: 'Not authenticated' });
			let body = '';
			req.on('data', (d: Buffer) => (body += d.toString()));
			req.on('end', () => {
				const input = JSON.parse(body || '{}') as Record<string, unknown>;
				if (input.resolution !== '4k')
					return json(res, 422, {
						detail: [{ loc: ['body', 'resolution'], msg: 'bench: 4k only' }],
					});
				counts.submit++;
				const id = randomUUID();
				jobs.set(id, { id, submittedAt: Date.now(), statusRequests: 0 });
				json(res, 200, { id, polling_url: `${base}/v1/get_result?id=${id}` });
			});
			return;
		}
		if (req.method === 'GET' && url.pathname === '/v1/get_result') {
			if (!keyed) return json(res, 403, { detail: 'Not authenticated' });
			counts.status++;
			const job = jobs.get(url.searchParams.get('id') ?? '');
			if (!job) return json(res, 404, { detail: 'Task not found' });
			job.statusRequests++;
			if (Date.now() < job.submittedAt + latencyMs)
				return json(res, 200, { id: job.id, status: 'Pending', result: null });
			return json(res, 200, {
				id: job.id,
				status: 'Ready',
				result: { sample: `${base}/delivery/${job.id}/sample.png`, prompt: '', seed: null },
			});
		}
		const delivery = /^\/delivery\/([\w-]+)\/sample\.png$/.exec(url.pathname);
		if (req.method === 'GET' && delivery) {
			const job = jobs.get(delivery[1]);
			if (!job) return json(res, 404, { detail: 'Not Found' });
			counts.download++;
			res.writeHead(200, { 'content-type': 'image/png', 'content-length': png.length });
			// 1 MB at a time, each after the previous one drained: a stream, not one 30 MB write.
			let offset = 0;
			const more = () => {
				while (offset < png.length) {
					const end = Math.min(png.length, offset + 1024 * 1024);
					const ok = res.write(png.subarray(offset, end));
					offset = end;
					if (!ok) return void res.once('drain', more);
				}
				res.end(() => (job.lastDownloadAt = Date.now()));
			};
			return more();
		}
		json(res, 404, { detail: 'Not Found' });
	});
	await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
	const { port } = server.address() as { port: number };
	base = `http://127.0.0.1:${port}`;
	return {
		url: base,
		png,
		close: () =>
			new Promise<void>((done) => {
				server.closeAllConnections();
				server.close(() => done());
			}),
	};
}

if (require.main === module) {
	const options = JSON.parse(process.argv[2] ?? '{}') as { latencyMs?: number; side?: number };
	void startBenchFlux3(options).then((server) => {
		process.stdout.write(`READY ${server.url}\n`);
		const stop = () => void server.close().then(() => process.exit(0));
		process.on('SIGTERM', stop);
		process.on('SIGINT', stop);
	});
}
