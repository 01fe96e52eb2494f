import type { IBinaryData, IExecuteFunctions } from 'n8n-workflow';

import { checkInputSize, type InputSizeLimit } from '../parameters/inputSize';
import { IMAGE_INPUT } from '../parameters/table';
import type { ImageInput } from '../parameters/validation';
import type { FluxProvider, ImageBytes, JobScope, ProviderSession } from '../providers/types';
import { FluxError, ParameterError, type ProviderErrorContext } from '../transport/errors';
import type { ByteStream } from '../transport/body';
import { fetchResultImage, sniffImage, type DownloadOptions } from './downloads';
import { boundList, boundText, PROVIDER_WORD_MAX } from '../shared/bound';
import { parseDataUri } from '../shared/imageBytes';
import { isFollowableLink, parseUrl } from '../shared/url';

/** Image types the Ultra endpoints take as input (fal's Redux form lists these). */
export const INPUT_IMAGE_TYPES = [
	'image/jpeg',
	'image/png',
	'image/webp',
	'image/gif',
	'image/avif',
];

/**
 * Checks, before any request, an item's input image: a binary field or a `data:` URI in Image URL
 * must hold a JPEG, PNG, WebP, GIF or AVIF (by its bytes) within the size rule (`limit`,
 * parameters/inputSize.ts). An https Image URL is checked when the job downloads it (BFL) or by the
 * provider that fetches it.
 */
export async function checkInputImage(
	ctx: IExecuteFunctions,
	itemIndex: number,
	image: ImageInput | undefined,
	limit: InputSizeLimit,
): Promise<void> {
	if (image?.kind === 'binary') await checkInputBinary(ctx, itemIndex, image.property, limit);
	else if (image?.kind === 'url' && image.url.startsWith('data:')) checkDataUri(image.url, limit);
}

/**
 * A binary input: the field must be the item's own binary data (not a member every object
 * inherits, such as `constructor`), within the size rule by the size n8n declares for it (so a file
 * kept in n8n's filesystem or S3 store is refused before it is read into memory), and its bytes must
 * be an accepted image whatever type it claims (files often come typed application/octet-stream).
 * Reads the file, and keeps none of it: the job reads it again when it runs.
 */
export async function checkInputBinary(
	ctx: IExecuteFunctions,
	itemIndex: number,
	property: string,
	limit: InputSizeLimit,
	field: string = IMAGE_INPUT.binary.displayName,
): Promise<Buffer> {
	return (await readInputBinary(ctx, itemIndex, property, limit, field)).bytes;
}

/** checkInputBinary's reading: the bytes, what they are, and n8n's entry for them. */
async function readInputBinary(
	ctx: IExecuteFunctions,
	itemIndex: number,
	property: string,
	limit: InputSizeLimit,
	field: string,
): Promise<{
	bytes: Buffer;
	kind: NonNullable<ReturnType<typeof sniffImage>>;
	binary: IBinaryData;
}> {
	const binary = findBinary(ctx, itemIndex, property);
	if (!binary) {
		const present = Object.keys(ctx.getInputData()[itemIndex]?.binary ?? {});
		throw new ParameterError(
			field,
			`the incoming item has no binary field "${property}"${present.length ? ` (it has: ${boundList(present)})` : ' (it has no binary data)'}`,
			property,
		);
	}
	if (
		binary.mimeType &&
		!binary.mimeType.startsWith('image/') &&
		binary.mimeType !== 'application/octet-stream'
	) {
		throw new ParameterError(
			field,
			`the file in "${property}" is ${boundText(binary.mimeType, PROVIDER_WORD_MAX)}, not an image`,
			property,
		);
	}
	const declared = await declaredSize(ctx, binary);
	if (declared !== undefined)
		checkInputSize(field, `the file in "${property}"`, declared, limit, property);
	const bytes = await ctx.helpers.getBinaryDataBuffer(itemIndex, property).catch(() => undefined);
	const kind = bytes ? sniffImage(bytes) : undefined;
	if (!bytes || !kind || !INPUT_IMAGE_TYPES.includes(kind.mimeType)) {
		throw new ParameterError(
			field,
			`the file in "${property}" is not a JPEG, PNG, WebP, GIF or AVIF image`,
			property,
		);
	}
	checkInputSize(field, `the file in "${property}"`, bytes.length, limit, property);
	return { bytes, kind, binary };
}

/**
 * The size n8n declares for a binary, without reading it: `bytes` on the entry (n8n 2.x records it
 * whatever the binary mode), else the stored file's metadata (`getBinaryMetadata`, filesystem and
 * S3 modes), else, in memory, the length its base64 decodes to. Undefined when n8n gives none.
 */
async function declaredSize(
	ctx: IExecuteFunctions,
	binary: IBinaryData,
): Promise<number | undefined> {
	const size = (n: unknown) =>
		typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : undefined;
	const onEntry = size(binary.bytes);
	if (onEntry !== undefined) return onEntry;
	if (typeof binary.id === 'string' && binary.id !== '') {
		if (typeof ctx.helpers.getBinaryMetadata !== 'function') return undefined;
		const metadata = await ctx.helpers.getBinaryMetadata(binary.id).catch(() => undefined);
		return size(metadata?.fileSize);
	}
	if (typeof binary.data !== 'string') return undefined;
	const padding = binary.data.endsWith('==') ? 2 : binary.data.endsWith('=') ? 1 : 0;
	return Math.max(0, Math.floor((binary.data.length * 3) / 4) - padding);
}

/**
 * A data URI typed or mapped into Image URL is the image itself: held to the size rule and to the
 * accepted image types by its bytes, as a binary input image is. A URI whose text alone is far over
 * the limit (more than line breaks could account for) is not decoded.
 */
export function checkDataUri(
	url: string,
	limit: InputSizeLimit,
	field: string = IMAGE_INPUT.url.displayName,
): Buffer {
	const subject = 'the data URI';
	const payload = url.length - url.indexOf(',') - 1;
	// Base64 holds 3 bytes in 4 characters.
	if ((payload * 3) / 4 > limit.maxBytes * 1.5)
		checkInputSize(field, subject, Math.floor((payload * 3) / 4), limit, 'data:…');
	const bytes = parseDataUri(url);
	if (!bytes)
		throw new ParameterError(field, 'holds a data URI that cannot be read', url.slice(0, 40));
	checkInputSize(field, subject, bytes.length, limit, 'data:…');
	if (!sniffImage(bytes)) {
		throw new ParameterError(
			field,
			'holds a data URI that is not a JPEG, PNG, WebP, GIF or AVIF image',
			url.slice(0, 40),
		);
	}
	return bytes;
}

/**
 * The item's binary entry as n8n resolves it (whatever its binary mode), or undefined when there is
 * none or what the name reaches is not binary data (an inherited member such as `constructor`).
 */
function findBinary(
	ctx: IExecuteFunctions,
	itemIndex: number,
	property: string,
): IBinaryData | undefined {
	let found: unknown;
	try {
		found = ctx.helpers.assertBinaryData(itemIndex, property);
	} catch {
		return undefined;
	}
	if (!found || typeof found !== 'object') return undefined;
	const entry = found as Partial<IBinaryData>;
	if (
		typeof entry.mimeType !== 'string' ||
		(typeof entry.data !== 'string' && typeof entry.id !== 'string')
	)
		return undefined;
	return entry as IBinaryData;
}

/**
 * Loads the bytes of an item's input image for its job, with the checks of the pre-flight
 * (checkInputBinary): the item's own binary field, within the size rule (by the size n8n declares,
 * then by the bytes read), really an accepted image.
 */
export async function loadInputBinary(
	ctx: IExecuteFunctions,
	itemIndex: number,
	property: string,
	limit: InputSizeLimit,
	field: string = IMAGE_INPUT.binary.displayName,
): Promise<ImageBytes> {
	const { bytes, kind, binary } = await readInputBinary(ctx, itemIndex, property, limit, field);
	return { bytes, mimeType: kind.mimeType, fileName: binary.fileName ?? `input.${kind.extension}` };
}

/** Who the node downloads an Image URL from: the user's host, not the provider. */
const IMAGE_HOST: ProviderErrorContext = {
	providerName: 'the image host',
	credentialName: '',
	parseError: () => ({}),
};

/**
 * What every failed Image URL download says, whatever the cause: a refused address, a closed port,
 * a 404, an HTML page, a file too large. The URL may come from an AI agent (`$fromAI`): different
 * texts would let it map which internal and external ports answer, and with what.
 */
export const IMAGE_URL_FAILED =
	'could not be downloaded as an image: it must be a public https:// link that serves a JPEG, PNG, WebP, GIF or AVIF file no larger than "Max Image Size"';

/**
 * Downloads an Image URL for a provider that takes the image's bytes rather than a link (BFL), with
 * the checks of a result download: https only, public hosts only (any spelling, and n8n's own SSRF
 * policy where n8n offers it), no credential sent, "Max Image Size" enforced on the way, and the type
 * read from the bytes. Any problem is the Image URL's, named before the job exists, in one text
 * (IMAGE_URL_FAILED); the cause goes to n8n's log at debug level only.
 */
export async function downloadInputImage(
	ctx: IExecuteFunctions,
	url: string,
	options: DownloadOptions & { providerName: string },
): Promise<ImageBytes> {
	const field = IMAGE_INPUT.url.displayName;
	if (!isFollowableLink(url, options.plainHttpOrigin)) {
		throw new ParameterError(
			field,
			`must be an https:// URL: ${options.providerName} takes the image itself, which the node downloads over https only`,
			url,
		);
	}
	const outcome = await fetchResultImage(ctx, IMAGE_HOST, { url }, options)
		.then(async (file) => {
			const bytes = Buffer.isBuffer(file.data)
				? file.data
				: await readAll(file.data, file.stoppedBy);
			if (file.declaredBytes !== undefined && bytes.length < file.declaredBytes) {
				throw new FluxError(
					'download',
					`the download broke off (${bytes.length} of ${file.declaredBytes} bytes)`,
				);
			}
			return { bytes };
		})
		.catch((error: unknown) => ({ error }));
	if ('error' in outcome) throw asImageUrlProblem(ctx, outcome.error, url);
	const bytes = outcome.bytes;
	const kind = sniffImage(bytes);
	if (!kind || !INPUT_IMAGE_TYPES.includes(kind.mimeType)) {
		throw asImageUrlProblem(
			ctx,
			new FluxError('download', `not an accepted image type (${kind?.mimeType ?? 'unknown'})`),
			url,
		);
	}
	const name = parseUrl(url)?.pathname.split('/').pop();
	return { bytes, mimeType: kind.mimeType, fileName: name || `input.${kind.extension}` };
}

/**
 * A failed Image URL download as the Image URL's problem, in the one text whatever the cause (see
 * IMAGE_URL_FAILED); the cause is logged at debug level. Cancellation and foreign errors pass as they are.
 */
function asImageUrlProblem(ctx: IExecuteFunctions, error: unknown, url: string): unknown {
	if (!(error instanceof FluxError) || error.kind === 'cancelled') return error;
	ctx.logger?.debug?.('FLUX Ultra: an Image URL could not be downloaded', {
		cause: `${error.message}${error.httpCode ? ` (HTTP ${error.httpCode})` : ''}`,
	});
	return new ParameterError(IMAGE_INPUT.url.displayName, IMAGE_URL_FAILED, url);
}

/** The rest of a checked download, into memory; fails with the size cap's error if it stopped the stream. */
async function readAll(
	stream: ByteStream,
	stoppedBy: () => FluxError | undefined,
): Promise<Buffer> {
	const chunks: Buffer[] = [];
	await new Promise<void>((resolve, reject) => {
		stream.on('data', (chunk: Buffer | string) =>
			chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk)),
		);
		stream.once('end', () => resolve());
		stream.once('error', (error: Error) => reject(stoppedBy() ?? error));
		stream.once('close', () => (stoppedBy() ? reject(stoppedBy()) : resolve()));
	});
	return Buffer.concat(chunks);
}

/**
 * An input image as `provider` takes it: a URL as given (a provider that takes only bytes gets it
 * downloaded by downloadForJob), or an item's file or a data URI handed to the session's upload,
 * which may keep small files inline. The bytes are held to the size rule for this provider
 * (parameters/inputSize.ts) and to the accepted image types, as the pre-flight held them for every
 * provider the item may run on; `check` sees them before they go (a model's pixel limits). Ultra's
 * input image (job/job.ts) and the models' references (job/references.ts).
 */
export async function imageForProvider(
	scope: JobScope,
	provider: FluxProvider,
	session: ProviderSession,
	image: ImageInput,
	limit: InputSizeLimit,
	how: {
		/** The field a problem is named by (default: Ultra's Input Image fields). */
		field?: string;
		/** The uploaded file's name, before its extension, for a data URI. */
		fileName: string;
		check?: (bytes: Buffer, received: string) => void;
	},
): Promise<string> {
	if (image.kind === 'binary') {
		const file = await loadInputBinary(
			scope.ctx,
			scope.itemIndex,
			image.property,
			limit,
			how.field,
		);
		how.check?.(file.bytes, image.property);
		return await session.upload(scope, file);
	}
	if (image.url.startsWith('data:')) {
		const bytes = checkDataUri(image.url, limit, how.field);
		how.check?.(bytes, 'data:…');
		const kind = sniffImage(bytes)!;
		return await session.upload(scope, {
			bytes,
			mimeType: kind.mimeType,
			fileName: `${how.fileName}.${kind.extension}`,
		});
	}
	if (provider.imageUrlAs !== 'bytes') return image.url;
	const file = await downloadForJob(scope, provider, session, image.url, limit.maxBytes);
	how.check?.(file.bytes, image.url);
	return await session.upload(scope, file);
}

/**
 * An input image URL the node downloads for a provider that takes only bytes, within the job: its
 * deadline and cancel, the session's link policy (the credential's own mock or proxy origin) and
 * the size rule. Ultra's input image (job/job.ts) and the models' references (job/references.ts).
 */
export async function downloadForJob(
	scope: JobScope,
	provider: FluxProvider,
	session: ProviderSession,
	url: string,
	maxBytes: number,
): Promise<ImageBytes> {
	return await downloadInputImage(scope.ctx, url, {
		signal: scope.signal,
		deadline: scope.deadline,
		onDeadline: () =>
			new FluxError(
				'download',
				`the download did not finish within the ${Math.round(scope.timeoutMs / 1000)} s Timeout`,
			),
		plainHttpOrigin: session.plainHttpOrigin,
		internalOrigin: session.internalOrigin,
		maxBytes,
		providerName: provider.displayName,
	});
}
