import { Readable } from 'node:stream';

import nock from 'nock';

import { makePng } from '../mocks/images';
import { runflowOutputBody } from '../mocks/loopback';
import { CDN, FAL_REST, FAL_UPLOAD_HOST, QUEUE } from './falNock';
import { RUNFLOW_API, RUNFLOW_STORAGE, RUNS_PATH } from './runflowNock';

/**
 * Stateful fakes of fal.ai and Runflow on nock, with a fault injector in front of every request:
 * throttling, gateway errors, connection resets and slow bodies, drawn from a seeded generator so a
 * failing run can be replayed. Each fake counts the jobs it really created, per prompt, which is
 * how a duplicate submit (a job paid twice) would show.
 */

export type Fault =
	| '429'
	| '429+retry-after'
	| '502'
	| '503'
	| '504'
	| 'reset'
	| 'refused'
	| 'slow'
	| 'lost-503'
	| 'lost-reset';

/** Faults a job-creating request may get: by default only those after which no job exists. */
const SUBMIT_FAULTS: Fault[] = ['429', '429+retry-after', 'refused'];
/** Faults after which the job does exist, but its answer never arrives (a 503 or a reset). */
const LOST_ANSWER_FAULTS: Fault[] = ['lost-503', 'lost-reset'];
const OTHER_FAULTS: Fault[] = ['429', '429+retry-after', '502', '503', '504', 'reset', 'slow'];

/** mulberry32: small, seeded, good enough to spread faults. */
function seeded(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

export class FaultInjector {
	readonly injected: Record<Fault, number> = {
		'429': 0,
		'429+retry-after': 0,
		'502': 0,
		'503': 0,
		'504': 0,
		reset: 0,
		refused: 0,
		slow: 0,
		'lost-503': 0,
		'lost-reset': 0,
	};
	requests = 0;
	private readonly random: () => number;
	private readonly streaks = new Map<string, number>();

	/**
	 * @param rate share of requests that get a fault
	 * @param maxStreak most failing faults in a row on one request (the same method, URL and job):
	 *   the retry policy promises to ride out this many, so the suite holds it to that promise.
	 * @param lostAnswers job-creating requests may also lose their answer after the job was made
	 */
	constructor(
		readonly rate: number,
		readonly seed: number,
		readonly maxStreak = 3,
		readonly lostAnswers = false,
	) {
		this.random = seeded(seed);
	}

	get total(): number {
		return Object.values(this.injected).reduce((a, b) => a + b, 0);
	}

	next(key: string, submit: boolean): Fault | undefined {
		this.requests++;
		const streak = this.streaks.get(key) ?? 0;
		if (streak >= this.maxStreak || this.random() >= this.rate) {
			this.streaks.set(key, 0);
			return undefined;
		}
		const kinds = submit ? (this.lostAnswers ? LOST_ANSWER_FAULTS : SUBMIT_FAULTS) : OTHER_FAULTS;
		const fault = kinds[Math.floor(this.random() * kinds.length)];
		this.injected[fault]++;
		// A slow body still succeeds: it does not count towards the streak.
		this.streaks.set(key, fault === 'slow' ? 0 : streak + 1);
		return fault;
	}
}

type Reply = [number, nock.Body | Buffer | Readable, Record<string, string>?];
/** nock's reply callback: an error stands for a broken connection. */
type Callback = (error: NodeJS.ErrnoException | null, reply: nock.ReplyFnResult) => void;

function socketError(code: string, message: string): NodeJS.ErrnoException {
	return Object.assign(new Error(message), { code });
}

/** A body that arrives in four pieces, a few milliseconds apart. */
function trickle(body: Buffer): Readable {
	const quarter = Math.ceil(body.length / 4) || 1;
	return Readable.from(
		(async function* () {
			for (let at = 0; at < body.length; at += quarter) {
				await new Promise((resolve) => setTimeout(resolve, 2));
				yield body.subarray(at, at + quarter);
			}
		})(),
	);
}

/** Answers one request: the fault if there is one, else what `ok` builds. */
function answer(cb: Callback, fault: Fault | undefined, errorBody: unknown, ok: () => Reply) {
	switch (fault) {
		case 'lost-503':
			ok();
			return cb(null, [503, JSON.stringify(errorBody), { 'content-type': 'application/json' }]);
		case 'lost-reset':
			ok();
			return cb(socketError('ECONNRESET', 'socket hang up'), [0, '']);
		case 'reset':
			return cb(socketError('ECONNRESET', 'socket hang up'), [0, '']);
		case 'refused':
			return cb(socketError('ECONNREFUSED', 'connect ECONNREFUSED'), [0, '']);
		case '429':
			return cb(null, [429, JSON.stringify(errorBody), { 'content-type': 'application/json' }]);
		case '429+retry-after':
			return cb(null, [
				429,
				JSON.stringify(errorBody),
				{ 'content-type': 'application/json', 'retry-after': '2' },
			]);
		case '502':
		case '503':
		case '504':
			return cb(null, [
				Number(fault),
				JSON.stringify(errorBody),
				{ 'content-type': 'application/json' },
			]);
		case 'slow': {
			const [status, body, headers] = ok();
			const bytes = Buffer.isBuffer(body)
				? body
				: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
			return cb(null, [status, trickle(bytes) as unknown as nock.Body, headers ?? {}]);
		}
		default:
			return cb(null, ok() as unknown as nock.ReplyFnResult);
	}
}

const json = (status: number, body: unknown): Reply => [
	status,
	JSON.stringify(body),
	{ 'content-type': 'application/json' },
];
const asObject = (body: unknown): Record<string, unknown> =>
	(typeof body === 'string' ? JSON.parse(body || '{}') : (body ?? {})) as Record<string, unknown>;

/** The image a fake gives for image `n` of the job with this prompt: tests compute it too. */
export function imageFor(prompt: string, n: number): Buffer {
	let seed = n + 1;
	for (const c of prompt) seed = (seed * 31 + c.charCodeAt(0)) >>> 0;
	return makePng(16, 9, seed);
}

interface FakeJob {
	prompt: string;
	images: number;
	polls: number;
	imageUrl?: string;
	resultRead?: boolean;
}

export interface FakeProvider {
	/** Jobs really created, per prompt: more than one is a job paid twice. */
	creations: Map<string, number>;
	jobs: Map<string, FakeJob>;
	/** Input images received through uploads, by the URL the job then names. */
	uploads: Map<string, Buffer>;
	/** Jobs created whose result has not been read yet, now and at most. */
	inFlight: { now: number; peak: number };
}

/** Every job takes one "still running" status before it is done. */
const POLLS_BEFORE_DONE = 1;

export function faultyFal(faults: FaultInjector): FakeProvider {
	const fake: FakeProvider = {
		creations: new Map(),
		jobs: new Map(),
		uploads: new Map(),
		inFlight: { now: 0, peak: 0 },
	};
	const pending = new Map<string, string>();
	let ids = 0;
	const err = { detail: 'injected fault' };

	nock(QUEUE)
		.persist()
		.post(/^\/fal-ai\/flux-pro\/v1\.1-ultra(\/redux)?$/)
		.reply((uri, raw, cb) => {
			const body = asObject(raw);
			const prompt = String(body.prompt);
			answer(cb, faults.next(`POST ${uri} ${prompt}`, true), err, () => {
				// A prompt asking for it is refused, as fal refuses an invalid field.
				if (prompt.includes('reject'))
					return json(422, {
						detail: [{ loc: ['body', 'prompt'], msg: 'rejected on request', type: 'value_error' }],
					});
				const id = `fal-${++ids}`;
				fake.creations.set(prompt, (fake.creations.get(prompt) ?? 0) + 1);
				fake.inFlight.peak = Math.max(fake.inFlight.peak, ++fake.inFlight.now);
				fake.jobs.set(id, {
					prompt,
					images: Number(body.num_images ?? 1),
					polls: 0,
					imageUrl: body.image_url as string | undefined,
				});
				const links = `${QUEUE}/fal-ai/flux-pro/requests/${id}`;
				return json(200, {
					request_id: id,
					status_url: `${links}/status`,
					response_url: links,
					cancel_url: `${links}/cancel`,
				});
			});
		})
		.get(/^\/fal-ai\/flux-pro\/requests\/[\w-]+\/status/)
		.reply((uri, _raw, cb) => {
			const id = uri.split('/')[4];
			answer(cb, faults.next(`GET ${uri}`, false), err, () => {
				const job = fake.jobs.get(id)!;
				return json(200, {
					status: job.polls++ < POLLS_BEFORE_DONE ? 'IN_PROGRESS' : 'COMPLETED',
					request_id: id,
				});
			});
		})
		.get(/^\/fal-ai\/flux-pro\/requests\/[\w-]+$/)
		.reply((uri, _raw, cb) => {
			const id = uri.split('/')[4];
			answer(cb, faults.next(`GET ${uri}`, false), err, () => {
				const job = fake.jobs.get(id)!;
				if (!job.resultRead) fake.inFlight.now--;
				job.resultRead = true;
				const images = Array.from({ length: job.images }, (_, n) => ({
					url: `${CDN}/files/${id}/${n}.png`,
					content_type: 'image/png',
					width: 16,
					height: 9,
				}));
				return json(200, {
					images,
					seed: 7,
					has_nsfw_concepts: images.map(() => false),
					prompt: job.prompt,
				});
			});
		});
	nock(CDN)
		.persist()
		.get(/^\/files\//)
		.reply((uri, _raw, cb) => {
			const [, , id, file] = uri.split('/');
			answer(cb, faults.next(`GET ${uri}`, false), err, () => {
				const bytes = uri.startsWith('/files/uploads/')
					? fake.uploads.get(`${CDN}${uri}`)!
					: imageFor(fake.jobs.get(id)!.prompt, Number.parseInt(file, 10));
				return [200, bytes, { 'content-type': 'image/png' }];
			});
		});
	nock(FAL_REST)
		.persist()
		.post('/storage/upload/initiate')
		.query(true)
		.reply((uri, raw, cb) => {
			// Keyed by the file, so retries of one upload count as one request's streak.
			answer(cb, faults.next(`POST ${uri} ${String(asObject(raw).file_name)}`, false), err, () => {
				const slot = `up-${++ids}`;
				pending.set(slot, `${CDN}/files/uploads/${slot}`);
				return json(200, {
					upload_url: `${FAL_UPLOAD_HOST}/put/${slot}?signature=example`,
					file_url: pending.get(slot),
				});
			});
		});
	nock(FAL_UPLOAD_HOST)
		.persist()
		.put(/^\/put\//)
		.reply((uri, raw, cb) => {
			const slot = uri.split('/')[2].split('?')[0];
			answer(cb, faults.next(`PUT ${uri}`, false), err, () => {
				fake.uploads.set(pending.get(slot)!, Buffer.from(raw as string, 'hex'));
				return [200, ''];
			});
		});
	return fake;
}

export function faultyRunflow(faults: FaultInjector): FakeProvider {
	const fake: FakeProvider = {
		creations: new Map(),
		jobs: new Map(),
		uploads: new Map(),
		inFlight: { now: 0, peak: 0 },
	};
	const assets = new Map<string, { size: number; bytes?: Buffer }>();
	let ids = 0;
	const err = { code: 'INJECTED', message: 'injected fault', errors: null };

	nock(RUNFLOW_API)
		.persist()
		.post(RUNS_PATH)
		.reply((uri, raw, cb) => {
			const input = asObject(raw).input as Record<string, unknown>;
			const prompt = String(input.prompt);
			answer(cb, faults.next(`POST ${uri} ${prompt}`, true), err, () => {
				const id = `run-${++ids}`;
				fake.creations.set(prompt, (fake.creations.get(prompt) ?? 0) + 1);
				fake.inFlight.peak = Math.max(fake.inFlight.peak, ++fake.inFlight.now);
				fake.jobs.set(id, {
					prompt,
					images: Number(input.num_images ?? 1),
					polls: 0,
					imageUrl: input.image_url as string | undefined,
				});
				return json(201, { id, status_code: 'queued', input, output: null });
			});
		})
		.get(/^\/v1\/runs\/[\w-]+$/)
		.reply((uri, _raw, cb) => {
			const id = uri.split('/')[3];
			answer(cb, faults.next(`GET ${uri}`, false), err, () => {
				const job = fake.jobs.get(id)!;
				if (job.polls++ < POLLS_BEFORE_DONE)
					return json(200, { id, status_code: 'running', output: null });
				if (!job.resultRead) fake.inFlight.now--;
				job.resultRead = true;
				const images = Array.from({ length: job.images }, (_, n) => ({
					url: `${RUNFLOW_STORAGE}/outputs/${id}/${n}.png?X-Amz-Signature=example`,
					contentType: 'image/png',
					width: 16,
					height: 9,
				}));
				return json(200, {
					id,
					status_code: 'succeeded',
					output: runflowOutputBody('outputs', images, 7),
				});
			});
		})
		.post('/v1/asset-uploads')
		.reply((uri, raw, cb) => {
			answer(cb, faults.next(`POST ${uri} ${String(asObject(raw).filename)}`, false), err, () => {
				const id = `asset-${++ids}`;
				assets.set(id, { size: Number(asObject(raw).size_bytes) });
				return json(201, {
					asset_id: id,
					upload_url: `${RUNFLOW_STORAGE}/uploads/${id}?X-Amz-Signature=example`,
				});
			});
		})
		.post(/^\/v1\/asset-uploads\/[\w-]+\/confirmations$/)
		.reply((uri, _raw, cb) => {
			const id = uri.split('/')[3];
			answer(cb, faults.next(`POST ${uri}`, false), err, () => {
				const asset = assets.get(id)!;
				if (asset.bytes?.length !== asset.size)
					return json(409, { code: 'UPLOAD_NOT_FOUND', message: 'nothing uploaded', errors: null });
				const url = `${RUNFLOW_STORAGE}/assets/${id}?X-Amz-Signature=example`;
				fake.uploads.set(url, asset.bytes);
				return json(201, { id, url });
			});
		});
	nock(RUNFLOW_STORAGE)
		.persist()
		.get(/^\/outputs\//)
		.reply((uri, _raw, cb) => {
			const [, , id, file] = uri.split('/');
			answer(cb, faults.next(`GET ${uri}`, false), err, () => [
				200,
				imageFor(fake.jobs.get(id)!.prompt, Number.parseInt(file, 10)),
				{ 'content-type': 'image/png' },
			]);
		})
		.put(/^\/uploads\//)
		.reply((uri, raw, cb) => {
			const id = uri.split('/')[2].split('?')[0];
			answer(cb, faults.next(`PUT ${uri}`, false), err, () => {
				assets.get(id)!.bytes = Buffer.from(raw as string, 'hex');
				return [200, ''];
			});
		});
	return fake;
}
