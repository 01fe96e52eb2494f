import { claimGeneratorOf, signerOrganisationOf } from './decode';

/**
 * A C2PA manifest store read as its bytes pass, without holding it: JUMBF boxes (ISO/IEC 19566-5)
 * walked from their headers. A superbox (`jumb`) starts with its description (`jumd`: a 16-byte
 * type UUID, toggles, a label); the store is the superbox of type `c2pa`, each manifest one of type
 * `c2ma` (or `c2um`, an update manifest), and in a manifest the claim (`c2cl`) and the signature
 * (`c2cs`) each hold one CBOR box. Only those two boxes' contents are kept, each up to a cap; every
 * other byte is counted and let go. Box sizes are checked against their parent's: a box that claims
 * more than its parent holds, a size under its own header, or nesting deeper than MAX_DEPTH stops
 * the walk (what was read so far stands).
 */

/** The 12 bytes that follow the 4-character type in every C2PA box-type UUID. */
const C2PA_UUID_TAIL = Buffer.from('00110010800000aa00389b71', 'hex');

/** Largest claim or signature box read (a claim is a few KB; a signature with its certificates too). */
export const MANIFEST_PART_MAX = 128 * 1024;

/** Longest description box read: UUID, toggles and a label, which is a short URN. */
const DESCRIPTION_MAX = 1024;

/** Deepest superbox nesting followed (a store is three levels deep, assertions a few more). */
const MAX_DEPTH = 12;

/** What a manifest store said. */
export interface StoreFacts {
	/** The bytes began a C2PA manifest store (a `jumb` box described as type `c2pa`). */
	isStore: boolean;
	/** From the last manifest in the store, the active one, when its claim could be read. */
	claimGenerator?: string;
	/** The signing certificate's organisation, from the last manifest's signature. */
	issuer?: string;
	/** The walk stopped at a box it could not trust (a hostile or cut size). */
	broken: boolean;
}

interface Frame {
	/** Absolute offset where this superbox ends (Infinity: to the end of the data). */
	end: number;
	/** The superbox's C2PA type ('c2pa', 'c2ma', 'c2cl', …), once its description was read. */
	type?: string;
}

type Mode =
	| { kind: 'header' }
	| { kind: 'description'; end: number }
	| { kind: 'collect'; end: number; part: 'claim' | 'signature' }
	| { kind: 'skip'; end: number }
	| { kind: 'stopped' };

export class JumbfWalker {
	private offset = 0;
	private readonly stack: Frame[] = [];
	private mode: Mode = { kind: 'header' };
	private gathered: Buffer[] = [];
	private gatheredLength = 0;
	/** Bytes of the current header or kept box, up to its cap. */
	private want = 8;
	private manifest: { claimGenerator?: string; issuer?: string } = {};
	readonly facts: StoreFacts = { isStore: false, broken: false };

	/** Feeds the next bytes of the store. */
	push(bytes: Buffer): void {
		let at = 0;
		while (at < bytes.length && this.mode.kind !== 'stopped') {
			at += this.step(bytes, at);
		}
	}

	private stop(broken: boolean): void {
		this.mode = { kind: 'stopped' };
		this.gathered = [];
		this.gatheredLength = 0;
		if (broken) this.facts.broken = true;
	}

	/** Consumes some of `bytes` from `at`; returns how many. */
	private step(bytes: Buffer, at: number): number {
		const mode = this.mode;
		if (mode.kind === 'skip' || mode.kind === 'collect' || mode.kind === 'description') {
			const take = Math.min(bytes.length - at, mode.end - this.offset);
			if (mode.kind !== 'skip') {
				const room = Math.min(take, this.want - this.gatheredLength);
				if (room > 0) {
					this.gathered.push(bytes.subarray(at, at + room));
					this.gatheredLength += room;
				}
			}
			this.offset += take;
			if (this.offset >= mode.end) this.boxDone();
			return take;
		}
		// A box header: 8 bytes (LBox, TBox), 16 with an extended length (LBox = 1).
		const room = Math.min(bytes.length - at, this.want - this.gatheredLength);
		this.gathered.push(bytes.subarray(at, at + room));
		this.gatheredLength += room;
		this.offset += room;
		if (this.gatheredLength === this.want) this.header();
		return room;
	}

	private take(): Buffer {
		const whole = Buffer.concat(this.gathered, this.gatheredLength);
		this.gathered = [];
		this.gatheredLength = 0;
		return whole;
	}

	private header(): void {
		const head = this.take();
		const start = this.offset - head.length;
		let size = head.readUInt32BE(0);
		const type = head.toString('latin1', 4, 8);
		let headerLength = 8;
		if (size === 1) {
			if (head.length < 16) {
				// The extended length follows: read it before deciding anything.
				this.gathered = [head];
				this.gatheredLength = head.length;
				this.want = 16;
				return;
			}
			const high = head.readUInt32BE(8);
			// More than 2^53 bytes is no real box.
			if (high >= 0x200000) return this.stop(true);
			size = high * 0x100000000 + head.readUInt32BE(12);
			headerLength = 16;
		}
		this.want = 8;
		const parent = this.stack[this.stack.length - 1];
		const parentEnd = parent ? parent.end : Infinity;
		const end = size === 0 ? parentEnd : start + size;
		if ((size !== 0 && size < headerLength) || end > parentEnd) return this.stop(true);
		// The store's first box must be its superbox.
		if (!parent && type !== 'jumb') return this.stop(false);
		if (type === 'jumb') {
			if (this.stack.length >= MAX_DEPTH) return this.stop(true);
			this.stack.push({ end });
			// Its description comes first.
			this.mode = { kind: 'header' };
			this.expectDescription = true;
			return this.popFinished();
		}
		const frame = parent;
		if (type === 'jumd' && this.expectDescription) {
			this.expectDescription = false;
			this.want = DESCRIPTION_MAX;
			this.mode = { kind: 'description', end };
		} else if (frame?.type === 'c2cl' || frame?.type === 'c2cs') {
			this.want = MANIFEST_PART_MAX;
			this.mode = { kind: 'collect', end, part: frame.type === 'c2cl' ? 'claim' : 'signature' };
		} else {
			this.mode = { kind: 'skip', end };
		}
		this.expectDescription = false;
		if (this.offset >= end) this.boxDone();
	}

	private expectDescription = false;

	private boxDone(): void {
		const mode = this.mode;
		const content = mode.kind === 'skip' ? undefined : this.take();
		this.want = 8;
		this.mode = { kind: 'header' };
		if (mode.kind === 'description' && content) this.described(content);
		if (mode.kind === 'collect' && content) {
			// A part cut at the cap cannot be read whole: it is not read at all.
			const whole = content.length < MANIFEST_PART_MAX;
			if (whole && mode.part === 'claim')
				this.manifest.claimGenerator = claimGeneratorOf(content) ?? this.manifest.claimGenerator;
			if (whole && mode.part === 'signature')
				this.manifest.issuer = signerOrganisationOf(content) ?? this.manifest.issuer;
			this.publish();
		}
		this.popFinished();
	}

	/** A description box: the C2PA type of the superbox it describes. */
	private described(content: Buffer): void {
		const frame = this.stack[this.stack.length - 1];
		if (!frame || content.length < 17) return;
		const isC2pa = content.subarray(4, 16).equals(C2PA_UUID_TAIL);
		frame.type = isC2pa ? content.toString('latin1', 0, 4) : undefined;
		if (this.stack.length === 1) {
			// The outermost superbox: a C2PA manifest store, or something else in a JUMBF box.
			if (frame.type !== 'c2pa') return this.stop(false);
			this.facts.isStore = true;
		}
		if (frame.type === 'c2ma' || frame.type === 'c2um') {
			// A new manifest: the last one in the store is the active one.
			this.manifest = {};
			this.publish();
		}
	}

	private publish(): void {
		this.facts.claimGenerator = this.manifest.claimGenerator;
		this.facts.issuer = this.manifest.issuer;
	}

	private popFinished(): void {
		while (this.stack.length && this.offset >= this.stack[this.stack.length - 1].end)
			this.stack.pop();
		if (!this.stack.length && this.offset > 0 && this.mode.kind === 'header') {
			// The store has ended; anything after it is not part of it.
			this.stop(false);
		}
	}
}
