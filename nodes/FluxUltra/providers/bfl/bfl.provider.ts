import type { ICredentialDataDecryptedObject, IExecuteFunctions } from 'n8n-workflow';

import { parseUrl } from '../../shared/url';
import type { Operation } from '../../parameters/table';
import type { JobRequest } from '../../parameters/validation';
import { FluxError } from '../../transport/errors';
import { provesStop } from '../../transport/verdict';
import { boundText, PROVIDER_WORD_MAX } from '../../shared/bound';
import { baseUrlFromCredential } from '../common/baseUrl';
import { buildInput, fieldsFor } from '../common/fields';
import { asRecord, asString, type Json } from '../../shared/json';
import type { PollStep } from '../common/polling';
import { reportedCostUsd } from '../common/reportedCost';
import { errorContext, openSession, SessionBase, type SessionSetup } from '../common/session';
import type {
	FluxProvider,
	ImageBytes,
	JobResult,
	JobScope,
	ProviderSession,
	SubmittedJob,
} from '../types';
import {
	BFL,
	BFL_CREDIT_USD,
	BFL_FIELDS,
	BFL_FINETUNE_FIELDS,
	BFL_PRICE_USD,
	bflPollDelayMs,
	type BflRegion,
	toBase64,
} from './bfl.constants';
import { BFL_MODEL_LINES } from './bfl.models';
import { modelBody } from '../common/modelLines';
import { parseBflError } from './bfl.errors';

const CREDENTIAL = 'bflApi';

const errors = errorContext('Black Forest Labs', parseBflError);

/** The Ultra request body: canonical parameters under BFL's names and types, flat. */
export function toBflInput(request: JobRequest, imageBase64: string | undefined): Json {
	const body = buildInput(fieldsFor(bflProvider, request.operation), request, imageBase64);
	if (request.options.webhookUrl) body[BFL.webhookField] = request.options.webhookUrl;
	return body;
}

/**
 * The API base: the credential's base URL when set, else the host of its Region (global by default);
 * for Generate with Fine-Tune, the Region's single-cluster host (`BFL.finetuneHosts`).
 */
export function resolveBflBase(region: unknown, baseUrl: unknown, operation?: Operation): string {
	const hosts = operation === 'finetune' ? BFL.finetuneHosts : BFL.hosts;
	const host =
		hosts[(typeof region === 'string' && region in hosts ? region : 'global') as BflRegion];
	return baseUrlFromCredential(baseUrl, host, errors.credentialName);
}

/** Whether a URL is on one of BFL's own API hosts over https on port 443 (`BFL.apiHost`). */
export function isBflApiUrl(url: URL): boolean {
	return url.protocol === 'https:' && url.port === '' && BFL.apiHost.test(url.hostname);
}

/**
 * Where a `polling_url` (from BFL's answer, or from an item's Job Links) is fetched with the key, or
 * undefined when the key must not go there. A link on the credential's own API origin is used as
 * it is. A link on one of BFL's API hosts (`BFL.apiHost`, https, port 443) is used as it is when the
 * node talks to BFL directly; when the credential's API Base URL is a proxy (or a test server), the
 * link follows the proxy: its path and query go to the base URL, so the key never bypasses it.
 * Anything else (another `*.bfl.ai` host, another port, plain http, user info) gets no key.
 */
export function bflKeyUrl(value: unknown, base: string): string | undefined {
	const url = parseUrl(value);
	if (!url || url.username || url.password) return undefined;
	const api = new URL(base);
	if (url.origin === api.origin) return url.toString();
	if (!isBflApiUrl(url)) return undefined;
	return isBflApiUrl(api) ? url.toString() : `${base}${url.pathname}${url.search}`;
}

/** The error a finished-but-not-Ready status stands for. */
export function bflStatusError(status: string, body: Json): FluxError {
	const details = asRecord(body.details) ?? asRecord(asRecord(body.result)?.details);
	const said = details ? `: ${boundText(JSON.stringify(details))}` : '';
	if ((BFL.status.moderated as readonly string[]).includes(status)) {
		const stage =
			status === 'Request Moderated'
				? 'The prompt or input image was flagged before the job ran'
				: 'The image was flagged after it was made';
		return new FluxError(
			'moderation',
			'Black Forest Labs blocked the content: it was flagged by the content checker',
			{
				description: `${stage} (status "${status}"${said}); BFL does not charge moderated requests. Change the prompt or the input image, or raise "Safety Tolerance" in Options.`,
				jobStopped: provesStop(BFL.stopProof, status),
			},
		);
	}
	if (status === BFL.status.notFound) {
		// BFL accepted the job (it has an id): not knowing it now does not say it failed unbilled.
		return new FluxError(
			'bad_response',
			'Black Forest Labs no longer knows the job (Task not found)',
			{
				description:
					'BFL had accepted it, so it may have run and been billed, or it expired. Look for it in your BFL dashboard under the request ID below before running this item again.',
			},
		);
	}
	return new FluxError(
		'job_failed',
		`Black Forest Labs could not finish the job (status "${boundText(status, PROVIDER_WORD_MAX)}")`,
		{
			description: `Try again; if it persists, change the prompt or the settings${said}.`,
			jobStopped: provesStop(BFL.stopProof, status),
		},
	);
}

class BflSession extends SessionBase {
	constructor(
		setup: SessionSetup,
		/** Where Generate with Fine-Tune jobs go: the Region's single-cluster host, or the same base URL. */
		private readonly finetuneBase: string,
	) {
		super(setup);
	}

	/** BFL takes the image itself, base64-encoded in the request: nothing is uploaded. */
	async upload(_scope: JobScope, image: ImageBytes): Promise<string> {
		return image.bytes.toString('base64');
	}

	async submit(
		scope: JobScope,
		request: JobRequest,
		imageBase64: string | undefined,
		references: readonly string[] = [],
	): Promise<SubmittedJob> {
		// A model beyond Ultra: its line's endpoint and body (checkServed made sure there is a line).
		const line = request.model ? BFL_MODEL_LINES[request.model.id] : undefined;
		const url = line
			? `${this.base}${line.endpoint}`
			: request.operation === 'finetune'
				? `${this.finetuneBase}${BFL.finetuneEndpointPath}`
				: `${this.base}${BFL.endpointPath}`;
		const body = await this.postJson(
			scope,
			url,
			'submit',
			line
				? modelBody(line, request, references.map(toBase64) as string[])
				: toBflInput(request, imageBase64),
			'submit response',
		);
		const id = asString(body.id);
		if (!id) {
			throw new FluxError('bad_response', 'Black Forest Labs accepted the job but sent no job id', {
				description: 'The job may exist: check your BFL dashboard before running this item again.',
			});
		}
		// Always the returned polling URL, never one built here: it points at the region that ran the job.
		const polling = bflKeyUrl(body.polling_url, this.base);
		if (!polling) {
			throw new FluxError(
				'bad_response',
				'Black Forest Labs answered with a polling URL this node does not send the key to',
				{
					requestId: id,
					description: `The job was created but is not followed: its polling URL (${String(body.polling_url).slice(0, 80)}) is not on a Black Forest Labs API host (https://api.bfl.ai or a regional api.*.bfl.ai, port 443) or the API base URL of the credential.`,
				},
			);
		}
		const credits = reportedCostUsd(body.cost);
		return {
			requestId: id,
			links: { polling },
			costUsd: credits === undefined ? undefined : credits * BFL_CREDIT_USD,
		};
	}

	/** One `GET polling_url`: Ready, Pending, or the task's failure. */
	protected async statusStep(
		scope: JobScope,
		job: SubmittedJob,
		timeoutMs: number,
		elapsedMs: number,
	): Promise<PollStep> {
		const body = await this.getStatus(scope, job.links.polling, timeoutMs, 'job status');
		const status = String(body.status ?? body.state ?? '');
		if (status === BFL.status.ready) return { done: true, status: body };
		if ((BFL.status.pending as readonly string[]).includes(status))
			return { done: false, nextDelayMs: bflPollDelayMs(elapsedMs), state: status };
		if (
			(BFL.status.moderated as readonly string[]).includes(status) ||
			(BFL.status.failed as readonly string[]).includes(status) ||
			status === BFL.status.notFound
		) {
			throw bflStatusError(status, body);
		}
		// BFL's own SDK treats any status it does not know as a failure rather than wait forever.
		throw new FluxError(
			'bad_response',
			`Black Forest Labs reported an unknown job status "${boundText(status, PROVIDER_WORD_MAX)}"`,
		);
	}

	/** A polling URL from item JSON goes through the same check (and proxy rewrite) as one BFL returned. */
	lookup(requestId: string, links: Record<string, unknown>): SubmittedJob {
		const { polling } = this.lookupLinks(
			links,
			{ polling: `${this.base}${BFL.getResultPath(requestId)}` },
			(url) => bflKeyUrl(url, this.base) !== undefined,
		);
		return { requestId, links: { polling: bflKeyUrl(polling, this.base)! } };
	}

	/** A Ready answer carries the result: one signed URL, valid 10 minutes, downloaded right after this. */
	async fetchResult(_scope: JobScope, job: SubmittedJob, finalStatus: unknown): Promise<JobResult> {
		const result = asRecord(asRecord(finalStatus)?.result);
		const sample = asString(result?.sample);
		if (!sample) {
			// Ready is a success at BFL (and billed): a missing sample is a bad answer, not a failed job.
			throw new FluxError(
				'bad_response',
				'Black Forest Labs finished the job but returned no image',
				{
					description:
						'BFL reported the job Ready, so it is billed. Look for it in your BFL dashboard under the request ID below before running this item again.',
				},
			);
		}
		const seed = result?.seed;
		return {
			requestId: job.requestId,
			seed: typeof seed === 'number' || typeof seed === 'string' ? seed : undefined,
			prompt: asString(result?.prompt),
			images: [{ url: sample }],
			costUsd: job.costUsd,
		};
	}

	// No cancel: BFL documents none (BFL.canCancel), so the base's `not_supported` stands.
}

export const bflProvider: FluxProvider = {
	id: 'bfl',
	displayName: 'Black Forest Labs',
	credentialType: CREDENTIAL,
	errors,
	fields: BFL_FIELDS,
	models: BFL_MODEL_LINES,
	operationFields: { finetune: BFL_FINETUNE_FIELDS },
	pricePerImageUsd: BFL_PRICE_USD,
	canCancel: BFL.canCancel,
	stopProof: BFL.stopProof,
	editorNotes: {
		finetuneId: 'A shared Black Forest Labs fine-tune is named org-id/lora-name.',
		finetuneStrength: "1.2 is Black Forest Labs' default.",
		maxParallelJobs: `BFL allows ${BFL.maxConcurrentJobs}`,
		downloadImage: `Black Forest Labs links after ${BFL.resultUrlTtlMs / 60_000} minutes`,
		webhookUrl: `BFL's ${BFL.webhookField}`,
	},
	imagesPerRequest: 1,
	imageUrlAs: 'bytes',
	unsupported: () => undefined,
	async open(ctx: IExecuteFunctions): Promise<ProviderSession> {
		const base = (c: ICredentialDataDecryptedObject, operation?: Operation) =>
			resolveBflBase(c.region, c.baseUrl, operation);
		return await openSession(
			ctx,
			errors,
			CREDENTIAL,
			base,
			(setup, c) => new BflSession(setup, base(c, 'finetune')),
		);
	},
};
