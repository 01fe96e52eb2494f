import { clock } from '../shared/clock';
import { beyondSafeInteger } from '../shared/digits';

/**
 * Reading an answer's body under the request's limits: one request's life (RequestLimit: the
 * execution's cancel, the per-request timeout, the job's deadline), a streamed body read chunk by
 * chunk against it, the size caps per purpose, and the JSON text of bodies in and out.
 */

/** A response body as n8n's HTTP helper hands it over with `encoding: 'stream'` (a Node Readable). */
export type ByteStream = NodeJS.ReadableStream & {
	destroy(error?: Error): void;
	unshift(chunk: Buffer): void;
	readonly readableEnded?: boolean;
};

export function isByteStream(value: unknown): value is ByteStream {
	return (
		!!value &&
		typeof (value as ByteStream).pipe === 'function' &&
		typeof (value as ByteStream).read === 'function'
	);
}

/** Longest error body read from a streamed answer: enough for any provider message. */
export const ERROR_BODY_MAX = 64 * 1024;

/**
 * Longest submit, status, cancel or upload answer read, after decompression. Real ones are a few KB
 * (a fal status is under 1 KB, a BFL or Runflow status a few hundred bytes); the largest is a
 * Replicate prediction, which echoes its input, and so an input image of up to 1 MB sent inline as
 * a data URI (1.4 MB of base64). 8 MB is well above that, and small enough that a hostile answer
 * (1 GB, or a gzip bomb) costs a few MB, not hundreds.
 */
export const JSON_MAX = 8 * 1024 * 1024;

/** Longest JSON answer read where fal's sync mode puts every image inline in the result. */
export const BODY_MAX = 256 * 1024 * 1024;

/** A body larger than its purpose allows: the request is aborted, the answer refused. */
export function tooLargeError(max: number): Error {
	return Object.assign(new Error(`an answer larger than ${Math.round(max / 1048576)} MB`), {
		code: 'ERR_FR_BODY_TOO_LARGE',
		max,
	});
}

/** `signal`'s reason as the error a read fails with. */
function abortReason(signal: AbortSignal): Error {
	return signal.reason instanceof Error ? signal.reason : new Error('aborted');
}

/**
 * One read, settled by the read or by `signal` aborting, whichever comes first. The abort listener
 * lives for this read only: racing every read against one long-lived promise (Promise.race) leaves
 * each read's result, the chunk, reachable from that promise until it settles, so a download's
 * whole file stayed in memory until its end (found by the bench's 4k FLUX 3 row).
 */
function readUntil<T>(read: Promise<T>, signal: AbortSignal): Promise<T> {
	if (signal.aborted) return Promise.reject(abortReason(signal));
	return new Promise<T>((resolve, reject) => {
		const onAbort = () => reject(abortReason(signal));
		signal.addEventListener('abort', onAbort, { once: true });
		read.then(
			(value) => {
				signal.removeEventListener('abort', onAbort);
				resolve(value);
			},
			(error: unknown) => {
				signal.removeEventListener('abort', onAbort);
				reject(error as Error);
			},
		);
	});
}

/**
 * A stream's chunks, each read raced against `signal`: the read settles when the signal aborts even
 * if the stream never settles it (n8n 2.x's `Readable.from` wrapper around a stalled socket). A
 * chunk handed on is referenced from nowhere here (see readUntil).
 */
export async function* chunksUntil(
	stream: ByteStream,
	signal: AbortSignal,
): AsyncGenerator<Buffer> {
	const iterator = (stream as unknown as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]();
	for (;;) {
		const next = iterator.next();
		next.catch(() => undefined);
		const { value, done } = await readUntil(next, signal);
		if (done) return;
		yield Buffer.isBuffer(value) ? value : Buffer.from(value as string);
	}
}

/**
 * Reads a body whole, up to `max` bytes, for as long as `limit` allows: the limit's signal ends the
 * read (and, aborted, the request and its socket). Past `max` the request is aborted too, and the
 * read fails, or, with `truncate` (an error answer, of which the start is enough), ends there.
 */
export async function readBody(
	stream: ByteStream,
	max: number,
	limit: RequestLimit,
	truncate: boolean,
): Promise<Buffer> {
	const chunks: Buffer[] = [];
	let size = 0;
	for await (const piece of chunksUntil(stream, limit.signal)) {
		if (size + piece.length > max) {
			const error = tooLargeError(max);
			limit.abort(error);
			if (!truncate) throw error;
			chunks.push(piece.subarray(0, max - size));
			break;
		}
		size += piece.length;
		chunks.push(piece);
	}
	return Buffer.concat(chunks);
}

/**
 * One request's life: its own AbortController, which n8n hands to axios (`abortSignal`), aborted by
 * the execution's cancel (unless detached), by its timer (the per-request timeout, and never later
 * than the job's deadline), or by the caller. Aborting it is what makes n8n's axios close the socket
 * and fail the body stream, on n8n 1.x and 2.x alike. `done()` releases the timer and the listener.
 */
export class RequestLimit {
	private readonly controller = new AbortController();
	private timerStop = new AbortController();
	private expiredAfter?: number;
	private readonly parent?: AbortSignal;
	private readonly onParent = () => this.controller.abort(new Error('The execution was cancelled'));

	constructor(
		parent: AbortSignal | undefined,
		private readonly deadline: number | undefined,
	) {
		if (parent) {
			this.parent = parent;
			if (parent.aborted) this.onParent();
			else parent.addEventListener('abort', this.onParent, { once: true });
		}
	}

	get signal(): AbortSignal {
		return this.controller.signal;
	}

	/** Whether the timer (not a cancel or the caller) ended the request. */
	get expired(): boolean {
		return this.expiredAfter !== undefined;
	}

	/** Whether the execution's cancel ended the request. */
	get cancelled(): boolean {
		return !!this.parent?.aborted && !this.expired;
	}

	/** Arms the timer for `timeoutMs` of real time, but no later than the deadline; re-arming replaces it. */
	arm(timeoutMs: number | undefined): void {
		this.timerStop.abort();
		const stop = new AbortController();
		this.timerStop = stop;
		const untilDeadline = this.deadline === undefined ? undefined : this.deadline - clock.now();
		const ms = Math.min(timeoutMs ?? Infinity, untilDeadline ?? Infinity);
		if (ms === Infinity) return;
		void clock.ioTimer(Math.max(0, ms), stop.signal).then(() => {
			if (stop.signal.aborted || this.controller.signal.aborted) return;
			this.expiredAfter = ms;
			this.controller.abort(timeoutError(ms));
		});
	}

	abort(reason?: Error): void {
		if (!this.controller.signal.aborted) this.controller.abort(reason ?? new Error('aborted'));
		this.done();
	}

	done(): void {
		this.timerStop.abort();
		this.parent?.removeEventListener('abort', this.onParent);
	}

	/** What a failed request throws: a timeout, or the cancel, whatever axios made of the abort. */
	failure(error: unknown): unknown {
		if (this.expired) return timeoutError(this.expiredAfter!);
		if (this.cancelled)
			return Object.assign(new Error('The execution was cancelled'), { name: 'AbortError' });
		const reason = this.controller.signal.aborted
			? (this.controller.signal.reason as unknown)
			: undefined;
		return (reason as { code?: string } | undefined)?.code === 'ERR_FR_BODY_TOO_LARGE'
			? reason
			: error;
	}
}

/** A request that ran out of time, shaped like a socket error so the retry rules apply to it. */
export function timeoutError(timeoutMs: number): Error {
	return Object.assign(new Error(`no complete answer within ${Math.round(timeoutMs / 1000)} s`), {
		code: 'ETIMEDOUT',
	});
}

export function lowerHeaders(headers: unknown): Record<string, string> {
	const out: Record<string, string> = {};
	if (!headers || typeof headers !== 'object') return out;
	for (const [k, v] of Object.entries(headers as Record<string, unknown>)) {
		if (v !== undefined && v !== null)
			out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
	}
	return out;
}

export function toBuffer(body: unknown): Buffer {
	if (Buffer.isBuffer(body)) return body;
	if (body instanceof ArrayBuffer) return Buffer.from(body);
	if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
	if (typeof body === 'string') return Buffer.from(body);
	if (body === undefined || body === null) return Buffer.alloc(0);
	return Buffer.from(JSON.stringify(body));
}

/**
 * JSON text of a request body. A whole number too large for a JavaScript number (a seed beyond
 * 2^53) travels as a BigInt and is written with every digit, as a JSON number.
 */
export function toJsonText(value: unknown): string {
	const marker = '\u0000bigint:';
	// BigInts are swapped for marked strings first: a host may have given BigInt a toJSON, which
	// JSON.stringify would call before any replacer.
	const mark = (v: unknown): unknown => {
		if (typeof v === 'bigint') return `${marker}${v.toString()}`;
		if (Array.isArray(v)) return v.map(mark);
		if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
			return Object.fromEntries(Object.entries(v).map(([k, item]) => [k, mark(item)]));
		}
		return v;
	};
	return JSON.stringify(mark(value)).replace(/"\\u0000bigint:(\d+)"/g, '$1');
}

/** Seeds may exceed 2^53; a seed too long for a JavaScript number is kept as a string, every digit. */
const LONG_SEED = /("seed"\s*:\s*)(\d{16,})(?=\s*[,}\]])/g;

/** Decodes a JSON body; undefined when the body is empty or not JSON. */
export function parseBody(body: Buffer): unknown {
	if (body.length === 0) return undefined;
	const text = body.toString('utf8');
	try {
		return JSON.parse(
			text.replace(LONG_SEED, (whole, key: string, digits: string) =>
				beyondSafeInteger(digits) ? `${key}"${digits}"` : whole,
			),
		);
	} catch {
		return text.slice(0, 500);
	}
}
