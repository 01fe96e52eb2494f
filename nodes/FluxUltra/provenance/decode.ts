/**
 * Bounded readers for the little a Content Credentials manifest says in plain terms: a CBOR value
 * (the claim, the COSE signature) and an X.509 certificate's subject organisation. Every length is
 * checked against the bytes actually there, nesting is capped, and a bad value gives `undefined`:
 * these bytes come from a file the node did not make.
 */

/** Deepest nesting read (CBOR maps and arrays, DER sequences). */
const MAX_DEPTH = 16;

/** Longest text kept from a manifest (claim generator, organisation): the rest is cut. */
export const TEXT_MAX = 200;

/** A CBOR value as read here: maps keep their keys (numbers or text) as they are. */
export type CborValue =
	| number
	| string
	| boolean
	| null
	| undefined
	| Buffer
	| CborValue[]
	| Map<CborValue, CborValue>
	| { tag: number; value: CborValue };

class Bad extends Error {}

/** Reads one CBOR data item from `bytes` (definite lengths only, as C2PA writes them). */
export function readCbor(bytes: Buffer): CborValue | undefined {
	try {
		return cborItem(bytes, { at: 0 }, 0);
	} catch {
		// Bad (a length or count past the end, nesting too deep) or a RangeError from a read.
		return undefined;
	}
}

function cborLength(bytes: Buffer, pos: { at: number }, info: number): number {
	if (info < 24) return info;
	const size = info === 24 ? 1 : info === 25 ? 2 : info === 26 ? 4 : info === 27 ? 8 : 0;
	if (!size || pos.at + size > bytes.length) throw new Bad('length');
	let value = 0;
	for (let i = 0; i < size; i++) value = value * 256 + bytes[pos.at + i];
	pos.at += size;
	return value;
}

function cborItem(bytes: Buffer, pos: { at: number }, depth: number): CborValue {
	if (depth > MAX_DEPTH || pos.at >= bytes.length) throw new Bad('depth or end');
	const initial = bytes[pos.at++];
	const major = initial >> 5;
	const info = initial & 0x1f;
	if (major === 7) {
		if (info === 20) return false;
		if (info === 21) return true;
		if (info === 22) return null;
		if (info === 23) return undefined;
		const size = info === 25 ? 2 : info === 26 ? 4 : info === 27 ? 8 : 0;
		if (!size || pos.at + size > bytes.length) throw new Bad('simple');
		const at = pos.at;
		pos.at += size;
		if (size === 2) return halfFloat(bytes.readUInt16BE(at));
		return size === 4 ? bytes.readFloatBE(at) : bytes.readDoubleBE(at);
	}
	const n = cborLength(bytes, pos, info);
	switch (major) {
		case 0:
			return n;
		case 1:
			return -1 - n;
		case 2:
		case 3: {
			if (pos.at + n > bytes.length) throw new Bad('string');
			const piece = bytes.subarray(pos.at, pos.at + n);
			pos.at += n;
			return major === 2 ? piece : piece.toString('utf8');
		}
		case 4: {
			// Each item takes at least one byte: a count beyond what is left is a lie.
			if (n > bytes.length - pos.at) throw new Bad('array');
			const items: CborValue[] = [];
			for (let i = 0; i < n; i++) items.push(cborItem(bytes, pos, depth + 1));
			return items;
		}
		case 5: {
			if (n * 2 > bytes.length - pos.at) throw new Bad('map');
			const map = new Map<CborValue, CborValue>();
			for (let i = 0; i < n; i++) {
				const key = cborItem(bytes, pos, depth + 1);
				map.set(key, cborItem(bytes, pos, depth + 1));
			}
			return map;
		}
		default:
			return { tag: n, value: cborItem(bytes, pos, depth + 1) };
	}
}

function halfFloat(bits: number): number {
	const exponent = (bits >> 10) & 0x1f;
	const fraction = bits & 0x3ff;
	const sign = bits & 0x8000 ? -1 : 1;
	if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
	if (exponent === 31) return fraction ? NaN : sign * Infinity;
	return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/** Text from a file, fit to show: control characters dropped, at most TEXT_MAX characters. */
export function cleanText(value: unknown): string | undefined {
	if (typeof value !== 'string') return undefined;
	// eslint-disable-next-line no-control-regex
	const text = value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '').trim();
	if (!text) return undefined;
	return text.length > TEXT_MAX ? `${text.slice(0, TEXT_MAX - 1)}…` : text;
}

const field = (map: CborValue, key: string): CborValue =>
	map instanceof Map ? map.get(key) : undefined;

/**
 * The claim generator a C2PA claim names: `claim_generator` (claims version 1, one text) or the
 * first `claim_generator_info` entry's name and version (version 2, a map or a list of maps).
 */
export function claimGeneratorOf(claimCbor: Buffer): string | undefined {
	const claim = readCbor(claimCbor);
	const info = field(claim, 'claim_generator_info');
	const first = Array.isArray(info) ? info[0] : info;
	const name = cleanText(field(first, 'name'));
	if (name) {
		const version = cleanText(field(first, 'version'));
		return cleanText(version ? `${name}/${version}` : name);
	}
	return cleanText(field(claim, 'claim_generator'));
}

/**
 * The organisation of the certificate that signed a manifest (its COSE_Sign1 signature): the first
 * certificate of the `x5chain` header (label 33), protected header first as C2PA 2 requires; the
 * last O= of its subject, as the C2PA SDK reports `signature_info.issuer`.
 */
export function signerOrganisationOf(coseCbor: Buffer): string | undefined {
	let sign1 = readCbor(coseCbor);
	if (sign1 && typeof sign1 === 'object' && 'tag' in sign1) sign1 = sign1.value;
	if (!Array.isArray(sign1) || sign1.length !== 4) return undefined;
	const [protectedBytes, unprotected] = sign1;
	const headers = [
		Buffer.isBuffer(protectedBytes) ? readCbor(protectedBytes) : undefined,
		unprotected,
	];
	for (const header of headers) {
		if (!(header instanceof Map)) continue;
		const chain = header.get(33);
		const leaf = Array.isArray(chain) ? chain[0] : chain;
		if (Buffer.isBuffer(leaf)) return subjectOrganisation(leaf);
	}
	return undefined;
}

interface Tlv {
	tag: number;
	start: number;
	end: number;
}

/** One DER element at `at`, within `limit`: its tag and where its content starts and ends. */
function tlv(bytes: Buffer, at: number, limit: number): Tlv {
	if (at + 2 > limit) throw new Bad('der');
	const tag = bytes[at];
	let length = bytes[at + 1];
	let start = at + 2;
	if (length & 0x80) {
		const size = length & 0x7f;
		if (size === 0 || size > 4 || start + size > limit) throw new Bad('der length');
		length = 0;
		for (let i = 0; i < size; i++) length = length * 256 + bytes[start + i];
		start += size;
	}
	if (start + length > limit) throw new Bad('der overrun');
	return { tag, start, end: start + length };
}

function children(bytes: Buffer, parent: Tlv): Tlv[] {
	const list: Tlv[] = [];
	for (let at = parent.start; at < parent.end; ) {
		const child = tlv(bytes, at, parent.end);
		list.push(child);
		at = child.end;
		if (list.length > 64) throw new Bad('der count');
	}
	return list;
}

const ORGANISATION_OID = Buffer.from([0x55, 0x04, 0x0a]);

function derText(bytes: Buffer, value: Tlv): string | undefined {
	const content = bytes.subarray(value.start, value.end);
	// UTF8String, PrintableString, T61String, IA5String; BMPString is UTF-16BE.
	if ([0x0c, 0x13, 0x14, 0x16].includes(value.tag)) return content.toString('utf8');
	if (value.tag === 0x1e && content.length % 2 === 0)
		return Buffer.from(content).swap16().toString('utf16le');
	return undefined;
}

/** The last O= of a DER certificate's subject, or undefined when the certificate cannot be read. */
export function subjectOrganisation(der: Buffer): string | undefined {
	try {
		const certificate = tlv(der, 0, der.length);
		const tbs = children(der, certificate)[0];
		if (!tbs || tbs.tag !== 0x30) return undefined;
		const fields = children(der, tbs);
		const skip = fields[0]?.tag === 0xa0 ? 1 : 0;
		// serialNumber, signature, issuer, validity, subject
		const subject = fields[skip + 4];
		if (!subject || subject.tag !== 0x30) return undefined;
		let organisation: string | undefined;
		for (const rdn of children(der, subject)) {
			for (const attribute of children(der, rdn)) {
				const [type, value] = children(der, attribute);
				if (
					type?.tag === 0x06 &&
					value &&
					der.subarray(type.start, type.end).equals(ORGANISATION_OID)
				)
					organisation = derText(der, value) ?? organisation;
			}
		}
		return cleanText(organisation);
	} catch {
		return undefined;
	}
}
