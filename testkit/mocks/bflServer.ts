import { randomUUID } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';

import { sniffImage } from '../../nodes/FluxUltra/job/downloads';
import { servedImage } from './credentials';
import { makeImage, ULTRA_SIZES } from './images';
import {
	faultDrawer,
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
}

export interface MockBfl {
	url: string;
	tasks: Map<string, BflTask>;
	counts: { submit: number; poll: number; download: number; credits: number };
	faults: { 429: number; 503: number };
	/** Calls made to `webhook_url`s when tasks ended (the payload is the get_result answer: UNCONFIRMED). */
	webhooks: WebhookDelivery[];
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
	const counts = { submit: 0, poll: 0, download: 0, credits: 0 };
	const webhooks: WebhookDelivery[] = [];
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

	const imageOf = (task: Task) => {
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
				seed: task.seed,
				start_time: startTime,
				end_time: endTime,
				duration: endTime - startTime,
			},
			progress: 1,
		};
	};

	const faults = faultDrawer(options.faults);
	const server = createServer((req, res) => {
		void (async () => {
			const url = new URL(req.url ?? '/', base);
			const path = url.pathname;
			const method = req.method ?? 'GET';
			const submitPath = path === ENDPOINT || path === FINETUNED;
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
				const problems = validateBflInput(input, path);
				if (problems.length > 0) return send(res, 422, { detail: problems });
				if (key.includes('nocredit')) return send(res, 402, { detail: 'Insufficient credits' });
				const task: Task = {
					id: randomUUID(),
					endpoint: path,
					input,
					createdAt: now(),
					seed: typeof input.seed === 'number' ? input.seed : Math.floor(Math.random() * 2 ** 31),
					outcome: outcomeFor(input.prompt),
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
				return send(res, 200, {
					id: task.id,
					polling_url: `${base}/v1/get_result?id=${task.id}`,
					// A mock bills nothing: BFL's field is there, at 0 credits (issue 31).
					cost: 0,
					input_mp: 0,
					output_mp: 4.2,
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
	return { url: base, tasks, counts, faults: faults.counts, webhooks, close: loopback.close };
}
