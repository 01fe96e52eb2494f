import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

import { imageSize } from '../../nodes/FluxUltra/shared/imageBytes';
import { servedImage } from './credentials';
import { makeImage, ULTRA_SIZES } from './images';
import {
	checkReference,
	fetchImage,
	flux2Size,
	flux3Size,
	isKlein,
	MODEL_NAMES,
	type MockModel,
} from './models';
import {
	fluxModelBody,
	modelBody,
	RUNFLOW_FLUX_MODELS,
	RUNFLOW_KLEIN_MODELS,
	ultraEditInputs,
	ultraInputs,
	validateBySchema,
	type MockRunflowSchema,
} from './runflowModels';
import {
	faultDrawer,
	fixtureFiles,
	listenLoopback,
	readBody,
	runflowOutputBody,
	scheduleWebhook,
	sendJson,
	type MockFaults,
	type RunflowOutputShape,
	type WebhookDelivery,
	type MockNow,
} from './loopback';

/**
 * A loopback stand-in for Runflow's API (https://api.runflow.io), close enough that the node cannot
 * tell: `Authorization: Bearer …`, the `{ code, message, errors }` error envelope, runs that pass
 * queued → running → succeeded/failed in real time, results behind presigned-looking URLs that need
 * no auth, and the three-step asset upload (create → PUT to a presigned URL → confirm), including
 * the 400 a presigned URL gives when the PUT also carries an Authorization header.
 *
 * The models beyond Ultra (issue 29): FLUX.2 [klein] 4B and 9B at the slugs Runflow documents
 * (`black-forest-labs/flux-2-klein-4b|9b` and `…/edit`, fal-style inputs, output `images[]` of
 * `{url, width, height}` with the seed: RF-34, RF-35, RF-39), always served; FLUX.2 [pro]/[max]/
 * [flex] and FLUX 3 Image at our guess of their slugs (runflowModels.ts RUNFLOW_FLUX_MODELS), served
 * unless `fluxModels` leaves them out. Each run is checked against its model's inputs (an unknown or
 * missing field is a 422); its references (`image_urls[]`: an uploaded asset, or a URL the mock
 * fetches as Runflow would) are read in order, and the picture names the model and draws them.
 */

export interface MockRunflowOptions {
	/** The clock the state machine reads (default: real time). */
	now?: MockNow;
	/** How long a run takes, from creation to its terminal status. */
	latencyMs?: number;
	/** Image size as a fraction of Ultra's real size (1 = about 4 MP). */
	scale?: number;
	port?: number;
	/** Where a succeeded run puts its image URLs; Runflow's models differ in this. */
	outputShape?: RunflowOutputShape;
	/** Answer this share of API requests with 429 / 503 (run creation only ever 429). */
	faults?: MockFaults;
	/**
	 * The inputs `GET /v1/models/black-forest-labs/flux-1-1-pro-ultra` lists, and the ones its runs
	 * accept: the names the node's constants guess (default), or other names (runflowModels.ts).
	 */
	schema?: MockRunflowSchema;
	/** The models API (`GET /v1/models/…`) answers 500, drops the connection, answers junk, or never answers. */
	down?: 500 | 'unreachable' | 'junk' | 'stall';
	/**
	 * Serve "FLUX 1.1 [pro] Ultra Edit" at `black-forest-labs/flux-1-1-pro-ultra/edit` (its image
	 * input `image_urls[]`, or `image_b64`); without it that model answers 404, as an unknown one does.
	 */
	ultraEdit?: boolean | 'image_b64';
	/**
	 * The FLUX.2 / FLUX 3 Image slugs the models API finds and runs accept (runflowModels.ts
	 * RUNFLOW_FLUX_MODELS: our guess of Runflow's slugs); default every one, `[]` none (each a 404).
	 */
	fluxModels?: readonly string[];
}

export interface RunFailure {
	code: string;
	message: string;
	stage: string;
}

export interface Run {
	id: string;
	/** Model path, e.g. `black-forest-labs/flux-1-1-pro-ultra`. */
	model: string;
	input: Record<string, unknown>;
	client_ref: string | null;
	createdAt: number;
	seed: number;
	/** Set at creation when the prompt asks for a failure; shown once the run is terminal. */
	failure?: RunFailure;
	/** A model beyond Ultra (FLUX.2, FLUX 3 Image), and its references as read, in order. */
	mockModel?: MockModel;
	references?: Buffer[];
}

export interface Asset {
	id: string;
	filename: string;
	mime_type: string;
	size_bytes: number;
	createdAt: number;
	/** Set by the PUT to the presigned URL. */
	bytes?: Buffer;
	contentType?: string;
	confirmed: boolean;
}

export interface MockRunflow {
	url: string;
	runs: Map<string, Run>;
	/** Asset uploads by asset id. */
	assets: Map<string, Asset>;
	/** Faults answered so far, by status. */
	faults: { 429: number; 503: number };
	counts: {
		create: number;
		poll: number;
		uploadCreate: number;
		uploadPut: number;
		uploadConfirm: number;
		download: number;
		authMe: number;
		/** `GET /v1/models/…` (schema look-ups), whatever the answer. */
		models: number;
	};
	/** Calls made to `callback_url`s when runs ended (the event envelope of docs.runflow.io/concepts/callbacks). */
	webhooks: WebhookDelivery[];
	/** Publishes `bytes` at `<url>/fixtures/<name>` (no key needed); its URL (a reference a run fetches). */
	serveFixture(name: string, bytes: Buffer, type?: string): string;
	close(): Promise<void>;
}

const MODEL = 'black-forest-labs/flux-1-1-pro-ultra';
const MODEL_ID = '6f1c2a0e-4b7d-4e39-9a51-0c8f3d2b7e15';
const EDIT_MODEL = `${MODEL}/edit`;
const EDIT_MODEL_ID = '3c9e5b7a-2f41-4d8e-b6a0-7e1d2c3b4a59';
const MAX_UPLOAD = 50 * 1024 * 1024;
const SIGNATURE = 'X-Amz-Signature=mock';
const KNOWN_INPUT = new Set([
	'prompt',
	'num_images',
	'aspect_ratio',
	'output_format',
	'safety_tolerance',
	'raw',
	'enhance_prompt',
	'image_url',
	'image_prompt_strength',
	'seed',
]);

interface FieldError {
	field: string;
	message: string;
}

function envelope(code: string, message: string, errors: FieldError[] | null = null) {
	return { code, message, errors };
}

const send = (res: ServerResponse, status: number, body: unknown) => sendJson(res, status, body);

function invalid(res: ServerResponse, errors: FieldError[]) {
	send(res, 422, envelope('VALIDATION_ERROR', 'Request validation failed', errors));
}

/** What S3 answers on a presigned URL: XML, not JSON. */
function sendXml(res: ServerResponse, status: number, code: string, message: string) {
	res.writeHead(status, { 'content-type': 'application/xml' });
	res.end(
		`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`,
	);
}

/** Parses a JSON object body; undefined when it is not one. */
async function readJson(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
	const text = (await readBody(req)).toString('utf8');
	try {
		const value = JSON.parse(text) as unknown;
		return value !== null && typeof value === 'object' && !Array.isArray(value)
			? (value as Record<string, unknown>)
			: undefined;
	} catch {
		return undefined;
	}
}

function checkMediaUrl(value: unknown): string | undefined {
	if (typeof value !== 'string') return 'must be a string';
	let url: URL;
	try {
		url = new URL(value);
	} catch {
		return 'must be a valid URL';
	}
	const scheme = url.protocol.replace(/:$/, '');
	if (scheme !== 'http' && scheme !== 'https') return `media URL must use HTTP(S), got '${scheme}'`;
	return undefined;
}

/** Checks a run's `input` the way Runflow's schema does; returns every problem found. */
function validateInput(input: Record<string, unknown>): FieldError[] {
	const errors: FieldError[] = [];
	const fail = (name: string, message: string) => errors.push({ field: `input.${name}`, message });

	if (input.prompt === undefined) fail('prompt', 'field required');
	else if (typeof input.prompt !== 'string') fail('prompt', 'must be a string');
	else if (input.prompt === '') fail('prompt', 'must not be empty');

	const n = input.num_images;
	if (n !== undefined && (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 4)) {
		fail('num_images', 'must be an integer between 1 and 4');
	}
	if (
		input.aspect_ratio !== undefined &&
		(typeof input.aspect_ratio !== 'string' || !(input.aspect_ratio in ULTRA_SIZES))
	) {
		fail(
			'aspect_ratio',
			`must be one of ${Object.keys(ULTRA_SIZES)
				.map((r) => `'${r}'`)
				.join(', ')}`,
		);
	}
	if (
		input.output_format !== undefined &&
		input.output_format !== 'jpeg' &&
		input.output_format !== 'png'
	) {
		fail('output_format', "must be one of 'jpeg', 'png'");
	}
	if (
		input.safety_tolerance !== undefined &&
		!['1', '2', '3', '4', '5', '6'].includes(input.safety_tolerance as string)
	) {
		fail('safety_tolerance', "must be one of '1', '2', '3', '4', '5', '6'");
	}
	for (const flag of ['raw', 'enhance_prompt']) {
		if (input[flag] !== undefined && typeof input[flag] !== 'boolean')
			fail(flag, 'must be a boolean');
	}
	if (input.image_url !== undefined) {
		const problem = checkMediaUrl(input.image_url);
		if (problem) fail('image_url', problem);
	}
	const strength = input.image_prompt_strength;
	if (
		strength !== undefined &&
		(typeof strength !== 'number' || !Number.isFinite(strength) || strength < 0 || strength > 1)
	) {
		fail('image_prompt_strength', 'must be a number between 0 and 1');
	}
	if (
		input.seed !== undefined &&
		(typeof input.seed !== 'number' || !Number.isInteger(input.seed) || input.seed < 0)
	) {
		fail('seed', 'must be a non-negative integer');
	}
	for (const key of Object.keys(input)) {
		if (!KNOWN_INPUT.has(key)) fail(key, 'unknown field');
	}
	return errors;
}

/** Megapixels of FLUX 3 Image's resolution classes (parameters/models/flux3Image.ts, BF-45). */
const FLUX3_MEGAPIXELS: Record<string, number> = {
	'768sq': 0.6,
	'1k': 1.05,
	'1.5k': 2.36,
	'2k': 4.2,
	'4k': 16.8,
};

/**
 * A FLUX.2 / FLUX 3 Image run's pixel size: `image_size: {width, height}` as sent, else the ratio
 * (`auto`: square) at the resolution class's megapixels (1 MP for a preset or none).
 */
function fluxSize(
	input: Record<string, unknown>,
	model?: MockModel,
	first?: { width: number; height: number },
): [number, number] {
	const size = input.image_size as { width?: unknown; height?: unknown } | undefined;
	if (typeof size?.width === 'number' && typeof size.height === 'number')
		return [size.width, size.height];
	// [klein]'s edit without `image_size` (Match First Reference): the first reference's size (FA-55).
	if (isKlein(model) && input.image_size === undefined && first)
		return flux2Size('match', 1, first);
	// FLUX 3 Image: its class's area at the ratio, as the other mocks make it (`auto`: square here).
	if (model === 'flux-3-image')
		return flux3Size(
			/^\d+:\d+$/.test(String(input.aspect_ratio)) ? String(input.aspect_ratio) : '1:1',
			String(input.resolution ?? '1k'),
		);
	const [rw, rh] = /^\d+:\d+$/.test(String(input.aspect_ratio))
		? String(input.aspect_ratio).split(':').map(Number)
		: [1, 1];
	const pixels = (FLUX3_MEGAPIXELS[String(input.resolution ?? '1k')] ?? 1) * 1_000_000;
	const width = Math.round(Math.sqrt((pixels * rw) / rh) / 16) * 16;
	return [width, Math.round((width * rh) / rw / 16) * 16];
}

function failureFor(prompt: string): RunFailure | undefined {
	if (/\bforbidden\b/i.test(prompt)) {
		return {
			code: 'CONTENT_MODERATED',
			message: "The output was flagged by the provider's content checker",
			stage: 'execution',
		};
	}
	if (/\bexplode\b/i.test(prompt)) {
		return {
			code: 'PROVIDER_ERROR',
			message: 'Upstream provider returned an error',
			stage: 'execution',
		};
	}
	return undefined;
}

export async function startMockRunflow(options: MockRunflowOptions = {}): Promise<MockRunflow> {
	const latencyMs = options.latencyMs ?? 1500;
	const now: MockNow = options.now ?? Date.now;
	const scale = options.scale ?? 1;
	const outputShape = options.outputShape ?? 'outputs';
	const runs = new Map<string, Run>();
	const assets = new Map<string, Asset>();
	const files = new Map<string, { bytes: Buffer; type: string }>();
	const counts = {
		create: 0,
		poll: 0,
		uploadCreate: 0,
		uploadPut: 0,
		uploadConfirm: 0,
		download: 0,
		authMe: 0,
		models: 0,
	};
	const schema = options.schema ?? 'guessed';
	const editInputs = options.ultraEdit
		? ultraEditInputs(options.ultraEdit === 'image_b64' ? 'image_b64' : 'image_urls')
		: undefined;
	const fluxModels = new Set(options.fluxModels ?? Object.keys(RUNFLOW_FLUX_MODELS));
	const webhooks: WebhookDelivery[] = [];
	let base = '';

	const iso = (ms: number) => new Date(ms).toISOString();

	const statusOf = (run: Run) => {
		const elapsed = now() - run.createdAt;
		if (elapsed < latencyMs / 3) return 'queued';
		if (elapsed < latencyMs) return 'running';
		return run.failure ? 'failed' : 'succeeded';
	};

	/** The model of a slug the mock serves beyond Ultra: [klein] always, the others per `fluxModels`. */
	const served = (slug: string) =>
		RUNFLOW_KLEIN_MODELS[slug] ?? (fluxModels.has(slug) ? RUNFLOW_FLUX_MODELS[slug] : undefined);
	/** `black-forest-labs/flux-2-klein-4b/edit` → `flux-2-klein-4b`. */
	const mockModelOf = (slug: string) =>
		slug.replace(/^black-forest-labs\//, '').replace(/\/edit$/, '') as MockModel;

	/** A run's references as Runflow reads them: an uploaded asset, or a URL fetched; a reason when one cannot be. */
	const readReferences = async (input: Record<string, unknown>): Promise<Buffer[] | RunFailure> => {
		const list = Array.isArray(input.image_urls) ? (input.image_urls as string[]) : [];
		const out: Buffer[] = [];
		for (const [n, url] of list.entries()) {
			const asset = url.startsWith(`${base}/assets/`)
				? assets.get(url.slice(`${base}/assets/`.length).split('?')[0])
				: undefined;
			const bytes = asset ? (asset.confirmed ? asset.bytes : undefined) : await fetchImage(url);
			const checked = checkReference(bytes, {});
			if (typeof checked === 'string')
				return {
					code: 'INVALID_INPUT',
					message: `Input image ${n + 1} ${checked}`,
					stage: 'preprocessing',
				};
			out.push(bytes!);
		}
		return out;
	};

	/** What a succeeded run produced: format, pixel size and how many images. */
	const imagesOf = (run: Run) => {
		const flux = run.mockModel !== undefined;
		// FLUX 3 Image makes PNG only; FLUX.2 as asked ([klein]'s default png, RF-35; webp, which
		// the mock does not make, too).
		const format: 'png' | 'jpeg' =
			run.input.output_format === 'png' ||
			run.model.includes('flux-3') ||
			(isKlein(run.mockModel) && run.input.output_format !== 'jpeg')
				? 'png'
				: 'jpeg';
		const first = run.references?.[0] ? imageSize(run.references[0]) : undefined;
		const [w, h] = flux
			? fluxSize(run.input, run.mockModel, first)
			: ULTRA_SIZES[String(run.input.aspect_ratio ?? '16:9')];
		const width = Math.max(16, Math.round(w * scale));
		const height = Math.max(16, Math.round(h * scale));
		const n = run.input.num_images ?? run.input.num_outputs;
		const count = typeof n === 'number' ? n : 1;
		const extension = format === 'png' ? 'png' : 'jpg';
		return { format, width, height, count, extension, contentType: `image/${format}` };
	};

	const outputOf = (run: Run) => {
		const { width, height, count, extension, contentType } = imagesOf(run);
		const images = Array.from({ length: count }, (_, n) => ({
			url: `${base}/files/${run.id}/${n}.${extension}?${SIGNATURE}`,
			contentType,
			width,
			height,
		}));
		// [klein] is a fal-style model: `images[]` of `{url, width, height}` and the seed (RF-35, RF-39).
		if (isKlein(run.mockModel))
			return {
				images: images.map((i) => ({
					url: i.url,
					width: i.width,
					height: i.height,
					content_type: i.contentType,
				})),
				seed: run.seed,
			};
		return runflowOutputBody(outputShape, images, run.seed);
	};

	const runBody = (run: Run, status = statusOf(run)) => {
		const startedAt = run.createdAt + latencyMs / 3;
		const completedAt = run.createdAt + latencyMs;
		const terminal = status === 'succeeded' || status === 'failed';
		return {
			id: run.id,
			model_id:
				(RUNFLOW_FLUX_MODELS[run.model] ?? RUNFLOW_KLEIN_MODELS[run.model])?.id ??
				(run.model === EDIT_MODEL ? EDIT_MODEL_ID : MODEL_ID),
			target_type: 'model',
			status_code: status,
			input: run.input,
			output: status === 'succeeded' ? outputOf(run) : null,
			client_ref: run.client_ref,
			created_at: iso(run.createdAt),
			started_at: status === 'queued' ? null : iso(startedAt),
			completed_at: terminal ? iso(completedAt) : null,
			...(terminal ? { duration_ms: Math.round(completedAt - startedAt) } : {}),
			failure_code: status === 'failed' ? run.failure!.code : null,
			failure_stage_code: status === 'failed' ? run.failure!.stage : null,
			failure_message: status === 'failed' ? run.failure!.message : null,
			// A mock bills nothing: a finished run's cost (Runflow's decimal string) is "0" (issue 31).
			cost: status === 'succeeded' ? '0' : null,
		};
	};

	/** Bytes for `/files/<runId>/<n>.<ext>`, made on first request and cached. */
	const fileAt = (key: string) => {
		const cached = files.get(key);
		if (cached) return cached;
		const match = /^([\w-]+)\/(\d+)\.(png|jpg)$/.exec(key);
		const run = match ? runs.get(match[1]) : undefined;
		if (!match || !run || statusOf(run) !== 'succeeded') return undefined;
		const { format, width, height, count, extension, contentType } = imagesOf(run);
		const n = Number(match[2]);
		if (match[3] !== extension || n >= count) return undefined;
		if (run.mockModel) {
			// A model beyond Ultra: the model named, its references drawn in order.
			const model = makeImage(format, width, height, run.seed + n, {
				provider: 'Runflow (mock)',
				model: MODEL_NAMES[run.mockModel],
				operation: run.references?.length ? 'edit with references' : 'generate',
				aspectRatio:
					typeof run.input.image_size === 'object'
						? `${width}x${height}`
						: String(run.input.aspect_ratio ?? run.input.image_size ?? 'first reference'),
				seed: run.mockModel === 'flux-3-image' ? 'none' : run.seed + n,
				prompt: typeof run.input.prompt === 'string' ? run.input.prompt : undefined,
				input: run.references ?? [],
			});
			const file = { bytes: model, type: contentType };
			files.set(key, file);
			return file;
		}
		const references = Array.isArray(run.input.image_urls) ? run.input.image_urls : [];
		const imageUrl =
			typeof run.input.image_url === 'string'
				? run.input.image_url
				: typeof references[0] === 'string'
					? references[0]
					: undefined;
		const assetId = imageUrl?.startsWith(`${base}/assets/`)
			? imageUrl.slice(`${base}/assets/`.length).split('?')[0]
			: undefined;
		const bytes = makeImage(format, width, height, run.seed + n, {
			provider: 'Runflow (mock)',
			operation: imageUrl ? 'generate with image prompt' : 'generate',
			aspectRatio: String(run.input.aspect_ratio ?? '16:9'),
			seed: run.seed + n,
			prompt: typeof run.input.prompt === 'string' ? run.input.prompt : undefined,
			input: assetId ? assets.get(assetId)?.bytes : undefined,
		});
		const file = { bytes, type: contentType };
		files.set(key, file);
		return file;
	};

	const assetBody = (asset: Asset) => ({
		id: asset.id,
		name: asset.filename,
		url: `${base}/assets/${asset.id}?${SIGNATURE}`,
		mime_type: asset.mime_type,
		size_bytes: asset.size_bytes,
		thumbnail_url: null,
		created_at: iso(asset.createdAt),
	});

	const faults = faultDrawer(options.faults);
	const fixtures = fixtureFiles();
	const server = createServer((req, res) => {
		void (async () => {
			if (fixtures.handle(req.method ?? 'GET', (req.url ?? '/').split('?')[0], res)) return;
			const url = new URL(req.url ?? '/', base);
			const path = url.pathname;
			const method = req.method ?? 'GET';
			const fault = path.startsWith('/v1/')
				? faults.draw(`${method} ${path}`, method === 'POST' && path.endsWith('/runs'))
				: undefined;
			if (fault) {
				await readBody(req);
				res.writeHead(fault, {
					'content-type': 'application/json',
					...(fault === 429 ? { 'retry-after': '1' } : {}),
				});
				return res.end(
					JSON.stringify({
						code: fault === 429 ? 'RATE_LIMITED' : 'SERVICE_UNAVAILABLE',
						message: 'injected fault',
						errors: null,
					}),
				);
			}

			// Presigned URLs: no Authorization header needed, and on the PUT none allowed.
			if (method === 'GET' && path.startsWith('/files/')) {
				counts.download++;
				const key = path.slice('/files/'.length);
				const file = fileAt(key);
				if (!file) return sendXml(res, 404, 'NoSuchKey', 'The specified key does not exist.');
				const bytes = await servedImage(
					file.bytes,
					file.type,
					runs.get(key.split('/')[0])?.input.prompt,
				);
				res.writeHead(200, {
					'content-type': file.type,
					'content-length': String(bytes.length),
				});
				return res.end(bytes);
			}
			if (method === 'GET' && path.startsWith('/assets/')) {
				const asset = assets.get(path.slice('/assets/'.length));
				if (!asset?.bytes || !asset.confirmed)
					return sendXml(res, 404, 'NoSuchKey', 'The specified key does not exist.');
				res.writeHead(200, {
					'content-type': asset.contentType ?? asset.mime_type,
					'content-length': String(asset.bytes.length),
				});
				return res.end(asset.bytes);
			}
			if (method === 'PUT' && path.startsWith('/storage/put/')) {
				const bytes = await readBody(req);
				if (req.headers.authorization !== undefined) {
					return sendXml(res, 400, 'InvalidArgument', 'Only one auth mechanism allowed');
				}
				const asset = assets.get(path.slice('/storage/put/'.length));
				if (!asset) return sendXml(res, 403, 'AccessDenied', 'Access Denied');
				asset.bytes = bytes;
				asset.contentType = req.headers['content-type'] ?? 'application/octet-stream';
				counts.uploadPut++;
				res.writeHead(200);
				return res.end();
			}

			if (!path.startsWith('/v1/')) return send(res, 404, envelope('NOT_FOUND', 'Not found'));
			const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
			if (!token) return send(res, 401, envelope('UNAUTHORIZED', 'Missing or invalid API key'));

			if (method === 'GET' && path === '/v1/auth/me') {
				counts.authMe++;
				return send(res, 200, {
					id: '0b6f7a52-1d9e-4c3a-8f20-5e4d3c2b1a09',
					email: 'mock@example.com',
					org_id: '9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d',
					name: 'Mock User',
				});
			}

			if (method === 'GET' && path.startsWith('/v1/models/') && !path.endsWith('/runs')) {
				counts.models++;
				if (options.down === 'unreachable') return req.socket.destroy();
				if (options.down === 'stall') return; // holds the connection open until the mock closes
				if (options.down === 500)
					return send(res, 500, envelope('INTERNAL_ERROR', 'Internal server error'));
				if (options.down === 'junk') {
					res.writeHead(200, { 'content-type': 'text/html' });
					return res.end('<html><body>Runflow is being updated</body></html>');
				}
				const model = decodeURIComponent(path.slice('/v1/models/'.length));
				if (model === MODEL)
					return send(
						res,
						200,
						modelBody(MODEL_ID, MODEL, 'FLUX 1.1 [pro] Ultra', ultraInputs(schema)),
					);
				if (model === EDIT_MODEL && editInputs)
					return send(
						res,
						200,
						modelBody(EDIT_MODEL_ID, EDIT_MODEL, 'FLUX 1.1 [pro] Ultra Edit', editInputs),
					);
				if (served(model)) return send(res, 200, fluxModelBody(model));
				return send(res, 404, envelope('MODEL_NOT_FOUND', 'Model not found'));
			}

			const fluxRun = /^\/v1\/models\/(.+)\/runs$/.exec(path)?.[1];
			const createModel =
				path === `/v1/models/${MODEL}/runs`
					? MODEL
					: path === `/v1/models/${EDIT_MODEL}/runs` && editInputs
						? EDIT_MODEL
						: fluxRun && served(fluxRun)
							? fluxRun
							: undefined;
			if (method === 'POST' && createModel) {
				counts.create++;
				const body = await readJson(req);
				if (!body) return invalid(res, [{ field: 'body', message: 'must be a JSON object' }]);
				const input = body.input;
				if (input === null || typeof input !== 'object' || Array.isArray(input)) {
					return invalid(res, [{ field: 'input', message: 'field required' }]);
				}
				const model = served(createModel);
				const errors = model
					? validateBySchema(model.inputs, input as Record<string, unknown>)
					: createModel === EDIT_MODEL
						? validateBySchema(editInputs!, input as Record<string, unknown>)
						: schema === 'guessed'
							? validateInput(input as Record<string, unknown>)
							: validateBySchema(ultraInputs(schema), input as Record<string, unknown>);
				if (
					body.client_ref !== undefined &&
					body.client_ref !== null &&
					typeof body.client_ref !== 'string'
				) {
					errors.push({ field: 'client_ref', message: 'must be a string' });
				}
				if (errors.length > 0) return invalid(res, errors);
				if (token.includes('nocredit'))
					return send(res, 402, envelope('INSUFFICIENT_CREDIT', 'Insufficient credit balance'));

				const fields = input as Record<string, unknown>;
				// A model's references, read as the run starts: one that cannot be read fails the run.
				const references = model ? await readReferences(fields) : undefined;
				const run: Run = {
					id: randomUUID(),
					model: createModel,
					input: fields,
					client_ref: typeof body.client_ref === 'string' ? body.client_ref : null,
					createdAt: now(),
					seed: typeof fields.seed === 'number' ? fields.seed : Math.floor(Math.random() * 2 ** 31),
					failure:
						references && !Array.isArray(references)
							? references
							: failureFor(String(fields.prompt)),
					...(model
						? {
								mockModel: mockModelOf(createModel),
								references: Array.isArray(references) ? references : [],
							}
						: {}),
				};
				runs.set(run.id, run);
				if (typeof body.callback_url === 'string') {
					scheduleWebhook(webhooks, body.callback_url, latencyMs, () => {
						const done = runBody(run);
						const event = done.status_code === 'succeeded' ? 'run.completed' : 'run.failed';
						return {
							event,
							run_id: run.id,
							status: done.status_code,
							output: done.output,
							duration_ms: done.duration_ms,
							created_at: done.created_at,
							completed_at: done.completed_at,
							metadata: null,
						};
					});
				}
				// Created this instant, so always `queued`, even with latencyMs 0.
				return send(res, 201, runBody(run, 'queued'));
			}

			const runMatch = /^\/v1\/runs\/([^/]+)$/.exec(path);
			if (method === 'GET' && runMatch) {
				counts.poll++;
				const run = runs.get(runMatch[1]);
				if (!run) return send(res, 404, envelope('RUN_NOT_FOUND', 'Run not found'));
				return send(res, 200, runBody(run));
			}

			if (method === 'POST' && path === '/v1/asset-uploads') {
				counts.uploadCreate++;
				const body = await readJson(req);
				if (!body) return invalid(res, [{ field: 'body', message: 'must be a JSON object' }]);
				const errors: FieldError[] = [];
				if (typeof body.filename !== 'string' || body.filename === '')
					errors.push({ field: 'filename', message: 'field required' });
				if (typeof body.mime_type !== 'string' || body.mime_type === '')
					errors.push({ field: 'mime_type', message: 'field required' });
				const size = body.size_bytes;
				if (typeof size !== 'number' || !Number.isInteger(size) || size < 0) {
					errors.push({ field: 'size_bytes', message: 'field required' });
				} else if (size > MAX_UPLOAD) {
					errors.push({ field: 'size_bytes', message: `must be at most ${MAX_UPLOAD} bytes` });
				}
				if (errors.length > 0) return invalid(res, errors);
				const asset: Asset = {
					id: randomUUID(),
					filename: body.filename as string,
					mime_type: body.mime_type as string,
					size_bytes: size as number,
					createdAt: now(),
					confirmed: false,
				};
				assets.set(asset.id, asset);
				return send(res, 201, {
					asset_id: asset.id,
					upload_url: `${base}/storage/put/${asset.id}?${SIGNATURE}`,
				});
			}

			const confirmMatch = /^\/v1\/asset-uploads\/([^/]+)\/confirmations$/.exec(path);
			if (method === 'POST' && confirmMatch) {
				counts.uploadConfirm++;
				const body = await readJson(req);
				if (!body) return invalid(res, [{ field: 'body', message: 'must be a JSON object' }]);
				if (
					body.folder_id !== undefined &&
					body.folder_id !== null &&
					typeof body.folder_id !== 'string'
				) {
					return invalid(res, [{ field: 'folder_id', message: 'must be a string or null' }]);
				}
				const asset = assets.get(confirmMatch[1]);
				if (!asset) return send(res, 404, envelope('NOT_FOUND', 'Asset upload not found'));
				if (!asset.bytes || asset.bytes.length !== asset.size_bytes) {
					return send(res, 409, envelope('UPLOAD_NOT_FOUND', 'No object uploaded for this asset'));
				}
				asset.confirmed = true;
				return send(res, 201, assetBody(asset));
			}

			return send(res, 404, envelope('NOT_FOUND', 'Not found'));
		})().catch((error: Error) => {
			if (res.headersSent) res.destroy();
			else send(res, 500, envelope('INTERNAL_ERROR', error.message));
		});
	});

	const loopback = await listenLoopback(server, options.port);
	base = loopback.url;
	return {
		url: base,
		runs,
		assets,
		counts,
		faults: faults.counts,
		webhooks,
		serveFixture: (name: string, bytes: Buffer, type = 'image/png') => {
			fixtures.files.set(name, { bytes, type });
			return `${base}/fixtures/${encodeURIComponent(name)}`;
		},
		close: loopback.close,
	};
}
