import { egressAllows, isDownloadableLink, type LinkPolicy } from '../../shared/url';
import { FluxError, type ProviderErrorContext } from '../../transport/errors';
import { send } from '../../transport/http';
import { UPLOAD_TIMEOUT_MS } from '../../transport/retryPolicy';
import { jobLimits } from './polling';
import type { ImageBytes, JobScope } from '../types';

/**
 * PUTs an image to a presigned storage URL: the URL is the permission, so no credential goes with
 * it. The URL comes from the provider's answer, so it is checked as a download link is (https,
 * public host in any spelling, n8n's SSRF policy where offered), and a redirect is not followed:
 * storage that answers 3xx has not taken the image, and the body must not go where it points.
 */
export async function putPresigned(
	scope: JobScope,
	errors: ProviderErrorContext,
	url: string,
	image: ImageBytes,
	policy: LinkPolicy,
): Promise<void> {
	if (!isDownloadableLink(url, policy) || !(await egressAllows(scope.ctx, url, policy)).allowed)
		throw badSlot(errors);
	const response = await send(scope.ctx, errors, {
		method: 'PUT',
		url,
		purpose: 'upload',
		body: image.bytes,
		headers: { 'content-type': image.mimeType },
		timeoutMs: UPLOAD_TIMEOUT_MS,
		...jobLimits(scope),
		manualRedirect: true,
		peer: policy,
	});
	if (response.status >= 300) {
		response.abort?.();
		throw new FluxError(
			'bad_response',
			`${errors.providerName} storage redirected the image upload (HTTP ${response.status}); the redirect was not followed`,
			{
				description:
					'The input image was not uploaded and no job was started. Try again; if it persists, give the image as an https URL instead.',
				httpCode: response.status,
			},
		);
	}
}

function badSlot(errors: ProviderErrorContext): FluxError {
	return new FluxError(
		'bad_response',
		`${errors.providerName} storage answered with an upload link this node does not use`,
		{
			description:
				'Uploads go only over https:// to public hosts (never to loopback, private, link-local or other internal addresses). The input image was not uploaded and no job was started.',
		},
	);
}
