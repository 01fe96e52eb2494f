import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import type { JobRequest } from '../parameters/validation';
import type { FluxProvider, ProviderSession } from '../providers/types';
import { FluxError } from '../transport/errors';
import { safeToRunElsewhere } from '../transport/verdict';
import { splitRequest, type JobPart } from '../job/expand';
import { runJob } from '../job/job';

/**
 * Consecutive provider-side failures of the first provider after which the rest of the run's jobs
 * go straight to the fallback (a breaker), so an outage does not cost every item its full retry
 * budget. The breaker stays open for the rest of the execution; the next execution tries the first
 * provider again.
 */
export const BREAKER_AFTER = 3;

/** What the output JSON says about an item that the fallback provider ran. */
export interface FailoverNote {
	from: string;
	reason: string;
}

/**
 * Why an item may move to the fallback provider, or undefined when it must not. Whether it may is
 * the "safe to run elsewhere" verdict of the rule table (transport/verdict.ts), the same one the
 * transport's retries use and error items carry as `error.safeToRunElsewhere`; this only words it:
 * - before any job existed (input upload or a submit that provably never arrived): throttled after
 *   the retries, unreachable after the retries, down as its own front door said, or out of credit;
 * - the job failed at the provider (its own failure status, one that proves the job stopped: not
 *   Runflow's `canceled`, nor an answer the node could not read);
 * - the job ran out of time and the provider's word for it proves it stopped (the cancel's answer,
 *   or a status read after it).
 * Never after a lost creation answer or a proxy's 504 (`maybe_submitted`), a bad answer
 * (`bad_response`: the job may have succeeded and billed), a cancel that does not prove the stop
 * (fal's 202, a Replicate cancel answered `processing`), a refused field, blocked content, a
 * refused key, a paid image whose download failed, or a cancelled execution.
 */
export function failoverReason(provider: FluxProvider, error: unknown): string | undefined {
	if (!safeToRunElsewhere(error)) return undefined;
	const e = error as FluxError;
	const name = provider.displayName;
	if (e.noJob) {
		switch (e.kind) {
			case 'rate_limit':
				return `${name} kept refusing new jobs (HTTP 429)`;
			case 'network':
				return `${name} could not be reached`;
			case 'unavailable':
				return `${name} was unavailable (HTTP ${e.httpCode ?? '5xx'}) before taking the job`;
			case 'credit':
				return `the ${name} account is out of credit`;
		}
	}
	if (e.kind === 'job_failed') return `${name} failed the job on its side`;
	if (e.kind === 'timeout') return `the job timed out at ${name}, which confirmed it stopped`;
	return undefined;
}

/**
 * Runs jobs on the first provider and moves an item to the fallback provider when failoverReason
 * allows it. One instance per execution: it holds the breaker and the fallback's session, which is
 * opened (its credential read) only when an item first needs it.
 */
export class Failover {
	private failuresInARow = 0;
	private breaker: string | undefined;
	private fallbackSession: Promise<ProviderSession> | undefined;
	/** Masks the fallback's key, once its session is open (see `scrub`). */
	private fallbackScrub: ((text: string) => string) | undefined;

	constructor(
		private readonly ctx: IExecuteFunctions,
		private readonly primary: FluxProvider,
		private readonly fallback: FluxProvider | undefined,
		/** The fallback's session when the run already opened it (to check items against it before any job). */
		openedFallback?: ProviderSession,
	) {
		if (openedFallback) {
			this.fallbackSession = Promise.resolve(openedFallback);
			this.fallbackScrub = openedFallback.scrub.bind(openedFallback);
		}
	}

	/**
	 * Masks the fallback provider's key in text about to be shown (an error it echoed the key into),
	 * as the first provider's session masks its own.
	 */
	scrub(text: string): string {
		return this.fallbackScrub ? this.fallbackScrub(text) : text;
	}

	async run(
		session: ProviderSession,
		request: JobRequest,
		itemIndex: number,
		release: () => void,
		part?: JobPart,
		/** Called once the item is known to fail for good, before its job's cancel (see runJob). */
		failing: () => void = () => undefined,
	): Promise<INodeExecutionData[]> {
		const fallback = this.fallback;
		// `failing` only where no other provider may take the item over (see runJob).
		const onPrimary = async (whenFailing?: () => void) =>
			await runJob(this.ctx, this.primary, session, request, itemIndex, release, part, whenFailing);
		if (!fallback) return await onPrimary(failing);
		let reason = this.breaker;
		if (!reason) {
			const first = await onPrimary().then(
				(items) => ({ items, failure: undefined }),
				(failure: unknown) => ({ items: undefined, failure }),
			);
			if (first.items) {
				this.failuresInARow = 0;
				return first.items;
			}
			reason = failoverReason(this.primary, first.failure);
			if (!reason) throw first.failure;
			this.failuresInARow++;
			if (this.failuresInARow >= BREAKER_AFTER && !this.breaker) {
				this.breaker = `${this.primary.displayName} failed ${this.failuresInARow} items in a row in this run (last: ${reason}), so later items went straight to ${fallback.displayName}`;
			}
		}
		const note: FailoverNote = { from: this.primary.id, reason };
		try {
			const fallbackSession = await (this.fallbackSession ??= this.fallback.open(this.ctx));
			this.fallbackScrub = fallbackSession.scrub.bind(fallbackSession);
			const items: INodeExecutionData[] = [];
			// The fallback may make fewer images per request (BFL, Replicate: one), so the job is split
			// again for it, keeping the images' places among the item's images.
			for (const job of splitRequest(fallback, request)) {
				const placed = placePart(part, job.part);
				items.push(
					...(await runJob(
						this.ctx,
						fallback,
						fallbackSession,
						job.request,
						itemIndex,
						() => undefined,
						placed,
						failing,
					)),
				);
			}
			release();
			for (const item of items) item.json.failover = { ...note };
			return items;
		} catch (error) {
			throw afterFailover(error, note, this.primary, fallback);
		}
	}
}

/** A fallback job's place among the item's images: inside the first provider's part, if any. */
function placePart(outer: JobPart | undefined, inner: JobPart | undefined): JobPart | undefined {
	if (!outer) return inner;
	if (!inner) return { ...outer, shared: {} };
	return {
		firstImage: outer.firstImage + inner.firstImage,
		imageCount: outer.imageCount,
		shared: inner.shared,
	};
}

/** The fallback's own failure, saying that the item had already failed over and why. */
function afterFailover(
	error: unknown,
	note: FailoverNote,
	primary: FluxProvider,
	fallback: FluxProvider,
): unknown {
	if (!(error instanceof FluxError)) return error;
	const why = `The item had moved from ${primary.displayName} to the fallback ${fallback.displayName}: ${note.reason}.`;
	return new FluxError(error.kind, error.message, {
		description: [why, error.description].filter(Boolean).join(' '),
		httpCode: error.httpCode,
		requestId: error.requestId,
		imageUrl: error.imageUrl,
		// Kept for the verdict on the error item: the first provider's failure was safe to move, so
		// the item is safe to run elsewhere exactly when the fallback's failure is too.
		noJob: error.noJob,
		jobStopped: error.jobStopped,
		provider: error.provider,
		model: error.model,
	});
}
