import type { ServerResponse } from 'node:http';

import { imageSize, sniffImage } from '../../nodes/FluxUltra/shared/imageBytes';
import { streamedPng, type StreamedPng } from './bigPng';
import { makeImage, type MockLabel } from './images';

/**
 * What the mock providers share for the models beyond Ultra (issue 29): the models' names, output
 * sizes, reading reference images (inline, the mock's own files, or a URL fetched as a provider
 * fetches it) and the picture of a job. Facts: docs/provider-facts.md, "FLUX.2 and FLUX 3 Image"
 * (BF-23…BF-47, FA-26…FA-41, RP-20…RP-31) and FLUX.2 [klein] (BF-50…BF-52, FA-30, FA-53…FA-55,
 * RP-25, RP-41…RP-43, RF-34, RF-35). Each mock checks the fields its provider documents.
 */

export type MockModel =
	| 'flux-2-pro'
	| 'flux-2-max'
	| 'flux-2-flex'
	| 'flux-2-klein-4b'
	| 'flux-2-klein-9b'
	| 'flux-3-image';

export const MODEL_NAMES: Readonly<Record<MockModel, string>> = {
	'flux-2-pro': 'FLUX.2 [pro]',
	'flux-2-max': 'FLUX.2 [max]',
	'flux-2-flex': 'FLUX.2 [flex]',
	'flux-2-klein-4b': 'FLUX.2 [klein] 4B',
	'flux-2-klein-9b': 'FLUX.2 [klein] 9B',
	'flux-3-image': 'FLUX 3 Image',
};

/** FLUX.2 [klein] 4B or 9B: the same inputs at every provider (BF-27, FA-30, RP-25, RF-35). */
export const isKlein = (model: MockModel | undefined): boolean =>
	model === 'flux-2-klein-4b' || model === 'flux-2-klein-9b';

/** FLUX 3 Image's aspect ratios (BF-42, FA-37, RP-27), `auto` besides. */
export const FLUX3_RATIOS = [
	'21:9',
	'2:1',
	'16:9',
	'3:2',
	'7:5',
	'4:3',
	'5:4',
	'1:1',
	'4:5',
	'3:4',
	'5:7',
	'2:3',
	'9:16',
	'1:2',
	'9:21',
];

/** FLUX 3 Image's resolution classes by the side of their square (BF-42, BF-45 leads: 4k 16:9 = 5456×3072). */
export const FLUX3_CLASS_SIDE: Readonly<Record<string, number>> = {
	'768sq': 768,
	'1k': 1024,
	'1.5k': 1536,
	'2k': 2048,
	'4k': 4096,
};

/** FLUX 3 Image's `aspect_ratio` choices as the providers' schemas list them: `auto`, then the ratios. */
export const FLUX3_RATIO_CHOICES = ['auto', ...FLUX3_RATIOS];

/** FLUX 3 Image's `resolution` classes, smallest first (BF-42). */
export const FLUX3_RESOLUTIONS = Object.keys(FLUX3_CLASS_SIDE);

/** FLUX.2's aspect ratios on Replicate (RP-22) and the node's. */
export const FLUX2_RATIOS = ['1:1', '16:9', '3:2', '2:3', '4:5', '5:4', '9:16', '3:4', '4:3'];

const round16 = (n: number) => Math.max(16, Math.round(n / 16) * 16);

/** Width and height of `ratio` ("W:H") with the area of a `side`×`side` square, multiples of 16. */
export function sizeForArea(ratio: string, side: number): [number, number] {
	const [w, h] = ratio.split(':').map(Number);
	const r = w > 0 && h > 0 ? Math.sqrt(w / h) : 1;
	return [round16(side * r), round16(side / r)];
}

/** The ratio of an image as "W:H" (its own pixels: `auto` and Match First Reference follow it). */
export function ratioOf(size: { width: number; height: number } | undefined): string {
	return size ? `${size.width}:${size.height}` : '1:1';
}

/** A FLUX 3 Image output size: the class's area at the ratio (`auto`: the first reference's, else 1:1). */
export function flux3Size(
	ratio: string,
	resolution: string,
	first?: { width: number; height: number },
): [number, number] {
	const side = FLUX3_CLASS_SIDE[resolution] ?? 1024;
	return sizeForArea(ratio === 'auto' ? ratioOf(first) : ratio, side);
}

/** A FLUX.2 output size from a ratio and megapixels (1 MP = 1024×1024), or the first reference's, within 4 MP. */
export function flux2Size(
	ratio: string,
	megapixels: number,
	first?: { width: number; height: number },
): [number, number] {
	if (ratio === 'match') {
		const size = first ?? { width: 1024, height: 1024 };
		const mp = Math.min(4, Math.max(0.25, (size.width * size.height) / 1_048_576));
		return sizeForArea(ratioOf(size), Math.sqrt(mp) * 1024);
	}
	return sizeForArea(ratio, Math.sqrt(megapixels) * 1024);
}

/** Images above this many pixels are made as they are sent (streamedPng), not held whole. */
export const STREAM_ABOVE_PIXELS = 8_000_000;

/** A job's file: whole bytes, or a PNG made as it is sent (FLUX 3 Image 4k). */
export type MockFile =
	| { kind: 'bytes'; bytes: Buffer; contentType: string; width: number; height: number }
	| { kind: 'stream'; png: StreamedPng; contentType: 'image/png'; width: number; height: number };

/**
 * The picture of a model job: `width`×`height` (already scaled by the mock), its references drawn as
 * numbered thumbnails and the model named. Above STREAM_ABOVE_PIXELS it is a PNG made as it is sent.
 */
export function modelFile(
	format: 'png' | 'jpeg',
	width: number,
	height: number,
	seed: number,
	label: MockLabel,
): MockFile {
	if (width * height > STREAM_ABOVE_PIXELS)
		return {
			kind: 'stream',
			png: streamedPng(width, height, seed, label),
			contentType: 'image/png',
			width,
			height,
		};
	return {
		kind: 'bytes',
		bytes: makeImage(format, width, height, seed, label),
		contentType: `image/${format}`,
		width,
		height,
	};
}

/** What a mock recorded of a streamed file it served whole: its size and SHA-256. */
export interface StreamedDownload {
	/** The job, task or prediction id. */
	id: string;
	width: number;
	height: number;
	bytes: number;
	sha256: string;
}

/**
 * Fetches a reference image the way a provider does (public http(s) URL; the mocks take loopback
 * ones too, as tests serve their fixtures there): the bytes, or undefined when it cannot be read.
 */
export async function fetchImage(
	url: string,
	maxBytes = 64 * 1024 * 1024,
): Promise<Buffer | undefined> {
	if (!/^https?:\/\//i.test(url)) return undefined;
	try {
		const response = await fetch(url, { signal: AbortSignal.timeout(15_000) });
		if (!response.ok) return undefined;
		const bytes = Buffer.from(await response.arrayBuffer());
		return bytes.length <= maxBytes ? bytes : undefined;
	} catch {
		return undefined;
	}
}

/** A reference's type and size, or a reason it is not one the model takes. */
export function checkReference(
	bytes: Buffer | undefined,
	limits: { minSide?: number; maxMegapixels?: number },
): { width: number; height: number } | string {
	if (!bytes) return 'could not be downloaded';
	const kind = sniffImage(bytes);
	if (!kind || !['image/jpeg', 'image/png', 'image/gif', 'image/webp'].includes(kind.mimeType))
		return 'is not a JPEG, PNG, GIF or WebP image';
	const size = imageSize(bytes);
	if (!size) return 'has no readable size';
	if (limits.minSide && Math.min(size.width, size.height) < limits.minSide)
		return `must be at least ${limits.minSide}x${limits.minSide} pixels (got ${size.width}x${size.height})`;
	// A megapixel of 2^20 pixels, as the node counts it: 4096×4096 is 16 MP.
	if (limits.maxMegapixels && size.width * size.height > limits.maxMegapixels * 1_048_576)
		return `must be at most ${limits.maxMegapixels} megapixels (got ${size.width}x${size.height})`;
	return size;
}

/** Bare base64 (BFL's references: no `data:` prefix, BF-30) as bytes, or undefined. */
export function bareBase64(value: string): Buffer | undefined {
	return /^[A-Za-z0-9+/]+={0,2}$/.test(value) && value.length % 4 === 0
		? Buffer.from(value, 'base64')
		: undefined;
}

/** A `data:image/…;base64,` URI's bytes, or undefined. */
export function dataUriBytes(value: string): Buffer | undefined {
	const data = /^data:image\/[\w.+-]+;base64,(.*)$/s.exec(value);
	return data ? Buffer.from(data[1], 'base64') : undefined;
}

/**
 * Sends a job's file: whole bytes, or the PNG made as it goes out (back-pressure heeded), its size
 * and SHA-256 recorded in `streamed` when it was sent to the end.
 */
export async function sendFile(
	res: ServerResponse,
	file: MockFile,
	id: string,
	streamed: StreamedDownload[],
): Promise<void> {
	if (file.kind === 'bytes') {
		res.writeHead(200, {
			'content-type': file.contentType,
			'content-length': String(file.bytes.length),
		});
		res.end(file.bytes);
		return;
	}
	res.writeHead(200, { 'content-type': 'image/png', 'content-length': String(file.png.length) });
	const sha256 = await file.png.writeTo(res);
	res.end();
	if (sha256)
		streamed.push({ id, width: file.width, height: file.height, bytes: file.png.length, sha256 });
}
