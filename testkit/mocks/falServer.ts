import { randomUUID } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';

import { servedImage } from './credentials';
import { serveFalSchema } from './schemas';
import { makeImage, type MockLabel, ULTRA_SIZES } from './images';
import {
	checkReference,
	dataUriBytes,
	fetchImage,
	FLUX3_CLASS_SIDE,
	FLUX3_RATIOS,
	flux2Size,
	flux3Size,
	isKlein,
	MODEL_NAMES,
	modelFile,
	sendFile,
	type MockFile,
	type MockModel,
	type StreamedDownload,
} from './models';
import { imageSize } from '../../nodes/FluxUltra/shared/imageBytes';
import {
	faultDrawer,
	fixtureFiles,
	listenLoopback,
	readBody,
	scheduleWebhook,
	sendJson,
	type MockFaults,
	type WebhookDelivery,
	type MockNow,
} from './loopback';

/**
 * A loopback stand-in for fal.ai's queue API, close enough that the node cannot tell: the same
 * paths (submit under the endpoint id, status/result/cancel under the app id), the same bodies,
 * `Authorization: Key …`, 422 `detail[]` validation errors, jobs that pass IN_QUEUE → IN_PROGRESS →
 * COMPLETED in real time, and real PNG/JPEG files of the requested aspect ratio.
 *
 * The models beyond Ultra (issue 29) as fal serves them, text-to-image and edit apart (FA-26, FA-36):
 * `fal-ai/flux-2-{pro,max,flex}[/edit]` (`prompt`, `image_size`, `seed`, `safety_tolerance` "1"–"5",
 * `output_format`, [flex]'s `guidance_scale` and `num_inference_steps`; edit's `image_urls`, FA-27…
 * FA-29), `fal-ai/flux-2/klein/{4b,9b}[/edit]` (`prompt`, `image_size` presets or `{width, height}`
 * (no `auto`), `num_images`, `num_inference_steps`, `seed`, `output_format` jpeg/png/webp (default
 * png), `enable_safety_checker`, `sync_mode`, no `safety_tolerance`; edit's `image_urls` 1–4, FA-30,
 * FA-55; app `fal-ai/flux-2`) and `blackforestlabs/flux-3/{text-to-image,edit-image}` (`prompt`, `aspect_ratio`,
 * `resolution`, `grounding`, `safety_tolerance`; edit's `image_urls` 1–10, each ≥ 256 px a side and
 * ≤ 4 MP, FA-37, FA-39), status and result under the app id (the first two segments). A field the
 * endpoint does not document, or a missing one, fails the request with 422 as fal's schema does. A
 * reference is a data URI, a file uploaded here, or a URL the mock fetches; the picture shows them
 * in order and the model. A FLUX 3 `4k` PNG is full size (~16 MP) whatever `scale` says.
 */

export interface MockFalOptions {
	/** The clock the state machine reads (default: real time). */
	now?: MockNow;
	/** How long a job takes, from submit to COMPLETED. */
	latencyMs?: number;
	/** Image size as a fraction of Ultra's real size (1 = about 4 MP). */
	scale?: number;
	port?: number;
	/**
	 * Serve every job's images from this many pre-rendered files per format and size, instead of
	 * rendering each (the benchmark: rendering 4 MP PNGs would cost more CPU than the node under test).
	 */
	imagePool?: number;
	/** Answer this share of API requests with 429 / 503 (job creation only ever 429). */
	faults?: MockFaults;
	/**
	 * Spacing of the keep-alive comments on the SSE stream of a job that never leaves the queue
	 * (fal sends one every 15 s).
	 */
	keepAliveMs?: number;
	/**
	 * The account is out of credit for the jobs this picks (by their input): their submit is answered
	 * 402, as `[no-credit]` in a prompt is, without a marker in the prompt (the demo refuses one
	 * example brief this way, so the Fallback Provider takes it).
	 */
	outOfCredit?: (input: Record<string, unknown>) => boolean;
}

/**
 * Faults a job asks for by a marker in its prompt, so one workflow can mix them per item:
 * - `[stuck]`: the job stays IN_QUEUE for ever; its SSE stream sends only keep-alive comments.
 * - `[silent]`: the job stays IN_QUEUE for ever, and fal goes silent mid-answer: its SSE stream
 *   sends one event, then nothing (no keep-alive), and a status poll gets its headers and half a
 *   body, then nothing. None of these answers is ever ended by the mock (see `served.silentOpen`).
 * - `[flaky-reads]`: its first status request and its first result request are answered 500.
 * - `[cut-download]`: the first download of each of its images stops half-way (the socket is cut).
 * - `[busy]`: its submit is answered 429 every time (no job is created).
 * - `[ingress-503]`: its submit is answered 503 by "nginx", without a request id (no job is created).
 * - `[no-credit]`: its submit is answered 402, fal's exhausted-balance lock (no job is created).
 * - `[lost-answer]`: its submit creates the job, then the connection is cut before the answer.
 * - `[job-fails]`: the job runs, then COMPLETES with an error (fal's way of failing a job).
 * - `[slow]`: the job takes four times the mock's latency (a straggler in a batch).
 * - `[c2pa]`: its images carry Content Credentials, test-signed (see ./credentials.ts).
 */
export const FAL_FAULT_MARKERS = {
	stuck: '[stuck]',
	silent: '[silent]',
	flakyReads: '[flaky-reads]',
	cutDownload: '[cut-download]',
	busy: '[busy]',
	ingress503: '[ingress-503]',
	noCredit: '[no-credit]',
	lostAnswer: '[lost-answer]',
	jobFails: '[job-fails]',
	slow: '[slow]',
} as const;

interface Job {
	id: string;
	endpoint: string;
	/** A model beyond Ultra (its endpoint's), and its references as received, in order. */
	model?: MockModel;
	references?: Buffer[];
	input: Record<string, unknown>;
	submittedAt: number;
	/** How long this job takes, from submit to COMPLETED. */
	latencyMs: number;
	cancelled: boolean;
	seed: number;
	statusRequests: number;
	/** When the last image file of the job was fully sent. */
	lastDownloadAt?: number;
	/** Faults still to serve (see FAL_FAULT_MARKERS). */
	pendingFaults: { status500: boolean; result500: boolean; cutFiles: Set<string> };
	stuck: boolean;
	silent: boolean;
	fails: boolean;
}

export interface MockFal {
	url: string;
	jobs: Map<string, Job>;
	counts: {
		submit: number;
		status: number;
		result: number;
		cancel: number;
		download: number;
		upload: number;
	};
	/** Faults answered so far, by status. */
	faults: { 429: number; 503: number };
	/** Prompt-marker faults served so far (see FAL_FAULT_MARKERS). */
	served: {
		status500: number;
		result500: number;
		cutDownloads: number;
		keepAlives: number;
		silent: number;
		silentOpen: number;
	};
	/** Calls made to `fal_webhook` URLs when jobs completed. */
	webhooks: WebhookDelivery[];
	/** Full-size files (FLUX 3 Image 4k) sent whole: size and SHA-256, for the tests. */
	streamed: StreamedDownload[];
	/** Publishes `bytes` at `<url>/fixtures/<name>` (no key needed); its URL. */
	serveFixture(name: string, bytes: Buffer, type?: string): string;
	close(): Promise<void>;
}

const APP = '/fal-ai/flux-pro';
const FINETUNED = `${APP}/v1.1-ultra-finetuned`;
/** The models' endpoints (FA-26, FA-36): which model, and whether it is the edit one. */
const MODEL_ENDPOINTS: Readonly<Record<string, { model: MockModel; edit: boolean }>> = {
	'/fal-ai/flux-2-pro': { model: 'flux-2-pro', edit: false },
	'/fal-ai/flux-2-pro/edit': { model: 'flux-2-pro', edit: true },
	'/fal-ai/flux-2-max': { model: 'flux-2-max', edit: false },
	'/fal-ai/flux-2-max/edit': { model: 'flux-2-max', edit: true },
	'/fal-ai/flux-2-flex': { model: 'flux-2-flex', edit: false },
	'/fal-ai/flux-2-flex/edit': { model: 'flux-2-flex', edit: true },
	'/fal-ai/flux-2/klein/4b': { model: 'flux-2-klein-4b', edit: false },
	'/fal-ai/flux-2/klein/4b/edit': { model: 'flux-2-klein-4b', edit: true },
	'/fal-ai/flux-2/klein/9b': { model: 'flux-2-klein-9b', edit: false },
	'/fal-ai/flux-2/klein/9b/edit': { model: 'flux-2-klein-9b', edit: true },
	'/blackforestlabs/flux-3/text-to-image': { model: 'flux-3-image', edit: false },
	'/blackforestlabs/flux-3/edit-image': { model: 'flux-3-image', edit: true },
};
const ENDPOINTS = new Set([
	`${APP}/v1.1-ultra`,
	`${APP}/v1.1-ultra/redux`,
	FINETUNED,
	...Object.keys(MODEL_ENDPOINTS),
]);
/** fal's queue keeps a request under its app: the endpoint id's first two segments. */
const appOf = (endpoint: string) => `/${endpoint.split('/').slice(1, 3).join('/')}`;

/** FLUX.2's fields at fal (FA-27, FA-28, FA-29). */
const FLUX2_FIELDS = [
	'prompt',
	'image_size',
	'seed',
	'safety_tolerance',
	'enable_safety_checker',
	'output_format',
	'sync_mode',
];
/** FLUX.2 [klein]'s fields at fal (FA-30: `Flux2Klein4bInput`, 9B's the same): no safety tolerance. */
const KLEIN_FIELDS = [
	'prompt',
	'image_size',
	'num_images',
	'num_inference_steps',
	'seed',
	'output_format',
	'enable_safety_checker',
	'sync_mode',
];
/** FLUX 3's fields at fal (FA-37: `resolution`, `grounding`, `safety_tolerance` UNCONFIRMED there). */
const FLUX3_FIELDS = ['prompt', 'aspect_ratio', 'resolution', 'grounding', 'safety_tolerance'];
const IMAGE_SIZE_PRESETS = [
	'square_hd',
	'square',
	'portrait_4_3',
	'portrait_16_9',
	'landscape_4_3',
	'landscape_16_9',
];

/** Checks a model's input the way fal's schema for that endpoint does: every problem, or undefined. */
function validateModel(
	endpoint: { model: MockModel; edit: boolean },
	input: Record<string, unknown>,
) {
	const problems: Array<{ loc: Array<string | number>; msg: string; type: string }> = [];
	const bad = (field: string, msg: string, type = 'value_error') =>
		problems.push({ loc: ['body', field], msg, type });
	const { model, edit } = endpoint;
	const klein = isKlein(model);
	const known = new Set([
		...(model === 'flux-3-image' ? FLUX3_FIELDS : klein ? KLEIN_FIELDS : FLUX2_FIELDS),
		...(model === 'flux-2-flex' ? ['guidance_scale', 'num_inference_steps'] : []),
		...(edit ? ['image_urls'] : []),
	]);
	for (const key of Object.keys(input))
		if (!known.has(key)) bad(key, 'extra fields not permitted', 'value_error.extra');
	if (typeof input.prompt !== 'string' || input.prompt === '')
		bad('prompt', 'field required', 'value_error.missing');
	if (edit) {
		const urls = input.image_urls;
		if (!Array.isArray(urls) || urls.length === 0)
			bad('image_urls', 'field required', 'value_error.missing');
		else if (model === 'flux-3-image' && urls.length > 10)
			bad('image_urls', 'ensure this value has at most 10 items', 'value_error.list.max_items');
		else if (klein && urls.length > 4)
			// FA-30: "A maximum of 4 images are allowed".
			bad('image_urls', 'ensure this value has at most 4 items', 'value_error.list.max_items');
		else if (urls.some((u) => typeof u !== 'string'))
			bad('image_urls', 'str type expected', 'type_error.str');
	}
	if (model === 'flux-3-image') {
		const ratio = input.aspect_ratio;
		if (ratio !== undefined && ratio !== 'auto' && !FLUX3_RATIOS.includes(String(ratio)))
			bad('aspect_ratio', 'unexpected value', 'one_of');
		if (input.resolution !== undefined && !(String(input.resolution) in FLUX3_CLASS_SIDE))
			bad('resolution', 'unexpected value', 'one_of');
		if (input.grounding !== undefined && typeof input.grounding !== 'boolean')
			bad('grounding', 'value could not be parsed to a boolean', 'type_error.bool');
		// Its type at fal is UNCONFIRMED (FA-37): a number or a numeral, 0–4 (BF-42).
		const tolerance = Number(input.safety_tolerance);
		if (
			input.safety_tolerance !== undefined &&
			(!Number.isInteger(tolerance) || tolerance < 0 || tolerance > 4)
		)
			bad('safety_tolerance', 'ensure this value is between 0 and 4', 'value_error');
		return problems.length ? { detail: problems } : undefined;
	}
	const size = input.image_size;
	if (size !== undefined) {
		const custom =
			typeof size === 'object' &&
			size !== null &&
			Number.isInteger((size as { width?: unknown }).width) &&
			Number.isInteger((size as { height?: unknown }).height);
		// klein's edit has no `auto` (FA-55: without `image_size` it takes the input's size).
		if (
			!custom &&
			!IMAGE_SIZE_PRESETS.includes(String(size)) &&
			!(edit && !klein && size === 'auto')
		)
			bad('image_size', 'value is not a valid image size', 'value_error');
	}
	if (input.seed !== undefined && !Number.isInteger(input.seed))
		bad('seed', 'value is not a valid integer', 'type_error.integer');
	if (
		!klein &&
		input.safety_tolerance !== undefined &&
		!['1', '2', '3', '4', '5'].includes(input.safety_tolerance as string)
	)
		bad(
			'safety_tolerance',
			"value is not a valid enumeration member; permitted: '1', '2', '3', '4', '5'",
		);
	const formats = klein ? ['jpeg', 'png', 'webp'] : ['jpeg', 'png'];
	if (input.output_format !== undefined && !formats.includes(String(input.output_format)))
		bad(
			'output_format',
			`value is not a valid enumeration member; permitted: ${formats.map((f) => `'${f}'`).join(', ')}`,
		);
	if (klein) {
		const steps = input.num_inference_steps;
		if (steps !== undefined && (!Number.isInteger(steps) || (steps as number) < 1))
			bad('num_inference_steps', 'value is not a valid integer', 'type_error.integer');
		const n = input.num_images;
		if (n !== undefined && (!Number.isInteger(n) || (n as number) < 1 || (n as number) > 4))
			bad('num_images', 'ensure this value is between 1 and 4', 'value_error');
	}
	if (model === 'flux-2-flex') {
		if (input.guidance_scale !== undefined && typeof input.guidance_scale !== 'number')
			bad('guidance_scale', 'value is not a valid float', 'type_error.float');
		if (input.num_inference_steps !== undefined && !Number.isInteger(input.num_inference_steps))
			bad('num_inference_steps', 'value is not a valid integer', 'type_error.integer');
	}
	return problems.length ? { detail: problems } : undefined;
}

/** What fal's status says about a job that failed on fal's side. */
const JOB_FAILURE = {
	error: 'Internal error while running the model',
	error_type: 'internal_server_error',
};

function send(
	res: ServerResponse,
	status: number,
	body: unknown,
	headers: Record<string, string> = {},
) {
	sendJson(res, status, body, {
		'x-fal-request-id': headers['x-fal-request-id'] ?? '',
		...headers,
	});
}

function detail(field: string, msg: string, type = 'value_error') {
	return { detail: [{ loc: ['body', field], msg, type }] };
}

/** Checks a submit body the way fal's schema does; returns a 422 body or undefined. */
function validate(endpoint: string, input: Record<string, unknown>) {
	const redux = endpoint.endsWith('/redux');
	if (!redux && (typeof input.prompt !== 'string' || input.prompt === ''))
		return detail('prompt', 'field required', 'value_error.missing');
	if (endpoint === FINETUNED) {
		// Both required on the fine-tuned endpoint (FluxProV11UltraFinetunedInput); fal types the strength as a bare number.
		if (input.finetune_id === undefined)
			return detail('finetune_id', 'field required', 'value_error.missing');
		if (typeof input.finetune_id !== 'string' || input.finetune_id === '')
			return detail('finetune_id', 'str type expected', 'type_error.str');
		if (input.finetune_strength === undefined)
			return detail('finetune_strength', 'field required', 'value_error.missing');
		if (typeof input.finetune_strength !== 'number')
			return detail('finetune_strength', 'value is not a valid float', 'type_error.float');
	}
	if (redux && typeof input.image_url !== 'string')
		return detail('image_url', 'field required', 'value_error.missing');
	const n = input.num_images ?? 1;
	if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 4)
		return detail('num_images', 'ensure this value is less than or equal to 4', 'less_than_equal');
	if (input.output_format !== undefined && !['jpeg', 'png'].includes(String(input.output_format)))
		return detail(
			'output_format',
			"value is not a valid enumeration member; permitted: 'jpeg', 'png'",
		);
	if (input.aspect_ratio !== undefined && !(String(input.aspect_ratio) in ULTRA_SIZES))
		return detail('aspect_ratio', 'unexpected value', 'one_of');
	if (
		input.safety_tolerance !== undefined &&
		!['1', '2', '3', '4', '5', '6'].includes(input.safety_tolerance as string)
	)
		return detail(
			'safety_tolerance',
			"value is not a valid enumeration member; permitted: '1', '2', '3', '4', '5', '6'",
		);
	if (typeof input.image_url === 'string' && !/^(https?:|data:image\/)/.test(input.image_url))
		return detail('image_url', 'Failed to download the file', 'file_download_error');
	if (typeof input.prompt === 'string' && /\bforbidden\b/i.test(input.prompt)) {
		return {
			detail: [
				{
					loc: ['body', 'prompt'],
					msg: 'The content could not be processed because it contained material flagged by a content checker.',
					type: 'content_policy_violation',
				},
			],
		};
	}
	return undefined;
}

export async function startMockFal(options: MockFalOptions = {}): Promise<MockFal> {
	const latencyMs = options.latencyMs ?? 1500;
	const now: MockNow = options.now ?? Date.now;
	const scale = options.scale ?? 1;
	const jobs = new Map<string, Job>();
	const files = new Map<string, { bytes: Buffer; type: string }>();
	const counts = { submit: 0, status: 0, result: 0, cancel: 0, download: 0, upload: 0 };
	const webhooks: WebhookDelivery[] = [];
	const streamed: StreamedDownload[] = [];
	/** The models' files by key (a FLUX 3 4k one is made as it is sent). */
	const modelFiles = new Map<string, MockFile>();
	let base = '';

	const served = {
		status500: 0,
		result500: 0,
		cutDownloads: 0,
		keepAlives: 0,
		silent: 0,
		silentOpen: 0,
	};
	/** An answer the mock leaves open for ever: counted until its connection closes. */
	const goSilent = (res: ServerResponse) => {
		served.silent++;
		served.silentOpen++;
		res.on('close', () => served.silentOpen--);
	};
	const keepAliveMs = options.keepAliveMs ?? 15_000;
	const stateOf = (job: Job) => {
		const elapsed = now() - job.submittedAt;
		if (job.cancelled) return 'COMPLETED';
		if (job.stuck || job.silent) return 'IN_QUEUE';
		if (elapsed >= job.latencyMs) return 'COMPLETED';
		return elapsed < job.latencyMs / 3 ? 'IN_QUEUE' : 'IN_PROGRESS';
	};

	const pool = new Map<string, Buffer>();
	/** The bytes behind an image_url: a data URI, or a file this mock holds (an upload). */
	const inputImage = (value: unknown): Buffer | undefined => {
		if (typeof value !== 'string') return undefined;
		const data = /^data:image\/[\w.+-]+;base64,(.*)$/s.exec(value);
		if (data) return Buffer.from(data[1], 'base64');
		return value.startsWith(`${base}/files/`)
			? files.get(value.slice(`${base}/files/`.length))?.bytes
			: undefined;
	};
	const labelOf = (job: Job, seed: number): MockLabel => ({
		provider: 'fal.ai (mock)',
		operation: job.endpoint.endsWith('/redux')
			? 'remix (Ultra Redux)'
			: job.endpoint === FINETUNED
				? 'generate (fine-tune)'
				: 'generate',
		aspectRatio: String(job.input.aspect_ratio ?? '16:9'),
		seed,
		prompt: typeof job.input.prompt === 'string' ? job.input.prompt : undefined,
		input: inputImage(job.input.image_url),
	});
	const renderImage = (
		format: 'png' | 'jpeg',
		width: number,
		height: number,
		job: Job,
		n: number,
	) => {
		if (!options.imagePool)
			return makeImage(format, width, height, job.seed + n, labelOf(job, job.seed + n));
		// The bench's pool: a few images made once and served to every job, so they name no prompt.
		const key = `${format}-${width}x${height}-${n % options.imagePool}`;
		if (!pool.has(key))
			pool.set(
				key,
				makeImage(format, width, height, n + 1, {
					provider: 'fal.ai (mock)',
					operation: 'pooled bench image',
					aspectRatio: String(job.input.aspect_ratio ?? '16:9'),
					seed: n + 1,
				}),
			);
		return pool.get(key)!;
	};

	/** A model job's size: FLUX 3 its class and ratio, FLUX.2 its `image_size` (FA-27, FA-28). */
	const modelSize = (job: Job): [number, number] => {
		const first = job.references?.[0] ? imageSize(job.references[0]) : undefined;
		let size: [number, number];
		if (job.model === 'flux-3-image') {
			size = flux3Size(
				String(job.input.aspect_ratio ?? 'auto'),
				String(job.input.resolution ?? '1k'),
				first,
			);
			if (job.input.resolution === '4k') return size; // full size, whatever `scale` says
		} else {
			const asked = job.input.image_size ?? (job.input.image_urls ? 'auto' : 'landscape_4_3');
			const presets: Record<string, [number, number]> = {
				square_hd: [1024, 1024],
				square: [512, 512],
				portrait_4_3: [768, 1024],
				portrait_16_9: [576, 1024],
				landscape_4_3: [1024, 768],
				landscape_16_9: [1024, 576],
			};
			size =
				typeof asked === 'object' && asked !== null
					? [(asked as { width: number }).width, (asked as { height: number }).height]
					: (presets[String(asked)] ?? flux2Size('match', 1, first));
		}
		return [Math.max(16, Math.round(size[0] * scale)), Math.max(16, Math.round(size[1] * scale))];
	};

	const modelResultOf = (job: Job & { model: MockModel }) => {
		// FLUX 3 makes PNG; klein's default is png (FA-30; webp, which the mock does not make, too).
		const png =
			job.model === 'flux-3-image' ||
			job.input.output_format === 'png' ||
			(isKlein(job.model) && job.input.output_format !== 'jpeg');
		const [width, height] = modelSize(job);
		const key = `${job.id}/0.${png ? 'png' : 'jpg'}`;
		if (!modelFiles.has(key)) {
			const ratio =
				job.model === 'flux-3-image'
					? String(job.input.aspect_ratio ?? 'auto')
					: typeof job.input.image_size === 'object'
						? `${width}x${height}`
						: String(job.input.image_size ?? 'auto');
			modelFiles.set(
				key,
				modelFile(png ? 'png' : 'jpeg', width, height, job.seed, {
					provider: 'fal.ai (mock)',
					model: MODEL_NAMES[job.model],
					operation: job.references?.length ? 'edit with references' : 'generate',
					aspectRatio: ratio,
					seed: job.model === 'flux-3-image' ? 'none' : job.seed,
					prompt: typeof job.input.prompt === 'string' ? job.input.prompt : undefined,
					input: job.references ?? [],
				}),
			);
		}
		const contentType = png ? 'image/png' : 'image/jpeg';
		const images = [{ url: `${base}/files/${key}`, width, height, content_type: contentType }];
		// FLUX.2 answers its seed (FA-33); FLUX 3 Image has none.
		return job.model === 'flux-3-image' ? { images } : { images, seed: job.seed };
	};

	const resultOf = (job: Job) => {
		if (job.model) return modelResultOf(job as Job & { model: MockModel });
		const format = job.input.output_format === 'png' ? 'png' : 'jpeg';
		const [w, h] = ULTRA_SIZES[String(job.input.aspect_ratio ?? '16:9')];
		const width = Math.max(16, Math.round(w * scale));
		const height = Math.max(16, Math.round(h * scale));
		const count = Number(job.input.num_images ?? 1);
		const images = Array.from({ length: count }, (_, n) => {
			const key = `${job.id}/${n}.${format === 'png' ? 'png' : 'jpg'}`;
			const contentType = `image/${format}`;
			if (!files.has(key))
				files.set(key, { bytes: renderImage(format, width, height, job, n), type: contentType });
			const url = job.input.sync_mode
				? `data:${contentType};base64,${files.get(key)!.bytes.toString('base64')}`
				: `${base}/files/${key}`;
			return { url, width, height, content_type: contentType };
		});
		return {
			images,
			timings: {},
			seed: job.seed,
			has_nsfw_concepts: images.map(() => false),
			prompt: String(job.input.prompt ?? ''),
		};
	};

	const faults = faultDrawer(options.faults);
	const fixtures = fixtureFiles();
	const server = createServer((req, res) => {
		void (async () => {
			if (fixtures.handle(req.method ?? 'GET', (req.url ?? '/').split('?')[0], res)) return;
			const url = new URL(req.url ?? '/', base);
			const path = url.pathname;
			const authorized = /^Key \S+/.test(req.headers.authorization ?? '');
			const fault =
				path === '/__stats'
					? undefined
					: faults.draw(`${req.method} ${path}`, req.method === 'POST' && ENDPOINTS.has(path));
			if (fault) {
				await readBody(req);
				return send(
					res,
					fault,
					{ detail: fault === 429 ? 'Too many requests' : 'Service unavailable' },
					fault === 429 ? { 'retry-after': '1' } : {},
				);
			}

			// Input schemas (testkit/mocks/schemas.ts): fal's model search, public, no key needed.
			const schema = serveFalSchema(req.method, url);
			if (schema) return sendJson(res, schema.status, schema.body);

			if (req.method === 'GET' && modelFiles.has(path.slice('/files/'.length))) {
				counts.download++;
				const key = path.slice('/files/'.length);
				return await sendFile(res, modelFiles.get(key)!, key.split('/')[0], streamed);
			}
			if (req.method === 'GET' && path.startsWith('/files/')) {
				const file = files.get(path.slice('/files/'.length));
				counts.download++;
				if (!file) return send(res, 404, { detail: 'Not Found' });
				const job = jobs.get(path.split('/')[2]);
				const bytes = await servedImage(file.bytes, file.type, job?.input.prompt);
				res.writeHead(200, {
					'content-type': file.type,
					'content-length': String(bytes.length),
				});
				const fileKey = path.slice('/files/'.length);
				if (job?.pendingFaults.cutFiles.has(fileKey)) {
					// Half the file, then the connection is cut: the client sees a body that breaks off.
					job.pendingFaults.cutFiles.delete(fileKey);
					served.cutDownloads++;
					res.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => res.socket?.destroy());
					return;
				}
				return res.end(bytes, () => {
					if (job) job.lastDownloadAt = now();
				});
			}
			if (req.method === 'GET' && path === '/__stats') {
				// For the benchmark: what happened to every job, on this process's clock.
				return send(res, 200, {
					latencyMs,
					counts,
					jobs: [...jobs.values()].map((j) => ({
						id: j.id,
						submittedAt: j.submittedAt,
						statusRequests: j.statusRequests,
						lastDownloadAt: j.lastDownloadAt,
					})),
				});
			}
			if (req.method === 'PUT' && path.startsWith('/storage/put/')) {
				const bytes = await readBody(req);
				files.set(`uploads/${path.split('/').pop()}`, {
					bytes,
					type: req.headers['content-type'] ?? 'application/octet-stream',
				});
				return send(res, 200, {});
			}
			if (!authorized) return send(res, 401, { detail: 'Unauthorized' });

			if (req.method === 'POST' && path === '/storage/upload/initiate') {
				counts.upload++;
				const id = randomUUID();
				return send(res, 200, {
					upload_url: `${base}/storage/put/${id}`,
					file_url: `${base}/files/uploads/${id}`,
				});
			}
			if (req.method === 'POST' && ENDPOINTS.has(path)) {
				counts.submit++;
				let input: Record<string, unknown>;
				try {
					input = JSON.parse((await readBody(req)).toString('utf8')) as Record<string, unknown>;
				} catch {
					return send(res, 422, {
						detail: [{ loc: ['body'], msg: 'invalid JSON', type: 'value_error.jsondecode' }],
					});
				}
				const endpoint = MODEL_ENDPOINTS[path];
				let problem = endpoint ? validateModel(endpoint, input) : validate(path, input);
				// The references, read as fal reads them (a URL downloaded, a data URI decoded), in order.
				const references: Buffer[] = [];
				if (endpoint && !problem && Array.isArray(input.image_urls)) {
					for (const [n, value] of (input.image_urls as string[]).entries()) {
						const bytes = dataUriBytes(value) ?? inputImage(value) ?? (await fetchImage(value));
						const checked = checkReference(
							bytes,
							endpoint.model === 'flux-3-image' ? { minSide: 256, maxMegapixels: 4 } : {},
						);
						if (typeof checked === 'string') {
							problem = {
								detail: [
									{
										loc: ['body', 'image_urls', n],
										msg: `Image ${n + 1} ${checked}`,
										type: bytes ? 'image_too_small_or_large' : 'file_download_error',
									},
								],
							};
							break;
						}
						references.push(bytes!);
					}
				}
				const marked = (marker: string) => String(input.prompt ?? '').includes(marker);
				if (marked(FAL_FAULT_MARKERS.busy)) return send(res, 429, { detail: 'Too many requests' });
				if (marked(FAL_FAULT_MARKERS.noCredit) || options.outOfCredit?.(input)) {
					return send(res, 402, {
						detail:
							'User is locked. Reason: Exhausted balance. Top up your balance at fal.ai/dashboard/billing.',
					});
				}
				if (marked(FAL_FAULT_MARKERS.ingress503)) {
					res.writeHead(503, { 'content-type': 'text/html' });
					return res.end(
						'<html><body><center><h1>503 Service Temporarily Unavailable</h1></center><hr><center>nginx</center></body></html>',
					);
				}
				const id = randomUUID();
				const seed =
					typeof input.seed === 'number' ? input.seed : Math.floor(Math.random() * 2 ** 31);
				const prompt = String(input.prompt ?? '');
				const flaky = prompt.includes(FAL_FAULT_MARKERS.flakyReads);
				const cutFiles = new Set<string>();
				if (prompt.includes(FAL_FAULT_MARKERS.cutDownload)) {
					const ext = input.output_format === 'png' ? 'png' : 'jpg';
					for (let n = 0; n < Number(input.num_images ?? 1); n++) cutFiles.add(`${id}/${n}.${ext}`);
				}
				jobs.set(id, {
					id,
					endpoint: path,
					...(endpoint ? { model: endpoint.model, references } : {}),
					input,
					submittedAt: now(),
					latencyMs: prompt.includes(FAL_FAULT_MARKERS.slow) ? 4 * latencyMs : latencyMs,
					cancelled: false,
					seed,
					statusRequests: 0,
					pendingFaults: { status500: flaky, result500: flaky, cutFiles },
					stuck: prompt.includes(FAL_FAULT_MARKERS.stuck),
					silent: prompt.includes(FAL_FAULT_MARKERS.silent),
					fails: prompt.includes(FAL_FAULT_MARKERS.jobFails),
				});
				if (marked(FAL_FAULT_MARKERS.lostAnswer)) {
					// The job exists (and would bill); its answer never arrives.
					res.socket?.destroy();
					return;
				}
				if (problem) (jobs.get(id) as Job & { problem?: unknown }).problem = problem;
				// fal's webhook (docs.fal.ai/model-endpoints/webhooks): POSTed when the job completes.
				const hook = url.searchParams.get('fal_webhook');
				if (hook && !jobs.get(id)!.stuck && !jobs.get(id)!.silent) {
					scheduleWebhook(webhooks, hook, jobs.get(id)!.latencyMs, () =>
						problem
							? {
									request_id: id,
									gateway_request_id: id,
									status: 'ERROR',
									error: 'Invalid status code: 422',
									payload: problem,
								}
							: {
									request_id: id,
									gateway_request_id: id,
									status: 'OK',
									payload: resultOf(jobs.get(id)!),
									error: null,
								},
					);
				}
				const links = `${base}${appOf(path)}/requests/${id}`;
				return send(res, 200, {
					request_id: id,
					status_url: `${links}/status`,
					response_url: links,
					cancel_url: `${links}/cancel`,
					queue_position: 0,
				});
			}
			const match =
				/^\/[\w-]+\/[\w.-]+\/requests\/([\w-]+)(\/status\/stream|\/status|\/cancel)?$/.exec(path);
			const job = match ? jobs.get(match[1]) : undefined;
			if (match && !job) return send(res, 404, { detail: 'Request not found' });
			if (
				job &&
				req.method === 'GET' &&
				match![2]?.startsWith('/status') &&
				job.pendingFaults.status500
			) {
				job.pendingFaults.status500 = false;
				served.status500++;
				return send(res, 500, { detail: 'Internal Server Error' });
			}
			if (
				job &&
				req.method === 'GET' &&
				!match![2] &&
				job.pendingFaults.result500 &&
				stateOf(job) === 'COMPLETED'
			) {
				job.pendingFaults.result500 = false;
				served.result500++;
				return send(res, 500, { detail: 'Internal Server Error' });
			}
			if (job && req.method === 'GET' && match![2] === '/status/stream') {
				// fal's SSE status stream: one event now, one at each change, closed after COMPLETED.
				counts.status++;
				job.statusRequests++;
				res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
				if (job.silent) {
					goSilent(res);
					res.write(`data: ${JSON.stringify({ status: 'IN_QUEUE', request_id: job.id })}\n\n`);
					return;
				}
				let last = '';
				const timers: NodeJS.Timeout[] = [];
				const emit = () => {
					const status = stateOf(job);
					const failure = status === 'COMPLETED' && job.fails ? JOB_FAILURE : {};
					if (status !== last)
						res.write(`data: ${JSON.stringify({ status, request_id: job.id, ...failure })}\n\n`);
					last = status;
					if (status === 'COMPLETED') {
						timers.forEach(clearTimeout);
						res.end();
					}
				};
				if (job.stuck) {
					// A job that never leaves the queue: fal says nothing but keep-alive comments.
					res.write(': keep-alive\n\n');
					const ping = setInterval(() => {
						served.keepAlives++;
						res.write(': keep-alive\n\n');
					}, keepAliveMs);
					req.on('close', () => clearInterval(ping));
					return;
				}
				emit();
				for (const at of [job.latencyMs / 3, job.latencyMs]) {
					const wait = job.submittedAt + at - now();
					if (wait > 0) timers.push(setTimeout(emit, wait + 1));
				}
				req.on('close', () => timers.forEach(clearTimeout));
				return;
			}
			if (job && req.method === 'GET' && match![2] === '/status') {
				counts.status++;
				job.statusRequests++;
				if (job.silent) {
					goSilent(res);
					res.writeHead(200, {
						'content-type': 'application/json',
						'content-length': '200',
						'x-fal-request-id': job.id,
					});
					res.write('{"status":"IN_');
					return;
				}
				const status = stateOf(job);
				const failure = status === 'COMPLETED' && job.fails ? JOB_FAILURE : {};
				return send(res, 200, {
					status,
					request_id: job.id,
					...(status === 'IN_QUEUE' ? { queue_position: 0 } : {}),
					response_url: `${base}${appOf(job.endpoint)}/requests/${job.id}`,
					...failure,
				});
			}
			if (job && req.method === 'PUT' && match![2] === '/cancel') {
				counts.cancel++;
				if (stateOf(job) === 'COMPLETED') return send(res, 400, { status: 'ALREADY_COMPLETED' });
				job.cancelled = true;
				return send(res, 202, { status: 'CANCELLATION_REQUESTED' });
			}
			if (job && req.method === 'GET' && !match![2]) {
				counts.result++;
				if (stateOf(job) !== 'COMPLETED')
					return send(res, 400, { detail: 'Request is still in progress' });
				const problem = (job as Job & { problem?: unknown }).problem;
				if (problem) return send(res, 422, problem, { 'x-fal-request-id': job.id });
				if (job.cancelled)
					return send(res, 400, {
						detail: 'Request was cancelled',
						error_type: 'client_cancelled',
					});
				return send(res, 200, resultOf(job), { 'x-fal-request-id': job.id });
			}
			return send(res, 404, { detail: 'Not Found' });
		})().catch((error: Error) => send(res, 500, { detail: error.message }));
	});

	const loopback = await listenLoopback(server, options.port);
	base = loopback.url;
	return {
		url: base,
		jobs,
		counts,
		faults: faults.counts,
		served,
		webhooks,
		streamed,
		serveFixture: (name: string, bytes: Buffer, type = 'image/png') => {
			fixtures.files.set(name, { bytes, type });
			return `${base}/fixtures/${encodeURIComponent(name)}`;
		},
		close: loopback.close,
	};
}
