import type {
	ICredentialDataDecryptedObject,
	IExecuteFunctions,
	IHttpRequestMethods,
} from 'n8n-workflow';

import { parseUrl } from '../../shared/url';
import type { JobRequest } from '../../parameters/validation';
import { executionCredentials } from '../../transport/credentials';
import { FluxError, type ProviderErrorContext } from '../../transport/errors';
import { clock } from '../../shared/clock';
import { STOP_CONFIRM, type StopProof } from '../../transport/verdict';
import { secretScrubber } from '../../transport/redact';
import { readJson, send, type HttpResponse } from '../../transport/http';
import { CANCEL_RETRY, CANCEL_TIMEOUT_MS, type Purpose } from '../../transport/retryPolicy';
import { baseUrlFromCredential, internalOriginOf, plainHttpOriginOf } from './baseUrl';
import { getStatusJson, lookupLink, onOrigin, readStatusOnce } from './lookup';
import { jobLimits, jobTimeout, Pacer, pollUntilDone, type PollStep } from './polling';
import type {
	CancelOutcome,
	ImageBytes,
	JobResult,
	JobScope,
	ProviderSession,
	StatusOnce,
	SubmittedJob,
} from '../types';

/**
 * The session scaffold every provider shares: what follows from the credential's base URL (the API
 * origin the key goes to, the one origin allowed over plain http or on an internal host), waiting by
 * polling a status step, Get Result's single status read, following only links on the API origin,
 * and the cancel request (its retry policy: transport/retryPolicy.ts). A provider writes only what differs: submit, its status step, result,
 * upload, lookup and (where it has one) cancel, from its own facts.
 */

/** What a session is opened with: read from the credential once per execution. */
export interface SessionSetup {
	/** The API base URL (no trailing slash) every signed request goes to. */
	base: string;
	/** Masks the API key in text about to be shown. */
	scrub: (text: string) => string;
	errors: ProviderErrorContext;
	/** n8n credential type that signs every request to `base`. */
	credentialType: string;
}

/**
 * Reads the credential for this execution (no request) and sets up a session from it. `base` is the
 * production API base URL, which the credential's API Base URL replaces when set, or a function that
 * turns the credential into the API base URL (a Region, say).
 */
export async function openSession<S>(
	ctx: IExecuteFunctions,
	errors: ProviderErrorContext,
	credentialType: string,
	base: string | ((credentials: ICredentialDataDecryptedObject) => string),
	make: (setup: SessionSetup, credentials: ICredentialDataDecryptedObject) => S,
): Promise<S> {
	const credentials = await executionCredentials(ctx, credentialType);
	const apiBase =
		typeof base === 'string'
			? baseUrlFromCredential(credentials.baseUrl, base, errors.credentialName)
			: base(credentials);
	return make(
		{ base: apiBase, scrub: secretScrubber([credentials.apiKey]), errors, credentialType },
		credentials,
	);
}

/**
 * A provider's error context: its name in messages, its credential's display name (always
 * "<provider> API"), how its error bodies read, and any rules of its own.
 */
export function errorContext(
	providerName: string,
	parseError: ProviderErrorContext['parseError'],
	own: Pick<ProviderErrorContext, 'noRetry' | 'neverReached'> = {},
): ProviderErrorContext {
	return { providerName, credentialName: `${providerName} API`, parseError, ...own };
}

export abstract class SessionBase implements ProviderSession {
	readonly plainHttpOrigin?: string;
	readonly internalOrigin?: string;
	readonly scrub: (text: string) => string;
	protected readonly base: string;
	/** The origin of the API base URL: the only origin the key is sent to. */
	protected readonly apiOrigin: string;
	protected readonly errors: ProviderErrorContext;
	protected readonly credentialType: string;
	/** Times status requests from what this execution's earlier jobs took. */
	protected readonly pacer = new Pacer();

	constructor(setup: SessionSetup) {
		this.base = setup.base;
		this.scrub = setup.scrub;
		this.errors = setup.errors;
		this.credentialType = setup.credentialType;
		this.apiOrigin = new URL(setup.base).origin;
		this.plainHttpOrigin = plainHttpOriginOf(setup.base);
		this.internalOrigin = internalOriginOf(setup.base);
	}

	abstract upload(scope: JobScope, image: ImageBytes): Promise<string>;
	abstract submit(
		scope: JobScope,
		request: JobRequest,
		imageUrl: string | undefined,
	): Promise<SubmittedJob>;
	abstract fetchResult(
		scope: JobScope,
		job: SubmittedJob,
		finalStatus: unknown,
	): Promise<JobResult>;
	abstract lookup(requestId: string, links: Record<string, unknown>): SubmittedJob;

	/**
	 * One status request: finished (with the answer `fetchResult` reads), still going (with the wait
	 * before the next and the provider's word for the state), or the job's failure, thrown.
	 */
	protected abstract statusStep(
		scope: JobScope,
		job: SubmittedJob,
		timeoutMs: number,
		elapsedMs: number,
	): Promise<PollStep>;

	/** Polls the status step until done, to the job's deadline; paced from this execution's earlier jobs. */
	async wait(scope: JobScope, job: SubmittedJob): Promise<unknown> {
		return await this.waitByPolling(scope, job);
	}

	protected async waitByPolling(scope: JobScope, job: SubmittedJob): Promise<unknown> {
		return await pollUntilDone(
			scope,
			() => jobTimeout(scope),
			async (timeoutMs, elapsedMs) => await this.statusStep(scope, job, timeoutMs, elapsedMs),
			this.pacer,
		);
	}

	async statusOnce(scope: JobScope, job: SubmittedJob): Promise<StatusOnce> {
		return await readStatusOnce((timeoutMs) => this.statusStep(scope, job, timeoutMs, 0));
	}

	/**
	 * Asks the provider to stop the job (see ProviderSession.cancel): the provider's `cancelJob`, or
	 * `not_supported` for a provider that has none (nothing is sent; the job may still finish and
	 * bill). When the answer proves nothing and the provider's `stopProof` says a later status read
	 * can (Replicate's cancel takes effect after it answers), the job's status is read again within
	 * STOP_CONFIRM: a state that proves the stop makes it `stopped`, a finished job
	 * `already_finished`; anything else leaves the answer's outcome (never safe).
	 */
	async cancel(scope: JobScope, job: SubmittedJob): Promise<CancelOutcome> {
		if (!this.cancelJob) return 'not_supported';
		const outcome = await this.cancelJob(scope, job);
		if (outcome !== 'requested' && outcome !== 'failed') return outcome;
		if (!this.stopProof?.readAfterCancel || scope.signal?.aborted) return outcome;
		return await this.readAfterCancel(scope, job, outcome);
	}

	/** This provider's row of the STOP PROOF table, where its cancel or status code needs it. */
	protected readonly stopProof?: StopProof;

	/** The provider's cancel, where it has one; never throws (send it with `sendCancel`). */
	protected cancelJob?(scope: JobScope, job: SubmittedJob): Promise<CancelOutcome>;

	/**
	 * Status reads after a cancel whose answer proved nothing, one every STOP_CONFIRM.pauseMs, all
	 * within STOP_CONFIRM.budgetMs (the job's own deadline has passed: these reads get their own).
	 * The status step's verdict is the STOP PROOF table's: a failure it throws with `jobStopped` is
	 * the proof. Never throws.
	 */
	private async readAfterCancel(
		scope: JobScope,
		job: SubmittedJob,
		unproven: CancelOutcome,
	): Promise<CancelOutcome> {
		const deadline = clock.now() + STOP_CONFIRM.budgetMs;
		const confirm: JobScope = { ...scope, deadline, timeoutMs: STOP_CONFIRM.budgetMs };
		for (;;) {
			if (clock.now() + STOP_CONFIRM.pauseMs >= deadline) return unproven;
			await clock.sleep(STOP_CONFIRM.pauseMs, scope.signal);
			if (scope.signal?.aborted) return unproven;
			try {
				const step = await this.statusStep(confirm, job, Math.max(1, deadline - clock.now()), 0);
				if (step.done) return 'already_finished';
			} catch (error) {
				if (error instanceof FluxError && error.jobStopped) return 'stopped';
				// Any other failure (an unreadable answer, a network error, a status that proves nothing)
				// is no proof: the next read, if the budget allows, may still give one.
			}
		}
	}

	/** A URL the provider returned, used only if it is on the API origin (the key goes nowhere else); else `fallback`. */
	protected link(candidate: unknown, fallback: string): string {
		return parseUrl(candidate)?.origin === this.apiOrigin ? (candidate as string) : fallback;
	}

	/**
	 * Get Result's links for a job: each one the item carried when `allowed` (by default: on the API
	 * origin), the one built from the request ID when it carried none; any other is refused.
	 */
	protected lookupLinks(
		links: Record<string, unknown>,
		built: Record<string, string>,
		allowed: (url: string) => boolean = onOrigin(this.apiOrigin),
	): Record<string, string> {
		return Object.fromEntries(
			Object.entries(built).map(([key, url]) => [
				key,
				lookupLink(links, key, url, allowed, this.errors.providerName),
			]),
		);
	}

	/** An input image inline, as a data URI (for providers that take one up to a size). */
	protected dataUri(image: ImageBytes): string {
		return `data:${image.mimeType};base64,${image.bytes.toString('base64')}`;
	}

	/** One signed JSON POST bounded by the job (a submit or an upload step), its answer read as JSON. */
	protected async postJson(
		scope: JobScope,
		url: string,
		purpose: Purpose,
		json: unknown,
		what: string,
	): Promise<Record<string, unknown>> {
		return readJson(
			this.errors,
			await send(scope.ctx, this.errors, {
				method: 'POST',
				url,
				purpose,
				credentialType: this.credentialType,
				json,
				...jobLimits(scope),
			}),
			what,
		);
	}

	/** One signed status GET (a read: retried), as JSON. */
	protected async getStatus(
		scope: JobScope,
		url: string,
		timeoutMs: number,
		what: string,
	): Promise<Record<string, unknown>> {
		return await getStatusJson(scope, this.errors, this.credentialType, url, timeoutMs, what);
	}

	/**
	 * The cancel request itself, with CANCEL_RETRY. Detached: cancelling is exactly what runs after
	 * the execution was cancelled. Throws as `send` does; the provider reads the outcome.
	 */
	protected async sendCancel(
		scope: JobScope,
		method: IHttpRequestMethods,
		url: string,
	): Promise<HttpResponse> {
		return await send(
			scope.ctx,
			this.errors,
			{
				method,
				url,
				purpose: 'cancel',
				credentialType: this.credentialType,
				timeoutMs: CANCEL_TIMEOUT_MS,
				detached: true,
			},
			CANCEL_RETRY,
		);
	}
}
