import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import type { JobRequest } from '../parameters/validation';
import type { FluxProvider, SubmittedJob } from '../providers/types';
import { requestPriceUsd } from './cost';

/**
 * Wait for Completion off: the job is created exactly as a waiting run creates it (same
 * validation, same submit, never resent unless provably not received), and one item per job comes
 * out at once, saying how to find the job again. Get Result takes that item as it is.
 */

/** Where a job's images sit among its item's, and which input item it answers. */
export interface JobPlace {
	/** Position of the job's first image among the item's images, from 0. */
	firstImage: number;
	/** Images the item asked for in all, when they take several jobs (BFL, Replicate). */
	imageCount?: number;
	/** Index of the input item the job was made for, from 0. */
	item: number;
}

/**
 * The JSON of a job that is not finished: as Submit puts it out (`status: 'submitted'`), and as Get
 * Result puts it out for a job still running (`status: 'running'`, with the provider's own word for
 * it). Plain JSON: it survives a Wait node, queue mode and a saved execution. Get Result reads
 * `requestId`, `links` and (a model job) `model`, and copies the rest into the image items, as a
 * waiting run writes them.
 */
export function pendingJobJson(
	providerId: string,
	request: Pick<JobRequest, 'operation' | 'params' | 'model' | 'listPriceUsd'>,
	job: SubmittedJob,
	place: JobPlace,
	status: 'submitted' | 'running',
	providerStatus?: string,
): IDataObject {
	return {
		provider: providerId,
		operation: request.operation,
		...(request.model ? { model: request.model.id } : {}),
		status,
		...(providerStatus === undefined ? {} : { providerStatus }),
		requestId: job.requestId,
		links: { ...job.links },
		// What the provider said the job costs at creation (BFL), for the image items' `cost`.
		...(job.costUsd === undefined ? {} : { providerCostUsd: job.costUsd }),
		// A model job's list price of one image, which its price rule reads from fields not kept here.
		...(request.model && request.listPriceUsd !== undefined
			? { listPriceUsd: request.listPriceUsd }
			: {}),
		...(job.inputSchema ? { schema: job.inputSchema } : {}),
		item: place.item,
		imageIndex: place.firstImage,
		imageCount: place.imageCount ?? request.params.num_images,
		prompt: request.params.prompt ?? '',
		aspectRatio: request.params.aspect_ratio ?? null,
	};
}

/** The one output item of a job created without waiting, paired with its input item. */
export function submittedItems(
	provider: FluxProvider,
	request: JobRequest,
	job: SubmittedJob,
	place: JobPlace,
): INodeExecutionData[] {
	return [
		{
			json: pendingJobJson(
				provider.id,
				request.model ? { ...request, listPriceUsd: requestPriceUsd(provider, request) } : request,
				job,
				place,
				'submitted',
			),
			pairedItem: { item: place.item },
		},
	];
}
