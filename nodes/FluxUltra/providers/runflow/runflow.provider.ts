import type { IExecuteFunctions } from 'n8n-workflow';

import { clock } from '../../shared/clock';
import { boundText, PROVIDER_WORD_MAX } from '../../shared/bound';
import { isFollowableLink } from '../../shared/url';
import type { Operation } from '../../parameters/table';
import type { JobRequest } from '../../parameters/validation';
import { IMAGE_INPUT } from '../../parameters/table';
import { FluxError } from '../../transport/errors';
import { readJson, send, type HttpResponse } from '../../transport/http';
import { provesStop } from '../../transport/verdict';
import { buildInput } from '../common/fields';
import { lineEndpoint, modelBody } from '../common/modelLines';
import { asNumber, asRecord, asString, type Json } from '../../shared/json';
import { jobLimits, type PollStep } from '../common/polling';
import { reportedCostUsd } from '../common/reportedCost';
import { errorContext, openSession, SessionBase, type SessionSetup } from '../common/session';
import { putPresigned } from '../common/upload';
import type {
	FluxProvider,
	ImageBytes,
	JobResult,
	JobScope,
	ProviderSession,
	ResultImage,
	SubmittedJob,
} from '../types';
import {
	RUNFLOW,
	RUNFLOW_FIELDS,
	RUNFLOW_NO_FINETUNE,
	RUNFLOW_PRICE_USD,
	runflowPollDelayMs,
} from './runflow.constants';
import { isModerationCode, parseRunflowError } from './runflow.errors';
import { modelTarget } from './runflow.modelSchema';
import { isLookedUp, RUNFLOW_MODEL_LINES } from './runflow.models';
import {
	inputFor,
	RUNFLOW_REMIX_NOTICE,
	RunflowModels,
	schemaInput,
	takesBase64,
} from './runflow.schema';

const CREDENTIAL = 'runflowApi';

const errors = errorContext('Runflow', parseRunflowError);

/**
 * The run-creation body: canonical parameters under Runflow's names, inside `input` (the names the
 * model's own inputs list, when Runflow's models API told them: `input`).
 */
export function toRunflowBody(
	request: JobRequest,
	imageUrl: string | undefined,
	clientRef: string | undefined,
	input: Json = buildInput(RUNFLOW_FIELDS, request, imageUrl),
): Json {
	const body: Json = { input };
	if (clientRef) body.client_ref = clientRef;
	if (request.options.webhookUrl) body[RUNFLOW.callbackField] = request.options.webhookUrl;
	return body;
}

/**
 * The images of a succeeded run, from Runflow's normalized output in the order its SDK reads it:
 * `outputs[].url`, then `image_urls[]`, then `image.url`, then `url` / `output_url`; and a
 * fal-style model's `images[].url` before the single ones.
 */
export function runflowImages(output: unknown): ResultImage[] {
	const o = asRecord(output);
	if (!o) return [];
	if (Array.isArray(o.outputs)) {
		return o.outputs.flatMap((entry) => {
			const e = asRecord(entry);
			const url = asString(e?.url);
			if (!e || !url || (e.type !== undefined && e.type !== 'image')) return [];
			return [
				{
					url,
					width: asNumber(e.width),
					height: asNumber(e.height),
					contentType: asString(e.content_type) ?? asString(e.mime_type),
					nsfw: typeof e.nsfw === 'boolean' ? e.nsfw : undefined,
				},
			];
		});
	}
	if (Array.isArray(o.image_urls)) {
		return o.image_urls.flatMap((url) => (asString(url) ? [{ url: url as string }] : []));
	}
	// fal-style models (FLUX.2 [klein], RF-35) answer `images[]` of `{url, width, height}` (RF-39).
	if (Array.isArray(o.images)) {
		return o.images.flatMap((entry) => {
			const e = asRecord(entry);
			const url = asString(e?.url);
			return url
				? [
						{
							url,
							width: asNumber(e?.width),
							height: asNumber(e?.height),
							contentType: asString(e?.content_type),
						},
					]
				: [];
		});
	}
	const single = asString(asRecord(o.image)?.url) ?? asString(o.url) ?? asString(o.output_url);
	return single ? [{ url: single }] : [];
}

/**
 * The error a run that ended badly stands for: moderation, or the run's own failure. `status` is
 * Runflow's word for it; `failed` proves the run stopped (RUNFLOW.stopProof), so the error says so.
 */
export function runFailure(run: Json, status: string): FluxError {
	const jobStopped = provesStop(RUNFLOW.stopProof, status);
	const error = asRecord(run.error);
	const code = asString(run.failure_code) ?? asString(error?.code);
	const message = boundText(asString(run.failure_message) ?? asString(error?.message) ?? '');
	const stage = asString(run.failure_stage_code) ?? asString(run.failure_stage);
	if (isModerationCode(code, message)) {
		return new FluxError(
			'moderation',
			'Runflow blocked the content: it was flagged by the content checker',
			{
				description: `Change the prompt or the input image, or raise "Safety Tolerance" in Options${message ? `: ${message}` : ''}.`,
				jobStopped,
			},
		);
	}
	const word = (text: string) => boundText(text, PROVIDER_WORD_MAX);
	const detail = [code ? `code ${word(code)}` : '', stage ? `stage ${word(stage)}` : '']
		.filter(Boolean)
		.join(', ');
	return new FluxError(
		'job_failed',
		`Runflow could not finish the run${message ? `: ${message}` : ''}`,
		{
			description: `${detail ? `Runflow reported ${detail}. ` : ''}Try again; if it persists, change the prompt or the settings.`,
			jobStopped,
		},
	);
}

class RunflowSession extends SessionBase {
	/** Uploaded images as base64, by their asset URL, while a model that takes `image_b64` may need them. */
	private readonly inlineImages = new Map<string, string>();

	constructor(
		setup: SessionSetup,
		/** The models' inputs, read once per execution from Runflow's models API. */
		private readonly models: RunflowModels,
	) {
		super(setup);
	}

	/**
	 * Runflow may refuse inline data URIs, so every incoming image goes through its asset upload:
	 * create an upload, PUT the bytes to the presigned URL (no credential), confirm, and send the
	 * signed https URL the confirmation returns.
	 */
	async upload(scope: JobScope, image: ImageBytes): Promise<string> {
		const slot = await this.postJson(
			scope,
			`${this.base}${RUNFLOW.uploadCreatePath}`,
			'upload',
			{ filename: image.fileName, mime_type: image.mimeType, size_bytes: image.bytes.length },
			'upload slot',
		);
		const assetId = asString(slot.asset_id);
		if (!assetId || typeof slot.upload_url !== 'string') {
			throw badUpload();
		}
		await putPresigned(scope, errors, slot.upload_url, image, this);
		const asset = await this.postJson(
			scope,
			`${this.base}${RUNFLOW.uploadConfirmPath(assetId)}`,
			'upload',
			{ folder_id: null },
			'upload confirmation',
		);
		if (!isFollowableLink(asset.url, this.plainHttpOrigin)) throw badUpload();
		if (this.models.wantsBase64())
			this.inlineImages.set(asset.url as string, image.bytes.toString('base64'));
		return asset.url as string;
	}

	/**
	 * Before any job: the request against the inputs Runflow lists for its model (looked up once);
	 * a model job against its slug's look-up (its references counted, not yet uploaded).
	 */
	async checkRequest(request: JobRequest): Promise<void> {
		const line = request.model ? RUNFLOW_MODEL_LINES[request.model.id] : undefined;
		if (line) {
			// A static line (its slug and fields from Runflow's docs) is checked by the line itself.
			if (!isLookedUp(request.model!.id)) return;
			const placeholders = (request.references ?? []).map((_, n) => `reference ${n + 1}`);
			await modelTarget(this.models, line, request, placeholders);
			return;
		}
		await this.models.target(request, request.image !== undefined);
	}

	async submit(
		scope: JobScope,
		request: JobRequest,
		imageUrl: string | undefined,
		references: readonly string[] = [],
	): Promise<SubmittedJob> {
		// A model beyond Ultra: a static line's slug (the edit one with references) and body, or the
		// slug and input Runflow's models API gives for a looked-up one (checkServed made sure of a line).
		const line = request.model ? RUNFLOW_MODEL_LINES[request.model.id] : undefined;
		const { model, input } = !line
			? await this.ultraTarget(request, imageUrl)
			: isLookedUp(request.model!.id)
				? await modelTarget(this.models, line, request, references)
				: {
						model: lineEndpoint(line, references.length),
						input: modelBody(line, request, references),
					};
		const clientRef = clientReference(scope);
		const outcome: HttpResponse | { error: unknown } = await send(scope.ctx, errors, {
			method: 'POST',
			url: `${this.base}${RUNFLOW.createPath(model)}`,
			purpose: 'submit',
			credentialType: CREDENTIAL,
			json: toRunflowBody(request, imageUrl, clientRef, input),
			...jobLimits(scope),
		}).catch((error: unknown) => ({ error }));
		if (imageUrl !== undefined) this.inlineImages.delete(imageUrl);
		if ('error' in outcome) throw withClientRef(outcome.error, clientRef);
		const run = readJson(errors, outcome, 'run');
		// The SDK's templates read `run_id` too: accept either.
		const runId = asString(run.id) ?? asString(run.run_id);
		if (!runId) {
			throw new FluxError('bad_response', 'Runflow accepted the run but sent no run id', {
				description: `The run may exist: look for client reference "${clientRef}" in your Runflow runs before running this item again.`,
			});
		}
		return { requestId: runId, links: { run: `${this.base}${RUNFLOW.runPath(runId)}` } };
	}

	/** Ultra's model and `input` (none: the built-in names apply). */
	private async ultraTarget(
		request: JobRequest,
		imageUrl: string | undefined,
	): Promise<{ model: string; input?: Json }> {
		const { model, schema } = await this.models.target(request, imageUrl !== undefined);
		if (!schema) return { model };
		const inline =
			imageUrl !== undefined && takesBase64(inputFor(schema, IMAGE_INPUT.apiName))
				? this.inlineImages.get(imageUrl)
				: undefined;
		return { model, input: schemaInput(schema, request, inline ?? imageUrl) };
	}

	/** One `GET /v1/runs/{id}`: succeeded, still pending, or the run's failure. */
	protected async statusStep(
		scope: JobScope,
		job: SubmittedJob,
		timeoutMs: number,
		elapsedMs: number,
	): Promise<PollStep> {
		const run = await this.getStatus(scope, job.links.run, timeoutMs, 'run status');
		const status = String(run.status_code ?? run.status ?? '');
		if (includes(RUNFLOW.status.succeeded, status)) return { done: true, status: run };
		if (includes(RUNFLOW.status.failed, status)) throw runFailure(run, status);
		if (includes(RUNFLOW.status.canceled, status)) {
			// Not proof that nothing was made or billed (RUNFLOW.stopProof): not safe to run elsewhere.
			throw new FluxError('job_failed', 'The run was cancelled at Runflow', {
				description:
					"It was cancelled outside this workflow (in Runflow). Runflow's cancel does not stop a run already generating and does not refund it, so it may still have made an image and billed it: look for the run in your Runflow dashboard under the request ID below before running this item again.",
				jobStopped: provesStop(RUNFLOW.stopProof, status),
			});
		}
		if (!includes(RUNFLOW.status.pending, status)) {
			throw new FluxError(
				'bad_response',
				`Runflow reported an unknown run status "${boundText(status, PROVIDER_WORD_MAX)}"`,
			);
		}
		return {
			done: false,
			nextDelayMs: runflowPollDelayMs(elapsedMs, status === 'queued'),
			state: status,
		};
	}

	/** Runs are read by id on the API host; a run link from item JSON is used only there. */
	lookup(requestId: string, links: Record<string, unknown>): SubmittedJob {
		return {
			requestId,
			links: this.lookupLinks(links, { run: `${this.base}${RUNFLOW.runPath(requestId)}` }),
		};
	}

	/** A succeeded run carries its output: the images come from the last status answer. */
	async fetchResult(_scope: JobScope, job: SubmittedJob, finalStatus: unknown): Promise<JobResult> {
		const run = asRecord(finalStatus) ?? {};
		const output = asRecord(run.output);
		const images = runflowImages(output);
		if (images.length === 0) {
			// A succeeded run is billed: an output shape the node does not read is a bad answer, not a
			// failed run, so the item is not run again elsewhere.
			throw new FluxError('bad_response', 'Runflow finished the run but returned no images', {
				description:
					'Runflow reported the run succeeded, so it is billed. Look at it in your Runflow dashboard under the request ID below before running this item again.',
			});
		}
		const input = asRecord(run.input);
		const seed = output?.seed ?? input?.seed;
		return {
			requestId: job.requestId,
			seed: typeof seed === 'number' || typeof seed === 'string' ? seed : undefined,
			prompt: asString(output?.prompt),
			images,
			costUsd: reportedCostUsd(run.cost),
		};
	}

	// No cancel: Runflow has no public one (RUNFLOW.canCancel), so the base's `not_supported` stands.
}

function includes(list: readonly string[], value: string): boolean {
	return list.includes(value);
}

/** A reference stored on the run, to find it in Runflow when an answer was lost. */
function clientReference(scope: JobScope): string {
	const execution = scope.ctx.getExecutionId?.() ?? 'manual';
	return `n8n-${execution}-item${scope.itemIndex}-${clock.now().toString(36)}`;
}

function withClientRef(error: unknown, clientRef: string): unknown {
	if (!(error instanceof FluxError) || error.kind !== 'maybe_submitted') return error;
	return new FluxError(error.kind, error.message, {
		httpCode: error.httpCode,
		description:
			`${error.description ?? ''} In Runflow, look for a run with client reference "${clientRef}".`.trim(),
	});
}

function badUpload(): FluxError {
	return new FluxError('bad_response', 'Runflow answered the image upload without a usable link', {
		description:
			'The input image was not uploaded. Try again; if it persists, give the image as an https URL instead.',
	});
}

export const runflowProvider: FluxProvider = {
	id: 'runflow',
	displayName: 'Runflow',
	credentialType: CREDENTIAL,
	errors,
	fields: RUNFLOW_FIELDS,
	models: RUNFLOW_MODEL_LINES,
	pricePerImageUsd: RUNFLOW_PRICE_USD,
	canCancel: RUNFLOW.canCancel,
	inputImageLimit: { maxBytes: RUNFLOW.uploadMaxBytes, what: "Runflow's upload limit" },
	stopProof: RUNFLOW.stopProof,
	editorNotes: {
		maxParallelJobs: 'Runflow queues runs beyond a per-model limit',
		downloadImage: 'Runflow presigned links after a while',
		webhookUrl: `Runflow's ${RUNFLOW.callbackField}`,
	},
	unsupported(operation: Operation) {
		// Remix runs on Runflow's Ultra Edit when its models API finds it: decided when the run starts.
		return operation === 'finetune' ? RUNFLOW_NO_FINETUNE : undefined;
	},
	editorNotice(operation: Operation) {
		return operation === 'remix' ? RUNFLOW_REMIX_NOTICE : undefined;
	},
	async open(ctx: IExecuteFunctions): Promise<ProviderSession> {
		return await openSession(
			ctx,
			errors,
			CREDENTIAL,
			RUNFLOW.apiBase,
			(setup) => new RunflowSession(setup, new RunflowModels(ctx, errors, CREDENTIAL, setup.base)),
		);
	},
};
