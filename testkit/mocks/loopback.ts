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

export function sendJson(
	res: ServerResponse,
	status: number,
	body: unknown,
	headers: Record<string, string> = {},
) {
	res.writeHead(status, { 'content-type': 'application/json', ...headers });
	res.end(JSON.stringify(body));
}

/** Starts the server on a loopback port; `url` is its base, `close` ends every open connection too. */
export async function listenLoopback(
	server: Server,
	port = 0,
): Promise<{ url: string; close(): Promise<void> }> {
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
				outputs: images.map((i) => ({
					type: 'image',
					url: i.url,
					content_type: i.contentType,
					width: i.width,
					height: i.height,
				})),
				seed,
			};
	}
}

/** Faults a mock answers with instead of the real answer, for the e2e and demo runs that want them. */
export interface MockFaults {
	/** Share of requests answered with a fault (0–1). */
	rate: number;
	/** Seed of the draw, so a run can be replayed. */
	seed?: number;
}

/**
 * Decides, per request, whether to answer with a fault: 429 with Retry-After, or 503. Requests that
 * create a job only ever get 429 (refused before anything was made), so a client that follows the
 * rules never pays twice. Never two faults in a row for the same method and path.
 */
export function faultDrawer(faults: MockFaults | undefined) {
	let state = (faults?.seed ?? 1) >>> 0;
	const random = () => {
		state = (Math.imul(state ^ (state >>> 15), 1 | state) + 0x6d2b79f5) >>> 0;
		return state / 4294967296;
	};
	const lastFaulted = new Set<string>();
	const counts = { 429: 0, 503: 0 };
	return {
		counts,
		/** The status to answer with instead, or undefined for the real answer. */
		draw(key: string, createsJob: boolean): 429 | 503 | undefined {
			if (!faults || faults.rate <= 0 || lastFaulted.has(key) || random() >= faults.rate) {
				lastFaulted.delete(key);
				return undefined;
			}
			lastFaulted.add(key);
			const status = createsJob || random() < 0.5 ? 429 : 503;
			counts[status]++;
			return status;
		},
	};
}

/** One webhook call a mock made when a job ended: where, what, and how it was answered. */
export interface WebhookDelivery {
	url: string;
	body: unknown;
	/** HTTP status of the last attempt; undefined when no attempt got an answer. */
	status?: number;
	attempts: number;
}

/**
 * Calls a job's webhook the way the providers do when it ends: a JSON POST, `delayMs` after submit
 * (the job's latency), the body read at that moment. A failed delivery (no answer, non-2xx) is
 * retried `attempts` times, `spacingMs` apart (fal retries for hours, Runflow on a backoff): n8n
 * answers a resume URL only once the execution is waiting. Timers do not hold the process open.
 */
export function scheduleWebhook(
	deliveries: WebhookDelivery[],
	url: string,
	delayMs: number,
	body: () => unknown,
	headers: Record<string, string> = {},
	attempts = 10,
	spacingMs = 500,
): void {
	const delivery: WebhookDelivery = { url, body: undefined, attempts: 0 };
	deliveries.push(delivery);
	const attempt = () => {
		delivery.attempts++;
		delivery.body ??= body();
		fetch(url, {
			method: 'POST',
			headers: { 'content-type': 'application/json', ...headers },
			body: JSON.stringify(delivery.body),
		})
			.then(async (response) => {
				delivery.status = response.status;
				await response.arrayBuffer().catch(() => undefined);
				if (!response.ok && delivery.attempts < attempts) setTimeout(attempt, spacingMs).unref();
			})
			.catch(() => {
				if (delivery.attempts < attempts) setTimeout(attempt, spacingMs).unref();
			});
	};
	setTimeout(attempt, Math.max(0, delayMs) + 5).unref();
}

/**
 * The time a mock provider's state machine reads (queued → running → done, link expiry). Real time
 * by default; a test that asserts on the states passes a clock it moves itself, so what it sees
 * cannot depend on how busy the machine is.
 */
export type MockNow = () => number;

/** A clock that stands still until the test moves it. */
export function manualClock(start = Date.now()): { now: MockNow; advance(ms: number): void } {
	let at = start;
	return { now: () => at, advance: (ms) => void (at += ms) };
}

/**
 * Real time plus whatever the test skipped ahead: "the job is done by now", without sleeping for it.
 * `freeze()` stops it where it is ("the job is still running", however slow the machine), until the
 * next `skip()`.
 */
export function skippableClock(): { now: MockNow; skip(ms: number): void; freeze(): void } {
	let ahead = 0;
	let frozenAt: number | undefined;
	return {
		now: () => frozenAt ?? Date.now() + ahead,
		skip: (ms) => {
			if (frozenAt !== undefined) ahead = frozenAt - Date.now();
			frozenAt = undefined;
			ahead += ms;
		},
		freeze: () => void (frozenAt = Date.now() + ahead),
	};
}

/**
 * Files a test publishes on a mock's own origin (`GET /fixtures/<name>`, no key): reference images
 * "at a URL" that the node's link policy lets through, since the credential's own base URL is the
 * one loopback origin it fetches from (BFL's references are downloaded by the node), and that the
 * fal.ai and Replicate mocks download themselves as those providers download a URL.
 */
export function fixtureFiles() {
	const files = new Map<string, { bytes: Buffer; type: string }>();
	return {
		files,
		/** Answers `GET /fixtures/<name>`; false for any other request. */
		handle(method: string, path: string, res: ServerResponse): boolean {
			if (method !== 'GET' || !path.startsWith('/fixtures/')) return false;
			const file = files.get(decodeURIComponent(path.slice('/fixtures/'.length)));
			if (!file) sendJson(res, 404, { detail: 'Not Found' });
			else {
				res.writeHead(200, {
					'content-type': file.type,
					'content-length': String(file.bytes.length),
				});
				res.end(file.bytes);
			}
			return true;
		},
	};
}
