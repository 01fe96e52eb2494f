import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { clock } from '../helpers/clock';
import { decodeDataUri, fetchResultImage, sniffImage } from '../helpers/images';
import { downloadInputImage, loadInputBinary } from '../helpers/inputImage';
import { fileNameFor, imageJson } from '../helpers/output';
import { IMAGE_INPUT } from '../parameters/table';
import { ParameterError, type JobRequest } from '../parameters/validation';
import type { FluxProvider, JobScope, ProviderSession, SubmittedJob } from '../providers/types';
import { FluxError } from '../transport/errors';
import type { JobPart } from './expand';

/**
 * One item, one provider job: resolve the input image, submit, wait, read the result, download
 * every image and emit one output item per image. Provider-agnostic: the provider module does the
 * talking, this file does the order of things and what happens when they go wrong.
 */
export async function runJob(
	ctx: IExecuteFunctions,
	provider: FluxProvider,
	session: ProviderSession,
	request: JobRequest,
	itemIndex: number,
	/** Called once the provider is done with the job, before the downloads: frees its parallel slot. */
	providerDone: () => void = () => undefined,
	/** Set when this job makes only some of the item's images (see expand.ts). */
	part?: JobPart,
): Promise<INodeExecutionData[]> {
	const scope: JobScope = {
		ctx,
		itemIndex,
		timeoutMs: request.options.timeoutMs,
		deadline: clock.now() + request.options.timeoutMs,
		signal: ctx.getExecutionCancelSignal?.(),
	};

	const imageUrl = part
		? await (part.shared.imageUrl ??= inputImageUrl(scope, provider, session, request))
		: await inputImageUrl(scope, provider, session, request);
	const firstImage = part?.firstImage ?? 0;
	const job = await session.submit(scope, request, imageUrl);
	try {
		const finalStatus = await waitOrCancel(scope, session, job);
		const result = await session.fetchResult(scope, job, finalStatus);
		providerDone();
		// Each image is downloaded and stored as it arrives, all of the job's images at once.
		const out = await Promise.all(
			result.images.map(async (image, index): Promise<INodeExecutionData> => {
				const file = await fetchResultImage(ctx, provider.errors, image, {
					signal: scope.signal,
					plainHttpOrigin: session.plainHttpOrigin,
					maxBytes: request.options.maxImageBytes,
				});
				const fileName = fileNameFor(
					request.options.fileName,
					{ requestId: result.requestId, index: firstImage + index + 1, item: itemIndex + 1, seed: result.seed },
					file.kind.extension,
				);
				const binary = await ctx.helpers
					.prepareBinaryData(file.data as Buffer, fileName, file.kind.mimeType)
					.catch((error: unknown) => ({ failed: file.stoppedBy() ?? downloadFailed(provider, error) }));
				if ('failed' in binary) throw binary.failed;
				return {
					json: imageJson({
						providerId: provider.id,
						request,
						result,
						image,
						imageIndex: firstImage + index,
						imageCount: part?.imageCount,
						kind: file.kind,
						size: file.size,
						fileName,
						fileSize: file.bytesRead(),
					}),
					binary: { [request.options.binaryPropertyOutput]: binary },
					pairedItem: { item: itemIndex },
				};
			}),
		);
		return out;
	} catch (error) {
		throw error instanceof FluxError ? error.withRequestId(job.requestId) : error;
	}
}

/** A download that broke off while it was being stored. */
function downloadFailed(provider: FluxProvider, error: unknown): FluxError {
	if (error instanceof FluxError) return error;
	const code = (error as { code?: unknown })?.code;
	return new FluxError('download', `The image download from ${provider.displayName} broke off${typeof code === 'string' ? ` (${code})` : ''}`, {
		description: 'Run the workflow again; the job itself finished, so consider a lower "Max Parallel Jobs" if it keeps happening.',
	});
}

/**
 * The input image as the provider will fetch it: a URL as given, or an incoming file or data URI
 * handed to the provider's upload (which may keep small files inline). A provider that takes only
 * bytes gets an Image URL downloaded by the node, with the checks of a result download.
 */
async function inputImageUrl(
	scope: JobScope,
	provider: FluxProvider,
	session: ProviderSession,
	request: JobRequest,
): Promise<string | undefined> {
	const image = request.image;
	if (!image) return undefined;
	if (image.kind === 'binary') {
		return await session.upload(scope, await loadInputBinary(scope.ctx, scope.itemIndex, image.property));
	}
	if (!image.url.startsWith('data:')) {
		if (provider.imageUrlAs !== 'bytes') return image.url;
		const bytes = await downloadInputImage(scope.ctx, image.url, {
			signal: scope.signal,
			plainHttpOrigin: session.plainHttpOrigin,
			maxBytes: request.options.maxImageBytes,
			providerName: provider.displayName,
		});
		return await session.upload(scope, bytes);
	}
	const bytes = decodeDataUri(image.url);
	const kind = sniffImage(bytes);
	if (!kind) {
		throw new ParameterError(IMAGE_INPUT.url.displayName, 'holds a data URI that is not a JPEG, PNG, WebP, GIF or AVIF image', image.url.slice(0, 40));
	}
	return await session.upload(scope, { bytes, mimeType: kind.mimeType, fileName: `input.${kind.extension}` });
}

/** Waits for the job; on timeout or cancellation, stops the paid job at the provider first. */
async function waitOrCancel(scope: JobScope, session: ProviderSession, job: SubmittedJob): Promise<unknown> {
	let finalStatus: unknown;
	const failure = await session.wait(scope, job).then(
		(status) => {
			finalStatus = status;
			return undefined;
		},
		(error: unknown) => error ?? new FluxError('bad_response', 'Waiting for the job failed'),
	);
	if (failure === undefined) return finalStatus;
	if (failure instanceof FluxError && (failure.kind === 'timeout' || failure.kind === 'cancelled')) {
		await session.cancel(scope, job).catch(() => undefined);
	}
	throw failure;
}
