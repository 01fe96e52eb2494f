import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ExifTool, type Tags } from 'exiftool-vendored';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
	HOLD_MAX,
	LateCredentials,
	ProvenanceScanner,
	type ScanFormat,
} from '../../nodes/FluxUltra/provenance/scanner';
import { aiLabel } from '../../nodes/FluxUltra/provenance/watch';
import { TRAINED_ALGORITHMIC_MEDIA, type AiLabel } from '../../nodes/FluxUltra/provenance/xmp';
import { decodeImage, makeJpeg, makePng } from '../../testkit/mocks/images';
import {
	readCredentials,
	signImage,
	testSigner,
	type TestSigner,
} from '../../testkit/provenance/c2pa';
import {
	inPieces,
	jpegSegments,
	jpegXmpSegments,
	makeWebp,
	movePngChunkToEnd,
	pngChunks,
	pngXmp,
	sha256,
	withJpegSegment,
	withPngChunks,
	xmpWithSourceType,
} from '../../testkit/provenance/files';

/**
 * Writing the AI label (issue 30, parts 2 and 3), read back by ExifTool (exiftool-vendored), and the
 * refusal to touch a file with Content Credentials, checked by the C2PA SDK.
 */

const exiftool = new ExifTool({ maxProcs: 1 });
const dir = mkdtempSync(join(tmpdir(), 'flux-provenance-'));
let n = 0;
let signer: TestSigner;

afterAll(async () => {
	await exiftool.end();
	rmSync(dir, { recursive: true, force: true });
});

beforeAll(() => {
	signer = testSigner();
});

/** What ExifTool reads from these bytes (with its -validate check, which includes PNG CRCs). */
async function exif(bytes: Buffer, extension: string): Promise<Tags & Record<string, unknown>> {
	const file = join(dir, `f${++n}.${extension}`);
	writeFileSync(file, bytes);
	return (await exiftool.read(file, { readArgs: ['-validate', '-warning'] })) as Tags &
		Record<string, unknown>;
}

/** Bytes written by ExifTool itself: XMP another tool put in the file before the node saw it. */
async function writtenByExiftool(
	bytes: Buffer,
	extension: string,
	tags: Record<string, string>,
): Promise<Buffer> {
	const file = join(dir, `w${++n}.${extension}`);
	writeFileSync(file, bytes);
	await exiftool.write(file, tags as never, { writeArgs: ['-overwrite_original'] });
	const { readFileSync } = await import('node:fs');
	return readFileSync(file);
}

const LABEL: AiLabel = aiLabel({
	operation: 'generate',
	providerName: 'fal.ai',
	prompt: 'a ceramic mug',
	withPrompt: false,
});

function label(bytes: Buffer, format: ScanFormat, with_: AiLabel = LABEL, pieceSize = 333) {
	const scanner = new ProvenanceScanner(format, with_);
	const out = inPieces(
		bytes,
		pieceSize,
		(p) => scanner.push(p),
		() => scanner.end(),
	);
	return { out, report: scanner.report(), bytesOut: scanner.bytesOut };
}

const IPTC = 'http://cv.iptc.org/newscodes/digitalsourcetype/';
const FORMATS = [
	{ format: 'jpeg', extension: 'jpg', make: () => makeJpeg(64, 40, 9) },
	{ format: 'png', extension: 'png', make: () => makePng(64, 40, 9) },
] as const;

/** The XMP packets a file holds, counted with this test's own segment and chunk readers. */
function xmpPackets(bytes: Buffer, format: 'jpeg' | 'png'): number {
	if (format === 'jpeg') return jpegXmpSegments(bytes).length;
	return pngChunks(bytes).filter(
		(c) => c.type === 'iTXt' && c.data.toString('latin1', 0, 18) === 'XML:com.adobe.xmp\0',
	).length;
}

describe('the AI label, read back by ExifTool', () => {
	for (const { format, extension, make } of FORMATS) {
		it(`${format} without XMP: IPTC DigitalSourceType, AISystemUsed and AISystemVersionUsed, no prompt; pixels untouched`, async () => {
			const plain = make();
			const { out, report, bytesOut } = label(plain, format);
			expect(report).toEqual({
				c2pa: false,
				digitalSourceType: TRAINED_ALGORITHMIC_MEDIA,
				labelled: true,
			});
			expect(bytesOut).toBe(out.length);
			const tags = await exif(out, extension);
			expect(tags.DigitalSourceType).toBe(TRAINED_ALGORITHMIC_MEDIA);
			expect(tags.AISystemUsed).toBe('FLUX 1.1 [pro] ultra via fal.ai');
			expect(tags.AISystemVersionUsed).toBe('1.1 [pro] ultra');
			expect(tags.AIPromptInformation).toBeUndefined();
			expect(tags.Warning).toBeUndefined();
			expect(tags.Validate).toBe('OK');
			expect(xmpPackets(out, format)).toBe(1);
			expect(decodeImage(out)!.rgba).toEqual(decodeImage(plain)!.rgba);
			if (format === 'png') {
				const chunks = pngChunks(out);
				expect(chunks.every((c) => c.crcOk)).toBe(true);
				const types = chunks.map((c) => c.type);
				expect(types.indexOf('iTXt')).toBeLessThan(types.indexOf('IDAT'));
			} else {
				// After JFIF's APP0, before the tables: where readers look first.
				expect(
					jpegSegments(out)
						.map((s) => s.marker.toString(16))
						.slice(0, 3),
				).toEqual(['e0', 'e1', 'db']);
			}
		});

		it(`${format} with an XMP packet ExifTool wrote: replaced, not a second one`, async () => {
			const before = await writtenByExiftool(make(), extension, {
				'XMP-dc:Title': 'written by ExifTool',
				'XMP-iptcExt:DigitalSourceType': `${IPTC}digitalCapture`,
			});
			expect(xmpPackets(before, format)).toBe(1);
			const { out, report } = label(before, format, LABEL, 7);
			expect(report.labelled).toBe(true);
			expect(xmpPackets(out, format)).toBe(1);
			const tags = await exif(out, extension);
			expect(tags.DigitalSourceType).toBe(TRAINED_ALGORITHMIC_MEDIA);
			// The packet is the node's: the old one's other properties went with it.
			expect(tags.Title).toBeUndefined();
			expect(tags.Validate).toBe('OK');
			// Report only, the same file says what it carried.
			const scanner = new ProvenanceScanner(format);
			scanner.push(before);
			expect(scanner.report().digitalSourceType).toBe(`${IPTC}digitalCapture`);
		});
	}

	it('PNG: an XMP packet after the image data goes too (one packet, before IDAT)', async () => {
		const before = withPngChunks(
			makePng(32, 32, 2),
			[pngXmp(xmpWithSourceType(`${IPTC}digitalCapture`))],
			true,
		);
		const { out } = label(before, 'png', LABEL, 5);
		expect(xmpPackets(out, 'png')).toBe(1);
		const tags = await exif(out, 'png');
		expect(tags.DigitalSourceType).toBe(TRAINED_ALGORITHMIC_MEDIA);
		expect(tags.Warning).toBeUndefined();
	});

	it('the prompt only when asked for, exactly as typed, whatever XML it holds', async () => {
		const prompt =
			'</Iptc4xmpExt:AIPromptInformation><x:evil/> & "quotes" \'apos\' ]]> <!-- --> 🙂 é\ttab';
		const asked = aiLabel({
			operation: 'remix',
			providerName: 'Replicate',
			prompt,
			withPrompt: true,
		});
		for (const { format, extension, make } of FORMATS) {
			const tags = await exif(label(make(), format, asked).out, extension);
			expect(tags.AIPromptInformation).toBe(prompt);
			expect(tags.AISystemUsed).toBe('FLUX 1.1 [pro] ultra Redux via Replicate');
			expect(tags.Warning).toBeUndefined();
		}
	});

	it('a prompt too long for one APP1 segment (a provider may rewrite it longer) is cut at a character, with an ellipsis', async () => {
		// 10,000 characters (the Prompt field's cap) escape to at most 60 KB and fit; this does not.
		const prompt = '"'.repeat(12_000);
		const asked = aiLabel({ operation: 'generate', providerName: 'BFL', prompt, withPrompt: true });
		const { out } = label(makeJpeg(16, 16), 'jpeg', asked);
		expect(xmpPackets(out, 'jpeg')).toBe(1);
		const tags = await exif(out, 'jpg');
		expect(String(tags.AIPromptInformation)).toMatch(/^"{9000,}…$/);
		expect(tags.DigitalSourceType).toBe(TRAINED_ALGORITHMIC_MEDIA);
	});

	it('control characters in a prompt are dropped, not written as invalid XML', async () => {
		const asked = aiLabel({
			operation: 'generate',
			providerName: 'fal.ai',
			prompt: 'mug\u0000\u001b[2J\u0007 on a table',
			withPrompt: true,
		});
		const tags = await exif(label(makePng(8, 8), 'png', asked).out, 'png');
		expect(tags.AIPromptInformation).toBe('mug[2J on a table');
	});
});

describe('a file with Content Credentials is never changed, whatever the options say', () => {
	for (const { format, make } of FORMATS) {
		const mime = format === 'jpeg' ? 'image/jpeg' : 'image/png';
		it(`${format}: asked to label, the node passes it on byte for byte and the SDK still validates it`, async () => {
			const signed = await signImage(make(), mime, signer);
			for (const size of [1, 100, signed.length]) {
				const { out, report } = label(signed, format, LABEL, size);
				expect(sha256(out)).toBe(sha256(signed));
				expect(report).toMatchObject({
					c2pa: true,
					labelled: false,
					leftAsIs: expect.stringContaining('Content Credentials'),
				});
			}
			expect((await readCredentials(label(signed, format).out, mime, signer))?.state).toBe(
				'Trusted',
			);
		});
	}

	it('a manifest placed after the image data: the labelled stream fails, so the caller fetches it again unlabelled', async () => {
		const signed = await signImage(makePng(32, 24, 4), 'image/png', signer);
		const late = movePngChunkToEnd(signed, 'caBX');
		const scanner = new ProvenanceScanner('png', LABEL);
		expect(() =>
			inPieces(
				late,
				64,
				(p) => scanner.push(p),
				() => scanner.end(),
			),
		).toThrow(LateCredentials);
		expect(scanner.lateCredentials).toBe(true);
		// Without a label the same file is simply reported.
		const plain = new ProvenanceScanner('png');
		expect(Buffer.concat(plain.push(late)).equals(late)).toBe(true);
		expect(plain.report().c2pa).toBe(true);
	});
});

describe('what is not labelled, and why', () => {
	it('WebP: delivered as it is; the item says only JPEG and PNG are labelled', () => {
		const webp = makeWebp();
		const { out, report } = label(webp, 'webp');
		expect(out.equals(webp)).toBe(true);
		expect(report).toEqual({
			c2pa: false,
			digitalSourceType: null,
			labelled: false,
			leftAsIs: 'The node writes its AI label into JPEG and PNG files only.',
		});
	});

	it('more than 1 MB of metadata before the image data: nothing held past the cap, file unchanged', () => {
		let jpeg = makeJpeg(16, 16);
		for (let i = 0; i < 20; i++) jpeg = withJpegSegment(jpeg, 0xfe, Buffer.alloc(65_000, 0x41));
		const scanner = new ProvenanceScanner('jpeg', LABEL);
		let held = 0;
		let pushed = 0;
		let released = 0;
		for (let at = 0; at < jpeg.length; at += 4096) {
			const piece = jpeg.subarray(at, at + 4096);
			pushed += piece.length;
			released += Buffer.concat(scanner.push(piece)).length;
			held = Math.max(held, pushed - released);
		}
		released += Buffer.concat(scanner.end()).length;
		expect(held).toBeLessThanOrEqual(HOLD_MAX + 4096);
		expect(released).toBe(jpeg.length);
		expect(scanner.report()).toMatchObject({
			labelled: false,
			leftAsIs: expect.stringContaining('more than 1 MB of metadata'),
		});
	});

	it('a truncated or unreadable file: delivered as it came, with the reason', () => {
		const jpeg = makeJpeg(16, 16);
		const cut = jpeg.subarray(0, 100);
		expect(label(cut, 'jpeg')).toMatchObject({
			out: cut,
			report: { labelled: false, leftAsIs: expect.stringContaining('ended before its image data') },
		});
		const broken = Buffer.concat([
			jpeg.subarray(0, 2),
			Buffer.from('not a marker'),
			jpeg.subarray(2),
		]);
		expect(label(broken, 'jpeg')).toMatchObject({
			out: broken,
			report: { labelled: false, leftAsIs: expect.stringContaining('could not be read') },
		});
	});
});
