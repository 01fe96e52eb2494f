import { boundText, PROVIDER_TEXT_MAX, PROVIDER_WORD_MAX } from '../shared/bound';
import { redact } from './redact';

/**
 * What went wrong, in the terms a workflow builder acts on. Every provider maps its own error
 * bodies onto these kinds; the wording for each kind lives here, once.
 */
export type ErrorKind =
	| 'auth' // the credential was refused
	| 'credit' // the account cannot pay for the job
	| 'validation' // the provider refused a field
	| 'moderation' // the content checker blocked the prompt or an image
	| 'rate_limit' // still throttled after the retries
	| 'unavailable' // provider down or failing after the retries
	| 'not_found' // unknown job or endpoint
	| 'job_failed' // the job ran and failed
	| 'maybe_submitted' // a job-creating request failed in a way that may have created the job
	| 'timeout' // the job did not finish in time
	| 'cancelled' // the execution was cancelled
	| 'network' // no connection to the provider after the retries
	| 'bad_response' // the provider answered with something this node does not understand
	| 'download' // an image could not be fetched or is not an image
	| 'spend_cap'; // not run: it would take the run over Max Cost per Run

/**
 * An error of this package: its message and description are already safe to show and log. Provider
 * text in them is bounded where it is quoted (shared/bound.ts); `toNodeError` bounds the whole last,
 * after the key is masked (a cut first could leave part of a key unmasked).
 */
export class FluxError extends Error {
	readonly kind: ErrorKind;
	readonly description?: string;
	readonly httpCode?: number;
	readonly requestId?: string;
	/** The finished image a failed download was for: paid for, and still at this link for a while. */
	readonly imageUrl?: string;
	/** Set when the failure came before any job existed (input upload, or a submit provably refused). */
	readonly noJob?: boolean;
	/**
	 * Set when the provider's own word for the job proves it stopped without a finished image: its
	 * failure status, or (a job that ran out of time) its answer to the cancel or a status read after
	 * it (transport/verdict.ts, STOP PROOF). fal's 202 and Runflow's `canceled` do not set it.
	 */
	readonly jobStopped?: boolean;
	/** The provider (its id) that holds the job `requestId` names: where to collect it (Get Result). */
	readonly provider?: string;
	/** The model (its id) the job runs, when not FLUX 1.1 [pro] Ultra: Get Result's Model for it. */
	readonly model?: string;

	constructor(kind: ErrorKind, message: string, extra: FluxErrorExtra = {}) {
		super(redact(message));
		this.name = 'FluxError';
		this.kind = kind;
		this.description = extra.description === undefined ? undefined : redact(extra.description);
		this.httpCode = extra.httpCode;
		this.requestId = extra.requestId;
		this.imageUrl = extra.imageUrl;
		this.noJob = extra.noJob;
		this.jobStopped = extra.jobStopped;
		this.provider = extra.provider;
		this.model = extra.model;
	}

	/** The same error with more facts attached (the message and description are kept as they are). */
	with(extra: Omit<FluxErrorExtra, 'description'>): FluxError {
		// The constructor reads only FluxErrorExtra's fields of what this error carries.
		return new FluxError(this.kind, this.message, { ...this, ...extra });
	}

	/**
	 * The same error with the provider's job id attached, for support and for finding the job, and
	 * the provider (its id) that holds it and the model (its id) the job runs, when the error names
	 * no job yet.
	 */
	withRequestId(requestId: string | undefined, provider?: string, model?: string): FluxError {
		if (!requestId) return this;
		if (this.requestId) {
			const add = {
				...(provider && !this.provider ? { provider } : {}),
				...(model && !this.model && this.requestId === requestId ? { model } : {}),
			};
			return Object.keys(add).length ? this.with(add) : this;
		}
		return this.with({ requestId, provider, ...(model ? { model } : {}) });
	}
}
/**
 * A field-level validation failure: the field as the editor names it, what is wrong, and the value
 * received. Thrown before any request, from parameters/, providers/, job/ and run/; run/outcomes.ts
 * turns it into a NodeOperationError for the item.
 */
export class ParameterError extends Error {
	constructor(
		readonly field: string,
		readonly problem: string,
		readonly received: unknown,
	) {
		super(`Invalid value for "${field}": ${problem}`);
		this.name = 'ParameterError';
	}
}

export interface FluxErrorExtra {
	description?: string;
	httpCode?: number;
	requestId?: string;
	imageUrl?: string;
	noJob?: boolean;
	jobStopped?: boolean;
	provider?: string;
	model?: string;
}

/** A provider's own message, if it is short plain text: an HTML error page from a proxy is not one. */
export function plainText(text: unknown): string | undefined {
	if (typeof text !== 'string') return undefined;
	const t = text.trim();
	if (!t || t.startsWith('<') || t.length > 300) return undefined;
	return t;
}

/** What a provider module reads out of one of its error responses. */
export interface ParsedProviderError {
	/** The provider's own human-readable message. */
	message?: string;
	/** The provider's machine-readable error type, e.g. fal's `content_policy_violation`. */
	type?: string;
	/** Display name of the node field the provider blamed, if any. */
	field?: string;
	/** True when the provider says the failure was a content-policy block. */
	moderated?: boolean;
	/** True when the provider says the account cannot pay, whatever the HTTP status. */
	credit?: boolean;
}

/** Who is talking: used to word errors, to parse provider bodies and to veto retries. */
export interface ProviderErrorContext {
	providerName: string;
	credentialName: string;
	parseError(status: number, body: unknown, headers: Record<string, string>): ParsedProviderError;
	/** True when the provider marks an otherwise retryable answer as final (e.g. a timeout the user set). */
	noRetry?(status: number, headers: Record<string, string>): boolean;
	/**
	 * True when a 502/503 answer to a request sent to `url` provably came from the provider's own
	 * front door, before the request reached the service (fal's "ingress errors"): a job-creating
	 * request that got it created nothing, so it may be sent again, and an item may fail over. Only
	 * asked for the statuses of FRONT_DOOR_STATUS (transport/verdict.ts, where the rule is argued).
	 */
	neverReached?(
		status: number,
		headers: Record<string, string>,
		body: Buffer,
		url: string,
	): boolean;
}

export function kindForStatus(status: number, parsed: ParsedProviderError): ErrorKind {
	if (parsed.moderated) return 'moderation';
	if (parsed.credit) return 'credit';
	if (status === 401 || status === 403) return 'auth';
	if (status === 402) return 'credit';
	if (status === 404) return 'not_found';
	if (status === 429) return 'rate_limit';
	if (status === 400 || status === 409 || status === 413 || status === 422) return 'validation';
	if (status >= 500) return 'unavailable';
	return 'bad_response';
}

/** Turns a provider's error response into a FluxError worded for a no-code user. */
export function errorFromResponse(
	provider: ProviderErrorContext,
	status: number,
	body: unknown,
	headers: Record<string, string>,
	attempts: number,
): FluxError {
	const raw = provider.parseError(status, body, headers);
	// The provider's words, bounded before they are quoted: a sentence, and a field name.
	const parsed: ParsedProviderError = {
		...raw,
		message: raw.message === undefined ? undefined : boundText(raw.message, PROVIDER_TEXT_MAX),
		field: raw.field === undefined ? undefined : boundText(raw.field, PROVIDER_WORD_MAX),
	};
	const kind = kindForStatus(status, parsed);
	const name = provider.providerName;
	const said = parsed.message ? `: ${parsed.message.replace(/[.\s]+$/, '')}` : '';
	const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
	switch (kind) {
		case 'auth':
			return new FluxError(kind, `${name} refused the API key (HTTP ${status})`, {
				httpCode: status,
				description: `Open the "${provider.credentialName}" credential of this node and check the API key: it may be mistyped, revoked or lack access${said}.`,
			});
		case 'credit':
			return new FluxError(kind, `Your ${name} account is out of credit`, {
				httpCode: status,
				description: `Top up the balance in your ${name} billing settings, then run the workflow again${said}.`,
			});
		case 'moderation':
			return new FluxError(
				kind,
				`${name} blocked the content: it was flagged by the content checker`,
				{
					httpCode: status,
					description: `Change the prompt or the input image${parsed.field ? ` (${parsed.field})` : ''}, or raise "Safety Tolerance" in Options${said}.`,
				},
			);
		case 'validation':
			return new FluxError(
				kind,
				parsed.field
					? `${name} rejected the field "${parsed.field}"${said}`
					: `${name} rejected the request${said}`,
				{
					httpCode: status,
					description: parsed.field
						? `Change "${parsed.field}" and run the workflow again.`
						: 'Check the node fields against the provider documentation and run the workflow again.',
				},
			);
		case 'rate_limit':
			return new FluxError(kind, `${name} is rate limiting requests (HTTP 429)${tries}`, {
				httpCode: status,
				description: `Too many jobs at once for your ${name} account. Lower "Max Parallel Jobs" in Options (or send fewer items per run), or try again later.`,
			});
		case 'unavailable':
			return new FluxError(kind, `${name} is not available right now (HTTP ${status})${tries}`, {
				httpCode: status,
				description: `The provider failed on its side${said}. Try again in a few minutes.`,
			});
		case 'not_found':
			return new FluxError(kind, `${name} does not know this job or model (HTTP 404)`, {
				httpCode: status,
				description: `The job may have expired, or the API base URL in the "${provider.credentialName}" credential is wrong${said}.`,
			});
		default:
			return new FluxError(
				kind,
				`${name} answered with an unexpected error (HTTP ${status})${said}`,
				{
					httpCode: status,
				},
			);
	}
}
