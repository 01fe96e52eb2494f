import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

import { sniffImage } from '../../nodes/FluxUltra/job/downloads';
import { servedImage } from './credentials';
import { makeImage, ULTRA_SIZES } from './images';
import { serveReplicateSchema } from './schemas';
import {
	checkReference,
	dataUriBytes,
	fetchImage,
	FLUX2_RATIOS,
	FLUX3_CLASS_SIDE,
	FLUX3_RATIOS,
	flux2Size,
	flux3Size,
	MODEL_NAMES,
	modelFile,
	sendFile,
	sizeForArea,
	type MockFile,
	isKlein,
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
 * A loopback stand-in for Replicate's API (https://api.replicate.com), close enough that the node
 * and Replicate's own JavaScript client cannot tell: `Authorization: Bearer`, predictions of the
 * official `black-forest-labs/flux-1.1-pro-ultra` model that pass starting → processing →
 * succeeded/failed in real time, `Prefer: wait[=n]` held open as Replicate does, `urls.get` and
 * `urls.cancel`, the multipart Files API, problem-details errors, and output files on a delivery
 * path that needs no key.
 *
 * The models beyond Ultra (issue 29), official models created the same way (RP-20, RP-21):
 * `black-forest-labs/flux-2-{pro,max,flex}` (`prompt`, `input_images`, `aspect_ratio`,
 * `resolution`, `safety_tolerance` 1–5, `seed`, `output_format`, …: RP-22…RP-24),
 * `black-forest-labs/flux-2-klein-{4b,9b}` (`prompt`, `images` ≤ 5, `aspect_ratio` with
 * `match_input_image`, `output_megapixels`, `seed`, `go_fast`, `output_format` (default jpg),
 * `output_quality`, `disable_safety_checker`, no safety tolerance: RP-25, RP-41, RP-43; an array of
 * URIs as output) and
 * `black-forest-labs/flux-3-image` (`prompt`, `images` ≤ 10, `aspect_ratio`, `resolution`,
 * `grounding`, `safety_tolerance` 0–4, `output_format`: RP-27), each checked against its schema (an
 * unknown field is a 422 `additional_property`, as Replicate's validation answers), references read
 * as Replicate reads them (data URI, a file of the Files API, a URL downloaded: a reference that
 * cannot be read or breaks a limit fails the prediction), one URI as output (RP-26; klein: a list
 * of one, RP-41). The picture
 * shows the references in order and the model; a FLUX 3 `4k` PNG is full size whatever `scale` says.
 */

export interface MockReplicateOptions {
	/** The clock the state machine reads (default: real time). */
	now?: MockNow;
	/** How long a prediction takes, from creation to its terminal status. */
	latencyMs?: number;
	/** Image size as a fraction of Ultra's real size (1 = about 4 MP). */
	scale?: number;
	port?: number;
	/** Answer this share of API requests with 429 / 503 (prediction creation only ever 429). */
	faults?: MockFaults;
}

export interface Prediction {
	id: string;
	/** The official model, `owner/name`. */
	model: string;
	/** A model beyond Ultra, and its references as read, in order. */
	mockModel?: MockModel;
	references?: Buffer[];
	input: Record<string, unknown>;
	createdAt: number;
	seed: number;
	canceledAt?: number;
	/** Set from the prompt: the prediction fails with this error. */
	failure?: string;
}

export interface UploadedFile {
	id: string;
	name: string;
	contentType: string;
	bytes: Buffer;
	createdAt: number;
}

export interface MockReplicate {
	url: string;
	predictions: Map<string, Prediction>;
	files: Map<string, UploadedFile>;
	counts: {
		create: number;
		poll: number;
		cancel: number;
		download: number;
		upload: number;
		account: number;
		waited: number;
	};
	faults: { 429: number; 503: number };
	/** Calls made to `webhook` URLs (the prediction object; `completed` events only are sent here). */
	webhooks: WebhookDelivery[];
	/** Full-size files (FLUX 3 Image 4k) sent whole: size and SHA-256, for the tests. */
	streamed: StreamedDownload[];
	/** Publishes `bytes` at `<url>/fixtures/<name>` (no key needed); its URL. */
	serveFixture(name: string, bytes: Buffer, type?: string): string;
	close(): Promise<void>;
}

const MODEL = 'black-forest-labs/flux-1.1-pro-ultra';
const CREATE = `/v1/models/${MODEL}/predictions`;
/** Ultra's `aspect_ratio` enum on Replicate (adds 5:4 and 4:5 to fal's). */
const RATIOS = ['21:9', '16:9', '3:2', '4:3', '5:4', '1:1', '4:5', '3:4', '2:3', '9:16', '9:21'];
const KNOWN = new Set([
	'prompt',
	'image_prompt',
	'image_prompt_strength',
	'aspect_ratio',
	'safety_tolerance',
	'seed',
	'raw',
	'output_format',
]);

/** The models' official names (RP-20, RP-27). */
const MODELS: Readonly<Record<string, MockModel>> = {
	'black-forest-labs/flux-2-pro': 'flux-2-pro',
	'black-forest-labs/flux-2-max': 'flux-2-max',
	'black-forest-labs/flux-2-flex': 'flux-2-flex',
	'black-forest-labs/flux-2-klein-4b': 'flux-2-klein-4b',
	'black-forest-labs/flux-2-klein-9b': 'flux-2-klein-9b',
	'black-forest-labs/flux-3-image': 'flux-3-image',
};
const MODEL_CREATE =
	/^\/v1\/models\/(black-forest-labs\/flux-(?:2-pro|2-max|2-flex|2-klein-4b|2-klein-9b|3-image))\/predictions$/;

/** FLUX.2 [pro]/[max] (RP-22, RP-23) and [flex] (RP-24); FLUX 3 Image (RP-27). */
const MODEL_FIELDS: Readonly<Record<MockModel, readonly string[]>> = {
	'flux-2-pro': [
		'prompt',
		'input_images',
		'aspect_ratio',
		'resolution',
		'width',
		'height',
		'safety_tolerance',
		'seed',
		'output_format',
		'output_quality',
	],
	'flux-2-max': [],
	'flux-2-flex': [],
	// RP-25 (klein-4b version 8e9c42d7); RP-43: klein-9b taken to have the same (its -base adds guidance).
	'flux-2-klein-4b': [
		'prompt',
		'images',
		'aspect_ratio',
		'output_megapixels',
		'seed',
		'go_fast',
		'output_format',
		'output_quality',
		'disable_safety_checker',
	],
	'flux-2-klein-9b': [],
	'flux-3-image': [
		'prompt',
		'images',
		'aspect_ratio',
		'resolution',
		'grounding',
		'safety_tolerance',
		'output_format',
		'output_quality',
	],
};
const FIELDS_OF = (model: MockModel): readonly string[] =>
	model === 'flux-2-max'
		? MODEL_FIELDS['flux-2-pro']
		: model === 'flux-2-flex'
			? [...MODEL_FIELDS['flux-2-pro'], 'guidance', 'steps', 'prompt_upsampling']
			: isKlein(model)
				? MODEL_FIELDS['flux-2-klein-4b']
				: MODEL_FIELDS[model];
/** klein's `output_megapixels` (RP-41: the values are UNCONFIRMED; the ones the node sends). */
const KLEIN_MEGAPIXELS = ['0.25', '0.5', '1', '2', '4'];
const FLUX2_RESOLUTIONS = ['match_input_image', '0.5 MP', '1 MP', '2 MP', '4 MP'];

type InvalidField = { type: string; field: string; description: string };

function problem(
	res: ServerResponse,
	status: number,
	title: string,
	detail: string,
	extra: Record<string, unknown> = {},
) {
	sendJson(
		res,
		status,
		{ title, detail, status, ...extra },
		{ 'content-type': 'application/problem+json' },
	);
}

/** The parts of a multipart/form-data body: name, file name, content type and bytes. */
export function parseMultipart(
	body: Buffer,
	contentType: string,
): Array<{ name: string; filename?: string; type?: string; data: Buffer }> {
	const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
	if (!boundary) return [];
	const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
	const parts: Array<{ name: string; filename?: string; type?: string; data: Buffer }> = [];
	let start = body.indexOf(delimiter);
	while (start >= 0) {
		const next = body.indexOf(delimiter, start + delimiter.length);
		if (next < 0) break;
		const chunk = body.subarray(start + delimiter.length + 2, next - 2); // skip CRLF after delimiter, before next
		const split = chunk.indexOf('\r\n\r\n');
		if (split >= 0) {
			const head = chunk.subarray(0, split).toString('utf8');
			const name = /name="([^"]*)"/i.exec(head)?.[1];
			if (name !== undefined) {
				parts.push({
					name,
					filename: /filename="([^"]*)"/i.exec(head)?.[1],
					type: /content-type:\s*([^\r\n]+)/i.exec(head)?.[1]?.trim(),
					data: chunk.subarray(split + 4),
				});
			}
		}
		start = next;
	}
	return parts;
}

export async function startMockReplicate(
	options: MockReplicateOptions = {},
): Promise<MockReplicate> {
	const latencyMs = options.latencyMs ?? 1500;
	const now: MockNow = options.now ?? Date.now;
	const scale = options.scale ?? 1;
	const predictions = new Map<string, Prediction>();
	const files = new Map<string, UploadedFile>();
	const outputs = new Map<string, Buffer>();
	const modelOutputs = new Map<string, MockFile>();
	const streamed: StreamedDownload[] = [];
	const counts = { create: 0, poll: 0, cancel: 0, download: 0, upload: 0, account: 0, waited: 0 };
	const webhooks: WebhookDelivery[] = [];
	let base = '';

	const statusOf = (p: Prediction) => {
		if (p.canceledAt !== undefined) return 'canceled';
		const elapsed = now() - p.createdAt;
		if (elapsed < latencyMs / 3) return 'starting';
		if (elapsed < latencyMs) return 'processing';
		return p.failure ? 'failed' : 'succeeded';
	};

	const imageOf = (p: Prediction) => {
		if (p.mockModel) {
			// jpg is a JPEG; png and webp (which the mock does not make) a PNG. klein's default is jpg (RP-25).
			const asked = p.input.output_format ?? (isKlein(p.mockModel) ? 'jpg' : 'webp');
			const format: 'png' | 'jpeg' = asked === 'jpg' ? 'jpeg' : 'png';
			const [width, height] = modelSize(p);
			return { format, width, height, extension: format === 'png' ? 'png' : 'jpg' };
		}
		const format: 'png' | 'jpeg' = p.input.output_format === 'png' ? 'png' : 'jpeg';
		const [w, h] = ULTRA_SIZES[String(p.input.aspect_ratio ?? '1:1')] ?? ULTRA_SIZES['1:1'];
		return {
			format,
			width: Math.max(16, Math.round(w * scale)),
			height: Math.max(16, Math.round(h * scale)),
			extension: format === 'png' ? 'png' : 'jpg',
		};
	};

	const body = (p: Prediction) => {
		const status = statusOf(p);
		const terminal = status === 'succeeded' || status === 'failed' || status === 'canceled';
		return {
			id: p.id,
			model: p.model,
			version: 'hidden',
			input: p.input,
			logs:
				status === 'starting'
					? ''
					: p.mockModel === 'flux-3-image'
						? 'Running FLUX 3 Image'
						: `Using seed: ${p.seed}\nRunning ${p.mockModel ? MODEL_NAMES[p.mockModel] : 'FLUX 1.1 [pro] ultra'}`,
			output:
				status === 'succeeded'
					? isKlein(p.mockModel)
						? [`${base}/delivery/xezq/${p.id}/output.${imageOf(p).extension}`]
						: `${base}/delivery/xezq/${p.id}/output.${imageOf(p).extension}`
					: null,
			data_removed: false,
			error: status === 'failed' ? p.failure : null,
			status,
			source: 'api',
			created_at: new Date(p.createdAt).toISOString(),
			started_at:
				status === 'starting' ? null : new Date(p.createdAt + latencyMs / 3).toISOString(),
			completed_at: terminal
				? new Date(p.canceledAt ?? p.createdAt + latencyMs).toISOString()
				: null,
			urls: {
				cancel: `${base}/v1/predictions/${p.id}/cancel`,
				get: `${base}/v1/predictions/${p.id}`,
				web: `https://replicate.com/p/${p.id}`,
			},
			...(status === 'succeeded' ? { metrics: { predict_time: (latencyMs * 2) / 3 / 1000 } } : {}),
		};
	};

	/** Checks `input` the way the model's schema does; every problem as one of `invalid_fields`. */
	const validate = (input: Record<string, unknown>): InvalidField[] => {
		const out: InvalidField[] = [];
		const bad = (field: string, type: string, description: string) =>
			out.push({ type, field: `input.${field}`, description });
		const isInt = (v: unknown) => typeof v === 'number' && Number.isInteger(v);
		if (input.prompt !== undefined && typeof input.prompt !== 'string')
			bad('prompt', 'invalid_type', 'Invalid type. Expected: string');
		if ((input.prompt === undefined || input.prompt === '') && input.image_prompt === undefined)
			bad('prompt', 'required', 'prompt is required');
		if (input.aspect_ratio !== undefined && !RATIOS.includes(String(input.aspect_ratio))) {
			bad(
				'aspect_ratio',
				'enum',
				`aspect_ratio must be one of the following: ${RATIOS.map((r) => `"${r}"`).join(', ')}`,
			);
		}
		const tolerance = input.safety_tolerance;
		if (
			tolerance !== undefined &&
			(!isInt(tolerance) || (tolerance as number) < 1 || (tolerance as number) > 6)
		) {
			bad('safety_tolerance', 'number_one_of', 'Must be an integer from 1 to 6');
		}
		if (
			input.output_format !== undefined &&
			input.output_format !== 'jpg' &&
			input.output_format !== 'png'
		) {
			bad('output_format', 'enum', 'output_format must be one of the following: "jpg", "png"');
		}
		if (input.seed !== undefined && !isInt(input.seed))
			bad('seed', 'invalid_type', 'Invalid type. Expected: integer');
		if (input.raw !== undefined && typeof input.raw !== 'boolean')
			bad('raw', 'invalid_type', 'Invalid type. Expected: boolean');
		const strength = input.image_prompt_strength;
		if (strength !== undefined && (typeof strength !== 'number' || strength < 0 || strength > 1))
			bad('image_prompt_strength', 'number_lte', 'Must be between 0 and 1');
		if (input.image_prompt !== undefined) {
			const value = String(input.image_prompt);
			const data = /^data:image\/(jpeg|png|gif|webp);base64,(.+)$/s.exec(value);
			const file = value.startsWith(`${base}/v1/files/`)
				? files.get(value.slice(`${base}/v1/files/`.length))
				: undefined;
			const ok = data
				? !!sniffImage(Buffer.from(data[2], 'base64'))
				: file
					? !!sniffImage(file.bytes)
					: /^https?:\/\//.test(value) && !value.startsWith(`${base}/v1/files/`);
			if (!ok)
				bad(
					'image_prompt',
					'format',
					"Does not match format 'uri' of a jpeg, png, gif or webp image",
				);
		}
		for (const key of Object.keys(input))
			if (!KNOWN.has(key))
				bad(key, 'additional_property', `Additional property ${key} is not allowed`);
		return out;
	};

	/** Checks a model's `input` against its schema (RP-22…RP-24, RP-27); every problem. */
	const validateModel = (model: MockModel, input: Record<string, unknown>): InvalidField[] => {
		const out: InvalidField[] = [];
		const bad = (field: string, type: string, description: string) =>
			out.push({ type, field: `input.${field}`, description });
		const isInt = (v: unknown) => typeof v === 'number' && Number.isInteger(v);
		const known = new Set(FIELDS_OF(model));
		for (const key of Object.keys(input))
			if (!known.has(key))
				bad(key, 'additional_property', `Additional property ${key} is not allowed`);
		if (typeof input.prompt !== 'string' || input.prompt === '')
			bad('prompt', 'required', 'prompt is required');
		const range = (key: string, min: number, max: number, integer: boolean) => {
			const v = input[key];
			if (
				v !== undefined &&
				(typeof v !== 'number' || (integer && !isInt(v)) || v < min || v > max)
			)
				bad(
					key,
					'number_range',
					`Must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`,
				);
		};
		const enumOf = (key: string, values: readonly string[]) => {
			if (input[key] !== undefined && !values.includes(String(input[key])))
				bad(
					key,
					'enum',
					`${key} must be one of the following: ${values.map((v) => `"${v}"`).join(', ')}`,
				);
		};
		const list = model === 'flux-3-image' || isKlein(model) ? 'images' : 'input_images';
		const max = isKlein(model) ? 5 : model === 'flux-2-flex' || model === 'flux-3-image' ? 10 : 8;
		const refs = input[list];
		if (refs !== undefined) {
			if (!Array.isArray(refs)) bad(list, 'invalid_type', 'Invalid type. Expected: array');
			else {
				if (refs.length > max) bad(list, 'array_max_items', `Array must have at most ${max} items`);
				refs.forEach((v, n) => {
					if (typeof v !== 'string' || !/^(https?:\/\/|data:image\/)/.test(v))
						bad(`${list}.${n}`, 'format', "Does not match format 'uri'");
				});
			}
		}
		enumOf('output_format', ['webp', 'jpg', 'png']);
		range('output_quality', 0, 100, true);
		if (model === 'flux-3-image') {
			enumOf('aspect_ratio', ['auto', ...FLUX3_RATIOS]);
			enumOf('resolution', Object.keys(FLUX3_CLASS_SIDE));
			range('safety_tolerance', 0, 4, true);
			if (input.grounding !== undefined && typeof input.grounding !== 'boolean')
				bad('grounding', 'invalid_type', 'Invalid type. Expected: boolean');
			return out;
		}
		if (isKlein(model)) {
			enumOf('aspect_ratio', ['match_input_image', ...FLUX2_RATIOS]);
			enumOf('output_megapixels', KLEIN_MEGAPIXELS);
			if (input.seed !== undefined && !isInt(input.seed))
				bad('seed', 'invalid_type', 'Invalid type. Expected: integer');
			for (const flag of ['go_fast', 'disable_safety_checker'])
				if (input[flag] !== undefined && typeof input[flag] !== 'boolean')
					bad(flag, 'invalid_type', 'Invalid type. Expected: boolean');
			return out;
		}
		enumOf('aspect_ratio', ['match_input_image', 'custom', ...FLUX2_RATIOS]);
		enumOf('resolution', FLUX2_RESOLUTIONS);
		range('width', 256, 2048, true);
		range('height', 256, 2048, true);
		range('safety_tolerance', 1, 5, true);
		if (input.seed !== undefined && !isInt(input.seed))
			bad('seed', 'invalid_type', 'Invalid type. Expected: integer');
		if (model === 'flux-2-flex') {
			range('guidance', 1.5, 10, false);
			range('steps', 1, 50, true);
			if (input.prompt_upsampling !== undefined && typeof input.prompt_upsampling !== 'boolean')
				bad('prompt_upsampling', 'invalid_type', 'Invalid type. Expected: boolean');
		}
		return out;
	};

	/** A model prediction's size: FLUX 3 its class and ratio; FLUX.2 its ratio and "N MP". */
	const modelSize = (p: Prediction): [number, number] => {
		const first = p.references?.[0] ? imageSize(p.references[0]) : undefined;
		const ratio = String(p.input.aspect_ratio ?? (p.mockModel === 'flux-3-image' ? 'auto' : '1:1'));
		let size: [number, number];
		if (p.mockModel === 'flux-3-image') {
			size = flux3Size(ratio, String(p.input.resolution ?? '1k'), first);
			if (p.input.resolution === '4k') return size; // full size, whatever `scale` says
		} else if (isKlein(p.mockModel))
			size = flux2Size(
				ratio === 'match_input_image' ? 'match' : ratio,
				Number.parseFloat(String(p.input.output_megapixels ?? '1')),
				first,
			);
		else if (ratio === 'custom')
			size = [Number(p.input.width ?? 1024), Number(p.input.height ?? 1024)];
		else if (ratio === 'match_input_image' || p.input.resolution === 'match_input_image')
			size =
				ratio === 'match_input_image'
					? flux2Size('match', 1, first)
					: sizeForArea(ratio, Math.sqrt(flux2Size('match', 1, first).reduce((a, b) => a * b)));
		else size = flux2Size(ratio, Number.parseFloat(String(p.input.resolution ?? '1 MP')));
		return [Math.max(16, Math.round(size[0] * scale)), Math.max(16, Math.round(size[1] * scale))];
	};

	/** `Prefer: wait` / `Prefer: wait=n`: hold the answer until the prediction ends or n seconds pass (Replicate: 60 by default). */
	const preferWait = (req: IncomingMessage): number | undefined => {
		const match = /\bwait(?:=(\d+))?\b/.exec(String(req.headers.prefer ?? ''));
		if (!match) return undefined;
		return Math.min(60, match[1] ? Number(match[1]) : 60) * 1000;
	};

	const faults = faultDrawer(options.faults);
	const fixtures = fixtureFiles();
	const server = createServer((req, res) => {
		void (async () => {
			if (fixtures.handle(req.method ?? 'GET', (req.url ?? '/').split('?')[0], res)) return;
			const url = new URL(req.url ?? '/', base);
			const path = url.pathname;
			const method = req.method ?? 'GET';
			const fault = path.startsWith('/v1/')
				? faults.draw(`${method} ${path}`, method === 'POST' && path === CREATE)
				: undefined;
			if (fault) {
				await readBody(req);
				res.writeHead(fault, {
					'content-type': 'application/problem+json',
					...(fault === 429 ? { 'retry-after': '1' } : {}),
				});
				return res.end(
					JSON.stringify({
						title: fault === 429 ? 'Request was throttled' : 'Service Unavailable',
						detail: 'injected fault',
						status: fault,
					}),
				);
			}

			// Output files: served without any key, as replicate.delivery does.
			const output = /^\/delivery\/xezq\/([\w-]+)\/output\.(jpg|png)$/.exec(path);
			if (method === 'GET' && output) {
				counts.download++;
				const p = predictions.get(output[1]);
				if (!p || statusOf(p) !== 'succeeded' || imageOf(p).extension !== output[2])
					return problem(res, 404, 'Not found', 'No such file');
				if (p.mockModel) {
					let file = modelOutputs.get(p.id);
					if (!file) {
						const { format, width, height } = imageOf(p);
						file = modelFile(format, width, height, p.seed, {
							provider: 'Replicate (mock)',
							model: MODEL_NAMES[p.mockModel],
							operation: p.references?.length ? 'edit with references' : 'generate',
							aspectRatio:
								p.input.aspect_ratio === 'match_input_image'
									? 'first reference'
									: `${String(p.input.aspect_ratio ?? 'default')} ${String(p.input.resolution ?? '')}`.trim(),
							seed: p.mockModel === 'flux-3-image' ? 'none' : p.seed,
							prompt: typeof p.input.prompt === 'string' ? p.input.prompt : undefined,
							input: p.references ?? [],
						});
						modelOutputs.set(p.id, file);
					}
					return await sendFile(res, file, p.id, streamed);
				}
				let bytes = outputs.get(p.id);
				if (!bytes) {
					const { format, width, height } = imageOf(p);
					const prompt =
						p.input.image_prompt === undefined ? undefined : String(p.input.image_prompt);
					const data = prompt ? /^data:image\/[\w.+-]+;base64,(.*)$/s.exec(prompt) : null;
					bytes = makeImage(format, width, height, p.seed, {
						provider: 'Replicate (mock)',
						operation: prompt ? 'generate with image prompt' : 'generate',
						aspectRatio: String(p.input.aspect_ratio ?? '1:1'),
						seed: p.seed,
						prompt: typeof p.input.prompt === 'string' ? p.input.prompt : undefined,
						input: data
							? Buffer.from(data[1], 'base64')
							: prompt?.startsWith(`${base}/v1/files/`)
								? files.get(prompt.slice(`${base}/v1/files/`.length))?.bytes
								: undefined,
					});
					bytes = await servedImage(
						bytes,
						imageOf(p).format === 'png' ? 'image/png' : 'image/jpeg',
						p.input.prompt,
					);
					outputs.set(p.id, bytes);
				}
				res.writeHead(200, {
					'content-type': imageOf(p).format === 'png' ? 'image/png' : 'image/jpeg',
					'content-length': String(bytes.length),
				});
				return res.end(bytes);
			}

			if (!path.startsWith('/v1/'))
				return problem(res, 404, 'Not found', 'The requested resource could not be found');
			const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
			if (!token)
				return problem(
					res,
					401,
					'Unauthenticated',
					'You did not pass a valid authentication token',
				);

			// Input schemas (testkit/mocks/schemas.ts): the model API, behind the key as at Replicate.
			const schema = serveReplicateSchema(method, path);
			if (schema) return sendJson(res, schema.status, schema.body);

			if (method === 'GET' && path === '/v1/account') {
				counts.account++;
				return sendJson(res, 200, {
					type: 'user',
					username: 'mock-user',
					name: 'Mock User',
					github_url: null,
				});
			}

			const modelCreate = method === 'POST' ? MODEL_CREATE.exec(path) : null;
			if (method === 'POST' && (path === CREATE || modelCreate)) {
				counts.create++;
				let parsed: unknown;
				try {
					parsed = JSON.parse((await readBody(req)).toString('utf8'));
				} catch {
					return problem(res, 400, 'Bad request', 'Request body is not valid JSON');
				}
				const input = (parsed as Record<string, unknown> | null)?.input;
				if (!input || typeof input !== 'object' || Array.isArray(input)) {
					return problem(res, 422, 'Input validation failed', '- input: input is required', {
						invalid_fields: [
							{ type: 'required', field: 'input', description: 'input is required' },
						],
					});
				}
				const mockModel = modelCreate ? MODELS[modelCreate[1]] : undefined;
				const invalid = mockModel
					? validateModel(mockModel, input as Record<string, unknown>)
					: validate(input as Record<string, unknown>);
				if (invalid.length > 0) {
					return problem(
						res,
						422,
						'Input validation failed',
						invalid.map((f) => `- ${f.field}: ${f.description}`).join('\n'),
						{ invalid_fields: invalid },
					);
				}
				if (token.includes('nocredit'))
					return problem(
						res,
						402,
						'Insufficient credit',
						'You have insufficient credit to run this model.',
					);
				const fields = input as Record<string, unknown>;
				const prompt = String(fields.prompt ?? '');
				// The references, read as the model reads them (RP-22, RP-27); a bad one fails the prediction.
				const references: Buffer[] = [];
				let unreadable: string | undefined;
				if (mockModel) {
					const list = (fields[
						mockModel === 'flux-3-image' || isKlein(mockModel) ? 'images' : 'input_images'
					] ?? []) as string[];
					for (const [n, value] of list.entries()) {
						const bytes =
							dataUriBytes(value) ??
							(value.startsWith(`${base}/v1/files/`)
								? files.get(value.slice(`${base}/v1/files/`.length))?.bytes
								: await fetchImage(value));
						const checked = checkReference(
							bytes,
							mockModel === 'flux-3-image' ? { minSide: 256, maxMegapixels: 16 } : {},
						);
						if (typeof checked === 'string') {
							unreadable = `Input image ${n + 1} ${checked}`;
							break;
						}
						references.push(bytes!);
					}
				}
				const p: Prediction = {
					id: randomUUID().replace(/-/g, '').slice(0, 26),
					model: modelCreate ? modelCreate[1] : MODEL,
					...(mockModel ? { mockModel, references } : {}),
					input: fields,
					createdAt: now(),
					seed: typeof fields.seed === 'number' ? fields.seed : Math.floor(Math.random() * 2 ** 31),
					failure: unreadable
						? unreadable
						: /\bforbidden\b/i.test(prompt)
							? 'Your input or output was flagged as sensitive. Please try again with different inputs. (E005)'
							: /\bexplode\b/i.test(prompt)
								? 'Prediction failed: the model crashed'
								: undefined,
				};
				predictions.set(p.id, p);
				// The `completed` event (terminal status); the other events are not sent by this mock.
				const hook = (parsed as Record<string, unknown>).webhook;
				if (typeof hook === 'string') scheduleWebhook(webhooks, hook, latencyMs, () => body(p));
				const wait = preferWait(req);
				if (wait !== undefined) {
					counts.waited++;
					const until = Math.min(p.createdAt + wait, p.createdAt + latencyMs + 5);
					await new Promise((resolve) => setTimeout(resolve, Math.max(0, until - now())));
				}
				return sendJson(res, 201, body(p), { location: `${base}/v1/predictions/${p.id}` });
			}

			const match = /^\/v1\/predictions\/([\w-]+)(\/cancel)?$/.exec(path);
			if (match) {
				const p = predictions.get(match[1]);
				if (!p) return problem(res, 404, 'Not found', 'The requested resource could not be found');
				if (method === 'GET' && !match[2]) {
					counts.poll++;
					return sendJson(res, 200, body(p));
				}
				if (method === 'POST' && match[2]) {
					counts.cancel++;
					const status = statusOf(p);
					if (status === 'starting' || status === 'processing') p.canceledAt = now();
					return sendJson(res, 200, body(p));
				}
			}

			if (method === 'POST' && path === '/v1/files') {
				counts.upload++;
				const parts = parseMultipart(
					await readBody(req),
					String(req.headers['content-type'] ?? ''),
				);
				const content = parts.find((part) => part.name === 'content');
				if (!content) return problem(res, 400, 'Bad request', 'Missing content');
				const file: UploadedFile = {
					id: randomUUID().replace(/-/g, ''),
					name: content.filename ?? 'file',
					contentType: content.type ?? 'application/octet-stream',
					bytes: content.data,
					createdAt: now(),
				};
				files.set(file.id, file);
				return sendJson(res, 201, {
					id: file.id,
					name: file.name,
					content_type: file.contentType,
					size: file.bytes.length,
					etag: file.id.slice(0, 16),
					checksums: {},
					metadata: {},
					created_at: new Date(file.createdAt).toISOString(),
					expires_at: new Date(file.createdAt + 24 * 3600_000).toISOString(),
					urls: { get: `${base}/v1/files/${file.id}` },
				});
			}
			const fileMatch = /^\/v1\/files\/([\w-]+)$/.exec(path);
			if (method === 'GET' && fileMatch) {
				const file = files.get(fileMatch[1]);
				if (!file)
					return problem(res, 404, 'Not found', 'The requested resource could not be found');
				return sendJson(res, 200, {
					id: file.id,
					name: file.name,
					content_type: file.contentType,
					size: file.bytes.length,
					urls: { get: `${base}/v1/files/${file.id}` },
				});
			}
			return problem(res, 404, 'Not found', 'The requested resource could not be found');
		})().catch((error: Error) => {
			if (res.headersSent) res.destroy();
			else problem(res, 500, 'Internal Server Error', error.message);
		});
	});

	const loopback = await listenLoopback(server, options.port);
	base = loopback.url;
	return {
		url: base,
		predictions,
		files,
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
