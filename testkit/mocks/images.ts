import { deflateSync, inflateSync } from 'node:zlib';

import jpeg from 'jpeg-js';

/**
 * Real image files for the mock provider and the tests: valid PNG (encoded here, with zlib) and
 * JPEG (jpeg-js), with a picture that depends on a seed so different jobs give different files.
 * With a label (what the mock servers pass), the picture says what it is: "MOCK IMAGE", the
 * provider, operation, aspect ratio, seed and the prompt (wrapped), in a 5×7 bitmap font of our
 * own scaled to the image, and a remix or image prompt's input image, scaled, inside it.
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

/** What a mock image shows about the request it answers. */
export interface MockLabel {
	provider: string;
	operation: string;
	aspectRatio: string;
	seed: number | string;
	prompt?: string;
	/**
	 * The input image (Remix, image prompt), PNG or JPEG bytes: drawn scaled in the picture. A list
	 * (a model's reference images) is drawn as thumbnails in a row, in order, each under its
	 * position number (1, 2, …), so a viewer can check the order the provider received.
	 */
	input?: Buffer | readonly Buffer[];
	/** The model, for the models beyond Ultra (e.g. "FLUX 3 Image"): named in the first line. */
	model?: string;
}

/**
 * 5×7 glyphs for ASCII 32–126, five column bytes each (bit 0 is the top row), the classic
 * LCD-style layout.
 */
const FONT = [
	'0000000000',
	'00005f0000',
	'0007000700',
	'147f147f14',
	'242a7f2a12',
	'2313086462',
	'3649552250',
	'0005030000',
	'001c224100',
	'0041221c00',
	'082a1c2a08',
	'08083e0808',
	'0050300000',
	'0808080808',
	'0060600000',
	'2010080402',
	'3e5149453e',
	'00427f4000',
	'4261514946',
	'2141454b31',
	'1814127f10',
	'2745454539',
	'3c4a494930',
	'0171090503',
	'3649494936',
	'064949291e',
	'0036360000',
	'0056360000',
	'0814224100',
	'1414141414',
	'0041221408',
	'0201510906',
	'324979413e',
	'7e1111117e',
	'7f49494936',
	'3e41414122',
	'7f4141221c',
	'7f49494941',
	'7f09090101',
	'3e41415132',
	'7f0808087f',
	'00417f4100',
	'2040413f01',
	'7f08142241',
	'7f40404040',
	'7f0204027f',
	'7f0408107f',
	'3e4141413e',
	'7f09090906',
	'3e4151215e',
	'7f09192946',
	'4649494931',
	'01017f0101',
	'3f4040403f',
	'1f2040201f',
	'7f2018207f',
	'6314081463',
	'0304780403',
	'6151494543',
	'007f414100',
	'0204081020',
	'0041417f00',
	'0402010204',
	'4040404040',
	'0001020400',
	'2054545478',
	'7f48444438',
	'3844444420',
	'384444487f',
	'3854545418',
	'087e090102',
	'0c5252523e',
	'7f08040478',
	'00447d4000',
	'2040443d00',
	'007f102844',
	'00417f4000',
	'7c04180478',
	'7c08040478',
	'3844444438',
	'7c14141408',
	'081414187c',
	'7c08040408',
	'4854545420',
	'043f444020',
	'3c4040207c',
	'1c2040201c',
	'3c4030403c',
	'4428102844',
	'0c5050503c',
	'4464544c44',
	'0008364100',
	'00007f0000',
	'0041360800',
	'0804081008',
].map((hex) => Buffer.from(hex, 'hex'));

/** Letters the font has: accents dropped, typographic quotes and dashes made plain, the rest '?'. */
function plain(text: string): string {
	return text
		.normalize('NFKD')
		.replace(/[\u0300-\u036f]/g, '')
		.replace(/[‘’‚′]/g, "'")
		.replace(/[“”„″]/g, '"')
		.replace(/[–—−]/g, '-')
		.replace(/…/g, '...')
		.replace(/×/g, 'x')
		.replace(/\s+/g, ' ')
		.replace(/[^\x20-\x7e]/g, '?');
}

/** Words into lines of at most `columns` characters (a longer word is cut). */
export function wrap(text: string, columns: number): string[] {
	const lines: string[] = [];
	let line = '';
	for (let word of plain(text).trim().split(' ')) {
		while (word.length > columns) {
			if (line) lines.push(line);
			lines.push(word.slice(0, columns));
			word = word.slice(columns);
			line = '';
		}
		if (!word) continue;
		if (!line) line = word;
		else if (line.length + 1 + word.length <= columns) line += ` ${word}`;
		else {
			lines.push(line);
			line = word;
		}
	}
	if (line) lines.push(line);
	return lines;
}

type Canvas = { pixels: Buffer; width: number; height: number; channels: 3 | 4 };

function fillRect(
	c: Canvas,
	x0: number,
	y0: number,
	w: number,
	h: number,
	rgb: [number, number, number],
) {
	const xa = Math.max(0, x0);
	const xb = Math.min(c.width, x0 + w);
	for (let y = Math.max(0, y0); y < Math.min(c.height, y0 + h); y++) {
		for (let x = xa; x < xb; x++) {
			const o = (y * c.width + x) * c.channels;
			c.pixels[o] = rgb[0];
			c.pixels[o + 1] = rgb[1];
			c.pixels[o + 2] = rgb[2];
		}
	}
}

/** Darkens a rectangle so white text reads on any background. */
function shade(c: Canvas, x0: number, y0: number, w: number, h: number) {
	for (let y = Math.max(0, y0); y < Math.min(c.height, y0 + h); y++) {
		for (let x = Math.max(0, x0); x < Math.min(c.width, x0 + w); x++) {
			const o = (y * c.width + x) * c.channels;
			c.pixels[o] = c.pixels[o] >> 2;
			c.pixels[o + 1] = c.pixels[o + 1] >> 2;
			c.pixels[o + 2] = c.pixels[o + 2] >> 2;
		}
	}
}

/** Draws text with its top-left corner at (x, y), each font pixel a `size`×`size` square. */
function drawText(
	c: Canvas,
	text: string,
	x: number,
	y: number,
	size: number,
	rgb: [number, number, number],
) {
	let cx = x;
	for (const ch of plain(text)) {
		const glyph = FONT[ch.charCodeAt(0) - 32] ?? FONT[31];
		for (let col = 0; col < 5; col++) {
			for (let row = 0; row < 7; row++)
				if (glyph[col] & (1 << row)) fillRect(c, cx + col * size, y + row * size, size, size, rgb);
		}
		cx += 6 * size;
	}
}

/** RGB(A) pixels of a PNG (8-bit grey, grey+alpha, RGB or RGBA, not interlaced) or a JPEG. */
export function decodeImage(
	bytes: Buffer,
): { width: number; height: number; rgba: Uint8Array } | undefined {
	try {
		if (bytes[0] === 0xff && bytes[1] === 0xd8) {
			const { width, height, data } = jpeg.decode(bytes, {
				useTArray: true,
				formatAsRGBA: true,
				maxMemoryUsageInMB: 1024,
			});
			return { width, height, rgba: data };
		}
		if (bytes.readUInt32BE(0) !== 0x89504e47) return undefined;
		let offset = 8;
		let width = 0;
		let height = 0;
		let depth = 0;
		let type = 0;
		let interlace = 0;
		const idat: Buffer[] = [];
		while (offset + 8 <= bytes.length) {
			const length = bytes.readUInt32BE(offset);
			const kind = bytes.toString('latin1', offset + 4, offset + 8);
			const data = bytes.subarray(offset + 8, offset + 8 + length);
			if (kind === 'IHDR') {
				width = data.readUInt32BE(0);
				height = data.readUInt32BE(4);
				depth = data[8];
				type = data[9];
				interlace = data[12];
			} else if (kind === 'IDAT') idat.push(data);
			else if (kind === 'IEND') break;
			offset += 12 + length;
		}
		const channels = ({ 0: 1, 2: 3, 4: 2, 6: 4 } as Record<number, number>)[type];
		if (depth !== 8 || !channels || interlace !== 0 || !width || !height) return undefined;
		const raw = inflateSync(Buffer.concat(idat));
		const stride = width * channels;
		const out = Buffer.alloc(stride * height);
		for (let y = 0; y < height; y++) {
			const filter = raw[y * (stride + 1)];
			const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
			for (let i = 0; i < stride; i++) {
				const a = i >= channels ? out[y * stride + i - channels] : 0;
				const b = y > 0 ? out[(y - 1) * stride + i] : 0;
				const cc = y > 0 && i >= channels ? out[(y - 1) * stride + i - channels] : 0;
				let value = line[i];
				if (filter === 1) value += a;
				else if (filter === 2) value += b;
				else if (filter === 3) value += (a + b) >> 1;
				else if (filter === 4) {
					const p = a + b - cc;
					const pa = Math.abs(p - a);
					const pb = Math.abs(p - b);
					const pc = Math.abs(p - cc);
					value += pa <= pb && pa <= pc ? a : pb <= pc ? b : cc;
				}
				out[y * stride + i] = value & 0xff;
			}
		}
		const rgba = new Uint8Array(width * height * 4);
		for (let i = 0; i < width * height; i++) {
			const px = out.subarray(i * channels, (i + 1) * channels);
			const grey = channels <= 2;
			rgba[i * 4] = px[0];
			rgba[i * 4 + 1] = grey ? px[0] : px[1];
			rgba[i * 4 + 2] = grey ? px[0] : px[2];
			rgba[i * 4 + 3] = 255;
		}
		return { width, height, rgba };
	} catch {
		return undefined;
	}
}

/** The input image, scaled (nearest neighbour) into the box at (x, y), framed; returns its height. */
function drawInput(
	c: Canvas,
	input: Buffer,
	x: number,
	y: number,
	boxW: number,
	boxH: number,
	size: number,
): number {
	const image = decodeImage(input);
	const frame = Math.max(1, size);
	if (!image) {
		drawText(c, '(input image: format not shown)', x, y, size, [255, 255, 255]);
		return 8 * size;
	}
	const scale = Math.min(boxW / image.width, boxH / image.height);
	const w = Math.max(1, Math.round(image.width * scale));
	const h = Math.max(1, Math.round(image.height * scale));
	fillRect(c, x - frame, y - frame, w + 2 * frame, h + 2 * frame, [255, 255, 255]);
	for (let dy = 0; dy < h; dy++) {
		const ty = y + dy;
		if (ty < 0 || ty >= c.height) continue;
		const sy = Math.min(image.height - 1, Math.floor(dy / scale));
		for (let dx = 0; dx < w; dx++) {
			const tx = x + dx;
			if (tx < 0 || tx >= c.width) continue;
			const s = (sy * image.width + Math.min(image.width - 1, Math.floor(dx / scale))) * 4;
			const o = (ty * c.width + tx) * c.channels;
			c.pixels[o] = image.rgba[s];
			c.pixels[o + 1] = image.rgba[s + 1];
			c.pixels[o + 2] = image.rgba[s + 2];
		}
	}
	return h;
}

/** Where the label goes: font pixel sizes and spacing scale with the picture. */
function layoutOf(width: number, height: number) {
	const unit = Math.max(1, Math.floor(Math.min(width, height) / 320));
	const margin = 6 * unit;
	const body = Math.max(1, Math.round(unit * 1.5));
	const title = 5 * unit;
	return {
		unit,
		margin,
		body,
		title,
		line: 9 * body,
		columns: Math.max(8, Math.floor((width - 4 * margin) / (6 * body))),
	};
}

/** Reads one line of the font back: each glyph from the centres of its font pixels. */
function readLine(
	image: { width: number; height: number; rgba: Uint8Array },
	x: number,
	y: number,
	size: number,
	count: number,
): string {
	let text = '';
	for (let i = 0; i < count; i++) {
		const cell = Buffer.alloc(5);
		for (let col = 0; col < 5; col++) {
			for (let row = 0; row < 7; row++) {
				const px = Math.min(image.width - 1, x + i * 6 * size + col * size + (size >> 1));
				const py = Math.min(image.height - 1, y + row * size + (size >> 1));
				const o = (py * image.width + px) * 4;
				if (Math.max(image.rgba[o], image.rgba[o + 1], image.rgba[o + 2]) > 160)
					cell[col] |= 1 << row;
			}
		}
		const index = FONT.findIndex((glyph) => glyph.equals(cell));
		text += index < 0 ? '?' : String.fromCharCode(32 + index);
	}
	return text;
}

/**
 * The label's lines as they read from the picture (for tests): "MOCK IMAGE", then the lines under
 * it up to "input image:" (or "reference images:") or the first empty one. Needs the PNG or JPEG bytes as served.
 */
export function readLabel(bytes: Buffer): string[] {
	const image = decodeImage(bytes);
	if (!image) return [];
	const { margin, body, title, line, columns } = layoutOf(image.width, image.height);
	const lines = [readLine(image, 2 * margin, 2 * margin, title, 10)];
	// The shaded panel ends where its left edge turns bright: no background is that dark.
	const shaded = (y: number) => {
		const o = (Math.min(image.height - 1, y) * image.width + margin + (margin >> 1)) * 4;
		return Math.max(image.rgba[o], image.rgba[o + 1], image.rgba[o + 2]) < 90;
	};
	for (
		let y = 2 * margin + 9 * title;
		y + 7 * body < image.height && shaded(y + 7 * body);
		y += line
	) {
		const text = readLine(image, 2 * margin, y, body, columns).trimEnd();
		if (!text) break;
		lines.push(text);
		if (text === 'input image:' || text === 'reference images:') break;
	}
	return lines;
}

/** Writes what the image is into it: a shaded panel with the label, the input image below it. */
function label(c: Canvas, info: MockLabel) {
	const { width, height } = c;
	const { unit, margin, body, title, line, columns } = layoutOf(width, height);
	const white: [number, number, number] = [255, 255, 255];
	const amber: [number, number, number] = [255, 196, 0];

	const inputs =
		info.input === undefined ? [] : Buffer.isBuffer(info.input) ? [info.input] : info.input;
	const list = !Buffer.isBuffer(info.input) && inputs.length > 0;
	let head = [
		info.model
			? `${info.provider} - ${info.model} - ${info.operation}`
			: `${info.provider} - ${info.operation}`,
		`aspect ratio ${info.aspectRatio} - seed ${info.seed} - ${width}x${height}`,
	];
	const subtitle = 'not a FLUX result: a test picture from a mock server';
	const beside = 2 * margin + 11 * 6 * title;
	const fits = beside + subtitle.length * 6 * body <= width - 2 * margin;
	if (!fits) head.unshift('not a FLUX result (mock server)');
	head = head.flatMap((text) => wrap(text, columns));
	const shown = inputs.length > 0;
	// A list: one row of thumbnails as wide as the panel allows, each under its number.
	const inputBox = !shown
		? 0
		: list
			? Math.floor(
					Math.min(
						height / 4,
						(width - 4 * margin - (inputs.length - 1) * 2 * margin) / inputs.length,
					),
				) + line
			: Math.floor(Math.min(width / 3, height / 3));
	const room = Math.max(
		1,
		Math.floor(
			(height -
				2 * margin -
				9 * title -
				(head.length + (shown ? 1 : 0)) * line -
				inputBox -
				2 * margin) /
				line,
		),
	);
	let prompt = info.prompt ? wrap(`prompt: ${info.prompt}`, columns) : ['(no prompt)'];
	if (prompt.length > room)
		prompt = [...prompt.slice(0, room - 1), `${prompt[room - 1].slice(0, columns - 3)}...`];

	const textHeight = 9 * title + (head.length + prompt.length) * line + (shown ? line : 0);
	shade(
		c,
		margin,
		margin,
		width - 2 * margin,
		textHeight + 2 * margin + (shown ? inputBox + margin : 0),
	);
	let y = 2 * margin;
	drawText(c, 'MOCK IMAGE', 2 * margin, y, title, amber);
	y += 9 * title;
	if (fits) drawText(c, subtitle, beside, y - 2 * title - 7 * body, body, amber);
	for (const text of [...head, ...prompt]) {
		drawText(c, text, 2 * margin, y, body, white);
		y += line;
	}
	if (shown && !list) {
		drawText(c, 'input image:', 2 * margin, y, body, white);
		y += line;
		drawInput(c, inputs[0], 2 * margin, y, inputBox, inputBox, unit);
	} else if (shown) {
		drawText(c, 'reference images:', 2 * margin, y, body, white);
		y += line;
		const box = Math.max(1, inputBox - line);
		inputs.forEach((bytes, n) => {
			const x = 2 * margin + n * (box + 2 * margin);
			drawText(c, String(n + 1), x, y, body, amber);
			drawInput(c, bytes, x, y + line, box, box, unit);
		});
	}
}

/** The picture's pixels (RGB, or RGBA with `channels` 4), label included: what makePng encodes. */
export function picture(
	width: number,
	height: number,
	seed: number,
	channels: 3 | 4,
	info?: MockLabel,
): Buffer {
	const pixels = paint(width, height, seed, channels);
	if (info) label({ pixels, width, height, channels }, info);
	return pixels;
}

export function makePng(width: number, height: number, seed = 1, info?: MockLabel): Buffer {
	return pixelsPng(picture(width, height, seed, 3, info), width, height);
}

/** An 8-bit RGB PNG of raw RGB pixels (`width * height * 3` bytes, rows top to bottom). */
export function pixelsPng(rgb: Buffer, width: number, height: number): Buffer {
	const raw = Buffer.alloc((width * 3 + 1) * height);
	for (let y = 0; y < height; y++) {
		raw[y * (width * 3 + 1)] = 0; // filter: none
		rgb.copy(raw, y * (width * 3 + 1) + 1, y * width * 3, (y + 1) * width * 3);
	}
	return rgbPng(width, height, raw);
}

/** A PNG of one colour: references a viewer and a test tell apart. */
export function solidPng(rgb: [number, number, number], width: number, height: number): Buffer {
	const pixels = Buffer.alloc(width * height * 3);
	for (let i = 0; i < width * height; i++) pixels.set(rgb, i * 3);
	return pixelsPng(pixels, width, height);
}

/**
 * An 8-bit RGB PNG file of width × height from its scanlines, each led by its filter byte
 * (`(width * 3 + 1) * height` bytes): one IDAT, deflated fast.
 */
export function rgbPng(width: number, height: number, scanlines: Buffer): Buffer {
	const header = Buffer.alloc(13);
	header.writeUInt32BE(width, 0);
	header.writeUInt32BE(height, 4);
	header.writeUInt8(8, 8); // bit depth
	header.writeUInt8(2, 9); // colour type: RGB
	return Buffer.concat([
		Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
		chunk('IHDR', header),
		chunk('IDAT', deflateSync(scanlines, { level: 1 })),
		chunk('IEND', Buffer.alloc(0)),
	]);
}

export function makeJpeg(
	width: number,
	height: number,
	seed = 1,
	quality = 85,
	info?: MockLabel,
): Buffer {
	return Buffer.from(
		jpeg.encode({ data: picture(width, height, seed, 4, info), width, height }, quality).data,
	);
}

export function makeImage(
	format: 'png' | 'jpeg',
	width: number,
	height: number,
	seed = 1,
	info?: MockLabel,
): Buffer {
	return format === 'png'
		? makePng(width, height, seed, info)
		: makeJpeg(width, height, seed, 85, info);
}
