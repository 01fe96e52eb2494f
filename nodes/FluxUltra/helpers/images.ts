import type { IExecuteFunctions } from 'n8n-workflow';

import { FluxError, type ProviderErrorContext } from '../transport/errors';
import { send } from '../transport/http';
import type { ResultImage } from '../providers/types';
import { isFollowableLink, parseUrl } from './url';

/** Time allowed for one image download. */
export const DOWNLOAD_TIMEOUT_MS = 120_000;

export interface ImageKind {
	mimeType: string;
	extension: string;
}

/** Identifies an image by its first bytes; the provider's content type is only a hint. */
export function sniffImage(bytes: Buffer): ImageKind | undefined {
	if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
		return { mimeType: 'image/jpeg', extension: 'jpg' };
	}
	if (bytes.length >= 8 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) {
		return { mimeType: 'image/png', extension: 'png' };
	}
	if (bytes.length >= 12 && bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP') {
		return { mimeType: 'image/webp', extension: 'webp' };
	}
	if (bytes.length >= 6 && /^GIF8[79]a$/.test(bytes.toString('latin1', 0, 6))) {
		return { mimeType: 'image/gif', extension: 'gif' };
	}
	if (bytes.length >= 12 && bytes.toString('latin1', 4, 8) === 'ftyp' && /^avi[fs]$/.test(bytes.toString('latin1', 8, 12))) {
		return { mimeType: 'image/avif', extension: 'avif' };
	}
	return undefined;
}

/** Pixel size read from a PNG or JPEG header, so the output states what the file really is. */
export function imageSize(bytes: Buffer): { width: number; height: number } | undefined {
	const kind = sniffImage(bytes);
	if (kind?.mimeType === 'image/png' && bytes.length >= 24) {
		return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
	}
	if (kind?.mimeType === 'image/jpeg') {
		let offset = 2;
		while (offset + 9 < bytes.length) {
			if (bytes[offset] !== 0xff) return undefined;
			const marker = bytes[offset + 1];
			const length = bytes.readUInt16BE(offset + 2);
			// SOF0–SOF15, except DHT (C4), JPG (C8) and DAC (CC), carry the frame size.
			if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
				return { height: bytes.readUInt16BE(offset + 5), width: bytes.readUInt16BE(offset + 7) };
			}
			offset += 2 + length;
		}
	}
	return undefined;
}

const DATA_URI = /^data:([^;,]*)(;[^,]*)?,(.*)$/s;

export function decodeDataUri(uri: string): Buffer {
	const match = DATA_URI.exec(uri);
	if (!match) throw new FluxError('download', 'The provider returned an unreadable inline image');
	return (match[2] ?? '').includes(';base64')
		? Buffer.from(match[3], 'base64')
		: Buffer.from(decodeURIComponent(match[3]), 'latin1');
}

export interface DownloadOptions {
	signal?: AbortSignal;
	/** Plain-http origin allowed besides https (a mock or proxy base URL). */
	plainHttpOrigin?: string;
	/** The "Max Image Size" option, in bytes. */
	maxBytes: number;
}

/**
 * The bytes of one result image: inline data URIs are decoded, links are downloaded without any
 * credential (CDN and presigned URLs never see the API key). Only https links are followed.
 */
export async function fetchResultImage(
	ctx: IExecuteFunctions,
	provider: ProviderErrorContext,
	image: ResultImage,
	options: DownloadOptions,
): Promise<{ bytes: Buffer; kind: ImageKind }> {
	const maxBytes = options.maxBytes;
	let bytes: Buffer;
	if (image.url.startsWith('data:')) {
		bytes = decodeDataUri(image.url);
	} else {
		const url = parseUrl(image.url);
		if (!url) throw new FluxError('download', `${provider.providerName} returned an image link that is not a URL`);
		if (!isFollowableLink(image.url, options.plainHttpOrigin)) {
			throw new FluxError('download', `${provider.providerName} returned an image link this node does not follow (${url.protocol})`, {
				description: 'Only https:// links are downloaded.',
			});
		}
		const response = await send(ctx, provider, {
			method: 'GET',
			url: image.url,
			purpose: 'download',
			headers: { accept: 'image/*' },
			timeoutMs: DOWNLOAD_TIMEOUT_MS,
			signal: options.signal,
		});
		bytes = response.body;
	}
	if (bytes.length > maxBytes) {
		throw new FluxError('download', `An image from ${provider.providerName} is larger than ${Math.round(maxBytes / 1048576)} MB`, {
			description: 'The file was not kept. Raise "Max Image Size (MB)" in Options, or choose the JPEG output format.',
		});
	}
	const kind = sniffImage(bytes);
	if (!kind) {
		throw new FluxError('download', `${provider.providerName} returned a file that is not an image`, {
			description: `It was ${bytes.length} bytes of content that is not JPEG, PNG, WebP, GIF or AVIF. Try again; if it persists, the provider may be failing.`,
		});
	}
	return { bytes, kind };
}
