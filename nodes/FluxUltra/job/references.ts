import type { IExecuteFunctions } from 'n8n-workflow';

import { inputSizeLimit, type InputSizeLimit } from '../parameters/inputSize';
import type { ModelDeclaration } from '../parameters/models';
import { referenceField } from '../parameters/modelValidation';
import type { ImageInput, JobRequest } from '../parameters/validation';
import type { FluxProvider, JobScope, ProviderSession } from '../providers/types';
import { ParameterError } from '../transport/errors';
import { imageSize, sniffImage } from '../shared/imageBytes';
import { checkDataUri, checkInputBinary, imageForProvider } from './inputImage';

/**
 * A model job's reference images (issue 29): a list of binary fields and URLs, mixed and in order.
 * Each is checked before anything is paid for — count (the model's and every provider's limit), size
 * (the one input size rule, parameters/inputSize.ts), type and pixels (the model's limits, and the
 * provider's where smaller) — and, when the job runs, read, fetched or uploaded the way that provider
 * needs, exactly as Ultra's one input image is (job/inputImage.ts).
 */

/** Image types every provider of these models takes as references (RP-27: jpeg, png, gif, webp). */
export const REFERENCE_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/gif'];

/** 1 MP as the limits count it (2^20 pixels: FLUX 3's 16 MP admits its own 4k output, BF-45). */
const MEGAPIXEL = 1_048_576;

/** The largest reference (in MP) every provider the item may run on takes for the model, if any says. */
function maxMegapixels(
	model: ModelDeclaration,
	providers: readonly FluxProvider[],
): number | undefined {
	const limits = [
		model.references?.maxMegapixels,
		...providers.map((p) => p.models?.[model.id]?.references?.maxMegapixels),
	].filter((n): n is number => typeof n === 'number');
	return limits.length ? Math.min(...limits) : undefined;
}

/** Type and pixels of one reference's bytes against the model's (and providers') limits. */
function checkPixels(
	bytes: Buffer,
	field: string,
	model: ModelDeclaration,
	providers: readonly FluxProvider[],
	received: unknown,
): number | undefined {
	const kind = sniffImage(bytes);
	if (!kind || !REFERENCE_TYPES.includes(kind.mimeType))
		throw new ParameterError(
			field,
			`is ${kind ? kind.mimeType : 'not an image'}: ${model.displayName} takes JPEG, PNG, WebP or GIF references`,
			received,
		);
	const size = imageSize(bytes);
	if (!size) return undefined;
	const { width, height } = size;
	const minSide = model.references?.minSide;
	if (minSide && (width < minSide || height < minSide))
		throw new ParameterError(
			field,
			`is ${width}×${height} px; ${model.displayName} needs at least ${minSide}×${minSide}`,
			received,
		);
	const mp = (width * height) / MEGAPIXEL;
	const max = maxMegapixels(model, providers);
	if (max !== undefined && mp > max)
		throw new ParameterError(
			field,
			// Rounded up, so a file just over the limit never reads as the limit itself ("is 4 MP; at most 4").
			`is ${width}×${height} px (${Math.ceil(mp * 100) / 100} MP); ${model.displayName} takes at most ${max} MP per reference${providers.length ? ` on ${providers.map((p) => p.displayName).join(' and ')}` : ''}`,
			received,
		);
	return mp;
}

/**
 * The pre-flight of an item's references, before any request: every binary field and `data:` URI
 * read and checked (size, type, pixels). A https URL is checked when the job fetches it (a provider
 * that takes bytes) or by the provider that fetches it. Returns each reference's megapixels where
 * known (the price rule counts input megapixels; an unknown one counts as the largest allowed).
 */
export async function checkReferences(
	ctx: IExecuteFunctions,
	itemIndex: number,
	request: JobRequest,
	limit: InputSizeLimit,
	providers: readonly FluxProvider[],
): Promise<Array<number | undefined>> {
	const model = request.model;
	if (!model) return [];
	const sizes: Array<number | undefined> = [];
	for (const [n, ref] of (request.references ?? []).entries()) {
		const field = referenceField(n);
		if (ref.kind === 'binary') {
			const bytes = await checkInputBinary(ctx, itemIndex, ref.property, limit, field);
			sizes.push(checkPixels(bytes, field, model, providers, ref.property));
		} else if (ref.url.startsWith('data:')) {
			const bytes = checkDataUri(ref.url, limit, field);
			sizes.push(checkPixels(bytes, field, model, providers, 'data:…'));
		} else sizes.push(undefined);
	}
	return sizes;
}

/** Whether an error is a ParameterError of Ultra's own image fields, to be renamed for a reference. */
function renamed(error: unknown, field: string): unknown {
	return error instanceof ParameterError
		? new ParameterError(field, error.problem, error.received)
		: error;
}

/**
 * The references as the provider takes them, in order: each binary field or `data:` URI handed to
 * the provider's `upload` (BFL: base64 inline; fal, Runflow, Replicate: their storage or inline),
 * each https URL passed on as it is, or, for a provider that takes only bytes, downloaded by the
 * node with the checks of a result download and then handed to `upload`.
 */
export async function referenceUrls(
	scope: JobScope,
	provider: FluxProvider,
	session: ProviderSession,
	request: JobRequest,
): Promise<string[]> {
	const model = request.model;
	if (!model || !request.references?.length) return [];
	const limit = inputSizeLimit(request.options.maxImageBytes, [provider]);
	const out: string[] = [];
	for (const [n, ref] of request.references.entries()) {
		out.push(await oneReference(scope, provider, session, model, ref, n, limit));
	}
	return out;
}

async function oneReference(
	scope: JobScope,
	provider: FluxProvider,
	session: ProviderSession,
	model: ModelDeclaration,
	ref: ImageInput,
	n: number,
	limit: InputSizeLimit,
): Promise<string> {
	const field = referenceField(n);
	try {
		return await imageForProvider(scope, provider, session, ref, limit, {
			field,
			fileName: `reference-${n + 1}`,
			check: (bytes, received) => checkPixels(bytes, field, model, [provider], received),
		});
	} catch (error) {
		throw renamed(error, field);
	}
}
