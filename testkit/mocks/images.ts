import { deflateSync } from 'node:zlib';

import jpeg from 'jpeg-js';

/**
 * Real image files for the mock provider and the tests: valid PNG (encoded here, with zlib) and
 * JPEG (jpeg-js), with a picture that depends on a seed so different jobs give different files.
 */

/** FLUX 1.1 [pro] ultra output sizes by aspect ratio (about 4 MP each). */
export const ULTRA_SIZES: Record<string, [number, number]> = {
	'21:9': [3136, 1344],
	'16:9': [2752, 1536],
	'4:3': [2368, 1792],
	'3:2': [2496, 1664],
	'1:1': [2048, 2048],
	'2:3': [1664, 2496],
	'3:4': [1792, 2368],
	'9:16': [1536, 2752],
	'9:21': [1344, 3136],
};

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
	let c = n;
	for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
	return c >>> 0;
});

function crc32(buffer: Buffer): number {
	let c = 0xffffffff;
	for (const byte of buffer) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
	return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
	const length = Buffer.alloc(4);
	length.writeUInt32BE(data.length);
	const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
	const crc = Buffer.alloc(4);
	crc.writeUInt32BE(crc32(typed));
	return Buffer.concat([length, typed, crc]);
}

/** A soft gradient with bands; `seed` shifts the palette. Returns RGB rows. */
function paint(width: number, height: number, seed: number, channels: 3 | 4): Buffer {
	const pixels = Buffer.alloc(width * height * channels);
	const hue = (seed % 360) / 360;
	for (let y = 0; y < height; y++) {
		for (let x = 0; x < width; x++) {
			const u = x / width;
			const v = y / height;
			const wave = 0.5 + 0.5 * Math.sin((u * 6 + v * 4 + hue * 10) * Math.PI);
			const o = (y * width + x) * channels;
			pixels[o] = Math.round(255 * (0.3 + 0.7 * ((u + hue) % 1)) * (0.6 + 0.4 * wave));
			pixels[o + 1] = Math.round(255 * (0.2 + 0.6 * v) * (0.7 + 0.3 * wave));
			pixels[o + 2] = Math.round(255 * (0.4 + 0.6 * ((1 - u + hue) % 1)));
			if (channels === 4) pixels[o + 3] = 255;
		}
	}
	return pixels;
}

export function makePng(width: number, height: number, seed = 1): Buffer {
	const rgb = paint(width, height, seed, 3);
	const raw = Buffer.alloc((width * 3 + 1) * height);
	for (let y = 0; y < height; y++) {
		raw[y * (width * 3 + 1)] = 0; // filter: none
		rgb.copy(raw, y * (width * 3 + 1) + 1, y * width * 3, (y + 1) * width * 3);
	}
	const header = Buffer.alloc(13);
	header.writeUInt32BE(width, 0);
	header.writeUInt32BE(height, 4);
	header.writeUInt8(8, 8); // bit depth
	header.writeUInt8(2, 9); // colour type: RGB
	return Buffer.concat([
		Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
		chunk('IHDR', header),
		chunk('IDAT', deflateSync(raw, { level: 1 })),
		chunk('IEND', Buffer.alloc(0)),
	]);
}

export function makeJpeg(width: number, height: number, seed = 1, quality = 85): Buffer {
	return Buffer.from(jpeg.encode({ data: paint(width, height, seed, 4), width, height }, quality).data);
}

export function makeImage(format: 'png' | 'jpeg', width: number, height: number, seed = 1): Buffer {
	return format === 'png' ? makePng(width, height, seed) : makeJpeg(width, height, seed);
}
