import type { IExecuteFunctions } from 'n8n-workflow';

import type { ModelDeclaration } from '../parameters/models';
import type { Operation } from '../parameters/table';
import type { ProviderInputLimit } from '../parameters/inputSize';
import type { JobRequest } from '../parameters/validation';
import type { ProviderErrorContext } from '../transport/errors';
import type { StopProof } from '../transport/verdict';
import type { FieldMap } from './common/fields';
import type { ModelLine } from './common/modelLines';

/** Everything a provider call needs to know about the job it belongs to. */
export interface JobScope {
	ctx: IExecuteFunctions;
	itemIndex: number;
	/** Clock time (ms) by which the job must be finished. */
	deadline: number;
	/** The job's time budget (ms), for messages. */
	timeoutMs: number;
	/** The execution's cancel signal, if n8n gives one. */
	signal?: AbortSignal;
}

/** A submitted job: its id, plus whatever the provider needs to follow it up. */
export interface SubmittedJob {
	requestId: string;
	links: Record<string, string>;
	/** What the provider said at creation the job costs, in US dollars (BFL's submit `cost`). */
	costUsd?: number;
	/**
	 * A model job's names: checked against the provider's input schema read at run time (`read`), or
	 * the line's compiled ones because it could not be read (`compiled`); common/inputSchema.ts.
	 */
	inputSchema?: 'read' | 'compiled';
}

/** An input image as bytes, from an incoming binary field. */
export interface ImageBytes {
	bytes: Buffer;
	mimeType: string;
	fileName: string;
}

/** One finished image, as the provider describes it. `url` may be a `data:` URI. */
export interface ResultImage {
	url: string;
	width?: number;
	height?: number;
	contentType?: string;
	nsfw?: boolean;
}

export interface JobResult {
	requestId: string;
	/** A number, or a string when the seed is beyond 2^53. */
	seed?: number | string;
	prompt?: string;
	images: ResultImage[];
	/** The provider's own figure for the whole job in US dollars, where its answer has one. */
	costUsd?: number;
	/** As SubmittedJob.inputSchema, carried to the image items (`schema`). */
	inputSchema?: 'read' | 'compiled';
}

/**
 * The provider's list price of one image, in US dollars, per operation (an operation missing here
 * is priced at the table's highest price, so a spend cap never under-counts).
 */
export type PriceTable = { generate: number } & Partial<Record<Operation, number>>;

/**
 * What asking the provider to stop a job came to, read from the provider's own word for the job
 * (transport/verdict.ts, STOP PROOF), never from the HTTP status of the cancel alone: `stopped`
 * (its answer, or a status read after it, shows a state that proves the job stopped: it makes no
 * image), `requested` (the provider took the cancel, but nothing it said proves the job stopped: a
 * job already running may still finish and bill — fal's 202, Replicate's `processing`),
 * `already_finished` (it completed before the cancel arrived: billed), `not_supported` (the provider
 * has no cancel), `failed` (no answer or an error: it may still bill). Only `stopped` makes a
 * timed-out job safe to run elsewhere.
 */
export type CancelOutcome =
	| 'stopped'
	| 'requested'
	| 'already_finished'
	| 'not_supported'
	| 'failed';

/** A provider bound to one execution's credential and settings. */
export interface ProviderSession {
	/**
	 * Turns an incoming image into something the provider can fetch: a URL or a data URI. The image
	 * is already within the size rule (`FluxProvider.inputImageLimit`, checked by the job).
	 */
	upload(scope: JobScope, image: ImageBytes): Promise<string>;
	/** Creates the job. Never retried unless provably not received (see transport). */
	submit(
		scope: JobScope,
		request: JobRequest,
		imageUrl: string | undefined,
		/** A model job's reference images, in order, each as `upload()` made it (a URL, data URI or base64). */
		references?: readonly string[],
	): Promise<SubmittedJob>;
	/**
	 * Resolves with the provider's last status answer once the job is finished; throws the job's
	 * own failure, or `timeout`/`cancelled` at the deadline or on cancel.
	 */
	wait(scope: JobScope, job: SubmittedJob): Promise<unknown>;
	/** Reads the finished job's output (from `finalStatus` where the provider puts it there). */
	fetchResult(scope: JobScope, job: SubmittedJob, finalStatus: unknown): Promise<JobResult>;
	/**
	 * Best effort: asks the provider to stop a job nobody waits for any more, and says what came of
	 * it (the timeout message tells the user whether the job may still bill). Never throws.
	 */
	cancel(scope: JobScope, job: SubmittedJob): Promise<CancelOutcome>;
	/** Origin allowed to serve result images over plain http (a mock or proxy base URL). */
	readonly plainHttpOrigin?: string;
	/**
	 * The credential's base URL origin when it is an internal host (a local mock or proxy): the one
	 * internal origin downloads and uploads may go to.
	 */
	readonly internalOrigin?: string;
	/** Masks this session's API key in text about to be shown (an error a provider echoed it into). */
	scrub(text: string): string;
	/**
	 * Get Result: the job a submit-only item names, from its request ID and the links it carried
	 * (`SubmittedJob.links`, from item JSON: untrusted). A link not on the provider's API host is
	 * refused (a ParameterError): the key goes nowhere else. Missing links are built from the ID,
	 * under the model's endpoint where the provider's links depend on it (fal's queue: a model
	 * other than Ultra, `model`). Makes no request.
	 */
	lookup(requestId: string, links: Record<string, unknown>, model?: ModelDeclaration): SubmittedJob;
	/**
	 * Get Result: one status read (retried as every read is). Finished: the final status, for
	 * `fetchResult`; still going: the provider's own word for its state. A failed job throws its
	 * failure, as `wait` does.
	 */
	statusOnce(scope: JobScope, job: SubmittedJob): Promise<StatusOnce>;
	/**
	 * Optional: checks a request against what the provider says at run time about its model (Runflow
	 * reads its model's inputs once per execution). Called for every item after `open()` and before
	 * the first job; throws the item's refusal (a ParameterError). `submit` checks again.
	 */
	checkRequest?(request: JobRequest): Promise<void>;
}

/**
 * A provider's own words for the editor, by field; each says something only of this provider (its
 * name included). Sentences: `finetuneId`, `finetuneStrength`, `syncMode`. Clauses, joined with the
 * other providers': `maxParallelJobs` (its concurrency limit), `downloadImage` (how long its links
 * last, e.g. "X links after an hour"), `webhookUrl` (the field it sends the URL as, e.g. "X's hook").
 */
export type EditorNotes = Partial<
	Record<
		| 'finetuneId'
		| 'finetuneStrength'
		| 'syncMode'
		| 'maxParallelJobs'
		| 'downloadImage'
		| 'webhookUrl',
		string
	>
>;

/** What one status read found: finished (with the answer `fetchResult` reads), or not yet. */
export type StatusOnce = { done: true; status: unknown } | { done: false; state: string };

export interface FluxProvider {
	/** Value of the node's Provider field. */
	readonly id: string;
	readonly displayName: string;
	/** n8n credential type name. */
	readonly credentialType: string;
	readonly errors: ProviderErrorContext;
	/** How the provider treats each field: its wire name, or why it refuses it. */
	readonly fields: FieldMap;
	/**
	 * Where one operation's endpoint takes other inputs than `fields` says (BFL's fine-tuned Ultra
	 * has no `raw`): the fields that differ there. Read through `fieldsFor()`.
	 */
	readonly operationFields?: Partial<Record<Operation, Partial<FieldMap>>>;
	/**
	 * Images one request makes, when the provider has no "number of images" input (BFL, Replicate:
	 * one). The node then sends one request per image, each counted against Max Parallel Jobs.
	 * Undefined: one request makes every image of an item.
	 */
	readonly imagesPerRequest?: number;
	/**
	 * `bytes`: the provider cannot fetch an image URL itself (BFL takes base64 only), so the node
	 * downloads an Image URL, with the checks of a result download, and hands the bytes to
	 * `upload()` as it does an incoming file. Undefined: an https Image URL is passed on as it is.
	 */
	readonly imageUrlAs?: 'bytes';
	/**
	 * The largest input image the provider takes by the route the node sends it (its upload API, or
	 * one storage PUT), where that is known and may be below "Max Image Size (MB)"'s top: the node
	 * refuses a larger one before any request (parameters/inputSize.ts). Undefined: Max Image Size alone.
	 */
	readonly inputImageLimit?: ProviderInputLimit;
	/**
	 * Whether asking the provider to stop a job is possible at all (Timeout's description says where
	 * a timed-out job may still bill). A provider without one leaves `cancel` to the session base.
	 */
	readonly canCancel: boolean;
	/**
	 * This provider's row of the pay-twice rule table (transport/verdict.ts, STOP PROOF): its words
	 * for a job's state that prove the job stopped, with their sources; any other word proves nothing.
	 */
	readonly stopProof: StopProof;
	/** What this provider adds to field descriptions in the editor (providers/common/describe.ts assembles them). */
	readonly editorNotes?: EditorNotes;
	/**
	 * The models other than FLUX 1.1 [pro] Ultra this provider serves, by model id (its
	 * `<provider>.models.ts`): endpoint, field names, reference limits, price where its own. A model
	 * without a line is refused before any request, naming the providers that serve it.
	 */
	readonly models?: Readonly<Record<string, ModelLine>>;
	/** List price per image: the cost reported when the provider's answer has none, and the spend cap's basis. */
	readonly pricePerImageUsd: PriceTable;
	/** Why the provider cannot run this operation, or undefined when it can. */
	unsupported(operation: Operation): string | undefined;
	/**
	 * Optional: an editor notice for an operation the provider may or may not run, decided at run
	 * time (Remix on Runflow needs a model found only then). `unsupported` wins when both are set.
	 */
	editorNotice?(operation: Operation): string | undefined;
	/** Reads the credential's settings for this execution; makes no request. */
	open(ctx: IExecuteFunctions): Promise<ProviderSession>;
}
