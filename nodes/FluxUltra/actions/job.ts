import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { clock } from '../helpers/clock';
import { decodeDataUri, fetchResultImage, sniffImage } from '../helpers/images';
import { loadInputBinary } from '../helpers/inputImage';
import { fileNameFor, imageJson } from '../helpers/output';
import { IMAGE_INPUT } from '../parameters/table';
import { ParameterError, type JobRequest } from '../parameters/validation';
import type { CancelOutcome, FluxProvider, JobScope, ProviderSession, SubmittedJob } from '../providers/types';
import { FluxError } from '../transport/errors';

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
): Promise<INodeExecutionData[]> {
	const scope: JobScope = {
		ctx,
		itemIndex,
		timeoutMs: request.options.timeoutMs,
		deadline: clock.now() + request.options.timeoutMs,
		signal: ctx.getExecutionCancelSignal?.(),
	};

	const imageUrl = await inputImageUrl(scope, session, request);
	const job = await session.submit(scope, request, imageUrl);
	try {
		const finalStatus = await waitOrCancel(provider, scope, session, job);
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
					{ requestId: result.requestId, index: index + 1, item: itemIndex + 1, seed: result.seed },
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
						imageIndex: index,
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
 * handed to the provider's upload (which may keep small files inline).
 */
async function inputImageUrl(scope: JobScope, session: ProviderSession, request: JobRequest): Promise<string | undefined> {
	const image = request.image;
	if (!image) return undefined;
	if (image.kind === 'binary') {
		return await session.upload(scope, await loadInputBinary(scope.ctx, scope.itemIndex, image.property));
	}
	if (!image.url.startsWith('data:')) return image.url;
	const bytes = decodeDataUri(image.url);
	const kind = sniffImage(bytes);
	if (!kind) {
		throw new ParameterError(IMAGE_INPUT.url.displayName, 'holds a data URI that is not a JPEG, PNG, WebP, GIF or AVIF image', image.url.slice(0, 40));
	}
	return await session.upload(scope, { bytes, mimeType: kind.mimeType, fileName: `input.${kind.extension}` });
}

/** Waits for the job; on timeout or cancellation, stops the paid job at the provider first. */
async function waitOrCancel(
	provider: FluxProvider,
	scope: JobScope,
	session: ProviderSession,
	job: SubmittedJob,
): Promise<unknown> {
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
		const outcome: CancelOutcome = await session.cancel(scope, job).catch(() => 'failed' as const);
		if (failure.kind === 'timeout') throw timedOut(provider, failure, outcome);
	}
	throw failure;
}

/**
 * The timeout as the user needs to hear it: whether the job was stopped (and so whether it bills),
 * from what the provider answered to the cancel, never assumed.
 */
function timedOut(provider: FluxProvider, failure: FluxError, outcome: CancelOutcome): FluxError {
	const name = provider.displayName;
	const what: Record<CancelOutcome, { message: string; description: string }> = {
		accepted: {
			message: `; it was cancelled at ${name}`,
			description: `${name} accepted the cancel, so the job stops (a job already generating may still finish, and bill, if ${name} cannot stop it mid-way).`,
		},
		already_finished: {
			message: `; ${name} finished it just after that`,
			description: `${name} had already finished the job when the cancel arrived, so it is billed, but its images were not collected. Its result stays in your ${name} request history for a while under the request ID below.`,
		},
		not_supported: {
			message: `; ${name} offers no way to cancel it`,
			description: `The job may still finish at ${name} and be billed; its images are not collected.`,
		},
		failed: {
			message: `; the cancel was not confirmed by ${name}`,
			description: `The job may still finish at ${name} and be billed; its images are not collected.`,
		},
	};
	return new FluxError('timeout', `${failure.message}${what[outcome].message}`, {
		description: `${what[outcome].description} Raise "Timeout (Seconds)" in Options, or run the workflow again later.`,
		requestId: failure.requestId,
	});
}
