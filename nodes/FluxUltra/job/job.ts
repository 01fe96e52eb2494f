import type { IBinaryData, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { clock } from '../shared/clock';
import { fetchResultImage, type ResultFile } from './downloads';
import { imageForProvider } from './inputImage';
import { fileNameFor, imageJson } from './imageItems';
import { inputSizeLimit } from '../parameters/inputSize';
import { NUM_IMAGES_MAX } from '../parameters/table';
import type { JobRequest } from '../parameters/validation';
import type {
	CancelOutcome,
	FluxProvider,
	JobResult,
	JobScope,
	ProviderSession,
	ResultImage,
	SubmittedJob,
} from '../providers/types';
import { FluxError } from '../transport/errors';
import { backoffMs, DEFAULT_RETRY, DOWNLOAD_ATTEMPTS, errorCode } from '../transport/retryPolicy';
import { imageCost } from './cost';
import type { JobPart } from './expand';
import { linkOnlyItem } from './linkOnly';
import { referenceUrls } from './references';
import { runPool } from '../shared/pool';
import { submittedItems } from './submitOnly';
import { aiLabel, watchProvenance, type AiLabel, type WatchedFile } from '../provenance/watch';

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
	/**
	 * Called the moment the job is known to fail whatever comes next (it ran out of time, or the
	 * execution was cancelled), before the cancel is sent: the batch starts no new job from then on,
	 * though the cancel (and the reads after it) still take a while. Not passed when another
	 * provider may still take the item over.
	 */
	failing: () => void = () => undefined,
): Promise<INodeExecutionData[]> {
	const scope: JobScope = {
		ctx,
		itemIndex,
		timeoutMs: request.options.timeoutMs,
		deadline: clock.now() + request.options.timeoutMs,
		signal: ctx.getExecutionCancelSignal?.(),
	};

	const job = await beforeJob(async () => {
		const imageUrl = part
			? await (part.shared.imageUrl ??= inputImageUrl(scope, provider, session, request))
			: await inputImageUrl(scope, provider, session, request);
		if (!request.model) return await session.submit(scope, request, imageUrl);
		// A model job's references: read, fetched or uploaded once per item, whatever its parts.
		const references = part
			? await (part.shared.references ??= referenceUrls(scope, provider, session, request))
			: await referenceUrls(scope, provider, session, request);
		return await session.submit(scope, request, imageUrl, references);
	});
	const firstImage = part?.firstImage ?? 0;
	if (!request.options.waitForCompletion)
		return submittedItems(provider, request, job, {
			firstImage,
			imageCount: part?.imageCount,
			item: itemIndex,
		});
	try {
		const finalStatus = await waitOrCancel(provider, scope, session, job, failing);
		const answer = await session.fetchResult(scope, job, finalStatus);
		const result = job.inputSchema ? { ...answer, inputSchema: job.inputSchema } : answer;
		providerDone();
		return await emitImages(scope, provider, session, request, result, {
			firstImage,
			imageCount: part?.imageCount,
			item: itemIndex,
		});
	} catch (error) {
		throw error instanceof FluxError
			? error.withRequestId(job.requestId, provider.id, request.model?.id)
			: error;
	}
}

/**
 * Runs the steps before a job exists (input image, submit). A provider failure there created no
 * job and is marked so (the "safe to run elsewhere" verdict relies on it) — except
 * `maybe_submitted`, whose answer was lost, and `bad_response`, an answer (a 2xx to the submit
 * among them) the node could not read: the job may exist.
 */
async function beforeJob<T>(steps: () => Promise<T>): Promise<T> {
	try {
		return await steps();
	} catch (error) {
		const mayExist =
			error instanceof FluxError &&
			(error.kind === 'maybe_submitted' || error.kind === 'bad_response');
		throw error instanceof FluxError && !mayExist ? error.with({ noJob: true }) : error;
	}
}

/**
 * A finished job's images as output items: at most as many as the job asked for (a provider
 * answer listing more is cut to that: nothing more was paid for, and the rest would be downloads,
 * items and cost no one asked for), each downloaded and stored as it arrives, at most Max Parallel
 * Jobs at once. `at` places them among their item's images and names the input item they answer
 * (for {item}); the output items are paired with `scope.itemIndex`.
 */
export async function emitImages(
	scope: JobScope,
	provider: FluxProvider,
	session: ProviderSession,
	request: JobRequest,
	result: JobResult,
	at: { firstImage: number; imageCount?: number; item: number },
): Promise<INodeExecutionData[]> {
	const { ctx, itemIndex } = scope;
	const { firstImage } = at;
	const taken = result.images.slice(0, imagesAsked(provider, request, at));
	const kept: JobResult =
		taken.length < result.images.length ? { ...result, images: taken } : result;
	const one = async (index: number): Promise<INodeExecutionData> => {
		const image = taken[index];
		const fileName = (extension: string) =>
			fileNameFor(
				request.options.fileName,
				{
					requestId: kept.requestId,
					index: firstImage + index + 1,
					item: at.item + 1,
					seed: kept.seed,
				},
				extension,
			);
		const cost = imageCost(provider, request, kept);
		const imageIndex = firstImage + index;
		if (!request.options.downloadImage && !image.url.startsWith('data:')) {
			return linkOnlyItem({
				providerId: provider.id,
				request,
				result: kept,
				image,
				imageIndex,
				imageCount: at.imageCount,
				itemIndex,
				fileName,
				cost,
			});
		}
		const label = request.options.aiLabel
			? aiLabel({
					operation: request.operation,
					providerName: provider.displayName,
					prompt: kept.prompt ?? request.params.prompt,
					withPrompt: request.options.aiLabel.withPrompt,
				})
			: undefined;
		const { file, binary, provenance } = await storeImage(
			ctx,
			provider,
			session,
			scope,
			request,
			image,
			fileName,
			label,
		);
		return {
			json: imageJson({
				providerId: provider.id,
				request,
				result: kept,
				image,
				imageIndex,
				imageCount: at.imageCount,
				kind: file.kind,
				size: file.size,
				fileName: binary.fileName ?? fileName(file.kind.extension),
				fileSize: provenance.bytesOut() ?? file.bytesRead(),
				cost,
				provenance: { ...provenance.report() },
			}),
			binary: { [request.options.binaryPropertyOutput]: binary },
			pairedItem: { item: itemIndex },
		};
	};
	// Failures are caught per image, so none is left unhandled while the pool waits; after the
	// first one no further download starts and the job fails with it.
	let failure: { error: unknown } | undefined;
	const items = await runPool(
		taken.length,
		Math.max(1, request.options.maxParallelJobs || 1),
		async (index) =>
			await one(index).catch((error: unknown) => {
				failure ??= { error };
				return undefined;
			}),
		() => failure !== undefined,
	);
	if (failure) throw failure.error;
	return items as INodeExecutionData[];
}

/**
 * How many images one job asked for: Number of Images of its request (of its part, when the item
 * was split), or, for Get Result, what the incoming item says is left of its images, at most what
 * the provider makes in one request (Number of Images is 1 to 4).
 */
export function imagesAsked(
	provider: FluxProvider,
	request: JobRequest,
	at: { firstImage: number; imageCount?: number },
): number {
	const asked = (request.params as { num_images?: unknown }).num_images;
	if (typeof asked === 'number' && Number.isInteger(asked) && asked >= 1) return asked;
	const perJob = provider.imagesPerRequest ?? NUM_IMAGES_MAX;
	const left = at.imageCount !== undefined ? at.imageCount - at.firstImage : perJob;
	return Math.max(1, Math.min(perJob, left));
}

/**
 * Downloads one finished image and stores it with n8n's prepareBinaryData. A download that breaks
 * off mid-body (a reset, a cut connection, a stall, fewer bytes than announced) is fetched again
 * from the start, with the transport's backoff, up to DOWNLOAD_ATTEMPTS times: the link stays valid
 * for a while and the job is already paid. A file over the size cap, or not an image, is not retried.
 */
async function storeImage(
	ctx: IExecuteFunctions,
	provider: FluxProvider,
	session: ProviderSession,
	scope: JobScope,
	request: JobRequest,
	image: ResultImage,
	fileName: (extension: string) => string,
	/** The AI label to write (Write AI Label), if asked for: never into a file with Content Credentials. */
	label?: AiLabel,
): Promise<{ file: ResultFile; binary: IBinaryData; provenance: WatchedFile }> {
	for (let attempt = 1; ; attempt++) {
		let file: ResultFile | undefined;
		let failure: FluxError | undefined;
		let provenance: WatchedFile | undefined;
		try {
			file = await fetchResultImage(ctx, provider.errors, image, {
				signal: scope.signal,
				deadline: scope.deadline,
				onDeadline: () => downloadTimedOut(provider, scope, image.url),
				plainHttpOrigin: session.plainHttpOrigin,
				internalOrigin: session.internalOrigin,
				maxBytes: request.options.maxImageBytes,
			});
			// Read for provenance on its way to n8n (and labelled, when asked and allowed).
			provenance = watchProvenance(file, label);
			const binary = await ctx.helpers.prepareBinaryData(
				provenance.data as Buffer,
				fileName(file.kind.extension),
				file.kind.mimeType,
			);
			if (file.declaredBytes !== undefined && file.bytesRead() < file.declaredBytes) {
				throw Object.assign(new Error(`${file.bytesRead()} of ${file.declaredBytes} bytes`), {
					code: 'ERR_INCOMPLETE',
				});
			}
			return { file, binary, provenance };
		} catch (error) {
			// Content Credentials after the image data, found once the label was in: fetched again
			// and left as it is.
			if (provenance?.lateCredentials()) label = undefined;
			// A FluxError is an answer already retried by the transport (or not an image); a stream
			// error is the body breaking off, worth a fresh start.
			if (file?.stoppedBy()) failure = file.stoppedBy();
			else if (scope.signal?.aborted)
				failure = new FluxError('cancelled', 'The execution was cancelled');
			else if (clock.now() >= scope.deadline)
				failure = downloadTimedOut(provider, scope, image.url);
			else if (error instanceof FluxError || attempt >= DOWNLOAD_ATTEMPTS)
				failure = downloadFailed(provider, image.url, error, attempt);
		}
		if (failure) throw failure;
		const delay = backoffMs(DEFAULT_RETRY, attempt);
		// No retry wait runs past the job's deadline.
		if (clock.now() + delay >= scope.deadline) throw downloadTimedOut(provider, scope, image.url);
		await clock.sleep(delay, scope.signal);
	}
}

/** A finished image whose download did not end within the job's Timeout: paid, and still at its link. */
function downloadTimedOut(provider: FluxProvider, scope: JobScope, url: string): FluxError {
	return downloadFailed(
		provider,
		url,
		new FluxError(
			'download',
			`The image download from ${provider.displayName} did not finish within the ${Math.round(scope.timeoutMs / 1000)} s Timeout`,
			{
				description: `The job finished and is paid for; the image is still at its link for a while (see imageUrl; ${provider.displayName} links expire). Fetch it from there (e.g. with an HTTP Request node), or raise "Timeout (Seconds)" in Options, rather than running the item again.`,
			},
		),
		1,
	);
}

/**
 * A finished image that could not be fetched. The job is paid and its link is valid for a while:
 * the error says so and carries the link, instead of suggesting a new (paid) run.
 */
function downloadFailed(
	provider: FluxProvider,
	url: string,
	error: unknown,
	attempts: number,
): FluxError {
	const linked = url.startsWith('data:') ? undefined : url;
	if (error instanceof FluxError && error.kind === 'download') {
		return new FluxError('download', error.message, {
			description: error.description,
			imageUrl: linked,
		});
	}
	const code = errorCode(error);
	const cause = error instanceof FluxError ? error.message : code ? `(${code})` : '';
	return new FluxError(
		'download',
		`The image download from ${provider.displayName} broke off${cause ? ` ${cause}` : ''}${attempts > 1 ? ` after ${attempts} attempts` : ''}`,
		{
			description: `The job finished and is paid for; the image is still at its link for a while (see imageUrl; ${provider.displayName} links expire). Fetch it from there (e.g. with an HTTP Request node) rather than running the item again, or lower "Max Parallel Jobs" if downloads keep breaking off.`,
			imageUrl: linked,
		},
	);
}

/**
 * The input image as the provider will fetch it: a URL as given, or an incoming file or data URI
 * handed to the provider's upload (which may keep small files inline). A provider that takes only
 * bytes gets an Image URL downloaded by the node, with the checks of a result download. Whatever the
 * path, the bytes handed to the provider are within the size rule for this provider
 * (parameters/inputSize.ts; the pre-flight checked it for every provider the item may run on).
 */
export async function inputImageUrl(
	scope: JobScope,
	provider: FluxProvider,
	session: ProviderSession,
	request: JobRequest,
): Promise<string | undefined> {
	const image = request.image;
	if (!image) return undefined;
	const limit = inputSizeLimit(request.options.maxImageBytes, [provider]);
	return await imageForProvider(scope, provider, session, image, limit, { fileName: 'input' });
}

/** Waits for the job; on timeout or cancellation, stops the paid job at the provider first. */
async function waitOrCancel(
	provider: FluxProvider,
	scope: JobScope,
	session: ProviderSession,
	job: SubmittedJob,
	failing: () => void,
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
	if (
		failure instanceof FluxError &&
		(failure.kind === 'timeout' || failure.kind === 'cancelled')
	) {
		failing();
		const outcome: CancelOutcome = await session.cancel(scope, job).catch(() => 'failed' as const);
		if (failure.kind === 'timeout') throw timedOut(provider, failure, outcome);
	}
	throw failure;
}

/**
 * The timeout as the user needs to hear it: whether the job stopped (and so whether it may bill),
 * from what the provider said of the job in answer to the cancel or in a status read after it,
 * never assumed (transport/verdict.ts, STOP PROOF). Only `stopped` may move the item.
 */
function timedOut(provider: FluxProvider, failure: FluxError, outcome: CancelOutcome): FluxError {
	const name = provider.displayName;
	const collect = `Its images are not collected: once it finishes, collect them with this node's Get Result operation (Provider ${name}, the Request ID below), or find the job in your ${name} request history, rather than running this item again.`;
	const what: Record<CancelOutcome, { message: string; description: string }> = {
		stopped: {
			message: `; ${name} confirmed it stopped`,
			description: `${name} reported the job stopped (cancelled or failed), so it will not finish or make an image; running the item again, here or elsewhere, does not pay for the same image twice (${name} may still bill the time it ran).`,
		},
		requested: {
			message: `; ${name} took the cancel`,
			description: `Nothing ${name} answered shows that the job stopped: a job still waiting may be dropped, but one already generating may still finish and bill. ${collect}`,
		},
		already_finished: {
			message: `; ${name} finished it just after that`,
			description: `${name} had already finished the job when the cancel arrived, so it is billed, but its images were not collected. Collect them with this node's Get Result operation (Provider ${name}, the Request ID below) while ${name} keeps the result, rather than running this item again.`,
		},
		not_supported: {
			message: `; ${name} offers no way to cancel it`,
			description: `The job may still finish at ${name} and be billed. ${collect}`,
		},
		failed: {
			message: `; the cancel was not confirmed by ${name}`,
			description: `The job may still finish at ${name} and be billed. ${collect}`,
		},
	};
	return new FluxError('timeout', `${failure.message}${what[outcome].message}`, {
		description: `${what[outcome].description} Raise "Timeout (Seconds)" in Options for jobs this slow.`,
		requestId: failure.requestId,
		jobStopped: outcome === 'stopped',
	});
}
