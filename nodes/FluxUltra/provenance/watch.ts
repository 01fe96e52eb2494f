import { chunksUntil, type ByteStream } from '../transport/body';
import { LEFT_AS_IS, type ProvenanceReport } from './report';
import { ProvenanceScanner, scanFormatOf } from './scanner';
import type { AiLabel } from './xmp';

export type { ProvenanceReport } from './report';
export type { AiLabel } from './xmp';

/** A downloaded image as the node hands it to n8n, read for provenance on the way. */
export interface WatchedFile {
	/** The file to store: the same bytes as downloaded unless the label went in. */
	data: Buffer | ByteStream;
	/** What the file carries; complete once `data` has been read to its end. */
	report(): ProvenanceReport;
	/** Bytes handed on (the stored file's size) once `data` has been read; undefined when unread. */
	bytesOut(): number | undefined;
	/** The file turned out to carry Content Credentials after the label went in: fetch it again, unlabelled. */
	lateCredentials(): boolean;
}

/**
 * Reads an image for provenance while it passes to n8n (see ProvenanceScanner): an inline image
 * (a Buffer) at once, a download chunk by chunk as n8n reads it, never whole. `label`: write the AI
 * label into a JPEG or PNG without Content Credentials. `signal` and `abort` are the download's: a
 * stalled read ends when the request is aborted, and a reader that stops early aborts the request.
 */
export function watchProvenance(
	file: {
		data: Buffer | ByteStream;
		kind: { mimeType: string };
		signal?: AbortSignal;
		abort?: (reason?: Error) => void;
	},
	label?: AiLabel,
): WatchedFile {
	const format = scanFormatOf(file.kind.mimeType);
	let scanner = new ProvenanceScanner(format, label);
	let late = false;
	let unread = false;
	const watched = (data: Buffer | ByteStream): WatchedFile => ({
		data,
		report: () =>
			unread
				? { c2pa: null, digitalSourceType: null, labelled: false, leftAsIs: LEFT_AS_IS.notRead }
				: scanner.report(),
		bytesOut: () => (unread ? undefined : scanner.bytesOut),
		lateCredentials: () => late,
	});
	if (Buffer.isBuffer(file.data)) {
		const whole = file.data;
		try {
			const pieces = [...scanner.push(whole), ...scanner.end()];
			return watched(pieces.length === 1 ? pieces[0] : Buffer.concat(pieces));
		} catch {
			// Content Credentials after the image data (LateCredentials): the whole file is here, so
			// it goes out as it came, read again without a label.
			scanner = new ProvenanceScanner(format);
			scanner.push(whole);
			return watched(whole);
		}
	}
	const source = file.data;
	const chunks = async function* (): AsyncGenerator<Buffer> {
		let finished = false;
		try {
			const input = file.signal
				? chunksUntil(source, file.signal)
				: (source as unknown as AsyncIterable<Buffer>);
			for await (const chunk of input) yield* scanner.push(chunk);
			yield* scanner.end();
			finished = true;
		} finally {
			if (!finished) {
				late = scanner.lateCredentials;
				// A reader that stopped early (n8n failed to store the file) ends the download too.
				file.abort?.();
			}
		}
	};
	const wrapped = readableFrom(source, chunks());
	if (wrapped) return watched(wrapped);
	// No way to build a stream here: the download goes to n8n untouched and unread.
	unread = true;
	return watched(source);
}

/**
 * A Node Readable of `chunks`. Node code may import no Node module (n8n Cloud's rule), but every
 * download stream n8n hands over is a Readable, whose class carries `Readable.from`: found by name up
 * the stream's class chain (Duplex and its kin have their own `from`, which makes a Duplex).
 */
function readableFrom(source: ByteStream, chunks: AsyncIterable<Buffer>): ByteStream | undefined {
	type Maker = { name?: string; from?: (it: AsyncIterable<Buffer>, o: object) => ByteStream };
	for (
		let maker = (source as { constructor?: Maker }).constructor;
		maker && maker !== (Function.prototype as unknown);
		maker = Object.getPrototypeOf(maker) as Maker
	) {
		if (maker.name === 'Readable' && typeof maker.from === 'function')
			return maker.from(chunks, { objectMode: false });
	}
	return undefined;
}

/** The model as the label names it, per operation. */
const MODEL_NAMES: Record<string, string> = {
	generate: 'FLUX 1.1 [pro] ultra',
	remix: 'FLUX 1.1 [pro] ultra Redux',
	finetune: 'FLUX 1.1 [pro] ultra with a fine-tune',
};

/**
 * The AI label for an image: IPTC's AISystemUsed names the model and the provider that ran it,
 * AISystemVersionUsed the model's version, and the prompt only when `withPrompt` (prompts can hold
 * private data).
 */
export function aiLabel(args: {
	operation: string;
	providerName: string;
	prompt?: string;
	withPrompt: boolean;
}): AiLabel {
	const model = MODEL_NAMES[args.operation] ?? MODEL_NAMES.generate;
	return {
		system: `${model} via ${args.providerName}`,
		version: model.replace(/^FLUX /, ''),
		...(args.withPrompt && args.prompt ? { prompt: args.prompt } : {}),
	};
}
