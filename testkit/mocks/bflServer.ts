import { randomUUID } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';

import { imageSize, sniffImage } from '../../nodes/FluxUltra/job/downloads';
import { servedImage } from './credentials';
import { makeImage, ULTRA_SIZES } from './images';
import {
	bareBase64,
	checkReference,
	fetchImage,
	FLUX3_CLASS_SIDE,
	FLUX3_RATIOS,
	flux2Size,
	flux3Size,
	isKlein,
	MODEL_NAMES,
	modelFile,
	type MockFile,
	type MockModel,
	sendFile,
	type StreamedDownload,
} from './models';
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
 * A loopback stand-in for Black Forest Labs' API (https://api.bfl.ai), close enough that the node
 * and BFL's clients cannot tell: `x-key` auth, `POST /v1/flux-pro-1.1-ultra` (and `…-ultra-finetuned`) answering
 * `{id, polling_url}`, `GET /v1/get_result?id=` passing Pending → Ready (or a moderation or Error
 * status) in real time, FastAPI-style 422 `detail[]` errors, `GET /v1/credits`, and signed result
 * URLs on a delivery path that need no key and expire (10 minutes at BFL).
 *
 * The models beyond Ultra (issue 29) at their own endpoints, async the same way: FLUX.2 [pro], [max]
 * and [flex] (`/v1/flux-2-pro` …: `prompt`, `input_image` … `input_image_8`, `width`/`height`, BF-23
 * …BF-26), FLUX.2 [klein] 4B and 9B (`/v1/flux-2-klein-4b`, `/v1/flux-2-klein-9b`: [pro]'s fields with
 * `input_image` … `input_image_4` only, BF-27, BF-50) and FLUX 3 Image (`/v1/flux-3-image`: `prompt`, `images` 1–10, `aspect_ratio`,
 * `resolution`, `safety_tolerance` 0–4, `grounding`, BF-41…BF-44), each checked against its
 * documented fields (an unknown or missing one is a 422, as BFL's strict schemas answer). A
 * reference is base64 or a URL the mock fetches; the picture shows them in order and the model. A
 * FLUX 3 `4k` job's PNG is full size (~16 MP) whatever `scale` says, made as it is sent.
 */

export interface MockBflOptions {
	/** The clock the state machine reads (default: real time). */
	now?: MockNow;
	/** How long a job takes, from submit to Ready. */
	latencyMs?: number;
	/** Image size as a fraction of Ultra's real size (1 = about 4 MP). */
	scale?: number;
	port?: number;
	/** How long a result URL stays valid once the job is Ready (BFL: 10 minutes). */
	resultTtlMs?: number;
	/** Answer this share of API requests with 429 / 503 (job creation only ever 429). */
	faults?: MockFaults;
}

export interface BflTask {
	id: string;
	/** The submit path: Ultra's or the fine-tuned one. */
	endpoint: string;
	input: Record<string, unknown>;
	createdAt: number;
	seed: number;
	/** The terminal status when it is not Ready (set from the prompt). */
	outcome?: 'Content Moderated' | 'Request Moderated' | 'Error';
	/** A model beyond Ultra (its endpoint's). */
	model?: MockModel;
	/** That model's reference images as received (decoded or fetched), in order. */
	references?: Buffer[];
}

export interface MockBfl {
	url: string;
	tasks: Map<string, BflTask>;
	counts: { submit: number; poll: number; download: number; credits: number };
	faults: { 429: number; 503: number };
	/** Calls made to `webhook_url`s when tasks ended (the payload is the get_result answer: UNCONFIRMED). */
	webhooks: WebhookDelivery[];
	/** Full-size files (FLUX 3 Image 4k) sent whole: size and SHA-256, for the tests. */
	streamed: StreamedDownload[];
	/** Publishes `bytes` at `<url>/fixtures/<name>` (no key needed); its URL. */
	serveFixture(name: string, bytes: Buffer, type?: string): string;
	close(): Promise<void>;
}

const ENDPOINT = '/v1/flux-pro-1.1-ultra';
/** Ultra with a fine-tune: Ultra's fields without `raw`, plus `finetune_id` (required) and `finetune_strength` (0–2). */
const FINETUNED = '/v1/flux-pro-1.1-ultra-finetuned';
const SIGNATURE = 'mock-signature';
/** FluxUltraInput's fields (BFL OpenAPI); anything else is refused, so a wrong name shows up. */
const KNOWN = new Set([
	'prompt',
	'prompt_upsampling',
	'seed',
	'aspect_ratio',
	'safety_tolerance',
	'output_format',
	'raw',
	'image_prompt',
	'image_prompt_strength',
	'webhook_url',
	'webhook_secret',
]);

const KNOWN_FINETUNED = new Set([
	...[...KNOWN].filter((key) => key !== 'raw'),
	'finetune_id',
	'finetune_strength',
]);

/** The models' endpoints (BF-23, BF-41). */
const MODEL_ENDPOINTS: Readonly<Record<string, MockModel>> = {
	'/v1/flux-2-pro': 'flux-2-pro',
	'/v1/flux-2-max': 'flux-2-max',
	'/v1/flux-2-flex': 'flux-2-flex',
	'/v1/flux-2-klein-4b': 'flux-2-klein-4b',
	'/v1/flux-2-klein-9b': 'flux-2-klein-9b',
	'/v1/flux-3-image': 'flux-3-image',
};

/** `Flux2Inputs` (BF-25): 8 numbered reference fields. */
const FLUX2_REFERENCE_FIELDS = [
	'input_image',
	...Array.from({ length: 7 }, (_, n) => `input_image_${n + 2}`),
];
const KNOWN_FLUX2 = new Set([
	'prompt',
	...FLUX2_REFERENCE_FIELDS,
	'seed',
	'width',
	'height',
	'safety_tolerance',
	'output_format',
	'webhook_url',
	'webhook_secret',
]);
/** `Flux2KleinInputs` (BF-27, BF-50): [pro]'s fields, 4 numbered references (`input_image_5`… refused). */
const KNOWN_FLUX2_KLEIN = new Set(
	[...KNOWN_FLUX2].filter((key) => !/^input_image_[5-8]$/.test(key)),
);
/** `Flux2FlexInputs` (BF-26). */
const KNOWN_FLUX2_FLEX = new Set([...KNOWN_FLUX2, 'prompt_upsampling', 'guidance', 'steps']);
/** FLUX 3 Image (BF-42, UNCONFIRMED): nothing else, no seed, no webhook. */
const KNOWN_FLUX3 = new Set([
	'prompt',
	'images',
	'aspect_ratio',
	'resolution',
	'safety_tolerance',
	'grounding',
	'version',
]);

type Detail = { loc: Array<string | number>; msg: string; type: string };

const fail = (loc: string, msg: string, type: string): Detail => ({
	loc: ['body', loc],
	msg,
	type,
});

/** "between 21:9 and 9:21", as BFL words it. */
function ratioProblem(value: unknown): string | undefined {
	if (typeof value !== 'string') return 'Input should be a valid string';
	const match = /^(\d+):(\d+)$/.exec(value);
	if (!match || Number(match[2]) === 0) return 'Aspect ratio must be in the format W:H';
	const ratio = Number(match[1]) / Number(match[2]);
	if (ratio > 21 / 9 + 1e-9 || ratio < 9 / 21 - 1e-9)
		return 'Aspect ratio must be between 21:9 and 9:21';
	return undefined;
}

/** Checks a submit body the way BFL's schema does; returns every problem. */
export function validateBflInput(body: Record<string, unknown>, endpoint = ENDPOINT): Detail[] {
	const problems: Detail[] = [];
	const finetuned = endpoint === FINETUNED;
	if (finetuned) {
		if (body.finetune_id === undefined || body.finetune_id === null)
			problems.push(fail('finetune_id', 'Field required', 'missing'));
		else if (typeof body.finetune_id !== 'string' || body.finetune_id === '')
			problems.push(fail('finetune_id', 'Input should be a valid string', 'string_type'));
		const strength = body.finetune_strength;
		if (strength !== undefined && (typeof strength !== 'number' || strength < 0 || strength > 2)) {
			problems.push(fail('finetune_strength', 'Input should be between 0 and 2', 'float_range'));
		}
	}
	const isInt = (v: unknown) => typeof v === 'number' && Number.isInteger(v);
	if (body.prompt !== undefined && body.prompt !== null && typeof body.prompt !== 'string')
		problems.push(fail('prompt', 'Input should be a valid string', 'string_type'));
	if (
		(body.prompt === undefined || body.prompt === null || body.prompt === '') &&
		(body.image_prompt === undefined || body.image_prompt === null)
	) {
		problems.push(fail('prompt', 'Either prompt or image_prompt must be provided', 'value_error'));
	}
	for (const flag of ['prompt_upsampling', 'raw']) {
		if (body[flag] !== undefined && typeof body[flag] !== 'boolean')
			problems.push(fail(flag, 'Input should be a valid boolean', 'bool_type'));
	}
	if (body.seed !== undefined && body.seed !== null && !isInt(body.seed))
		problems.push(fail('seed', 'Input should be a valid integer', 'int_type'));
	if (body.aspect_ratio !== undefined) {
		const problem = ratioProblem(body.aspect_ratio);
		if (problem) problems.push(fail('aspect_ratio', problem, 'value_error'));
	}
	const tolerance = body.safety_tolerance;
	if (
		tolerance !== undefined &&
		(!isInt(tolerance) || (tolerance as number) < 0 || (tolerance as number) > 6)
	) {
		problems.push(
			fail('safety_tolerance', 'Input should be an integer between 0 and 6', 'int_range'),
		);
	}
	if (
		body.output_format !== undefined &&
		body.output_format !== null &&
		body.output_format !== 'jpeg' &&
		body.output_format !== 'png'
	) {
		problems.push(fail('output_format', "Input should be 'jpeg' or 'png'", 'enum'));
	}
	if (body.image_prompt !== undefined && body.image_prompt !== null) {
		const value = body.image_prompt;
		const bytes =
			typeof value === 'string' && /^[A-Za-z0-9+/]+={0,2}$/.test(value)
				? Buffer.from(value, 'base64')
				: undefined;
		if (!bytes || !sniffImage(bytes))
			problems.push(
				fail('image_prompt', 'Invalid image: expected a base64-encoded image', 'value_error'),
			);
	}
	const strength = body.image_prompt_strength;
	if (strength !== undefined && (typeof strength !== 'number' || strength < 0 || strength > 1)) {
		problems.push(fail('image_prompt_strength', 'Input should be between 0 and 1', 'float_range'));
	}
	for (const key of Object.keys(body)) {
		if (!(finetuned ? KNOWN_FINETUNED : KNOWN).has(key))
			problems.push(fail(key, 'Extra inputs are not permitted', 'extra_forbidden'));
	}
	return problems;
}

/** The references of a model body in order (FLUX.2's numbered fields, FLUX 3's `images`), as sent. */
export function bflReferences(model: MockModel, body: Record<string, unknown>): unknown[] {
	if (model === 'flux-3-image')
		return body.images === undefined || body.images === null
			? []
			: Array.isArray(body.images)
				? body.images
				: [body.images];
	return FLUX2_REFERENCE_FIELDS.map((key) => body[key]).filter(
		(v) => v !== undefined && v !== null,
	);
}

/** Checks a model's submit body the way its BFL schema does (BF-25…BF-27, BF-42, BF-50); every problem. */
export function validateBflModelInput(model: MockModel, body: Record<string, unknown>): Detail[] {
	const problems: Detail[] = [];
	const isInt = (v: unknown) => typeof v === 'number' && Number.isInteger(v);
	const known =
		model === 'flux-3-image'
			? KNOWN_FLUX3
			: model === 'flux-2-flex'
				? KNOWN_FLUX2_FLEX
				: isKlein(model)
					? KNOWN_FLUX2_KLEIN
					: KNOWN_FLUX2;
	if (body.prompt === undefined || body.prompt === null)
		problems.push(fail('prompt', 'Field required', 'missing'));
	else if (typeof body.prompt !== 'string')
		problems.push(fail('prompt', 'Input should be a valid string', 'string_type'));
	const range = (key: string, min: number, max: number, integer: boolean) => {
		const v = body[key];
		if (v === undefined || v === null) return;
		if (typeof v !== 'number' || (integer && !isInt(v)) || v < min || v > max)
			problems.push(
				fail(
					key,
					`Input should be ${integer ? 'an integer' : 'a number'} between ${min} and ${max}`,
					'range',
				),
			);
	};
	for (const key of Object.keys(body))
		if (!known.has(key))
			problems.push(fail(key, 'Extra inputs are not permitted', 'extra_forbidden'));
	const reference = (loc: string, value: unknown) => {
		if (typeof value !== 'string' || (!/^https?:\/\//.test(value) && !bareBase64(value)))
			problems.push(fail(loc, 'Expected a URL or a base64-encoded image', 'value_error'));
	};
	if (model === 'flux-3-image') {
		const images = body.images;
		if (images !== undefined && images !== null) {
			const list = Array.isArray(images) ? images : [images];
			if (list.length < 1 || list.length > 10)
				problems.push(fail('images', 'Between one and 10 images', 'too_long'));
			list.forEach((v, n) => reference(`images.${n}`, v));
		}
		const ratio = body.aspect_ratio;
		if (ratio !== undefined && ratio !== 'auto' && !FLUX3_RATIOS.includes(String(ratio)))
			problems.push(
				fail('aspect_ratio', `Input should be 'auto' or one of ${FLUX3_RATIOS.join(', ')}`, 'enum'),
			);
		if (body.resolution !== undefined && !(String(body.resolution) in FLUX3_CLASS_SIDE))
			problems.push(
				fail('resolution', "Input should be '768sq', '1k', '1.5k', '2k' or '4k'", 'enum'),
			);
		range('safety_tolerance', 0, 4, true);
		if (body.grounding !== undefined && typeof body.grounding !== 'boolean')
			problems.push(fail('grounding', 'Input should be a valid boolean', 'bool_type'));
		return problems;
	}
	for (const key of FLUX2_REFERENCE_FIELDS)
		if (body[key] !== undefined && body[key] !== null) reference(key, body[key]);
	// Numbered in order: a gap would leave "image 2" unnamed.
	const present = FLUX2_REFERENCE_FIELDS.map(
		(key) => body[key] !== undefined && body[key] !== null,
	);
	if (present.some((p, n) => p && n > 0 && !present[n - 1]))
		problems.push(
			fail('input_image', 'Reference images must be numbered without gaps', 'value_error'),
		);
	if (body.seed !== undefined && body.seed !== null && !isInt(body.seed))
		problems.push(fail('seed', 'Input should be a valid integer', 'int_type'));
	for (const key of ['width', 'height']) {
		const v = body[key];
		if (v !== undefined && v !== null && v !== 0 && (!isInt(v) || (v as number) < 64))
			problems.push(fail(key, 'Input should be an integer of at least 64', 'greater_than_equal'));
	}
	if (
		isInt(body.width) &&
		isInt(body.height) &&
		(body.width as number) * (body.height as number) > 4 * 1_048_576
	)
		problems.push(fail('width', 'Output is limited to 4 megapixels', 'value_error'));
	range('safety_tolerance', 0, 5, true);
	if (
		body.output_format !== undefined &&
		body.output_format !== null &&
		!['jpeg', 'png', 'webp'].includes(String(body.output_format))
	)
		problems.push(fail('output_format', "Input should be 'jpeg', 'png' or 'webp'", 'enum'));
	if (model === 'flux-2-flex') {
		if (body.prompt_upsampling !== undefined && typeof body.prompt_upsampling !== 'boolean')
			problems.push(fail('prompt_upsampling', 'Input should be a valid boolean', 'bool_type'));
		range('guidance', 1.5, 10, false);
		range('steps', 1, 50, true);
	}
	return problems;
}

function outcomeFor(prompt: unknown): BflTask['outcome'] {
	if (typeof prompt !== 'string') return undefined;
	if (/\bforbidden-input\b/i.test(prompt)) return 'Request Moderated';
	if (/\bforbidden\b/i.test(prompt)) return 'Content Moderated';
	if (/\bexplode\b/i.test(prompt)) return 'Error';
	return undefined;
}

export async function startMockBfl(options: MockBflOptions = {}): Promise<MockBfl> {
	const latencyMs = options.latencyMs ?? 1500;
	const now: MockNow = options.now ?? Date.now;
	const scale = options.scale ?? 1;
	const ttl = options.resultTtlMs ?? 10 * 60_000;
	const tasks = new Map<string, BflTask>();
	const files = new Map<string, Buffer>();
	const modelFiles = new Map<string, MockFile>();
	const counts = { submit: 0, poll: 0, download: 0, credits: 0 };
	const webhooks: WebhookDelivery[] = [];
	const streamed: StreamedDownload[] = [];
	let base = '';

	const send = (
		res: ServerResponse,
		status: number,
		body: unknown,
		headers: Record<string, string> = {},
	) => sendJson(res, status, body, { 'x-request-id': randomUUID(), ...headers });

	const statusOf = (task: Task) => {
		if (task.outcome === 'Request Moderated') return task.outcome;
		if (now() - task.createdAt < latencyMs) return 'Pending';
		return task.outcome ?? 'Ready';
	};
	type Task = BflTask;

	/** A model task's size: FLUX.2 its width/height (0: the first reference's), FLUX 3 its class. */
	const modelSize = (task: Task): [number, number] => {
		const first = task.references?.[0] ? imageSize(task.references[0]) : undefined;
		const { width, height } = task.input as { width?: number; height?: number };
		const [w, h] =
			task.model === 'flux-3-image'
				? flux3Size(
						String(task.input.aspect_ratio ?? 'auto'),
						String(task.input.resolution ?? '1k'),
						first,
					)
				: width && height
					? [width, height]
					: flux2Size('match', 1, first);
		// FLUX 3's 4k class full size (the memory bench, the e2e check of a 16 MP file).
		if (task.model === 'flux-3-image' && task.input.resolution === '4k') return [w, h];
		return [Math.max(16, Math.round(w * scale)), Math.max(16, Math.round(h * scale))];
	};

	const imageOf = (task: Task) => {
		if (task.model) {
			const format: 'png' | 'jpeg' =
				task.model === 'flux-3-image' || task.input.output_format === 'png' ? 'png' : 'jpeg';
			const [width, height] = modelSize(task);
			return { format, width, height, extension: format === 'png' ? 'png' : 'jpeg' };
		}
		const format: 'png' | 'jpeg' = task.input.output_format === 'png' ? 'png' : 'jpeg';
		const [w, h] = ULTRA_SIZES[String(task.input.aspect_ratio ?? '16:9')] ?? ULTRA_SIZES['16:9'];
		return {
			format,
			width: Math.max(16, Math.round(w * scale)),
			height: Math.max(16, Math.round(h * scale)),
			extension: format === 'png' ? 'png' : 'jpeg',
		};
	};

	const resultBody = (task: Task) => {
		const status = statusOf(task);
		if (status !== 'Ready')
			return { id: task.id, status, result: null, progress: status === 'Pending' ? 0.5 : null };
		const { extension } = imageOf(task);
		const expires = task.createdAt + latencyMs + ttl;
		const sample = `${base}/delivery/results/${task.id}/sample.${extension}?se=${expires}&sig=${SIGNATURE}`;
		const startTime = (task.createdAt + latencyMs / 3) / 1000;
		const endTime = (task.createdAt + latencyMs) / 1000;
		return {
			id: task.id,
			status,
			result: {
				sample,
				prompt: task.input.prompt ?? '',
				// FLUX 3 Image has no seed (BF-42); FLUX.2 reports it (BF-34).
				...(task.model === 'flux-3-image' ? {} : { seed: task.seed }),
				start_time: startTime,
				end_time: endTime,
				duration: endTime - startTime,
			},
			progress: 1,
		};
	};

	const faults = faultDrawer(options.faults);
	const fixtures = fixtureFiles();
	const server = createServer((req, res) => {
		void (async () => {
			if (fixtures.handle(req.method ?? 'GET', (req.url ?? '/').split('?')[0], res)) return;
			const url = new URL(req.url ?? '/', base);
			const path = url.pathname;
			const method = req.method ?? 'GET';
			const submitPath = path === ENDPOINT || path === FINETUNED || path in MODEL_ENDPOINTS;
			const fault = path.startsWith('/v1/')
				? faults.draw(`${method} ${path}`, method === 'POST' && submitPath)
				: undefined;
			if (fault) {
				await readBody(req);
				const body =
					fault === 429
						? {
								error: 'rate_limit_exceeded',
								message: 'Too many concurrent requests',
								retry_after: 1,
							}
						: { detail: 'Service temporarily unavailable' };
				return send(res, fault, body, fault === 429 ? { 'retry-after': '1' } : {});
			}

			// Signed delivery URLs: no key needed (BFL's clients may send one anyway), but the signature and expiry count.
			const delivery = /^\/delivery\/results\/([\w-]+)\/sample\.(png|jpeg)$/.exec(path);
			if (method === 'GET' && delivery) {
				counts.download++;
				const task = tasks.get(delivery[1]);
				if (!task || statusOf(task) !== 'Ready' || url.searchParams.get('sig') !== SIGNATURE)
					return send(res, 403, { detail: 'Forbidden' });
				if (now() > Number(url.searchParams.get('se')))
					return send(res, 403, { detail: 'Request has expired' });
				const { format, width, height, extension } = imageOf(task);
				if (delivery[2] !== extension) return send(res, 404, { detail: 'Not Found' });
				if (task.model) {
					let file = modelFiles.get(task.id);
					if (!file) {
						file = modelFile(format, width, height, task.seed, {
							provider: 'Black Forest Labs (mock)',
							model: MODEL_NAMES[task.model],
							operation: task.references?.length ? 'edit with references' : 'generate',
							aspectRatio:
								task.model === 'flux-3-image'
									? String(task.input.aspect_ratio ?? 'auto')
									: task.input.width
										? `${String(task.input.width)}x${String(task.input.height)} px`
										: 'first reference',
							seed: task.model === 'flux-3-image' ? 'none' : task.seed,
							prompt: typeof task.input.prompt === 'string' ? task.input.prompt : undefined,
							input: task.references ?? [],
						});
						modelFiles.set(task.id, file);
					}
					return await sendFile(res, file, task.id, streamed);
				}
				let bytes = files.get(task.id);
				if (!bytes) {
					const prompt = task.input.image_prompt;
					bytes = makeImage(format, width, height, task.seed, {
						provider: 'Black Forest Labs (mock)',
						operation:
							task.endpoint === FINETUNED
								? 'generate (fine-tune)'
								: typeof prompt === 'string'
									? 'generate with image prompt'
									: 'generate',
						aspectRatio: String(task.input.aspect_ratio ?? '16:9'),
						seed: task.seed,
						prompt: typeof task.input.prompt === 'string' ? task.input.prompt : undefined,
						input: typeof prompt === 'string' ? Buffer.from(prompt, 'base64') : undefined,
					});
					bytes = await servedImage(bytes, `image/${format}`, task.input.prompt);
					files.set(task.id, bytes);
				}
				res.writeHead(200, {
					'content-type': `image/${format}`,
					'content-length': String(bytes.length),
				});
				return res.end(bytes);
			}

			if (!path.startsWith('/v1/')) return send(res, 404, { detail: 'Not Found' });
			const key = req.headers['x-key'];
			if (typeof key !== 'string' || key.trim() === '')
				return send(res, 403, { detail: 'Not authenticated' });

			if (method === 'GET' && path === '/v1/credits') {
				counts.credits++;
				return send(res, 200, { credits: 1000 });
			}

			if (method === 'POST' && submitPath) {
				counts.submit++;
				let body: unknown;
				try {
					body = JSON.parse((await readBody(req)).toString('utf8'));
				} catch {
					return send(res, 422, {
						detail: [{ loc: ['body'], msg: 'JSON decode error', type: 'json_invalid' }],
					});
				}
				if (!body || typeof body !== 'object' || Array.isArray(body)) {
					return send(res, 422, {
						detail: [
							{ loc: ['body'], msg: 'Input should be a valid dictionary', type: 'model_type' },
						],
					});
				}
				const input = body as Record<string, unknown>;
				const model = MODEL_ENDPOINTS[path];
				const problems = model
					? validateBflModelInput(model, input)
					: validateBflInput(input, path);
				if (problems.length > 0) return send(res, 422, { detail: problems });
				// A model's references: base64 as sent, a URL fetched (BF-30); FLUX 3's limits (BF-44).
				const references: Buffer[] = [];
				if (model) {
					for (const [n, value] of bflReferences(model, input).entries()) {
						const text = String(value);
						const bytes = /^https?:/.test(text) ? await fetchImage(text) : bareBase64(text);
						const loc = model === 'flux-3-image' ? `images.${n}` : FLUX2_REFERENCE_FIELDS[n];
						const checked = checkReference(
							bytes,
							model === 'flux-3-image' ? { minSide: 256, maxMegapixels: 16 } : {},
						);
						if (typeof checked === 'string')
							return send(res, 422, { detail: [fail(loc, `Image ${checked}`, 'value_error')] });
						references.push(bytes!);
					}
				}
				if (key.includes('nocredit')) return send(res, 402, { detail: 'Insufficient credits' });
				const task: Task = {
					id: randomUUID(),
					endpoint: path,
					input,
					createdAt: now(),
					seed: typeof input.seed === 'number' ? input.seed : Math.floor(Math.random() * 2 ** 31),
					outcome: outcomeFor(input.prompt),
					...(model ? { model, references } : {}),
				};
				tasks.set(task.id, task);
				if (typeof input.webhook_url === 'string') {
					const headers: Record<string, string> =
						typeof input.webhook_secret === 'string'
							? { 'x-webhook-secret': input.webhook_secret }
							: {};
					scheduleWebhook(
						webhooks,
						input.webhook_url,
						task.outcome === 'Request Moderated' ? 0 : latencyMs,
						() => resultBody(task),
						headers,
					);
				}
				const [w, h] = task.model ? modelSize(task) : [2048, 2048];
				const mp = (n: number) => Math.round((n / 1_000_000) * 100) / 100;
				return send(res, 200, {
					id: task.id,
					polling_url: `${base}/v1/get_result?id=${task.id}`,
					// A mock bills nothing: BFL's field is there, at 0 credits (issue 31).
					cost: 0,
					input_mp: mp(
						references.reduce((sum, r) => {
							const size = imageSize(r);
							return sum + (size ? size.width * size.height : 0);
						}, 0),
					),
					output_mp: task.model ? mp(w * h) : 4.2,
				});
			}

			if (method === 'GET' && path === '/v1/get_result') {
				counts.poll++;
				const task = tasks.get(url.searchParams.get('id') ?? '');
				if (!task)
					return send(res, 200, {
						id: url.searchParams.get('id'),
						status: 'Task not found',
						result: null,
						progress: null,
					});
				return send(res, 200, resultBody(task));
			}
			return send(res, 404, { detail: 'Not Found' });
		})().catch((error: Error) => {
			if (res.headersSent) res.destroy();
			else sendJson(res, 500, { detail: error.message });
		});
	});

	const loopback = await listenLoopback(server, options.port);
	base = loopback.url;
	return {
		url: base,
		tasks,
		counts,
		faults: faults.counts,
		webhooks,
		streamed,
		serveFixture: (name: string, bytes: Buffer, type = 'image/png') => {
			fixtures.files.set(name, { bytes, type });
			return `${base}/fixtures/${encodeURIComponent(name)}`;
		},
		close: loopback.close,
	};
}
