import { createHash } from 'node:crypto';
import type { Writable } from 'node:stream';
import * as zlib from 'node:zlib';

import { picture, type MockLabel } from './images';

/**
 * Full-size PNGs (FLUX 3 Image's 4k class, ~16 MP: ~50 MB) made as they are sent, so a mock serving
 * them holds a small picture, not the file: the picture is drawn at a quarter of the size (label and
 * references included) and each row is widened on the way out, into stored (uncompressed) deflate
 * blocks, one IDAT chunk each. Its length is known before the first byte (Content-Length), its
 * SHA-256 when the last one is written; the same arguments give the same bytes every time.
 */

/** Widen the small picture by this much in each direction. */
const FACTOR = 4;
/** Bytes of one stored deflate block at most. */
const STORED_MAX = 65_535;

const crcTable = Array.from({ length: 256 }, (_, n) => {
	let c = n;
	for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
	return c >>> 0;
});

/** zlib.crc32 where Node has it (20.15+, 22.2+), else a table. */
function crc32(data: Buffer, start = 0): number {
	const native = (zlib as { crc32?: (data: Buffer, value?: number) => number }).crc32;
	if (native) return native(data, start);
	let c = (start ^ 0xffffffff) >>> 0;
	for (const byte of data) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
	return (c ^ 0xffffffff) >>> 0;
}

function adler32(data: Buffer, a: number, b: number): [number, number] {
	for (let i = 0; i < data.length; ) {
		const end = Math.min(data.length, i + 5552);
		for (; i < end; i++) {
			a += data[i];
			b += a;
		}
		a %= 65521;
		b %= 65521;
	}
	return [a, b];
}

export interface StreamedPng {
	width: number;
	height: number;
	/** The file's size in bytes, known before it is made. */
	length: number;
	/** Writes the file to `out`, heeding back-pressure; its SHA-256 (hex), or undefined when `out` closed first. */
	writeTo(out: Writable): Promise<string | undefined>;
}

/** A width × height RGB PNG of the mock's picture (see images.ts), made as it is written. */
export function streamedPng(
	width: number,
	height: number,
	seed: number,
	info?: MockLabel,
): StreamedPng {
	const stride = width * 3 + 1;
	if (stride > STORED_MAX) throw new Error(`a row of ${width} px does not fit a stored block`);
	const rowsPerBlock = Math.floor(STORED_MAX / stride);
	const blocks = Math.ceil(height / rowsPerBlock);
	// Each IDAT: [zlib header] + 5-byte stored-block header + rows + [Adler-32]; plus 12 bytes of chunk.
	const length = 8 + 25 + 12 + blocks * (12 + 5) + 2 + 4 + stride * height; // signature, IHDR, IEND, blocks
	const smallW = Math.ceil(width / FACTOR);
	const smallH = Math.ceil(height / FACTOR);
	let small: Buffer | undefined;

	const chunk = (type: string, data: Buffer): Buffer => {
		const head = Buffer.alloc(8);
		head.writeUInt32BE(data.length, 0);
		head.write(type, 4, 'latin1');
		const crc = Buffer.alloc(4);
		crc.writeUInt32BE(crc32(data, crc32(head.subarray(4))));
		return Buffer.concat([head, data, crc]);
	};

	return {
		width,
		height,
		length,
		async writeTo(out) {
			small ??= picture(smallW, smallH, seed, 3, info);
			const hash = createHash('sha256');
			let closed = false;
			out.once('close', () => (closed = true));
			const write = async (bytes: Buffer) => {
				hash.update(bytes);
				if (out.write(bytes) || closed) return;
				await new Promise<void>((resolve) => {
					const done = () => {
						out.off('drain', done);
						out.off('close', done);
						resolve();
					};
					out.on('drain', done);
					out.on('close', done);
				});
			};
			const header = Buffer.alloc(13);
			header.writeUInt32BE(width, 0);
			header.writeUInt32BE(height, 4);
			header[8] = 8; // bit depth
			header[9] = 2; // RGB
			await write(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
			await write(chunk('IHDR', header));
			let a = 1;
			let b = 0;
			const row = Buffer.alloc(stride);
			let rowOf = -1;
			for (let n = 0; n < blocks; n++) {
				if (closed) return undefined;
				const first = n === 0;
				const last = n === blocks - 1;
				const rows = Math.min(rowsPerBlock, height - n * rowsPerBlock);
				const data = Buffer.alloc((first ? 2 : 0) + 5 + rows * stride + (last ? 4 : 0));
				let o = 0;
				if (first) {
					data[o++] = 0x78; // deflate, 32 K window
					data[o++] = 0x01; // no dictionary, fastest (FCHECK makes 0x7801 divisible by 31)
				}
				data[o++] = last ? 1 : 0; // BFINAL, BTYPE 00 (stored)
				data.writeUInt16LE(rows * stride, o);
				data.writeUInt16LE(~(rows * stride) & 0xffff, o + 2);
				o += 4;
				const rowsStart = o;
				for (let r = 0; r < rows; r++) {
					const y = n * rowsPerBlock + r;
					const sy = Math.min(smallH - 1, Math.floor(y / FACTOR));
					if (sy !== rowOf) {
						row[0] = 0; // filter: none
						for (let x = 0; x < width; x++) {
							const s = (sy * smallW + Math.min(smallW - 1, Math.floor(x / FACTOR))) * 3;
							row[1 + x * 3] = small[s];
							row[2 + x * 3] = small[s + 1];
							row[3 + x * 3] = small[s + 2];
						}
						rowOf = sy;
					}
					row.copy(data, o);
					o += stride;
				}
				[a, b] = adler32(data.subarray(rowsStart, o), a, b);
				if (last) data.writeUInt32BE(((b << 16) | a) >>> 0, o);
				await write(chunk('IDAT', data));
			}
			await write(chunk('IEND', Buffer.alloc(0)));
			return closed ? undefined : hash.digest('hex');
		},
	};
}
