/**
 * `npm run bench`: this node against the peers, on the loopback mock fal.ai, in one run, one table.
 *
 * Every job takes L (BENCH_LATENCY_MS, default 2000 ms) from submit to COMPLETED and makes 4 PNGs of
 * 4 MP (about 2.7 MB each). N jobs (BENCH_JOBS, default 64) run with parallelism c (BENCH_PARALLEL,
 * default 8), so the ideal batch time is ceil(N/c)·L. Each variant runs in its own process against
 * a fresh mock in another process: the mock's CPU is not the variant's, and memory peaks are each
 * variant's own. Added latency per job = when the mock finished sending the job's last image, minus
 * when the job completed (submit + L): what waiting, result reading and downloading add.
 *
 * Then the scale series (testkit/bench/scale.ts): the node in a real n8n 2.x with filesystem binary
 * data, N = 100, 300, 1,000 items (BENCH_SCALE, e.g. `BENCH_SCALE=100,300`; `none` skips it),
 * c = 16 (BENCH_SCALE_PARALLEL), L = 0.5 s (BENCH_SCALE_LATENCY_MS), one 1 MP JPEG per job. The full
 * series writes bench-scale.json, .svg and .png to ./bench-output (BENCH_OUTPUT), to docs/ only with
 * BENCH_UPDATE_DOCS=1 (testkit/bench/plot.ts); BENCH_ONLY=scale skips the peer comparison.
 */
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';

import { FLUX_3_IMAGE } from '../nodes/FluxUltra/parameters/models/flux3Image';

import { writeScaleRun } from '../testkit/bench/plot';
import {
	percentile,
	runScaleSeries,
	scaleMarkdownTable,
	scaleSizes,
	startMock,
} from '../testkit/bench/scale';

const L = Number(process.env.BENCH_LATENCY_MS ?? 2000);
const N = Number(process.env.BENCH_JOBS ?? 64);
const C = Number(process.env.BENCH_PARALLEL ?? 8);
const N_SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL_JOBS ?? 6);
const IMAGES = 4;
const root = resolve(__dirname, '..');
const tsx = resolve(root, 'node_modules', '.bin', 'tsx');

interface Stats {
	latencyMs: number;
	counts: Record<string, number>;
	jobs: Array<{ submittedAt: number; statusRequests: number; lastDownloadAt?: number }>;
}

/** What a variant runs against: the mock fal.ai with its pool of 4 MP PNGs, unless it says otherwise. */
interface Source {
	script?: string;
	options: Record<string, unknown>;
	imagesPerJob: number;
}
const FAL_4MP: Source = {
	options: { latencyMs: L, imagePool: IMAGES, scale: 1 },
	imagesPerJob: IMAGES,
};
/** FLUX 3 Image at 4k: one full-size 4096×4096 PNG per job from the bench's own BFL stand-in. */
const FLUX3_4K: Source = {
	script: 'testkit/bench/flux3Server.ts',
	options: { latencyMs: L },
	imagesPerJob: 1,
};
const FLUX3_JOBS = Number(process.env.BENCH_FLUX3_JOBS ?? 16);
const FLUX3_MAX_IMAGE_MB = FLUX_3_IMAGE.maxImageSizeDefaultMb!;
/** The size of the 4k PNG the FLUX 3 source served (set by its run). */
let fileBytesServed = 0;
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;

async function runVariant(variant: string, jobs: number, parallel: number, source = FAL_4MP) {
	const mock = await startMock(source.options, source.script);
	try {
		// Render the pool of 4 MP images before the clock starts (the 4k file is made at start-up).
		const before = (await (await fetch(`${mock.url}/__stats`)).json()) as { fileBytes?: number };
		if (before.fileBytes) fileBytesServed = before.fileBytes;
		const line = execFileSync(
			tsx,
			[
				resolve(root, 'scripts/bench-run.ts'),
				variant,
				JSON.stringify({
					mockUrl: mock.url,
					jobs,
					parallel,
					imagesPerJob: source.imagesPerJob,
					fileBytes: before.fileBytes,
				}),
			],
			{
				encoding: 'utf8',
				maxBuffer: 16 * 1024 * 1024,
				stdio: ['ignore', 'pipe', 'inherit'],
			},
		);
		const result = JSON.parse(line.trim().split('\n').pop()!) as {
			wallMs: number;
			rssBase: number;
			rssPeak: number;
			heapPeak: number;
		};
		const stats = (await (await fetch(`${mock.url}/__stats`)).json()) as Stats;
		const added = stats.jobs.map(
			(j) => (j.lastDownloadAt ?? Number.NaN) - (j.submittedAt + stats.latencyMs),
		);
		const statusPerJob = stats.counts.status / jobs;
		const ideal = Math.ceil(jobs / parallel) * L;
		return {
			variant,
			N: jobs,
			c: parallel,
			'wall s': +(result.wallMs / 1000).toFixed(2),
			'ideal s': +(ideal / 1000).toFixed(2),
			'wall/ideal': +(result.wallMs / ideal).toFixed(3),
			'added ms p50': Math.round(percentile(added, 50)),
			'added ms p95': Math.round(percentile(added, 95)),
			'status req/job': +statusPerJob.toFixed(2),
			'status req/s of job': +(statusPerJob / (L / 1000)).toFixed(2),
			'RSS growth MB': Math.round((result.rssPeak - result.rssBase) / 1048576),
			'heap peak MB': Math.round(result.heapPeak / 1048576),
		};
	} finally {
		mock.stop();
	}
}

function moduleLoadMs(): number {
	const script = `require('n8n-workflow'); const t = process.hrtime.bigint(); require('./dist/nodes/FluxUltra/FluxUltra.node.js'); process.stdout.write(String(Number(process.hrtime.bigint() - t) / 1e6));`;
	const runs = Array.from({ length: 5 }, () =>
		Number(execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' })),
	);
	return percentile(runs, 50);
}

async function peers() {
	console.log(
		`Benchmark: N=${N} jobs, c=${C} in parallel, L=${L} ms per job, ${IMAGES} PNGs of 4 MP per job (ideal ${(Math.ceil(N / C) * L) / 1000} s)\n`,
	);
	const rows = [];
	rows.push(await runVariant('node', N, C));
	rows.push(await runVariant('fal-client', N, C));
	rows.push(await runVariant('sequential-5s', N_SEQUENTIAL, 1));
	// Issue 30: the same run with Write AI Label on, to show labelling keeps the files streaming.
	rows.push(await runVariant('node-ai-label', N, C));
	// Issue 29: FLUX 3 Image at 4k, one ~16 MP PNG of tens of MB per job, Max Image Size at its default.
	rows.push(await runVariant('node-flux3-4k', FLUX3_JOBS, C, FLUX3_4K));
	const loadAverage = loadavg()[0];
	const flux3Mb = (fileBytesServed / 1048576).toFixed(1);
	const load = moduleLoadMs();
	console.table(rows);
	const seq = rows[2];
	console.log(
		`sequential-5s ran ${N_SEQUENTIAL} jobs to keep the run short; at N=${N} it would take about ${Math.round((seq['wall s'] / N_SEQUENTIAL) * N)} s.`,
	);
	console.log(
		`Node module load (n8n-workflow already loaded): ${load.toFixed(1)} ms (median of 5 fresh processes)`,
	);

	const node = rows[0];
	const targets: Array<[string, boolean, string]> = [
		['wall ≤ 1.05 × ideal', node['wall/ideal'] <= 1.05, `${node['wall/ideal']}×`],
		['added latency ≤ 50 ms median', node['added ms p50'] <= 50, `${node['added ms p50']} ms`],
		[
			'≤ 1 status request per second of job time',
			node['status req/s of job'] <= 1,
			`${node['status req/s of job']}/s`,
		],
		[
			'peak RSS growth ≤ 150 MB (filesystem binary mode)',
			node['RSS growth MB'] <= 150,
			`${node['RSS growth MB']} MB`,
		],
		['node module load ≤ 50 ms', load <= 50, `${load.toFixed(1)} ms`],
		[
			'Write AI Label on: peak RSS growth no more than off (+10 MB noise)',
			rows[3]['RSS growth MB'] <= node['RSS growth MB'] + 10,
			`${rows[3]['RSS growth MB']} MB on, ${node['RSS growth MB']} MB off; heap peak ${rows[3]['heap peak MB']} / ${node['heap peak MB']} MB`,
		],
		[
			'FLUX 3 4k PNGs: peak RSS growth within 50 MB of the 4 MP row',
			rows[4]['RSS growth MB'] <= node['RSS growth MB'] + 50,
			`${rows[4]['RSS growth MB']} MB at 4k, ${node['RSS growth MB']} MB at 4 MP (${ratio(rows[4]['RSS growth MB'], node['RSS growth MB'])}); file ${flux3Mb} MB against ${FLUX3_MAX_IMAGE_MB} MB Max Image Size by default`,
		],
		[
			'FLUX 3 4k PNGs: heap peak within 25 MB of the 4 MP row',
			rows[4]['heap peak MB'] <= node['heap peak MB'] + 25,
			`${rows[4]['heap peak MB']} MB at 4k, ${node['heap peak MB']} MB at 4 MP (${ratio(rows[4]['heap peak MB'], node['heap peak MB'])})`,
		],
	];
	console.log(
		`1-minute load average at the end of the node-flux3-4k run: ${loadAverage.toFixed(1)}`,
	);
	console.log('\nTargets (this node):');
	for (const [name, met, value] of targets)
		console.log(`  ${met ? 'met    ' : 'NOT MET'}  ${name}: ${value}`);
}

const SCALE_PARALLEL = Number(process.env.BENCH_SCALE_PARALLEL ?? 16);
const SCALE_LATENCY_MS = Number(process.env.BENCH_SCALE_LATENCY_MS ?? 500);

async function scale(sizes: number[]) {
	const started = Date.now();
	console.log(
		`\nScale series in real n8n 2.x (filesystem binary data): N = ${sizes.join(', ')}, c = ${SCALE_PARALLEL}, L = ${SCALE_LATENCY_MS} ms, one 1 MP JPEG per job\n`,
	);
	const rows = await runScaleSeries({
		sizes,
		parallel: SCALE_PARALLEL,
		latencyMs: SCALE_LATENCY_MS,
		log: (line) => console.log(`  ${line}`),
	});
	console.table(rows);
	console.log(`\n${scaleMarkdownTable(rows)}\n`);
	const first = rows[0];
	const last = rows[rows.length - 1];
	const growth = last['RSS peak MB'] - first['RSS peak MB'];
	const worst = rows.reduce((a, b) => (b['wall/ideal'] > a['wall/ideal'] ? b : a));
	console.log('Targets (scale series):');
	console.log(
		`  ${worst['wall/ideal'] <= 1.05 ? 'met    ' : 'NOT MET'}  wall ≤ 1.05 × ideal at every N: worst ${worst['wall/ideal']}× at N=${worst.N}`,
	);
	if (rows.length > 1) {
		console.log(
			`  ${growth <= 50 ? 'met    ' : 'NOT MET'}  peak RSS flat within 50 MB from N=${first.N} to N=${last.N}: ${growth >= 0 ? '+' : ''}${growth} MB`,
		);
	}
	const full =
		(process.env.BENCH_SCALE === undefined && process.env.BENCH_PLOT !== '0') ||
		process.env.BENCH_PLOT === '1';
	if (full && rows.length > 1) {
		const when = new Date().toISOString().slice(0, 16).replace('T', ' ');
		const caption = `npm run bench, ${when} UTC: n8n 2.x, filesystem binary data, c = ${SCALE_PARALLEL}, L = ${SCALE_LATENCY_MS} ms, 1 MP JPEG, mock fal.ai on loopback, 2 shared cores`;
		const written = await writeScaleRun(rows, caption);
		console.log(`Written: ${[written.json, written.svg, written.png].filter(Boolean).join(', ')}`);
		for (const note of written.notes) console.log(note);
	}
	console.log(`Scale series took ${Math.round((Date.now() - started) / 1000)} s.`);
}

async function main() {
	const started = Date.now();
	const only = process.env.BENCH_ONLY;
	if (only !== 'scale') await peers();
	const sizes = scaleSizes();
	if (only !== 'peers' && sizes.length) await scale(sizes);
	console.log(`\nBenchmark took ${Math.round((Date.now() - started) / 1000)} s.`);
}

main().catch((error: Error) => {
	console.error(`Benchmark failed: ${error.message}`);
	process.exitCode = 1;
});
