import type { ProviderErrorContext } from '../transport/errors';
import { send } from '../transport/http';
import { jobLimits } from './polling';
import type { ImageBytes, JobScope } from './types';

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
		...jobLimits(scope),
	});
}
