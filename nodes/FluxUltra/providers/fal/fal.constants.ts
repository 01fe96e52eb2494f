import type { Operation } from '../../parameters/table';

/**
 * fal.ai facts, each one constant (sources: shared/reference/fal-queue-api.md). A wrong guess about
 * fal's API is fixed here and nowhere else.
 */
export const FAL = {
	/** Queue API host: submit, status, result, cancel. */
	queueBase: 'https://queue.fal.run',
	/** REST host: storage uploads and the credential test. */
	restBase: 'https://rest.fal.ai',
	/** Endpoint ids per operation; submits go to `${queueBase}/${endpoint}`. */
	endpoints: {
		generate: 'fal-ai/flux-pro/v1.1-ultra',
		remix: 'fal-ai/flux-pro/v1.1-ultra/redux',
	} satisfies Record<Operation, string>,
	/**
	 * App id (owner/alias) that status, result and cancel live under: the endpoint id without its
	 * sub-path. Used only when the submit response lacks the URLs, which fal normally returns.
	 */
	appId: 'fal-ai/flux-pro',
	/** Queue statuses. fal has no FAILED status: a failed job is COMPLETED and its result is an error. */
	status: { queued: 'IN_QUEUE', running: 'IN_PROGRESS', done: 'COMPLETED' },
	/** Error type fal gives content the safety checker blocked. */
	moderationTypes: ['content_policy_violation'],
} as const;

/** Status polling: quick at first (short jobs), then at most one request every two seconds. */
export function pollDelayMs(elapsedMs: number): number {
	return Math.min(2000, Math.max(250, Math.round(elapsedMs / 8)));
}
