/**
 * Image bytes, read without any request: what kind of image a file is (by its first bytes, never by
 * a declared type), its pixel size, and the bytes of a data URI.
 */

export interface ImageKind {
	mimeType: string;
	extension: string;
}

/** Identifies an image by its first bytes; the provider's content type is only a hint. */
export function sniffImage(bytes: Buffer): ImageKind | undefined {
	if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
		return { mimeType: 'image/jpeg', extension: 'jpg' };
	}
	if (
		bytes.length >= 8 &&
		bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
	) {
		return { mimeType: 'image/png', extension: 'png' };
	}
	if (
		bytes.length >= 12 &&
		bytes.toString('latin1', 0, 4) === 'RIFF' &&
		bytes.toString('latin1', 8, 12) === 'WEBP'
	) {
		return { mimeType: 'image/webp', extension: 'webp' };
	}
	if (bytes.length >= 6 && /^GIF8[79]a$/.test(bytes.toString('latin1', 0, 6))) {
		return { mimeType: 'image/gif', extension: 'gif' };
	}
	if (
		bytes.length >= 12 &&
		bytes.toString('latin1', 4, 8) === 'ftyp' &&
		/^avi[fs]$/.test(bytes.toString('latin1', 8, 12))
	) {
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
			if (
				marker >= 0xc0 &&
				marker <= 0xcf &&
				marker !== 0xc4 &&
				marker !== 0xc8 &&
				marker !== 0xcc
			) {
				return { height: bytes.readUInt16BE(offset + 5), width: bytes.readUInt16BE(offset + 7) };
			}
			offset += 2 + length;
		}
	}
	return undefined;
}

const DATA_URI = /^data:([^;,]*)(;[^,]*)?,(.*)$/s;

/** The bytes a data URI carries, or undefined when it is not one. */
export function parseDataUri(uri: string): Buffer | undefined {
	const match = DATA_URI.exec(uri);
	if (!match) return undefined;
	try {
		return (match[2] ?? '').includes(';base64')
			? Buffer.from(match[3], 'base64')
			: Buffer.from(decodeURIComponent(match[3]), 'latin1');
	} catch {
		return undefined;
	}
}
