import { createHash } from 'node:crypto';

/**
 * Image-file plumbing for provenance tests, written apart from the node's own reader so a test does
 * not check the node against itself: list a JPEG's segments and a PNG's chunks, build RIFF (WebP)
 * files and hostile JUMBF boxes, and move or add parts.
 */

export const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

export interface JpegSegment {
	marker: number;
	start: number;
	end: number;
	payload: Buffer;
}

/** A JPEG's marker segments up to the first SOS (which is included). */
export function jpegSegments(bytes: Buffer): JpegSegment[] {
	const segments: JpegSegment[] = [];
	let at = 2;
	while (at + 4 <= bytes.length && bytes[at] === 0xff) {
		const marker = bytes[at + 1];
		const length = bytes.readUInt16BE(at + 2);
		segments.push({
			marker,
			start: at,
			end: at + 2 + length,
			payload: bytes.subarray(at + 4, at + 2 + length),
		});
		if (marker === 0xda) break;
		at += 2 + length;
	}
	return segments;
}

/** JPEG APP1 segments holding XMP. */
export function jpegXmpSegments(bytes: Buffer): JpegSegment[] {
	return jpegSegments(bytes).filter(
		(s) =>
			s.marker === 0xe1 && s.payload.toString('latin1', 0, 29) === 'http://ns.adobe.com/xap/1.0/\0',
	);
}

/** A JPEG with a segment inserted right after SOI. */
export function withJpegSegment(bytes: Buffer, marker: number, payload: Buffer): Buffer {
	const head = Buffer.from([0xff, marker, 0, 0]);
	head.writeUInt16BE(payload.length + 2, 2);
	return Buffer.concat([bytes.subarray(0, 2), head, payload, bytes.subarray(2)]);
}

export interface PngChunk {
	type: string;
	start: number;
	end: number;
	data: Buffer;
	crcOk: boolean;
}

const CRC = Array.from({ length: 256 }, (_, n) => {
	let c = n;
	for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
	return c >>> 0;
});
function crc(bytes: Buffer): number {
	let c = 0xffffffff;
	for (const byte of bytes) c = CRC[(c ^ byte) & 0xff] ^ (c >>> 8);
	return (c ^ 0xffffffff) >>> 0;
}

/** A PNG's chunks, each with whether its CRC is right. */
export function pngChunks(bytes: Buffer): PngChunk[] {
	const chunks: PngChunk[] = [];
	for (let at = 8; at + 12 <= bytes.length; ) {
		const length = bytes.readUInt32BE(at);
		const end = at + 12 + length;
		const typed = bytes.subarray(at + 4, at + 8 + length);
		chunks.push({
			type: bytes.toString('latin1', at + 4, at + 8),
			start: at,
			end,
			data: bytes.subarray(at + 8, at + 8 + length),
			crcOk: end <= bytes.length && crc(typed) === bytes.readUInt32BE(at + 8 + length),
		});
		at = end;
	}
	return chunks;
}

export function pngChunk(type: string, data: Buffer): Buffer {
	const length = Buffer.alloc(4);
	length.writeUInt32BE(data.length);
	const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
	const check = Buffer.alloc(4);
	check.writeUInt32BE(crc(typed));
	return Buffer.concat([length, typed, check]);
}

/** A PNG with one chunk moved to just before IEND (e.g. `caBX` after the image data). */
export function movePngChunkToEnd(bytes: Buffer, type: string): Buffer {
	const chunks = pngChunks(bytes);
	const moved = chunks.find((c) => c.type === type);
	if (!moved) throw new Error(`no ${type} chunk`);
	const iend = chunks.find((c) => c.type === 'IEND')!;
	return Buffer.concat([
		bytes.subarray(0, moved.start),
		bytes.subarray(moved.end, iend.start),
		bytes.subarray(moved.start, moved.end),
		bytes.subarray(iend.start),
	]);
}

/** A PNG with chunks inserted after IHDR (or before IEND, with `atEnd`). */
export function withPngChunks(bytes: Buffer, added: Buffer[], atEnd = false): Buffer {
	const chunks = pngChunks(bytes);
	const at = atEnd ? chunks.find((c) => c.type === 'IEND')!.start : chunks[0].end;
	return Buffer.concat([bytes.subarray(0, at), ...added, bytes.subarray(at)]);
}

/** An uncompressed XMP iTXt chunk holding `xmp`. */
export function pngXmp(xmp: string): Buffer {
	return pngChunk(
		'iTXt',
		Buffer.concat([Buffer.from('XML:com.adobe.xmp\0\0\0\0\0', 'latin1'), Buffer.from(xmp)]),
	);
}

function riffChunk(id: string, data: Buffer): Buffer {
	const head = Buffer.alloc(8);
	head.write(id, 'latin1');
	head.writeUInt32LE(data.length, 4);
	return Buffer.concat([head, data, Buffer.alloc(data.length % 2)]);
}

/** A 1×1 lossless WebP with extra chunks after its image data. */
export function makeWebp(extra: Array<[string, Buffer]> = []): Buffer {
	const body = Buffer.concat([
		Buffer.from('WEBP', 'latin1'),
		riffChunk('VP8L', Buffer.from('2f000000100700100070fefb9400', 'hex')),
		...extra.map(([id, data]) => riffChunk(id, data)),
	]);
	const head = Buffer.alloc(8);
	head.write('RIFF', 'latin1');
	head.writeUInt32LE(body.length, 4);
	return Buffer.concat([head, body]);
}

/** An XMP packet stating a DigitalSourceType, in one of the three ways RDF allows. */
export function xmpWithSourceType(
	uri: string,
	form: 'element' | 'attribute' | 'resource' = 'element',
): string {
	const ns = 'xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"';
	const inner =
		form === 'attribute'
			? `<rdf:Description rdf:about="" ${ns} Iptc4xmpExt:DigitalSourceType="${uri}"/>`
			: form === 'resource'
				? `<rdf:Description rdf:about="" ${ns}><Iptc4xmpExt:DigitalSourceType rdf:resource="${uri}"/></rdf:Description>`
				: `<rdf:Description rdf:about="" ${ns}><Iptc4xmpExt:DigitalSourceType>${uri}</Iptc4xmpExt:DigitalSourceType></rdf:Description>`;
	return `<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">${inner}</rdf:RDF></x:xmpmeta><?xpacket end="w"?>`;
}

// ---- JUMBF boxes ---------------------------------------------------------------------------------

/** A box: LBox (or, with `size`, a stated one, true or not), TBox, content. */
export function box(type: string, content: Buffer, size?: number): Buffer {
	const head = Buffer.alloc(8);
	head.writeUInt32BE(size ?? content.length + 8, 0);
	head.write(type, 4, 'latin1');
	return Buffer.concat([head, content]);
}

/** A JUMBF description box of a C2PA type ('c2pa', 'c2ma', 'c2cl', …) with a label. */
export function description(c2paType: string, label: string): Buffer {
	return box(
		'jumd',
		Buffer.concat([
			Buffer.from(c2paType, 'latin1'),
			Buffer.from('00110010800000aa00389b71', 'hex'),
			Buffer.from([0x03]),
			Buffer.from(`${label}\0`, 'latin1'),
		]),
	);
}

export function superbox(c2paType: string, label: string, children: Buffer[], size?: number) {
	return box('jumb', Buffer.concat([description(c2paType, label), ...children]), size);
}

/** JPEG APP11 segments carrying one JUMBF box, split as the JPEG XT box format says. */
export function app11Segments(jumbf: Buffer, instance = 1, maxPayload = 65000): Buffer[] {
	const header = jumbf.subarray(0, 8);
	const segments: Buffer[] = [];
	let sequence = 1;
	for (let at = 0; at < jumbf.length; sequence++) {
		const body =
			sequence === 1 ? jumbf.subarray(0, maxPayload) : jumbf.subarray(at, at + maxPayload);
		at += body.length;
		const prefix = Buffer.alloc(8);
		prefix.write('JP', 0, 'latin1');
		prefix.writeUInt16BE(instance, 2);
		prefix.writeUInt32BE(sequence, 4);
		const payload = Buffer.concat([prefix, sequence === 1 ? Buffer.alloc(0) : header, body]);
		const head = Buffer.from([0xff, 0xeb, 0, 0]);
		head.writeUInt16BE(payload.length + 2, 2);
		segments.push(Buffer.concat([head, payload]));
	}
	return segments;
}

/** A JPEG with JUMBF APP11 segments inserted after SOI. */
export function withApp11(jpeg: Buffer, jumbf: Buffer, instance = 1): Buffer {
	return Buffer.concat([jpeg.subarray(0, 2), ...app11Segments(jumbf, instance), jpeg.subarray(2)]);
}

/** Feeds `bytes` to `push` in pieces of `size` bytes; collects what comes back. */
export function inPieces(
	bytes: Buffer,
	size: number,
	push: (piece: Buffer) => Buffer[],
	end: () => Buffer[],
): Buffer {
	const out: Buffer[] = [];
	for (let at = 0; at < bytes.length; at += size) out.push(...push(bytes.subarray(at, at + size)));
	out.push(...end());
	return Buffer.concat(out);
}
