import type { IExecuteFunctions } from 'n8n-workflow';

import { FluxError, type ProviderErrorContext } from '../transport/errors';
import { send, type HttpResponse } from '../transport/http';
import { timeoutError, type ByteStream } from '../transport/body';
import { DOWNLOAD_IDLE_MS, DOWNLOAD_TIMEOUT_MS } from '../transport/retryPolicy';
import type { ResultImage } from '../providers/types';
import { clock } from '../shared/clock';
import { boundText, PROVIDER_WORD_MAX } from '../shared/bound';
import { imageSize, parseDataUri, sniffImage, type ImageKind } from '../shared/imageBytes';
import { egressAllows, isDownloadableLink, parseUrl, type LinkPolicy } from '../shared/url';

/** Redirects a download follows, each checked like the first link. */
export const DOWNLOAD_MAX_REDIRECTS = 5;

export { imageSize, sniffImage, type ImageKind } from '../shared/imageBytes';

/** A provider's inline (sync-mode) image as bytes. */
export function decodeDataUri(uri: string): Buffer {
	const bytes = parseDataUri(uri);
	if (!bytes) throw new FluxError('download', 'The provider returned an unreadable inline image');
	return bytes;
}

export interface DownloadOptions extends LinkPolicy {
	signal?: AbortSignal;
	/** The job's deadline (clock time): the download, its body included, ends there. */
	deadline?: number;
	/** The error at the deadline. */
	onDeadline?: () => FluxError;
	/** The "Max Image Size" option, in bytes. */
	maxBytes: number;
}

/** Bytes needed to tell an image's type (and a PNG's size) from its start. */
const HEAD_MIN_BYTES = 32;

/** One downloaded image, identified by its first bytes and not yet (or not wholly) read. */
export interface ResultFile {
	kind: ImageKind;
	size: { width: number; height: number } | undefined;
	/** The whole file (inline images), or the rest of the download as it arrives. */
	data: Buffer | ByteStream;
	/** Bytes of the file read so far: the file's size once `data` has been consumed. */
	bytesRead(): number;
	/** The error that stopped the download (the size cap), if one did. */
	stoppedBy(): FluxError | undefined;
	/** The size the server announced (Content-Length), if it did: fewer bytes means a cut download. */
	declaredBytes?: number;
	/** A streamed download's request signal and abort, for a reader placed between it and n8n. */
	signal?: AbortSignal;
	abort?: (reason?: Error) => void;
}

function tooLarge(provider: ProviderErrorContext, maxBytes: number): FluxError {
	return new FluxError(
		'download',
		`An image from ${provider.providerName} is larger than ${Math.round(maxBytes / 1048576)} MB`,
		{
			description:
				'The file was not kept. Raise "Max Image Size (MB)" in Options, or choose the JPEG output format.',
		},
	);
}

function notAnImage(provider: ProviderErrorContext, bytes: number): FluxError {
	return new FluxError(
		'download',
		`${provider.providerName} returned a file that is not an image`,
		{
			description: `It was ${bytes} bytes of content that is not JPEG, PNG, WebP, GIF or AVIF. Try again; if it persists, the provider may be failing.`,
		},
	);
}

/** A file already in memory (inline, or from a host that does not stream), with the same checks. */
function wholeFile(provider: ProviderErrorContext, bytes: Buffer, maxBytes: number): ResultFile {
	if (bytes.length > maxBytes) throw tooLarge(provider, maxBytes);
	const kind = sniffImage(bytes);
	if (!kind) throw notAnImage(provider, bytes.length);
	return {
		kind,
		size: imageSize(bytes),
		data: bytes,
		bytesRead: () => bytes.length,
		stoppedBy: () => undefined,
	};
}

/**
 * Reads the first chunk(s) of a stream, at least `min` bytes when there are that many, and puts
 * them back unconsumed. It stops as soon as it has enough, before the stream can end: a stream that
 * has ended cannot take its bytes back. Each wait ends when `signal` aborts, whatever the stream does.
 */
async function peek(stream: ByteStream, min: number, signal: AbortSignal): Promise<Buffer> {
	const chunks: Buffer[] = [];
	let size = 0;
	while (size < min) {
		const chunk = stream.read() as Buffer | string | null;
		if (chunk !== null) {
			const piece = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
			chunks.push(piece);
			size += piece.length;
			continue;
		}
		if (stream.readableEnded) return Buffer.concat(chunks);
		await new Promise<void>((resolve, reject) => {
			const off = () => {
				stream.removeListener('readable', done);
				stream.removeListener('end', done);
				stream.removeListener('error', failed);
				signal.removeEventListener('abort', stopped);
			};
			const done = () => {
				off();
				resolve();
			};
			const failed = (error: Error) => {
				off();
				reject(error);
			};
			const stopped = () =>
				failed(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
			if (signal.aborted) return stopped();
			stream.once('readable', done);
			stream.once('end', done);
			stream.once('error', failed);
			signal.addEventListener('abort', stopped, { once: true });
		});
	}
	const head = Buffer.concat(chunks);
	stream.unshift(head);
	return head;
}

/** A link this node does not follow, with the reason in the user's terms. */
function refusedLink(provider: ProviderErrorContext, url: string, redirected: boolean): FluxError {
	const parsed = parseUrl(url);
	const what = redirected ? 'redirected the image download to' : 'returned an image link to';
	return new FluxError(
		'download',
		`${provider.providerName} ${what} a location this node does not follow (${parsed ? boundText(`${parsed.protocol}//${parsed.hostname}`, PROVIDER_WORD_MAX) : 'not a URL'})`,
		{
			description:
				"Images are downloaded only over https:// from public hosts (never from loopback, private, link-local or other internal addresses, in any spelling), except from the credential's own API base URL when that is a local mock or proxy.",
		},
	);
}

/**
 * Checks a link before the node connects to it: its spelling (`isDownloadableLink`), then n8n's own
 * SSRF policy where n8n offers it to nodes (n8n 2.x), which resolves the name (see `egressAllows`).
 */
export async function checkLink(
	ctx: IExecuteFunctions,
	provider: ProviderErrorContext,
	link: string,
	policy: LinkPolicy,
	redirected: boolean,
): Promise<void> {
	if (!isDownloadableLink(link, policy)) throw refusedLink(provider, link, redirected);
	if (!(await egressAllows(ctx, link, policy)).allowed)
		throw refusedLink(provider, link, redirected);
}

/**
 * One result image: inline data URIs are decoded; links are downloaded without any credential (CDN
 * and presigned URLs never see the API key), only https ones on public hosts, following at most
 * DOWNLOAD_MAX_REDIRECTS redirects that pass the same check. A download is checked by its first
 * bytes, then handed on as it arrives, so a batch of 4 MP images never sits in memory at once; the
 * size cap stops it mid-way, and so does a stall (no byte for DOWNLOAD_IDLE_MS).
 */
export async function fetchResultImage(
	ctx: IExecuteFunctions,
	provider: ProviderErrorContext,
	image: ResultImage,
	options: DownloadOptions,
): Promise<ResultFile> {
	const maxBytes = options.maxBytes;
	if (image.url.startsWith('data:')) return wholeFile(provider, decodeDataUri(image.url), maxBytes);
	let link = image.url;
	if (!parseUrl(link))
		throw new FluxError(
			'download',
			`${provider.providerName} returned an image link that is not a URL`,
		);
	await checkLink(ctx, provider, link, options, false);
	for (let hop = 0; ; hop++) {
		const response = await send(ctx, provider, {
			method: 'GET',
			url: link,
			purpose: 'download',
			headers: { accept: 'image/*' },
			timeoutMs: DOWNLOAD_TIMEOUT_MS,
			signal: options.signal,
			deadline: options.deadline,
			onDeadline: options.onDeadline,
			stream: true,
			manualRedirect: true,
			peer: options,
		});
		if (response.status >= 300 && response.status < 400) {
			response.abort?.();
			const location = response.headers.location;
			const next = location ? parseUrl(new URL(location, link).toString())?.toString() : undefined;
			if (!next || hop >= DOWNLOAD_MAX_REDIRECTS) {
				throw new FluxError(
					'download',
					`The image download from ${provider.providerName} was redirected ${next ? 'too many times' : 'nowhere'}`,
				);
			}
			await checkLink(ctx, provider, next, options, true);
			link = next;
			continue;
		}
		return await streamedFile(provider, response, maxBytes);
	}
}

async function streamedFile(
	provider: ProviderErrorContext,
	response: HttpResponse,
	maxBytes: number,
): Promise<ResultFile> {
	const { stream, abort, signal, headers } = response;
	// A host that ignores streaming (or a test double) hands over the whole body: same checks.
	if (!stream || !abort || !signal) return wholeFile(provider, response.body, maxBytes);
	// Every early end aborts the request: that closes the socket and fails the stream for its reader
	// (stream.destroy() alone does neither on n8n 2.x). The deadline and the cancel abort it too.
	const declared = Number(headers['content-length']);
	if (Number.isFinite(declared) && declared > maxBytes) {
		abort();
		throw tooLarge(provider, maxBytes);
	}
	const firstBytes = new AbortController();
	void clock.ioTimer(DOWNLOAD_IDLE_MS, firstBytes.signal).then(() => {
		if (!firstBytes.signal.aborted) abort(timeoutError(DOWNLOAD_IDLE_MS));
	});
	const head = await peek(stream, HEAD_MIN_BYTES, signal).finally(() => firstBytes.abort());
	const kind = head.length >= HEAD_MIN_BYTES ? sniffImage(head) : undefined;
	if (!kind) {
		abort();
		throw notAnImage(provider, head.length);
	}
	let read = 0;
	let stopped: FluxError | undefined;
	let lastByteAt = clock.realNow();
	// Counting must not start the flow before prepareBinaryData reads, or bytes would be lost: the
	// stream stays paused until the consumer attaches a 'data' listener (n8n 1.x collects a stream
	// that way and never resumes an explicitly paused one) or reads it (pipe, async iteration).
	stream.on('data', (chunk: Buffer | string) => {
		read += chunk.length;
		lastByteAt = clock.realNow();
		if (read > maxBytes && !stopped) {
			stopped = tooLarge(provider, maxBytes);
			abort(stopped);
		}
	});
	stream.pause();
	const wake = (event: string | symbol) => {
		if (event !== 'data') return;
		stream.removeListener('newListener', wake);
		lastByteAt = clock.realNow();
		void Promise.resolve().then(() => stream.resume());
	};
	stream.on('newListener', wake);
	watchForStall(stream, signal, abort, () => lastByteAt);
	return {
		kind,
		size: imageSize(head),
		data: stream,
		bytesRead: () => read,
		stoppedBy: () => stopped,
		declaredBytes: Number.isFinite(declared) ? declared : undefined,
		signal,
		abort,
	};
}

/**
 * Breaks a download off when no byte has come for DOWNLOAD_IDLE_MS: with redirects handled here,
 * n8n's request timeout no longer covers the body (axios `maxRedirects: 0`). Real time, checked a
 * few times per idle period, until the stream ends.
 */
function watchForStall(
	stream: ByteStream,
	signal: AbortSignal,
	abort: (reason?: Error) => void,
	lastByteAt: () => number,
): void {
	const done = new AbortController();
	const finish = () => done.abort();
	stream.once('end', finish);
	stream.once('close', finish);
	stream.once('error', finish);
	signal.addEventListener('abort', finish, { once: true });
	void (async () => {
		while (!done.signal.aborted) {
			await clock.ioTimer(DOWNLOAD_IDLE_MS / 4, done.signal);
			if (done.signal.aborted) return;
			if (clock.realNow() - lastByteAt() >= DOWNLOAD_IDLE_MS) {
				abort(timeoutError(DOWNLOAD_IDLE_MS));
				return;
			}
		}
	})();
}
