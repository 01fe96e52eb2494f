import { clock } from '../helpers/clock';
import { FluxError, type ProviderErrorContext } from '../transport/errors';
import { REQUEST_TIMEOUT_MS, send } from '../transport/http';
import type { ImageBytes, JobScope } from './types';

/** One status answer: finished (with the answer, for fetchResult), or not yet (with the wait before the next). */
export type PollStep = { done: true; status: unknown } | { done: false; nextDelayMs: number };

/**
 * Asks `check` for the job's status until it says done. Stops at once when the execution is
 * cancelled, and with `onTimeout()` at the job's deadline; no wait runs past the deadline. `check`
 * gets the time left (to bound its request) and the time since polling began (to pace itself).
 */
export async function pollUntilDone(
	scope: JobScope,
	onTimeout: () => FluxError,
	check: (requestTimeoutMs: number, elapsedMs: number) => Promise<PollStep>,
): Promise<unknown> {
	const started = clock.now();
	for (;;) {
		if (scope.signal?.aborted) throw new FluxError('cancelled', 'The execution was cancelled');
		const remaining = scope.deadline - clock.now();
		if (remaining <= 0) throw onTimeout();
		const step = await check(Math.min(REQUEST_TIMEOUT_MS, Math.max(1000, remaining)), clock.now() - started);
		if (step.done) return step.status;
		await clock.sleep(Math.min(step.nextDelayMs, scope.deadline - clock.now()), scope.signal);
	}
}

/** Time allowed to send one input image to a provider's storage. */
export const UPLOAD_TIMEOUT_MS = 120_000;

/** PUTs an image to a presigned storage URL: the URL is the permission, so no credential goes with it. */
export async function putPresigned(scope: JobScope, errors: ProviderErrorContext, url: string, image: ImageBytes): Promise<void> {
	await send(scope.ctx, errors, {
		method: 'PUT',
		url,
		purpose: 'upload',
		body: image.bytes,
		headers: { 'content-type': image.mimeType },
		timeoutMs: UPLOAD_TIMEOUT_MS,
		signal: scope.signal,
	});
}
