import { parseUrl } from '../../shared/url';
import { RESULT_INPUT } from '../../parameters/table';
import { ParameterError, type ProviderErrorContext } from '../../transport/errors';
import { readJson, send } from '../../transport/http';
import { REQUEST_TIMEOUT_MS } from '../../transport/retryPolicy';
import { jobLimits, type PollStep } from './polling';
import type { JobScope, StatusOnce } from '../types';

/**
 * Get Result's side of each provider: the links a submit-only item carried come from item JSON, so
 * anyone upstream could have written them. The key follows a link only to the provider's API host.
 */

/** Whether a link is on exactly this origin, with no user name or password in it. */
export function onOrigin(origin: string): (url: string) => boolean {
	return (url) => {
		const parsed = parseUrl(url);
		return !!parsed && parsed.origin === origin && !parsed.username && !parsed.password;
	};
}

/**
 * The link `key` of a looked-up job: the one the item carried when `allowed`, the one built from
 * the request ID when it carried none. Any other link is refused before any request.
 */
export function lookupLink(
	links: Record<string, unknown>,
	key: string,
	built: string,
	allowed: (url: string) => boolean,
	providerName: string,
): string {
	const value = links[key];
	if (value === undefined || value === null || value === '') return built;
	if (typeof value === 'string' && allowed(value)) return value;
	const host = parseUrl(value)?.host ?? 'no valid URL';
	throw new ParameterError(
		RESULT_INPUT.links.displayName,
		`its "${key}" link goes to ${host}, not to ${providerName}'s API host; the API key is sent only there, so the link was not followed. Pass the links exactly as Generate or Remix put them out, or leave "${RESULT_INPUT.links.displayName}" empty`,
		value,
	);
}

/** One status read through a provider's poll step: finished, or still going with its state word. */
export async function readStatusOnce(
	step: (requestTimeoutMs: number) => Promise<PollStep>,
): Promise<StatusOnce> {
	const answer = await step(REQUEST_TIMEOUT_MS);
	return answer.done ? answer : { done: false, state: answer.state ?? 'running' };
}

/** One authenticated status GET of a job (a read: the transport retries it), as JSON. */
export async function getStatusJson(
	scope: JobScope,
	errors: ProviderErrorContext,
	credentialType: string,
	url: string,
	timeoutMs: number,
	what: string,
): Promise<Record<string, unknown>> {
	return readJson(
		errors,
		await send(scope.ctx, errors, {
			method: 'GET',
			url,
			purpose: 'status',
			credentialType,
			...jobLimits(scope),
			timeoutMs,
		}),
		what,
	);
}
