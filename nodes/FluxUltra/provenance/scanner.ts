import { JumbfWalker } from './jumbf';
import {
	digitalSourceTypeIn,
	JPEG_XMP_EXTENSION_HEADER,
	JPEG_XMP_HEADER,
	jpegXmpSegment,
	PNG_XMP_KEYWORD,
	pngXmpChunk,
	TRAINED_ALGORITHMIC_MEDIA,
	XMP_READ_MAX,
	xmpPacket,
	type AiLabel,
} from './xmp';
import { LEFT_AS_IS, type ProvenanceReport } from './report';

/**
 * One image file read as it passes, chunk by chunk, never whole: what provenance it carries (a C2PA
 * manifest store: JPEG APP11 JUMBF segments, PNG `caBX`, RIFF/WebP `C2PA`; an IPTC
 * DigitalSourceType in its XMP) and, when a label is asked for and the file carries no manifest, the
 * same bytes with the node's XMP packet in place of any the file had.
 *
 * Without a label the bytes go out as they came, chunk for chunk: nothing is held. With one, the
 * file's start is held until the node can tell whether it carries Content Credentials: up to the
 * image data (JPEG's first SOS, PNG's first IDAT), where a reader expects the metadata to be, and
 * at most HOLD_MAX bytes. A manifest there, a structure it cannot read, or more metadata than that:
 * the held bytes go out unchanged and the item says why. A manifest that turns up only after the
 * image data (the C2PA specification recommends, not requires, placing it before) is caught too:
 * the stream fails with LateCredentials, and the caller fetches the file again and leaves it as is.
 */

/** Most bytes held back while deciding whether to label (a file's metadata is far less). */
export const HOLD_MAX = 1024 * 1024;

/** Most JUMBF boxes (APP11 box instances) followed in one JPEG. */
const MAX_JUMBF_INSTANCES = 8;

export type ScanFormat = 'jpeg' | 'png' | 'webp' | 'other';

export function scanFormatOf(mimeType: string): ScanFormat {
	if (mimeType === 'image/jpeg') return 'jpeg';
	if (mimeType === 'image/png') return 'png';
	if (mimeType === 'image/webp') return 'webp';
	return 'other';
}

/** A labelled file whose Content Credentials appeared after its image data: fetch it again, unlabelled. */
export class LateCredentials extends Error {
	readonly code = 'ERR_PROVENANCE_LATE_MANIFEST';
	constructor() {
		super('the file carries Content Credentials after its image data');
	}
}

// ---- A push reader: headers gathered, bodies passed, bytes scanned -----------------------------

type Step =
	| { need: number; then: (bytes: Buffer, at: number) => Step }
	| { body: number; piece?: (bytes: Buffer) => void; then: () => Step }
	| { scan: (bytes: Buffer, at: number) => { used: number; next?: Step } }
	| { done: true };

const DONE: Step = { done: true };

class Reader {
	offset = 0;
	private gathered: Buffer[] = [];
	private gatheredLength = 0;
	private bodyLeft = -1;

	constructor(private step: Step) {}

	get finished(): boolean {
		return 'done' in this.step;
	}

	push(chunk: Buffer): void {
		let i = 0;
		while (i < chunk.length && !('done' in this.step)) {
			const step = this.step;
			if ('need' in step) {
				const take = Math.min(step.need - this.gatheredLength, chunk.length - i);
				this.gathered.push(chunk.subarray(i, i + take));
				this.gatheredLength += take;
				i += take;
				this.offset += take;
				if (this.gatheredLength === step.need) {
					const bytes = Buffer.concat(this.gathered, this.gatheredLength);
					this.gathered = [];
					this.gatheredLength = 0;
					this.step = step.then(bytes, this.offset - bytes.length);
				}
			} else if ('body' in step) {
				if (this.bodyLeft < 0) this.bodyLeft = step.body;
				const take = Math.min(this.bodyLeft, chunk.length - i);
				if (take > 0) step.piece?.(chunk.subarray(i, i + take));
				i += take;
				this.offset += take;
				this.bodyLeft -= take;
				if (this.bodyLeft === 0) {
					this.bodyLeft = -1;
					this.step = step.then();
				}
			} else {
				const { used, next } = step.scan(chunk.subarray(i), this.offset);
				i += used;
				this.offset += used;
				if (next) this.step = next;
			}
		}
		// A body of no bytes ends without any byte to read.
		while ('body' in this.step && this.step.body === 0 && this.bodyLeft < 0)
			this.step = this.step.then();
	}
}

// ---- The output: bytes released as they become final, with the label's edits ---------------------

class Output {
	private held: Buffer[] = [];
	private heldStart = 0;
	private heldEnd = 0;
	removals: Array<[number, number]> = [];
	insert?: { at: number; bytes: Buffer; done: boolean };
	written = 0;

	get holding(): number {
		return this.heldEnd - this.heldStart;
	}

	add(chunk: Buffer): void {
		this.held.push(chunk);
		this.heldEnd += chunk.length;
	}

	/** The held bytes before `upTo`, edits applied. */
	release(upTo: number): Buffer[] {
		const out: Buffer[] = [];
		while (this.held.length && this.heldStart < upTo) {
			const chunk = this.held[0];
			const end = Math.min(this.heldStart + chunk.length, upTo);
			const count = end - this.heldStart;
			this.emit(chunk.subarray(0, count), this.heldStart, out);
			if (count === chunk.length) this.held.shift();
			else this.held[0] = chunk.subarray(count);
			this.heldStart = end;
		}
		return out;
	}

	/** Everything held, then an insertion due at the very end. */
	flush(): Buffer[] {
		const out = this.release(this.heldEnd);
		if (this.insert && !this.insert.done) {
			this.insert.done = true;
			out.push(this.insert.bytes);
			this.written += this.insert.bytes.length;
		}
		return out;
	}

	private emit(piece: Buffer, start: number, out: Buffer[]): void {
		const end = start + piece.length;
		let cursor = start;
		const insert = this.insert;
		if (insert && !insert.done && insert.at >= start && insert.at < end) {
			this.keep(piece, start, cursor, insert.at, out);
			insert.done = true;
			out.push(insert.bytes);
			this.written += insert.bytes.length;
			cursor = insert.at;
		}
		this.keep(piece, start, cursor, end, out);
	}

	/** Bytes [from, to) of the file (`piece` starts at `base`), less the removed ranges. */
	private keep(piece: Buffer, base: number, from: number, to: number, out: Buffer[]): void {
		let cursor = from;
		for (const [a, b] of this.removals) {
			if (b <= cursor || a >= to) continue;
			if (a > cursor) this.push(piece.subarray(cursor - base, a - base), out);
			cursor = Math.max(cursor, Math.min(b, to));
		}
		if (cursor < to) this.push(piece.subarray(cursor - base, to - base), out);
	}

	private push(bytes: Buffer, out: Buffer[]): void {
		if (!bytes.length) return;
		out.push(bytes);
		this.written += bytes.length;
	}
}

// ---- The scanner ---------------------------------------------------------------------------------

interface Span {
	start: number;
	end: number;
}

export class ProvenanceScanner {
	private readonly reader: Reader;
	private readonly output = new Output();
	private readonly stores: JumbfWalker[] = [];
	private readonly jpegBoxes = new Map<number, JumbfWalker>();
	private caBX = false;
	private foundType?: string;
	private broken = false;
	/** Before the decision: XMP packets to replace; where the label goes by default. */
	private readonly xmpSpans: Span[] = [];
	private labelAt?: number;
	/** Holding for a decision ('deciding'), or passing bytes on. */
	private state: 'deciding' | 'passing' = 'passing';
	private labelled = false;
	private leftAsIs?: string;
	/** Post-decision: bytes from here on are held until a chunk is known (PNG iTXt). */
	private holdFrom?: number;

	constructor(
		private readonly format: ScanFormat,
		/** The label to write, when asked for; undefined: report only. */
		private readonly label?: AiLabel,
	) {
		this.reader = new Reader(
			format === 'jpeg'
				? this.jpegStart()
				: format === 'png'
					? this.pngStart()
					: format === 'webp'
						? this.riffStart()
						: DONE,
		);
		if (label) {
			if (format === 'jpeg' || format === 'png') this.state = 'deciding';
			else this.leftAsIs = LEFT_AS_IS.format;
		}
	}

	/** Bytes written so far (the file's size once ended). */
	get bytesOut(): number {
		return this.output.written;
	}

	/** The label went in, then Content Credentials turned up (see LateCredentials). */
	get lateCredentials(): boolean {
		return this.labelled && this.credentials;
	}

	/** Whether a C2PA manifest store has been seen. */
	get credentials(): boolean {
		return this.caBX || this.stores.some((s) => s.facts.isStore);
	}

	/** The next chunk of the file in; the bytes ready to go out. */
	push(chunk: Buffer): Buffer[] {
		if (!this.label) {
			// Report only: the chunk goes out as it came.
			if (!this.reader.finished) this.reader.push(chunk);
			this.output.written += chunk.length;
			return [chunk];
		}
		this.output.add(chunk);
		if (!this.reader.finished) this.reader.push(chunk);
		if (this.state === 'deciding') {
			if (this.broken) this.decide(false, LEFT_AS_IS.unreadable);
			else if (this.credentials) this.decide(false, LEFT_AS_IS.credentials);
			else if (this.output.holding > HOLD_MAX) this.decide(false, LEFT_AS_IS.tooMuchMetadata);
			else return [];
		}
		if (this.labelled && this.credentials) throw new LateCredentials();
		return this.output.release(this.holdFrom ?? Infinity);
	}

	/** The end of the file: what is still held. */
	end(): Buffer[] {
		if (!this.label) return [];
		if (this.state === 'deciding') this.decide(false, LEFT_AS_IS.incomplete);
		if (this.labelled && this.credentials) throw new LateCredentials();
		return this.output.flush();
	}

	report(): ProvenanceReport {
		const credentials = this.credentials;
		const store = this.stores.find((s) => s.facts.isStore)?.facts;
		return {
			c2pa: this.format === 'other' ? null : credentials,
			...(store?.claimGenerator ? { claimGenerator: store.claimGenerator } : {}),
			...(store?.issuer ? { issuer: store.issuer } : {}),
			digitalSourceType: this.labelled ? TRAINED_ALGORITHMIC_MEDIA : (this.foundType ?? null),
			labelled: this.labelled,
			...(credentials
				? { leftAsIs: LEFT_AS_IS.credentials }
				: this.leftAsIs
					? { leftAsIs: this.leftAsIs }
					: {}),
		};
	}

	/** The point where metadata ends: label here (unless already decided) or leave as is. */
	private decide(label: boolean, reason?: string): void {
		if (this.state !== 'deciding') return;
		this.state = 'passing';
		if (!label || !this.label || this.credentials) {
			this.leftAsIs = this.credentials ? LEFT_AS_IS.credentials : reason;
			return;
		}
		const packet = xmpPacket(this.label);
		const bytes = this.format === 'jpeg' ? jpegXmpSegment(packet) : pngXmpChunk(packet);
		const at = this.xmpSpans[0]?.start ?? this.labelAt ?? 0;
		this.output.removals = this.xmpSpans.map((s) => [s.start, s.end]);
		this.output.insert = { at, bytes, done: false };
		this.labelled = true;
	}

	private sawStore(walker: JumbfWalker): void {
		this.stores.push(walker);
	}

	private sawXmp(text: Buffer): void {
		this.foundType ??= digitalSourceTypeIn(text);
	}

	private fail(): Step {
		this.broken = true;
		return DONE;
	}

	// ---- JPEG: markers and segments up to the image data, then markers between scans --------------

	private jpegStart(): Step {
		return {
			need: 2,
			then: (bytes) =>
				bytes[0] === 0xff && bytes[1] === 0xd8 ? this.jpegMarker(false) : this.fail(),
		};
	}

	/** Reads the next marker (fill bytes 0xFF allowed); `entropy`: skipping scan data until one. */
	private jpegMarker(entropy: boolean): Step {
		let sawFF = false;
		return {
			scan: (bytes, at) => {
				let i = 0;
				while (i < bytes.length) {
					if (!sawFF) {
						const next = entropy ? bytes.indexOf(0xff, i) : i;
						if (next < 0) return { used: bytes.length };
						if (bytes[next] !== 0xff) return { used: next, next: this.fail() };
						sawFF = true;
						i = next + 1;
						continue;
					}
					const marker = bytes[i];
					i++;
					if (marker === 0xff) continue;
					sawFF = false;
					// Stuffed zero and restart markers belong to scan data.
					if (entropy && (marker === 0x00 || (marker >= 0xd0 && marker <= 0xd7))) continue;
					return { used: i, next: this.jpegSegment(marker, at + i - 2, entropy) };
				}
				return { used: bytes.length };
			},
		};
	}

	private jpegSegment(marker: number, start: number, afterScan: boolean): Step {
		if (marker === 0xd9) return DONE;
		if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) return this.jpegMarker(afterScan);
		return {
			need: 2,
			then: (bytes) => {
				const length = bytes.readUInt16BE(0);
				if (length < 2) return this.fail();
				const end = start + 2 + length;
				const payload = length - 2;
				if (marker === 0xda) {
					// Start of scan: the image data follows its header.
					if (!afterScan) this.jpegImageData(start);
					return { body: payload, then: () => this.jpegMarker(true) };
				}
				if (marker === 0xe1 || marker === 0xeb) {
					return {
						need: payload,
						then: (content) => {
							if (marker === 0xe1) this.jpegApp1(content, { start, end }, afterScan);
							else this.jpegApp11(content);
							return this.jpegMarker(afterScan);
						},
					};
				}
				if (!afterScan && this.labelAt === undefined && marker !== 0xe0) this.labelAt = start;
				return { body: payload, then: () => this.jpegMarker(afterScan) };
			},
		};
	}

	private jpegImageData(start: number): void {
		this.labelAt ??= start;
		if (this.state === 'deciding' && !this.credentials) this.decide(true);
	}

	private jpegApp1(content: Buffer, span: Span, afterScan: boolean): void {
		const isXmp = content.subarray(0, JPEG_XMP_HEADER.length).equals(JPEG_XMP_HEADER);
		const isExtension = content
			.subarray(0, JPEG_XMP_EXTENSION_HEADER.length)
			.equals(JPEG_XMP_EXTENSION_HEADER);
		if (isXmp) this.sawXmp(content.subarray(JPEG_XMP_HEADER.length));
		if ((isXmp || isExtension) && !afterScan && this.state === 'deciding') this.xmpSpans.push(span);
		// The label goes after the leading APP0 (JFIF) and Exif segments, or where XMP was.
		if (!isXmp && !isExtension) return;
		if (!afterScan && this.labelAt === undefined) this.labelAt = span.start;
	}

	/** An APP11 segment: "JP", box instance (En), packet sequence (Z), then a JUMBF box or its continuation. */
	private jpegApp11(content: Buffer): void {
		if (content.length < 16 || content[0] !== 0x4a || content[1] !== 0x50) return;
		const instance = content.readUInt16BE(2);
		const sequence = content.readUInt32BE(4);
		const box = content.subarray(8);
		if (sequence === 1) {
			if (this.jpegBoxes.size >= MAX_JUMBF_INSTANCES) return;
			const walker = new JumbfWalker();
			this.jpegBoxes.set(instance, walker);
			this.sawStore(walker);
			walker.push(box);
			return;
		}
		// Later packets repeat the box header (LBox, TBox and, when LBox is 1, XLBox).
		const walker = this.jpegBoxes.get(instance);
		const header = box.readUInt32BE(0) === 1 ? 16 : 8;
		if (walker && box.length > header) walker.push(box.subarray(header));
	}

	// ---- PNG: chunks ---------------------------------------------------------------------------------

	private pngStart(): Step {
		return { need: 8, then: () => this.pngChunk() };
	}

	private pngChunk(): Step {
		// After the label went in, each chunk is held until its type is known: a later XMP iTXt
		// chunk is dropped whole, its header included.
		if (this.labelled) this.holdFrom = this.reader.offset;
		return {
			need: 8,
			then: (head, start) => {
				const length = head.readUInt32BE(0);
				const type = head.toString('latin1', 4, 8);
				if (type !== 'iTXt') this.holdFrom = undefined;
				if (length > 0x7fffffff || !/^[A-Za-z]{4}$/.test(type)) return this.fail();
				const end = start + 12 + length;
				const next = () => ({ body: 4, then: () => this.pngChunk() });
				if (type === 'IDAT' && this.labelAt === undefined) {
					this.labelAt = start;
					if (this.state === 'deciding' && !this.credentials) this.decide(true);
				}
				if (type === 'IEND') return { body: 4, then: () => DONE };
				if (type === 'caBX') {
					this.caBX = true;
					const walker = new JumbfWalker();
					this.sawStore(walker);
					return { body: length, piece: (bytes) => walker.push(bytes), then: next };
				}
				if (type === 'iTXt') {
					// A packet after the image data is dropped too: the label replaces every one.
					const afterDecision = this.labelled;
					const read = Math.min(length, XMP_READ_MAX);
					return {
						need: read,
						then: (content) => {
							const isXmp =
								content.subarray(0, PNG_XMP_KEYWORD.length + 1).toString('latin1') ===
								`${PNG_XMP_KEYWORD}\0`;
							if (isXmp) this.pngXmp(content);
							if (isXmp && this.state === 'deciding') this.xmpSpans.push({ start, end });
							if (isXmp && afterDecision) this.output.removals.push([start, end]);
							this.holdFrom = undefined;
							return { body: length - read, then: next };
						},
					};
				}
				return { body: length, then: next };
			},
		};
	}

	/** An XMP iTXt chunk: keyword, compression flag and method, language, translated keyword, text. */
	private pngXmp(content: Buffer): void {
		let at = PNG_XMP_KEYWORD.length + 1;
		const compressed = content[at] === 1;
		at += 2;
		for (let n = 0; n < 2; n++) {
			const zero = content.indexOf(0, at);
			if (zero < 0) return;
			at = zero + 1;
		}
		// A compressed packet would need zlib, which node code may not use: its type stays unread.
		if (!compressed) this.sawXmp(content.subarray(at));
	}

	// ---- RIFF (WebP): chunks ------------------------------------------------------------------------

	private riffStart(): Step {
		return {
			need: 12,
			then: (head) => (head.toString('latin1', 0, 4) === 'RIFF' ? this.riffChunk() : this.fail()),
		};
	}

	private riffChunk(): Step {
		return {
			need: 8,
			then: (head) => {
				const id = head.toString('latin1', 0, 4);
				const size = head.readUInt32LE(4);
				const padded = size + (size & 1);
				if (id === 'C2PA') {
					const walker = new JumbfWalker();
					this.sawStore(walker);
					return { body: padded, piece: (b) => walker.push(b), then: () => this.riffChunk() };
				}
				if (id === 'XMP ') {
					const read = Math.min(size, XMP_READ_MAX);
					return {
						need: read,
						then: (content) => {
							this.sawXmp(content);
							return { body: padded - read, then: () => this.riffChunk() };
						},
					};
				}
				return { body: padded, then: () => this.riffChunk() };
			},
		};
	}
}
