import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { clock } from '../shared/clock';
import type { JobRequest } from '../parameters/validation';
import type { FluxProvider, JobScope, ProviderSession, SubmittedJob } from '../providers/types';
import { FluxError } from '../transport/errors';
import { emitImages } from './job';
import { pendingJobJson, type JobPlace } from './submitOnly';

/**
 * Collecting a job created earlier (Get Result): one status read; a finished job's images come out
 * exactly as a waiting run puts them out, a job still running as one item with `status: 'running'`.
 */

/** A job to collect: the job, what its item said of the request, and where its images go. */
export interface Ask {
	job: SubmittedJob;
	request: JobRequest;
	place: JobPlace;
}

/** One job, one status read: its images, or one item saying it is still running. */
export async function collectOne(
	ctx: IExecuteFunctions,
	provider: FluxProvider,
	session: ProviderSession,
	ask: Ask,
	i: number,
): Promise<INodeExecutionData[]> {
	const { timeoutMs } = ask.request.options;
	const scope: JobScope = {
		ctx,
		itemIndex: i,
		timeoutMs,
		deadline: clock.now() + timeoutMs,
		signal: ctx.getExecutionCancelSignal?.(),
	};
	try {
		const status = await session.statusOnce(scope, ask.job);
		if (!status.done) {
			return [
				{
					json: pendingJobJson(
						provider.id,
						ask.request,
						ask.job,
						ask.place,
						'running',
						status.state,
					),
					pairedItem: { item: i },
				},
			];
		}
		const result = await session.fetchResult(scope, ask.job, status.status);
		return await emitImages(scope, provider, session, ask.request, result, ask.place);
	} catch (error) {
		throw error instanceof FluxError
			? error.withRequestId(ask.job.requestId, undefined, ask.request.model?.id)
			: error;
	}
}
