import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * Content Credentials for tests, made and checked by the C2PA SDK (c2pa-rs built to WebAssembly,
 * `@contentauth/c2pa-wasm`): a test certificate authority and signing certificate generated here
 * (DER written by hand, signed with node:crypto), a COSE_Sign1 signature over what the SDK asks to
 * have signed (the SDK leaves the whole COSE structure to its caller), and the SDK's own reader to
 * validate a file. Test-only: nothing here is part of the node.
 */

// ---- DER (X.509) -------------------------------------------------------------------------------

function derLength(length: number): Buffer {
	if (length < 0x80) return Buffer.from([length]);
	const bytes: number[] = [];
	for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
	return Buffer.from([0x80 | bytes.length, ...bytes]);
}
const tlv = (tag: number, content: Buffer) =>
	Buffer.concat([Buffer.from([tag]), derLength(content.length), content]);
const seq = (...items: Buffer[]) => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]) => tlv(0x31, Buffer.concat(items));
const explicit = (n: number, content: Buffer) => tlv(0xa0 + n, content);
function derInt(value: Buffer | number): Buffer {
	let bytes = typeof value === 'number' ? Buffer.from([value]) : value;
	while (bytes.length > 1 && bytes[0] === 0 && bytes[1] < 0x80) bytes = bytes.subarray(1);
	if (bytes[0] >= 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
	return tlv(0x02, bytes);
}
function oid(text: string): Buffer {
	const parts = text.split('.').map(Number);
	const out = [40 * parts[0] + parts[1]];
	for (const part of parts.slice(2)) {
		const groups: number[] = [];
		let n = part;
		do {
			groups.unshift(n & 0x7f);
			n = Math.floor(n / 128);
		} while (n > 0);
		out.push(...groups.map((g, i) => (i < groups.length - 1 ? g | 0x80 : g)));
	}
	return tlv(0x06, Buffer.from(out));
}
const utf8 = (text: string) => tlv(0x0c, Buffer.from(text, 'utf8'));
const bitString = (bytes: Buffer, unused = 0) =>
	tlv(0x03, Buffer.concat([Buffer.from([unused]), bytes]));
const octets = (bytes: Buffer) => tlv(0x04, bytes);
const TRUE = Buffer.from([0x01, 0x01, 0xff]);
function generalizedTime(date: Date): Buffer {
	const text = date
		.toISOString()
		.replace(/[-:T]/g, '')
		.replace(/\.\d+Z$/, 'Z');
	return tlv(0x18, Buffer.from(text, 'latin1'));
}
function name(parts: { O: string; CN: string }): Buffer {
	return seq(
		set(seq(oid('2.5.4.6'), tlv(0x13, Buffer.from('US')))),
		set(seq(oid('2.5.4.10'), utf8(parts.O))),
		set(seq(oid('2.5.4.3'), utf8(parts.CN))),
	);
}
const ECDSA_SHA256 = seq(oid('1.2.840.10045.4.3.2'));
const extension = (id: string, critical: boolean, value: Buffer) =>
	seq(oid(id), ...(critical ? [TRUE] : []), octets(value));

function keyId(key: KeyObject): Buffer {
	return createHash('sha1')
		.update(key.export({ type: 'spki', format: 'der' }))
		.digest();
}

interface Issued {
	der: Buffer;
	key: KeyObject;
	publicKey: KeyObject;
	subject: { O: string; CN: string };
}

function certificate(args: {
	serial: number;
	subject: { O: string; CN: string };
	issuer?: Issued;
	ca: boolean;
}): Issued {
	const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
	const signer = args.issuer ?? { key: privateKey, publicKey, subject: args.subject };
	const now = Date.now();
	const extensions = [
		extension('2.5.29.19', true, args.ca ? seq(TRUE) : seq()),
		// keyUsage: keyCertSign + cRLSign for the authority, digitalSignature for the signer.
		extension(
			'2.5.29.15',
			true,
			args.ca ? bitString(Buffer.from([0x06]), 1) : bitString(Buffer.from([0x80]), 7),
		),
		...(args.ca
			? []
			: [
					// extKeyUsage: emailProtection, documentSigning.
					extension('2.5.29.37', false, seq(oid('1.3.6.1.5.5.7.3.4'), oid('1.3.6.1.5.5.7.3.36'))),
				]),
		extension('2.5.29.14', false, octets(keyId(publicKey))),
		extension('2.5.29.35', false, seq(tlv(0x80, keyId(signer.publicKey)))),
	];
	const tbs = seq(
		explicit(0, derInt(2)),
		derInt(args.serial),
		ECDSA_SHA256,
		name(signer.subject),
		seq(
			generalizedTime(new Date(now - 86_400_000)),
			generalizedTime(new Date(now + 3650 * 86_400_000)),
		),
		name(args.subject),
		publicKey.export({ type: 'spki', format: 'der' }),
		explicit(3, seq(...extensions)),
	);
	const signature = sign('sha256', tbs, { key: signer.key, dsaEncoding: 'der' });
	return {
		der: seq(tbs, ECDSA_SHA256, bitString(signature)),
		key: privateKey,
		publicKey,
		subject: args.subject,
	};
}

// ---- CBOR / COSE -------------------------------------------------------------------------------

type Cbor =
	| number
	| string
	| Buffer
	| null
	| Cbor[]
	| Map<Cbor, Cbor>
	| { tag: number; value: Cbor };

function head(major: number, n: number): Buffer {
	if (n < 24) return Buffer.from([(major << 5) | n]);
	if (n < 0x100) return Buffer.from([(major << 5) | 24, n]);
	if (n < 0x10000) return Buffer.from([(major << 5) | 25, n >> 8, n & 0xff]);
	const b = Buffer.alloc(5);
	b[0] = (major << 5) | 26;
	b.writeUInt32BE(n, 1);
	return b;
}
export function cbor(value: Cbor): Buffer {
	if (value === null) return Buffer.from([0xf6]);
	if (typeof value === 'number') return value >= 0 ? head(0, value) : head(1, -1 - value);
	if (typeof value === 'string') {
		const bytes = Buffer.from(value, 'utf8');
		return Buffer.concat([head(3, bytes.length), bytes]);
	}
	if (Buffer.isBuffer(value)) return Buffer.concat([head(2, value.length), value]);
	if (Array.isArray(value)) return Buffer.concat([head(4, value.length), ...value.map(cbor)]);
	if (value instanceof Map)
		return Buffer.concat([
			head(5, value.size),
			...[...value].flatMap(([k, v]) => [cbor(k), cbor(v)]),
		]);
	return Buffer.concat([head(6, value.tag), cbor(value.value)]);
}

// ---- The SDK -----------------------------------------------------------------------------------

type C2paWasm = typeof import('@contentauth/c2pa-wasm');
let sdk: Promise<C2paWasm> | undefined;

/** Byte-backed blobs the SDK can read synchronously (it uses the browser's FileReaderSync). */
const blobBytes = new WeakMap<Blob, Uint8Array>();
function bytesBlob(bytes: Uint8Array): Blob {
	const blob = new Blob([Uint8Array.from(bytes)]);
	blobBytes.set(blob, bytes);
	// The SDK reads parts of the file through slices: each is byte-backed too.
	blob.slice = (start?: number, end?: number) =>
		bytesBlob(bytes.subarray(start ?? 0, end ?? bytes.length));
	return blob;
}

/** The SDK, loaded once, with the browser globals its loader and blob reading expect. */
export function c2paSdk(): Promise<C2paWasm> {
	return (sdk ??= (async () => {
		const g = globalThis as Record<string, unknown>;
		g.FileReaderSync ??= class {
			readAsArrayBuffer(blob: Blob): ArrayBuffer {
				const bytes = blobBytes.get(blob);
				if (!bytes) throw new Error('test FileReaderSync: unknown blob');
				return bytes.buffer.slice(
					bytes.byteOffset,
					bytes.byteOffset + bytes.byteLength,
				) as ArrayBuffer;
			}
		};
		const wasm = (await import('@contentauth/c2pa-wasm')) as C2paWasm;
		const require = createRequire(__filename);
		wasm.initSync({ module: readFileSync(require.resolve('@contentauth/c2pa-wasm/c2pa.wasm')) });
		return wasm;
	})());
}

export interface TestSigner {
	/** The authority's certificate (DER): the trust anchor a validator is given. */
	caDer: Buffer;
	/** PEM of the authority, for the SDK's trust settings. */
	caPem: string;
	/** The organisation the signing certificate names (the SDK's `signature_info.issuer`). */
	organisation: string;
	sign: (toBeSigned: Uint8Array) => Promise<Uint8Array>;
}

/** A test authority and signing certificate ("FLUX Ultra Test Signer"), ES256. */
export function testSigner(organisation = 'FLUX Ultra Test Signer'): TestSigner {
	const ca = certificate({
		serial: 1,
		subject: { O: 'FLUX Ultra Test CA', CN: 'Test Root (dummy)' },
		ca: true,
	});
	const leaf = certificate({
		serial: 2,
		subject: { O: organisation, CN: 'Test signing key (dummy)' },
		issuer: ca,
		ca: false,
	});
	const protectedHeader = cbor(
		new Map<Cbor, Cbor>([
			[1, -7],
			[33, [leaf.der, ca.der]],
		]),
	);
	return {
		caDer: ca.der,
		caPem: `-----BEGIN CERTIFICATE-----\n${ca.der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`,
		organisation,
		async sign(toBeSigned) {
			const structure = cbor([
				'Signature1',
				protectedHeader,
				Buffer.alloc(0),
				Buffer.from(toBeSigned),
			]);
			const signature = sign('sha256', structure, { key: leaf.key, dsaEncoding: 'ieee-p1363' });
			// The SDK reserved RESERVE_SIZE bytes for the signature before hashing the file around
			// it: the COSE structure must fill them exactly, with a "pad" in the unprotected header.
			const sized = (pad: number) =>
				cbor({
					tag: 18,
					value: [protectedHeader, new Map([['pad', Buffer.alloc(pad)]]), null, signature],
				});
			let pad = RESERVE_SIZE - sized(0).length;
			while (pad > 0 && sized(pad).length > RESERVE_SIZE) pad--;
			return sized(pad);
		},
	};
}

/** Bytes the SDK reserves for the COSE signature (certificates included). */
const RESERVE_SIZE = 4096;

export const CLAIM_GENERATOR = 'FLUX Ultra mock provider';

/** Signs an image with a fresh manifest (claim generator CLAIM_GENERATOR, created by a trained model). */
export async function signImage(
	bytes: Buffer,
	mimeType: string,
	signer: TestSigner,
): Promise<Buffer> {
	const wasm = await c2paSdk();
	const builder = wasm.WasmBuilder.fromJson(
		JSON.stringify({
			claim_generator_info: [{ name: CLAIM_GENERATOR, version: '1.0' }],
			title: 'mock image',
			format: mimeType,
			assertions: [
				{
					label: 'c2pa.actions.v2',
					data: {
						actions: [
							{
								action: 'c2pa.created',
								digitalSourceType:
									'http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia',
							},
						],
					},
				},
			],
		}),
	);
	try {
		const signed = await builder.sign(
			{ alg: 'es256', reserveSize: RESERVE_SIZE, sign: signer.sign as never },
			[],
			mimeType,
			bytesBlob(bytes),
		);
		return Buffer.from(signed);
	} finally {
		builder.free();
	}
}

/** The parts of the SDK's manifest JSON the tests read. */
export interface SdkManifest {
	claim_generator_info: Array<{ name: string; version?: string }>;
	signature_info: { issuer?: string; common_name?: string; alg?: string };
	[key: string]: unknown;
}

/** What the SDK reads from a file: its validation state and the active manifest, or none. */
export async function readCredentials(
	bytes: Buffer,
	mimeType: string,
	signer?: TestSigner,
): Promise<{ state: string; manifest: SdkManifest; statuses: unknown } | undefined> {
	const wasm = await c2paSdk();
	const context = signer
		? JSON.stringify({ verify: { verify_trust: true }, trust: { user_anchors: signer.caPem } })
		: undefined;
	// A file without a manifest is an error to the SDK: here it is "none".
	const reader = await wasm.WasmReader.fromBytes(mimeType, bytes, context).catch(
		(error: unknown) =>
			/JumbfNotFound|ManifestNotFound|no JUMBF|not found/i.test(String(error))
				? undefined
				: Promise.reject(error),
	);
	if (!reader) return undefined;
	try {
		const store = JSON.parse(reader.json()) as {
			validation_state: string;
			active_manifest: string;
			manifests: Record<string, SdkManifest>;
			validation_results?: unknown;
			validation_status?: unknown;
		};
		return {
			state: store.validation_state,
			manifest: store.manifests[store.active_manifest],
			statuses: store.validation_results ?? store.validation_status,
		};
	} finally {
		reader.free();
	}
}
