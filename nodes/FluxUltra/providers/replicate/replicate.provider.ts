import type { IExecuteFunctions } from 'n8n-workflow';

import { clock } from '../../shared/clock';
import { boundText, PROVIDER_WORD_MAX } from '../../shared/bound';
import { isFollowableLink } from '../../shared/url';
import type { JobRequest } from '../../parameters/validation';
import { FluxError } from '../../transport/errors';
import { readJson, send, type HttpResponse } from '../../transport/http';
import { UPLOAD_TIMEOUT_MS } from '../../transport/retryPolicy';
import { provesStop } from '../../transport/verdict';
import { buildInput } from '../common/fields';
import { asRecord, asString, type Json } from '../../shared/json';
import { jobLimits, type PollStep } from '../common/polling';
import { errorContext, openSession, SessionBase } from '../common/session';
import type {
	CancelOutcome,
	FluxProvider,
	ImageBytes,
	JobResult,
	JobScope,
	ProviderSession,
	ResultImage,
	SubmittedJob,
} from '../types';
import {
	REPLICATE,
	REPLICATE_FIELDS,
	REPLICATE_NO_FINETUNE,
	REPLICATE_PRICE_USD,
	replicatePollDelayMs,
} from './replicate.constants';
import { REPLICATE_MODEL_LINES } from './replicate.models';
import { modelBody } from '../common/modelLines';
import { fetchSchemaJson, InputSchemas, type SchemaRead } from '../common/inputSchema';
import { replicateInputSchema } from './replicate.schema';
import type { SessionSetup } from '../common/session';
import { isModerationText, parseReplicateError } from './replicate.errors';

const CREDENTIAL = 'replicateApi';

const errors = errorContext('Replicate', parseReplicateError);

/** The prediction body: canonical parameters under Replicate's names, inside `input`. */
export function toReplicateBody(request: JobRequest, imageUrl: string | undefined): Json {
	return withWebhook(request, { input: buildInput(REPLICATE_FIELDS, request, imageUrl) });
}

/** The webhook beside the input, for Ultra and every model alike. */
function withWebhook(request: JobRequest, body: Json): Json {
	const { webhook } = REPLICATE;
	if (request.options.webhookUrl)
		Object.assign(body, {
			[webhook.field]: request.options.webhookUrl,
			[webhook.filterField]: [...webhook.events],
		});
	return body;
}

/** A prediction's images: Ultra's output is one URL; a list of URLs (other models' shape) is read too. */
export function replicateImages(output: unknown): ResultImage[] {
	const list = Array.isArray(output) ? output : [output];
	return list.flatMap((entry) => {
		const url = asString(entry) ?? asString(asRecord(entry)?.url);
		return url ? [{ url }] : [];
	});
}

/** The seed a prediction ran with: from its logs when they name it (UNCONFIRMED), else the input seed. */
export function replicateSeed(prediction: Json): number | string | undefined {
	const logs = asString(prediction.logs);
	const logged = logs ? REPLICATE.seedInLogs.exec(logs)?.[1] : undefined;
	if (logged) return Number.isSafeInteger(Number(logged)) ? Number(logged) : logged;
	const seed = asRecord(prediction.input)?.seed;
	return typeof seed === 'number' || typeof seed === 'string' ? seed : undefined;
}

/**
 * The error a prediction that ended badly stands for: moderation, its own failure, or a cancel.
 * Each of these statuses proves the prediction stopped (REPLICATE.stopProof), so the error says so
 * (`jobStopped`): it makes no image, and the item may run elsewhere.
 */
export function predictionFailure(prediction: Json, status: string): FluxError {
	const error = boundText(
		asString(prediction.error) ?? (prediction.error ? JSON.stringify(prediction.error) : ''),
	);
	const jobStopped = provesStop(REPLICATE.stopProof, status);
	if ((REPLICATE.status.canceled as readonly string[]).includes(status)) {
		return new FluxError('job_failed', 'The prediction was cancelled at Replicate', {
			description:
				'It was cancelled outside this workflow (in Replicate), or ran past a deadline, so it made no image (Replicate may still bill the time it ran). Run the workflow again to create a new prediction.',
			jobStopped,
		});
	}
	if (isModerationText(error)) {
		return new FluxError(
			'moderation',
			'Replicate blocked the content: it was flagged by the content checker',
			{
				description: `Change the prompt or the input image, or raise "Safety Tolerance" in Options${error ? `: ${error}` : ''}.`,
				jobStopped,
			},
		);
	}
	return new FluxError(
		'job_failed',
		`Replicate could not finish the prediction${error ? `: ${error}` : ` (status "${boundText(status, PROVIDER_WORD_MAX)}")`}`,
		{
			description: 'Try again; if it persists, change the prompt or the settings.',
			jobStopped,
		},
	);
}

/** One multipart/form-data body with the file as `content` and empty `metadata`, as Replicate's client sends it. */
export function multipartFile(image: ImageBytes, boundary: string): Buffer {
	const safeName = image.fileName.replace(/["\r\n\\]/g, '_') || 'input';
	return Buffer.concat([
		Buffer.from(
			`--${boundary}\r\nContent-Disposition: form-data; name="content"; filename="${safeName}"\r\nContent-Type: ${image.mimeType}\r\n\r\n`,
		),
		image.bytes,
		Buffer.from(
			`\r\n--${boundary}\r\nContent-Disposition: form-data; name="metadata"; filename="blob"\r\nContent-Type: application/json\r\n\r\n{}\r\n--${boundary}--\r\n`,
		),
	]);
}

class ReplicateSession extends SessionBase {
	/** The models' input schemas, read once per model in this execution (RP-33…RP-37). */
	private readonly schemas: InputSchemas;

	constructor(setup: SessionSetup, ctx: IExecuteFunctions) {
		super(setup);
		// The model API is on the API host the key goes to (the credential's base): signed.
		this.schemas = new InputSchemas(ctx, 'Replicate', async (model, timeoutMs) => {
			const answer = await fetchSchemaJson(
				ctx,
				errors,
				{ url: `${this.base}${REPLICATE.modelPath(model)}`, credentialType: CREDENTIAL },
				timeoutMs,
			);
			return 'json' in answer ? replicateInputSchema(answer.json) : (answer as SchemaRead);
		});
	}

	/** Before any job: a model request against its model's input schema (read once per model). */
	async checkRequest(request: JobRequest): Promise<void> {
		await this.schemas.targetOf(REPLICATE_MODEL_LINES, request, request.references?.length ?? 0);
	}
	/**
	 * Small images go inline as a data URI (Replicate's advice up to 1 MB). Larger ones go through the
	 * Files API, as Replicate's own client does for a Buffer: a multipart `POST /v1/files` to the API
	 * host, then the file's `urls.get` as the input.
	 */
	async upload(scope: JobScope, image: ImageBytes): Promise<string> {
		if (image.bytes.length <= REPLICATE.inlineImageMaxBytes) return this.dataUri(image);
		const boundary = `n8nFluxUltra${clock.now().toString(36)}${Math.random().toString(36).slice(2)}`;
		const file = readJson(
			errors,
			await send(scope.ctx, errors, {
				method: 'POST',
				url: `${this.base}${REPLICATE.filesPath}`,
				purpose: 'upload',
				credentialType: CREDENTIAL,
				body: multipartFile(image, boundary),
				headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
				timeoutMs: UPLOAD_TIMEOUT_MS,
				...jobLimits(scope),
			}),
			'file upload',
		);
		const url = asRecord(file.urls)?.get;
		if (!isFollowableLink(url, this.plainHttpOrigin)) {
			throw new FluxError(
				'bad_response',
				'Replicate answered the image upload without a usable link',
				{
					description:
						'The input image was not uploaded. Try again; if it persists, give the image as an https URL instead.',
				},
			);
		}
		return url as string;
	}

	async submit(
		scope: JobScope,
		request: JobRequest,
		imageUrl: string | undefined,
		references: readonly string[] = [],
	): Promise<SubmittedJob> {
		// A model beyond Ultra: its official model's predictions and its line's input.
		// Under the names its schema lists when it could be read (checked again: nothing unchecked is paid for).
		const target = await this.schemas.targetOf(REPLICATE_MODEL_LINES, request, references.length);
		const line = target?.line;
		// A plain create, never "Prefer: wait" (docs/provider-facts.md RP-06, the node's choice): a create
		// that waits for the image can lose its answer mid-way after the prediction was made, and would
		// then not be resent (never pay twice) but also not be followed. A plain create answers at once
		// with the prediction's id; it is then polled.
		const prediction = await this.postJson(
			scope,
			line
				? `${this.base}${REPLICATE.modelPredictionsPath(line.endpoint)}`
				: `${this.base}${REPLICATE.predictionsPath}`,
			'submit',
			line
				? withWebhook(request, { input: modelBody(line, request, references) })
				: toReplicateBody(request, imageUrl),
			'prediction',
		);
		const id = asString(prediction.id);
		if (!id) {
			throw new FluxError(
				'bad_response',
				'Replicate accepted the prediction but sent no prediction id',
				{
					description:
						'The prediction may exist: check your Replicate dashboard before running this item again.',
				},
			);
		}
		const urls = asRecord(prediction.urls);
		return {
			requestId: id,
			links: {
				get: this.link(urls?.get, `${this.base}${REPLICATE.predictionPath(id)}`),
				cancel: this.link(urls?.cancel, `${this.base}${REPLICATE.cancelPath(id)}`),
			},
			...(target ? { inputSchema: target.schema } : {}),
		};
	}

	/** One `GET urls.get`: succeeded, starting/processing, or the prediction's failure. */
	protected async statusStep(
		scope: JobScope,
		job: SubmittedJob,
		timeoutMs: number,
		elapsedMs: number,
	): Promise<PollStep> {
		const prediction = await this.getStatus(scope, job.links.get, timeoutMs, 'prediction status');
		const status = String(prediction.status ?? '');
		if (status === REPLICATE.status.succeeded) return { done: true, status: prediction };
		if ((REPLICATE.status.pending as readonly string[]).includes(status)) {
			return {
				done: false,
				nextDelayMs: replicatePollDelayMs(elapsedMs, status === 'starting'),
				state: status,
			};
		}
		if (
			(REPLICATE.status.failed as readonly string[]).includes(status) ||
			(REPLICATE.status.canceled as readonly string[]).includes(status)
		) {
			throw predictionFailure(prediction, status);
		}
		throw new FluxError(
			'bad_response',
			`Replicate reported an unknown prediction status "${boundText(status, PROVIDER_WORD_MAX)}"`,
		);
	}

	lookup(requestId: string, links: Record<string, unknown>): SubmittedJob {
		return {
			requestId,
			links: this.lookupLinks(links, {
				get: `${this.base}${REPLICATE.predictionPath(requestId)}`,
				cancel: `${this.base}${REPLICATE.cancelPath(requestId)}`,
			}),
		};
	}

	/** A succeeded prediction carries its output: the image URL comes from the last status answer. */
	async fetchResult(_scope: JobScope, job: SubmittedJob, finalStatus: unknown): Promise<JobResult> {
		const prediction = asRecord(finalStatus) ?? {};
		const images = replicateImages(prediction.output);
		if (images.length === 0) {
			// `succeeded` is billed: an output the node cannot read is a bad answer, not a failed job.
			throw new FluxError(
				'bad_response',
				'Replicate finished the prediction but returned no image',
				{
					description:
						'Replicate reported the prediction succeeded, so it is billed. Look at it in your Replicate dashboard under the request ID below before running this item again.',
				},
			);
		}
		return { requestId: job.requestId, seed: replicateSeed(prediction), images };
	}

	/**
	 * `POST urls.cancel`. Its answer is the prediction; only its status can prove the stop
	 * (REPLICATE.stopProof): `canceled`, `failed` or `aborted` → stopped, `succeeded` → finished
	 * (billed). Anything else — `starting`, `processing` (the cancel may take effect later), another
	 * word, no status, an unreadable body — proves nothing (`requested`); the session base then reads
	 * the status again for a while (STOP_CONFIRM). No answer at all is `failed`.
	 */
	protected async cancelJob(scope: JobScope, job: SubmittedJob): Promise<CancelOutcome> {
		let response: HttpResponse;
		try {
			response = await this.sendCancel(scope, 'POST', job.links.cancel);
		} catch {
			return 'failed';
		}
		let status: string;
		try {
			status = String(readJson(errors, response, 'cancel answer').status ?? '');
		} catch {
			return 'requested';
		}
		if (provesStop(REPLICATE.stopProof, status)) return 'stopped';
		if (status === REPLICATE.status.succeeded) return 'already_finished';
		return 'requested';
	}

	protected readonly stopProof = REPLICATE.stopProof;
}

export const replicateProvider: FluxProvider = {
	id: 'replicate',
	displayName: 'Replicate',
	credentialType: CREDENTIAL,
	errors,
	fields: REPLICATE_FIELDS,
	models: REPLICATE_MODEL_LINES,
	pricePerImageUsd: REPLICATE_PRICE_USD,
	canCancel: true,
	inputImageLimit: { maxBytes: REPLICATE.uploadMaxBytes, what: "Replicate's file upload limit" },
	stopProof: REPLICATE.stopProof,
	editorNotes: {
		downloadImage: 'Replicate links after about an hour',
		webhookUrl: `Replicate's ${REPLICATE.webhook.field} (${REPLICATE.webhook.events.join(', ')} events only)`,
	},
	imagesPerRequest: 1,
	unsupported: (operation) => (operation === 'finetune' ? REPLICATE_NO_FINETUNE : undefined),
	async open(ctx: IExecuteFunctions): Promise<ProviderSession> {
		return await openSession(
			ctx,
			errors,
			CREDENTIAL,
			REPLICATE.apiBase,
			(setup) => new ReplicateSession(setup, ctx),
		);
	},
};
