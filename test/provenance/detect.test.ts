import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';

import {
	claimGeneratorOf,
	readCbor,
	signerOrganisationOf,
	subjectOrganisation,
} from '../../nodes/FluxUltra/provenance/decode';
import { JumbfWalker, MANIFEST_PART_MAX } from '../../nodes/FluxUltra/provenance/jumbf';
import { ProvenanceScanner, type ScanFormat } from '../../nodes/FluxUltra/provenance/scanner';
import { makeJpeg, makePng } from '../../testkit/mocks/images';
import {
	readCredentials,
	signImage,
	testSigner,
	type TestSigner,
} from '../../testkit/provenance/c2pa';
import {
	box,
	description,
	inPieces,
	makeWebp,
	pngChunk,
	pngXmp,
	superbox,
	withApp11,
	withJpegSegment,
	withPngChunks,
	xmpWithSourceType,
} from '../../testkit/provenance/files';

/**
 * Detection (issue 30, part 1): what a file carries, read as it streams. Files signed by the C2PA
 * SDK (c2pa-rs as WebAssembly) with a test certificate made here; the node's report is checked
 * against what the SDK itself reads from the same bytes.
 */

const MIME: Record<Exclude<ScanFormat, 'other'>, string> = {
	jpeg: 'image/jpeg',
	png: 'image/png',
	webp: 'image/webp',
};

function scan(bytes: Buffer, format: ScanFormat, pieceSize = bytes.length) {
	const scanner = new ProvenanceScanner(format);
	const out = inPieces(
		bytes,
		Math.max(1, pieceSize),
		(p) => scanner.push(p),
		() => scanner.end(),
	);
	return { out, report: scanner.report() };
}

const PLAIN = { jpeg: makeJpeg(40, 30, 5), png: makePng(40, 30, 5), webp: makeWebp() };
let signer: TestSigner;
const SIGNED = {} as Record<keyof typeof PLAIN, Buffer>;
const IPTC = 'http://cv.iptc.org/newscodes/digitalsourcetype/';

beforeAll(async () => {
	signer = testSigner();
	for (const format of ['jpeg', 'png', 'webp'] as const)
		SIGNED[format] = await signImage(PLAIN[format], MIME[format], signer);
});

describe('Content Credentials, as the C2PA SDK wrote them', () => {
	for (const format of ['jpeg', 'png', 'webp'] as const) {
		it(`${format}: finds the manifest, its claim generator and issuer as the SDK reads them, in pieces of any size`, async () => {
			const sdk = await readCredentials(SIGNED[format], MIME[format], signer);
			expect(sdk?.state).toBe('Trusted');
			const generator = sdk!.manifest.claim_generator_info[0];
			for (const size of [1, 2, 3, 5, 8, 13, 64, 1000, SIGNED[format].length]) {
				const { out, report } = scan(SIGNED[format], format, size);
				expect(report).toEqual({
					c2pa: true,
					claimGenerator: `${generator.name}/${generator.version}`,
					issuer: sdk!.manifest.signature_info.issuer,
					digitalSourceType: null,
					labelled: false,
					leftAsIs: expect.stringMatching(/Content Credentials \(C2PA\).*never changes/),
				});
				// Reading changes nothing: the very chunks that came in go out.
				expect(out.equals(SIGNED[format])).toBe(true);
			}
		});

		it(`${format}: a file without a manifest carries none, and says so`, async () => {
			expect(await readCredentials(PLAIN[format], MIME[format])).toBeUndefined();
			expect(scan(PLAIN[format], format, 7).report).toEqual({
				c2pa: false,
				digitalSourceType: null,
				labelled: false,
			});
		});
	}

	it('GIF and AVIF are not read: c2pa is null (unknown), not false', () => {
		expect(scan(Buffer.from('GIF89a....'), 'other').report.c2pa).toBeNull();
	});

	it('a manifest anywhere in a PNG counts (caBX after the image data too)', () => {
		const chunks = [...PLAIN.png.toString('latin1').matchAll(/IEND/g)];
		expect(chunks).toHaveLength(1);
		const late = withPngChunks(PLAIN.png, [pngChunk('caBX', Buffer.alloc(16))], true);
		expect(scan(late, 'png', 5).report.c2pa).toBe(true);
	});
});

describe('an IPTC DigitalSourceType already in the file', () => {
	it('JPEG APP1 XMP (attribute form), PNG iTXt (element form), WebP XMP chunk (rdf:resource)', () => {
		const header = Buffer.from('http://ns.adobe.com/xap/1.0/\0', 'latin1');
		const jpeg = withJpegSegment(
			PLAIN.jpeg,
			0xe1,
			Buffer.concat([header, Buffer.from(xmpWithSourceType(`${IPTC}digitalCapture`, 'attribute'))]),
		);
		const png = withPngChunks(PLAIN.png, [
			pngXmp(xmpWithSourceType(`${IPTC}compositeWithTrainedAlgorithmicMedia`)),
		]);
		const webp = makeWebp([
			['XMP ', Buffer.from(xmpWithSourceType(`${IPTC}algorithmicMedia`, 'resource'))],
		]);
		expect(scan(jpeg, 'jpeg', 3).report.digitalSourceType).toBe(`${IPTC}digitalCapture`);
		expect(scan(png, 'png', 3).report.digitalSourceType).toBe(
			`${IPTC}compositeWithTrainedAlgorithmicMedia`,
		);
		expect(scan(webp, 'webp', 3).report.digitalSourceType).toBe(`${IPTC}algorithmicMedia`);
	});
});

describe('truncated files', () => {
	for (const format of ['jpeg', 'png', 'webp'] as const) {
		it(`${format}: cut anywhere, reading ends without error and passes every byte on`, () => {
			const whole = SIGNED[format];
			const step = Math.max(1, Math.floor(whole.length / 400));
			for (let cut = 0; cut <= whole.length; cut += step) {
				const part = whole.subarray(0, cut);
				const { out, report } = scan(part, format, 97);
				expect(out.equals(part)).toBe(true);
				expect(typeof report.c2pa).toBe('boolean');
			}
		});
	}
});

describe('hostile JUMBF boxes: no crash, no unbounded buffer', () => {
	const store = (children: Buffer[], size?: number) => superbox('c2pa', 'c2pa', children, size);
	const manifest = (children: Buffer[]) => superbox('c2ma', 'urn:c2pa:example', children);

	/** A walker fed `bytes` in 4 KB pieces; its largest buffer (by its own books) never exceeds the cap. */
	function walk(bytes: Buffer | Iterable<Buffer>) {
		const walker = new JumbfWalker();
		let largest = 0;
		const pieces = Buffer.isBuffer(bytes) ? [bytes] : bytes;
		for (const piece of pieces) {
			for (let at = 0; at < piece.length; at += 4096) {
				walker.push(piece.subarray(at, at + 4096));
				largest = Math.max(
					largest,
					(walker as unknown as { gatheredLength: number }).gatheredLength,
				);
			}
		}
		return { facts: walker.facts, largest };
	}

	it('a box larger than its parent, or smaller than its own header, stops the walk (the store still counts)', () => {
		for (const bad of [box('cbor', Buffer.alloc(4), 0xffffffff), box('cbor', Buffer.alloc(4), 3)]) {
			const { facts } = walk(store([manifest([bad])]));
			expect(facts).toMatchObject({ isStore: true, broken: true });
		}
	});

	it('an extended length of 2^60 bytes is refused, not awaited', () => {
		const huge = Buffer.alloc(16);
		huge.writeUInt32BE(1, 0);
		huge.write('cbor', 4, 'latin1');
		huge.writeUInt32BE(0x10000000, 8);
		expect(walk(store([huge])).facts).toMatchObject({ isStore: true, broken: true });
	});

	it('superboxes nested 2,000 deep stop at the depth cap', () => {
		let nested: Buffer = Buffer.alloc(0);
		for (let i = 0; i < 2_000; i++)
			nested = box('jumb', Buffer.concat([description('c2as', 'x'), nested]));
		const { facts } = walk(store([nested]));
		expect(facts).toMatchObject({ isStore: true, broken: true });
	});

	it('a claim box announcing 1 GB, streamed 20 MB deep, is buffered at most to its cap', () => {
		const head = box('cbor', Buffer.alloc(0), 1 << 30);
		const claim = superbox('c2cl', 'c2pa.claim.v2', [head], (1 << 30) + 200);
		const outer = store(
			[superbox('c2ma', 'urn:c2pa:example', [claim], (1 << 30) + 300)],
			(1 << 30) + 400,
		);
		const pieces = [
			outer.subarray(0, outer.length),
			...Array.from({ length: 20 }, () => Buffer.alloc(1 << 20)),
		];
		const { facts, largest } = walk(pieces);
		expect(largest).toBeLessThanOrEqual(MANIFEST_PART_MAX);
		expect(facts).toMatchObject({ isStore: true, broken: false });
		expect(facts.claimGenerator).toBeUndefined();
	});

	it('a JUMBF box that is not a C2PA store is not Content Credentials', () => {
		const other = box(
			'jumb',
			Buffer.concat([box('jumd', Buffer.alloc(20, 1)), box('json', Buffer.from('{}'))]),
		);
		expect(scan(withApp11(PLAIN.jpeg, other), 'jpeg', 11).report.c2pa).toBe(false);
		expect(scan(withApp11(PLAIN.jpeg, store([])), 'jpeg', 11).report.c2pa).toBe(true);
	});

	it('APP11 continuation packets with no first packet, and hundreds of box instances, are let go', () => {
		let jpeg = PLAIN.jpeg;
		for (let instance = 0; instance < 300; instance++)
			jpeg = withApp11(jpeg, box('jumb', Buffer.alloc(32, instance & 0xff)), instance);
		const orphan = Buffer.concat([Buffer.from('JP\0\x07\0\0\0\x05', 'latin1'), Buffer.alloc(40)]);
		jpeg = withJpegSegment(jpeg, 0xeb, orphan);
		const { out, report } = scan(jpeg, 'jpeg', 999);
		expect(out.equals(jpeg)).toBe(true);
		expect(report.c2pa).toBe(false);
	});

	it('a JPEG segment length under 2, a PNG chunk length over 2^31: reading stops, bytes pass', () => {
		const jpeg = Buffer.concat([
			PLAIN.jpeg.subarray(0, 2),
			Buffer.from([0xff, 0xe1, 0, 1]),
			PLAIN.jpeg.subarray(2),
		]);
		expect(scan(jpeg, 'jpeg', 3).out.equals(jpeg)).toBe(true);
		const head = Buffer.from([0xff, 0xff, 0xff, 0xf0, 0x63, 0x61, 0x42, 0x58]);
		const png = Buffer.concat([PLAIN.png.subarray(0, 33), head, Buffer.alloc(100)]);
		expect(scan(png, 'png', 3)).toMatchObject({ report: { c2pa: false } });
	});

	it('random corruption of a signed file never throws and never changes a byte (report only)', () => {
		fc.assert(
			fc.property(
				fc.constantFrom('jpeg', 'png', 'webp'),
				fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 30 }),
				fc.integer({ min: 1, max: 600 }),
				(format, edits, size) => {
					const bytes = Buffer.from(SIGNED[format as 'jpeg']);
					for (const [at, value] of edits) bytes[at % bytes.length] = value;
					const { out } = scan(bytes, format as ScanFormat, size);
					return out.equals(bytes);
				},
			),
			{ numRuns: 300 },
		);
	});
});

describe('bounded decoders for what a manifest says', () => {
	it('CBOR with lying counts and lengths, or nested too deep, reads as nothing', () => {
		expect(readCbor(Buffer.from([0x9b, 0, 0, 0, 1, 0, 0, 0, 0]))).toBeUndefined();
		expect(
			readCbor(Buffer.from([0xbb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])),
		).toBeUndefined();
		expect(readCbor(Buffer.from([0x7a, 0x7f, 0xff, 0xff, 0xff, 0x61]))).toBeUndefined();
		expect(readCbor(Buffer.alloc(100_000, 0x81))).toBeUndefined();
		expect(claimGeneratorOf(Buffer.alloc(50, 0xbf))).toBeUndefined();
		expect(signerOrganisationOf(Buffer.from([0xd2, 0x84, 0x40, 0xa0, 0xf6, 0x40]))).toBeUndefined();
	});

	it('certificates with lengths past their end read as no organisation', () => {
		expect(
			subjectOrganisation(Buffer.from([0x30, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x30])),
		).toBeUndefined();
		expect(subjectOrganisation(Buffer.from([0x30, 0x03, 0x30, 0x81, 0x50]))).toBeUndefined();
	});

	it('text from a manifest is cleaned (control characters dropped) and cut to 200 characters', async () => {
		const evil = `Evil\u0000Corp\u001b[31m ${'x'.repeat(500)}`;
		const signed = await signImage(PLAIN.png, 'image/png', testSigner(evil));
		const { report } = scan(signed, 'png', 512);
		expect(report.issuer).toHaveLength(200);
		expect(report.issuer).toMatch(/^EvilCorp\[31m x+…$/);
	});
});
