/**
 * The scale series of `npm run bench`: the node in a real n8n 2.x (the cached e2e host, `testkit/n8n.ts`,
 * the package installed from its tarball as a community node), filesystem binary data mode, against
 * the loopback mock fal.ai run in a process of its own. For each N (BENCH_SCALE, default
 * 100,300,1000) one workflow — Manual Trigger → Code (N briefs) → the node with Max Parallel Jobs c —
 * runs with `n8n execute`, while the n8n process tree's memory is sampled from /proc.
 *
 * Per N: wall = the node's own execution time as n8n records it (runData executionTime), against
 * the ideal ceil(N/c)·L; added latency per job = when the mock finished sending the job's image −
 * (submit + L); status requests per job (SSE stream requests and polls, as the mock counts them);
 * peak RSS of the n8n process tree (sum of VmRSS over the tree, sampled every 50 ms; VmHWM of the
 * main process as a cross-check), and its growth over the RSS the tree had when the first job was
 * submitted (n8n loaded, workflow started).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import {
	createInstance,
	firstJsonObject,
	jsonFile,
	n8nHost,
	packPackage,
	type N8nInstance,
} from '../n8n';

export interface ScaleRow {
	N: number;
	c: number;
	'wall s': number;
	'ideal s': number;
	'wall/ideal': number;
	'added ms p50': number;
	'added ms p95': number;
	'status req/job': number;
	'to 1st submit ms': number;
	'CPU to 1st submit ms': number;
	'submit→last image s': number;
	'n8n CPU ms/job': number;
	'load avg': number;
	'RSS at start MB': number;
	'RSS peak MB': number;
	'RSS growth MB': number;
	'VmHWM MB': number;
}

interface MockStats {
	latencyMs: number;
	counts: Record<string, number>;
	jobs: Array<{ id: string; submittedAt: number; statusRequests: number; lastDownloadAt?: number }>;
}

const root = resolve(__dirname, '..', '..');
const tsx = resolve(root, 'node_modules', '.bin', 'tsx');
const MB = 1024 * 1024;

export function scaleSizes(env = process.env.BENCH_SCALE): number[] {
	if (env === undefined || env.trim() === '') return [100, 300, 1000];
	if (env.trim() === 'none') return [];
	return env.split(',').map((n) => {
		const size = Number(n.trim());
		if (!Number.isInteger(size) || size < 1)
			throw new Error(`BENCH_SCALE: "${n}" is not a whole number of items`);
		return size;
	});
}

/** The series as a Markdown table, the form the README shows it in. */
export function scaleMarkdownTable(rows: ScaleRow[]): string {
	const keys = Object.keys(rows[0]) as Array<keyof ScaleRow>;
	return [
		`| ${keys.join(' | ')} |`,
		`|${keys.map(() => '---').join('|')}|`,
		...rows.map((r) => `| ${keys.map((k) => r[k]).join(' | ')} |`),
	].join('\n');
}

export function percentile(values: number[], p: number): number {
	if (values.length === 0) return Number.NaN;
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/**
 * The mock fal.ai (or another mock script that prints `READY <url>`, e.g. the bench's FLUX 3 4k
 * source) in a process of its own (its CPU is not the n8n process's), until stop().
 */
export async function startMock(
	options: Record<string, unknown>,
	script = 'testkit/mocks/serve.ts',
): Promise<{ url: string; stop(): void }> {
	const child = spawn(tsx, [resolve(root, script), JSON.stringify(options)], {
		stdio: ['ignore', 'pipe', 'inherit'],
	});
	const url = await new Promise<string>((done, fail) => {
		child.stdout!.on('data', (d: Buffer) => {
			const match = /READY (\S+)/.exec(d.toString());
			if (match) done(match[1]);
		});
		child.on('exit', (code) => fail(new Error(`mock exited ${code}`)));
	});
	return { url, stop: () => child.kill('SIGTERM') };
}

async function freePort(): Promise<number> {
	return await new Promise((done) => {
		const server = createServer();
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address() as { port: number };
			server.close(() => done(port));
		});
	});
}

/** Reads VmRSS / VmHWM (bytes) of one process; undefined once it is gone. */
function memoryOf(pid: number): { rss: number; hwm: number } | undefined {
	try {
		const status = readFileSync(`/proc/${pid}/status`, 'utf8');
		const kb = (key: string) =>
			Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
		return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
	} catch {
		return undefined;
	}
}

/** CPU time (user + system, ms) the process has used; /proc/<pid>/stat counts in ticks of 10 ms. */
function cpuMsOf(pid: number): number | undefined {
	try {
		const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
		return (Number(fields[11]) + Number(fields[12])) * 10;
	} catch {
		return undefined;
	}
}

/** The process and all its descendants, from /proc/<pid>/task/<tid>/children. */
function processTree(pid: number): number[] {
	const all = [pid];
	for (let i = 0; i < all.length; i++) {
		try {
			for (const tid of readdirSync(`/proc/${all[i]}/task`)) {
				const children = readFileSync(`/proc/${all[i]}/task/${tid}/children`, 'utf8').trim();
				if (children) all.push(...children.split(/\s+/).map(Number));
			}
		} catch {
			// The process ended between the listing and the read.
		}
	}
	return all;
}

/** Samples the tree's summed RSS every 50 ms, with timestamps, until stopped. */
function sampleMemory(pid: number) {
	const samples: Array<{ at: number; rss: number; cpuMs: number }> = [];
	let hwm = 0;
	const timer = setInterval(() => {
		const tree = processTree(pid).map(memoryOf);
		const main = tree[0];
		if (!main) return;
		hwm = Math.max(hwm, main.hwm);
		samples.push({
			at: Date.now(),
			rss: tree.reduce((sum, m) => sum + (m?.rss ?? 0), 0),
			cpuMs: cpuMsOf(pid) ?? samples.at(-1)?.cpuMs ?? 0,
		});
	}, 50);
	return () => {
		clearInterval(timer);
		return { samples, hwm };
	};
}

const FLUX_NODE = 'FLUX 1.1 Ultra';

function scaleWorkflow(id: string, items: number, parallel: number) {
	return {
		id,
		name: `bench: scale ${items}`,
		nodes: [
			{
				id: '20000000-0000-4000-8000-000000000001',
				name: 'Start',
				type: 'n8n-nodes-base.manualTrigger',
				typeVersion: 1,
				position: [0, 0],
				parameters: {},
			},
			{
				id: '20000000-0000-4000-8000-000000000002',
				name: 'Briefs',
				type: 'n8n-nodes-base.code',
				typeVersion: 2,
				position: [220, 0],
				parameters: {
					jsCode: `return Array.from({ length: ${items} }, (_, i) => ({ json: { prompt: 'scale brief ' + i } }));`,
				},
			},
			{
				id: '20000000-0000-4000-8000-000000000003',
				name: FLUX_NODE,
				type: 'n8n-nodes-flux-ultra.fluxUltra',
				typeVersion: 1,
				position: [440, 0],
				parameters: {
					provider: 'fal',
					operation: 'generate',
					prompt: '={{ $json.prompt }}',
					imageSource: 'none',
					aspectRatio: '1:1',
					numImages: 1,
					outputFormat: 'jpeg',
					options: { maxParallelJobs: parallel },
				},
				credentials: { falApi: { id: 'falApiScale00001', name: 'fal.ai (mock)' } },
			},
		],
		connections: {
			Start: { main: [[{ node: 'Briefs', type: 'main', index: 0 }]] },
			Briefs: { main: [[{ node: FLUX_NODE, type: 'main', index: 0 }]] },
		},
		settings: { executionOrder: 'v1' },
		pinData: {},
	};
}

type RunData = Record<
	string,
	Array<{
		startTime: number;
		executionTime: number;
		data?: {
			main: Array<
				Array<{ json: Record<string, unknown>; binary?: Record<string, { id?: string }> }>
			>;
		};
		error?: unknown;
	}>
>;

/** `n8n execute` of one workflow, with the tree's memory sampled while it runs. */
async function executeSampled(instance: N8nInstance, workflowId: string) {
	// BENCH_N8N_NODE_ARGS: Node flags for the n8n process (e.g. --cpu-prof), to see where time goes.
	const nodeArgs = process.env.BENCH_N8N_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
	// Its own task-runner broker port: another n8n on this machine may hold the default 5679.
	const env = { ...instance.env, N8N_RUNNERS_BROKER_PORT: String(await freePort()) };
	const child = spawn(
		instance.host.node,
		[...nodeArgs, instance.host.n8n, 'execute', `--id=${workflowId}`, '--rawOutput'],
		{ env, stdio: ['ignore', 'pipe', 'pipe'] },
	);
	const stop = sampleMemory(child.pid!);
	const out: Buffer[] = [];
	const err: Buffer[] = [];
	child.stdout.on('data', (d: Buffer) => out.push(d));
	child.stderr.on('data', (d: Buffer) => err.push(d));
	const code = await new Promise<number | null>((done) => child.on('close', done));
	const memory = stop();
	const stdout = Buffer.concat(out).toString('utf8');
	if (code !== 0)
		throw new Error(
			`n8n execute exited ${code}: ${Buffer.concat(err).toString('utf8').slice(-3000)}\n${stdout.slice(-2000)}`,
		);
	const runData = (firstJsonObject(stdout) as { data: { resultData: { runData: RunData } } }).data
		.resultData.runData;
	return { runData, memory };
}

async function runSize(
	instance: N8nInstance,
	mockUrl: string,
	items: number,
	parallel: number,
	latencyMs: number,
): Promise<ScaleRow> {
	const id = `benchScale${items}`;
	await instance.cli([
		'import:workflow',
		`--input=${jsonFile(instance, `${id}.json`, scaleWorkflow(id, items, parallel))}`,
	]);
	const before = (await (await fetch(`${mockUrl}/__stats`)).json()) as MockStats;
	const seen = new Set(before.jobs.map((j) => j.id));
	const { runData, memory } = await executeSampled(instance, id);
	const stats = (await (await fetch(`${mockUrl}/__stats`)).json()) as MockStats;
	const jobs = stats.jobs.filter((j) => !seen.has(j.id));

	const flux = runData[FLUX_NODE]?.[0];
	const output = flux?.data?.main?.[0] ?? [];
	const failed = output.filter((item) => item.json.error);
	if (!flux || flux.error || output.length !== items || failed.length) {
		throw new Error(
			`scale ${items}: ${output.length} items out, ${failed.length} failed ${JSON.stringify(flux?.error ?? failed[0]?.json ?? {}).slice(0, 500)}`,
		);
	}
	if (!output.every((item) => item.binary?.data?.id?.startsWith('filesystem')))
		throw new Error(`scale ${items}: binary data is not in filesystem mode`);
	if (jobs.length !== items) throw new Error(`scale ${items}: the mock saw ${jobs.length} jobs`);

	const firstSubmit = Math.min(...jobs.map((j) => j.submittedAt));
	const lastImage = Math.max(...jobs.map((j) => j.lastDownloadAt ?? Number.NaN));
	const during = memory.samples.filter((s) => s.at >= firstSubmit && s.at <= lastImage);
	const cpuAt = (at: number) => memory.samples.filter((s) => s.at <= at).pop()?.cpuMs ?? Number.NaN;
	const cpuMs = during.length > 1 ? during[during.length - 1].cpuMs - during[0].cpuMs : Number.NaN;
	const atStart =
		memory.samples.filter((s) => s.at <= firstSubmit).pop()?.rss ?? memory.samples[0]?.rss ?? 0;
	const peak = Math.max(...memory.samples.map((s) => s.rss));
	const added = jobs.map((j) => (j.lastDownloadAt ?? Number.NaN) - (j.submittedAt + latencyMs));
	const ideal = Math.ceil(items / parallel) * latencyMs;
	const wall = flux.executionTime;
	return {
		N: items,
		c: parallel,
		'wall s': +(wall / 1000).toFixed(2),
		'ideal s': +(ideal / 1000).toFixed(2),
		'wall/ideal': +(wall / ideal).toFixed(3),
		'added ms p50': Math.round(percentile(added, 50)),
		'added ms p95': Math.round(percentile(added, 95)),
		'status req/job': +(jobs.reduce((sum, j) => sum + j.statusRequests, 0) / items).toFixed(2),
		'to 1st submit ms': firstSubmit - flux.startTime,
		'CPU to 1st submit ms': cpuAt(firstSubmit) - cpuAt(flux.startTime),
		'submit→last image s': +((lastImage - firstSubmit) / 1000).toFixed(2),
		'n8n CPU ms/job': +(cpuMs / items).toFixed(1),
		'load avg': +loadavg()[0].toFixed(1),
		'RSS at start MB': Math.round(atStart / MB),
		'RSS peak MB': Math.round(peak / MB),
		'RSS growth MB': Math.round((peak - atStart) / MB),
		'VmHWM MB': Math.round(memory.hwm / MB),
	};
}

/**
 * Runs the series; returns one row per N. The package must be built (`npm run build`). The host is
 * BENCH_N8N_HOST (default n8n-2), installed on first use into ~/.cache/n8n-nodes-flux-ultra.
 */
export async function runScaleSeries(options: {
	sizes: number[];
	parallel: number;
	latencyMs: number;
	log: (line: string) => void;
}): Promise<ScaleRow[]> {
	const host = n8nHost(process.env.BENCH_N8N_HOST ?? 'n8n-2');
	const work = mkdtempSync(join(tmpdir(), 'flux-bench-scale-'));
	// 1 MP JPEGs: Ultra's 1:1 is 2048², half of it each way is 1024².
	const mock = await startMock({ latencyMs: options.latencyMs, imagePool: 1, scale: 0.5 });
	try {
		const tarball = packPackage(join(work, 'pack'));
		const instance = createInstance(
			host,
			tarball,
			{
				N8N_DEFAULT_BINARY_DATA_MODE: 'filesystem',
				N8N_LOG_LEVEL: process.env.BENCH_N8N_LOG_LEVEL ?? 'info',
			},
			{ userFolder: join(work, 'user') },
		);
		await instance.cli([
			'import:credentials',
			`--input=${jsonFile(instance, 'credentials.json', [{ id: 'falApiScale00001', name: 'fal.ai (mock)', type: 'falApi', data: { apiKey: 'bench-dummy-key', baseUrl: mock.url } }])}`,
		]);
		// Render the mock's one image before any clock starts (a job of 1 image, read once done).
		const headers = { authorization: 'Key bench-dummy-key', 'content-type': 'application/json' };
		const warm = (await (
			await fetch(`${mock.url}/fal-ai/flux-pro/v1.1-ultra`, {
				method: 'POST',
				headers,
				body: JSON.stringify({ prompt: 'warm-up', aspect_ratio: '1:1', output_format: 'jpeg' }),
			})
		).json()) as { response_url: string };
		await new Promise((r) => setTimeout(r, options.latencyMs + 50));
		await fetch(warm.response_url, { headers });

		const rows: ScaleRow[] = [];
		for (const size of options.sizes) {
			const started = Date.now();
			rows.push(await runSize(instance, mock.url, size, options.parallel, options.latencyMs));
			options.log(
				`scale N=${size}: done in ${Math.round((Date.now() - started) / 1000)} s (n8n start-up included)`,
			);
		}
		return rows;
	} finally {
		mock.stop();
		if (process.env.BENCH_KEEP !== '1') rmSync(work, { recursive: true, force: true });
	}
}
