/**
 * `npm run bench`: this node against the peers, on the loopback mock fal.ai, in one run, one table.
 *
 * Every job takes L (BENCH_LATENCY_MS, default 2000 ms) from submit to COMPLETED and makes 4 PNGs of
 * 4 MP (about 2.7 MB each). N jobs (BENCH_JOBS, default 64) run with parallelism c (BENCH_PARALLEL,
 * default 8), so the ideal batch time is ceil(N/c)·L. Each variant runs in its own process against
 * a fresh mock in another process: the mock's CPU is not the variant's, and memory peaks are each
 * variant's own. Added latency per job = when the mock finished sending the job's last image, minus
 * when the job completed (submit + L): what waiting, result reading and downloading add.
 */
import { execFileSync, spawn } from 'node:child_process';
import { resolve } from 'node:path';

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

async function startMock(): Promise<{ url: string; stop(): void }> {
	const child = spawn(tsx, [resolve(root, 'test/mock-provider/serve.ts'), JSON.stringify({ latencyMs: L, imagePool: IMAGES, scale: 1 })], {
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

function percentile(values: number[], p: number): number {
	if (values.length === 0) return Number.NaN;
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function runVariant(variant: string, jobs: number, parallel: number) {
	const mock = await startMock();
	try {
		// Render the pool of 4 MP images before the clock starts.
		await fetch(`${mock.url}/__stats`);
		const line = execFileSync(tsx, [resolve(root, 'scripts/bench-run.ts'), variant, JSON.stringify({ mockUrl: mock.url, jobs, parallel, imagesPerJob: IMAGES })], {
			encoding: 'utf8',
			maxBuffer: 16 * 1024 * 1024,
			stdio: ['ignore', 'pipe', 'inherit'],
		});
		const result = JSON.parse(line.trim().split('\n').pop()!) as { wallMs: number; rssBase: number; rssPeak: number; heapPeak: number };
		const stats = (await (await fetch(`${mock.url}/__stats`)).json()) as Stats;
		const added = stats.jobs.map((j) => (j.lastDownloadAt ?? Number.NaN) - (j.submittedAt + stats.latencyMs));
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
	const runs = Array.from({ length: 5 }, () => Number(execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' })));
	return percentile(runs, 50);
}

async function main() {
	const started = Date.now();
	console.log(`Benchmark: N=${N} jobs, c=${C} in parallel, L=${L} ms per job, ${IMAGES} PNGs of 4 MP per job (ideal ${(Math.ceil(N / C) * L) / 1000} s)\n`);
	const rows = [];
	rows.push(await runVariant('node', N, C));
	rows.push(await runVariant('fal-client', N, C));
	rows.push(await runVariant('sequential-5s', N_SEQUENTIAL, 1));
	const load = moduleLoadMs();
	console.table(rows);
	const seq = rows[2];
	console.log(
		`sequential-5s ran ${N_SEQUENTIAL} jobs to keep the run short; at N=${N} it would take about ${Math.round((seq['wall s'] / N_SEQUENTIAL) * N)} s.`,
	);
	console.log(`Node module load (n8n-workflow already loaded): ${load.toFixed(1)} ms (median of 5 fresh processes)`);

	const node = rows[0];
	const targets: Array<[string, boolean, string]> = [
		['wall ≤ 1.05 × ideal', node['wall/ideal'] <= 1.05, `${node['wall/ideal']}×`],
		['added latency ≤ 50 ms median', node['added ms p50'] <= 50, `${node['added ms p50']} ms`],
		['≤ 1 status request per second of job time', node['status req/s of job'] <= 1, `${node['status req/s of job']}/s`],
		['peak RSS growth ≤ 150 MB (filesystem binary mode)', node['RSS growth MB'] <= 150, `${node['RSS growth MB']} MB`],
		['node module load ≤ 50 ms', load <= 50, `${load.toFixed(1)} ms`],
	];
	console.log('\nTargets (this node):');
	for (const [name, met, value] of targets) console.log(`  ${met ? 'met    ' : 'NOT MET'}  ${name}: ${value}`);
	console.log(`\nBenchmark took ${Math.round((Date.now() - started) / 1000)} s.`);
}

main().catch((error: Error) => {
	console.error(`Benchmark failed: ${error.message}`);
	process.exitCode = 1;
});
