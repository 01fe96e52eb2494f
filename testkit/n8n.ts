import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
	existsSync,
	mkdirSync,
	mkdtempSync,
	readdirSync,
	readFileSync,
	rmSync,
	symlinkSync,
	writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';

import { ensureN8nHost, HOSTS, type N8nHostPaths } from './n8nHost.mjs';

/**
 * Drives a real n8n from the outside, the way a user's machine runs it: the package installed from
 * its npm tarball into a community-nodes folder, credentials and workflows imported with n8n's CLI,
 * executions run with `n8n execute` or by a started instance.
 */

export type N8nHost = N8nHostPaths;

const root = resolve(__dirname, '..');
const PACKAGE_NAME = 'n8n-nodes-flux-ultra';
const run = promisify(execFile);

/** The hosts the e2e suite runs on: E2E_HOSTS (comma-separated), or every pinned one. */
export function e2eHosts(): string[] {
	return process.env.E2E_HOSTS ? process.env.E2E_HOSTS.split(',').map((h) => h.trim()) : HOSTS;
}

export function n8nHost(name?: string): N8nHost {
	return ensureN8nHost(name);
}

/** Packs the built package (npm run build first; --ignore-scripts skips prepack's second build) and returns the tarball path. */
export function packPackage(into: string): string {
	mkdirSync(into, { recursive: true });
	const out = execFileSync(
		'npm',
		['pack', '--ignore-scripts', '--pack-destination', into, '--loglevel=error'],
		{ cwd: root, encoding: 'utf8' },
	);
	return join(into, out.trim().split('\n').pop()!);
}

export interface N8nInstance {
	host: N8nHost;
	userFolder: string;
	env: NodeJS.ProcessEnv;
	/** Runs an n8n CLI command to completion; returns stdout. */
	cli(args: string[], timeoutMs?: number): Promise<string>;
	/** Starts a long-running n8n command (start, worker); its output goes to `logs`. */
	spawn(args: string[], extraEnv?: NodeJS.ProcessEnv): ChildProcess & { logs: string[] };
}

/**
 * A fresh n8n user folder with the package installed as a community node, as the Community Nodes
 * installer does it (`npm install` of the tarball in ~/.n8n/nodes, peer dependencies left out).
 */
export function createInstance(
	host: N8nHost,
	tarball: string | undefined,
	extraEnv: NodeJS.ProcessEnv = {},
	options: { userFolder?: string } = {},
): N8nInstance {
	const userFolder = options.userFolder ?? mkdtempSync(join(tmpdir(), 'n8n-e2e-'));
	const nodes = join(userFolder, '.n8n', 'nodes');
	mkdirSync(nodes, { recursive: true });
	if (tarball) {
		writeFileSync(
			join(nodes, 'package.json'),
			JSON.stringify({ name: 'installed-nodes', private: true, dependencies: {} }),
		);
		execFileSync(
			'npm',
			[
				'install',
				tarball,
				'--omit=peer',
				'--ignore-scripts',
				'--no-audit',
				'--no-fund',
				'--loglevel=error',
			],
			{
				cwd: nodes,
				stdio: ['ignore', 'ignore', 'inherit'],
			},
		);
		assertNoDependenciesInstalled(inspectInstall(host, nodes), installedPackageName(nodes));
	} else {
		// Development: the package folder itself, linked, so a rebuild is what n8n loads.
		mkdirSync(join(nodes, 'node_modules'), { recursive: true });
		const link = join(nodes, 'node_modules', PACKAGE_NAME);
		rmSync(link, { recursive: true, force: true });
		symlinkSync(root, link, 'dir');
	}
	const env: NodeJS.ProcessEnv = {
		...process.env,
		PATH: `${join(host.nodeDir, 'bin')}:${process.env.PATH}`,
		N8N_USER_FOLDER: userFolder,
		N8N_ENCRYPTION_KEY: 'e2e-dummy-encryption-key-example',
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
		N8N_RUNNERS_ENABLED: 'false',
		// n8n 2.x opens its task broker (default port 5679) even then: each instance gets its own
		// port, so suites that run n8n side by side (a queue-mode main, another e2e file) do not clash.
		N8N_RUNNERS_BROKER_PORT: String(20_000 + Math.floor(Math.random() * 30_000)),
		N8N_LOG_LEVEL: 'info',
		...extraEnv,
	};
	delete env.npm_config_nodedir;
	// Under vitest NODE_ENV is "test", which makes n8n use a throw-away in-memory database per
	// command: the imports would vanish before `execute` runs.
	env.NODE_ENV = 'production';
	for (const key of Object.keys(env)) if (key.startsWith('VITEST')) delete env[key];
	return {
		host,
		userFolder,
		env,
		async cli(args, timeoutMs = 180_000) {
			const { stdout } = await run(host.node, [host.n8n, ...args], {
				env,
				timeout: timeoutMs,
				maxBuffer: 512 * 1024 * 1024,
			});
			return stdout;
		},
		spawn(args, more = {}) {
			const child = spawn(host.node, [host.n8n, ...args], {
				env: { ...env, ...more },
				stdio: ['ignore', 'pipe', 'pipe'],
			}) as ChildProcess & { logs: string[] };
			child.logs = [];
			child.stdout!.on('data', (d: Buffer) => child.logs.push(d.toString()));
			child.stderr!.on('data', (d: Buffer) => child.logs.push(d.toString()));
			return child;
		},
	};
}

export interface InstalledPackage {
	/** What the installer put into ~/.n8n/nodes/node_modules. */
	modules: string[];
	/** The installed package.json's `dependencies`. */
	dependencies: Record<string, string>;
	/** Whether the installed package has a node_modules folder, or a zod, of its own. */
	ownNodeModules: boolean;
	ownZod: boolean;
	/** Where plain Node resolution finds zod from the package (without n8n's NODE_PATH); null if nowhere. */
	zodWithoutHost: string | null;
	/** The zod n8n itself resolves (its module paths go on NODE_PATH for community nodes), and its version. */
	hostZod: { path: string; version: string };
}

/**
 * The package a tarball install put into a community-nodes folder, by the name its package.json
 * records (the full package, or a one-provider edition such as n8n-nodes-flux-ultra-fal).
 */
export function installedPackageName(nodes: string): string {
	const manifest = join(nodes, 'package.json');
	const names = existsSync(manifest)
		? Object.keys(
				(JSON.parse(readFileSync(manifest, 'utf8')) as { dependencies?: Record<string, string> })
					.dependencies ?? {},
			)
		: [];
	return names.length === 1 ? names[0] : PACKAGE_NAME;
}

/** What `npm install <tarball> --omit=peer` left in a community-nodes folder. */
export function inspectInstall(
	host: N8nHost,
	nodes: string,
	packageName = installedPackageName(nodes),
): InstalledPackage {
	const pkgDir = join(nodes, 'node_modules', packageName);
	const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as {
		dependencies?: Record<string, string>;
	};
	const resolveFrom = (file: string, request: string) => {
		try {
			return createRequire(file).resolve(request);
		} catch {
			return null;
		}
	};
	// n8n's load-nodes-and-credentials.js sets NODE_PATH to its own module.paths before loading nodes.
	const hostZodPath = resolveFrom(
		join(host.dir, 'node_modules', 'n8n', 'dist', 'load-nodes-and-credentials.js'),
		'zod/package.json',
	);
	if (!hostZodPath)
		throw new Error(`n8n ${host.version} resolves no zod: the node could not load there`);
	return {
		modules: readdirSync(join(nodes, 'node_modules')).filter((name) => !name.startsWith('.')),
		dependencies: pkg.dependencies ?? {},
		ownNodeModules: existsSync(join(pkgDir, 'node_modules')),
		ownZod:
			existsSync(join(pkgDir, 'node_modules', 'zod')) ||
			existsSync(join(nodes, 'node_modules', 'zod')),
		zodWithoutHost: resolveFrom(join(pkgDir, 'package.json'), 'zod'),
		hostZod: {
			path: dirname(hostZodPath),
			version: (JSON.parse(readFileSync(hostZodPath, 'utf8')) as { version: string }).version,
		},
	};
}

/** The package must arrive alone, so that the zod it runs with can only be n8n's. */
function assertNoDependenciesInstalled(
	installed: InstalledPackage,
	packageName = PACKAGE_NAME,
): void {
	const problems = [
		installed.modules.join() !== packageName &&
			`the install brought ${installed.modules.join(', ')}`,
		Object.keys(installed.dependencies).length &&
			`the package declares dependencies ${JSON.stringify(installed.dependencies)}`,
		installed.ownNodeModules && 'the package has a node_modules of its own',
		installed.ownZod && 'a zod was installed next to the package',
		installed.zodWithoutHost && `zod resolves without n8n, at ${installed.zodWithoutHost}`,
	].filter(Boolean);
	if (problems.length)
		throw new Error(
			`The community package must install with no dependencies: ${problems.join('; ')}`,
		);
}

/** Writes JSON to a temp file for an `--input=` flag. */
export function jsonFile(instance: N8nInstance, name: string, value: unknown): string {
	const file = join(instance.userFolder, name);
	writeFileSync(file, JSON.stringify(value));
	return file;
}

/** The first complete JSON object in text that may carry log lines around it. */
export function firstJsonObject(text: string): unknown {
	// The run starts on a line of its own; log lines before it may hold braces too.
	const start = text.startsWith('{') ? 0 : text.indexOf('\n{') + 1;
	if (start <= 0 && !text.startsWith('{'))
		throw new Error(`no JSON in n8n output: ${text.slice(-1500)}`);
	let depth = 0;
	let inString = false;
	for (let i = start; i < text.length; i++) {
		const c = text[i];
		if (inString) {
			if (c === '\\') i++;
			else if (c === '"') inString = false;
		} else if (c === '"') inString = true;
		else if (c === '{') depth++;
		else if (c === '}' && --depth === 0) return JSON.parse(text.slice(start, i + 1));
	}
	throw new Error(`unterminated JSON in n8n output: ${text.slice(0, 500)}`);
}

export interface NodeRun {
	items: Array<{
		json: Record<string, unknown>;
		binary?: Record<
			string,
			{ mimeType: string; fileName?: string; fileSize?: string; data?: string; id?: string }
		>;
		pairedItem?: unknown;
	}>;
	/** Every main output (the error output is the last one under "Continue (using error output)"). */
	outputs: NodeRun['items'][];
	/** The first output's items of every run of the node, in order (a node in a loop runs more than once; `items` is the first run's). */
	runs: NodeRun['items'][];
	error?: unknown;
}

/** Runs a workflow with `n8n execute` and returns each node's output items, by node name. */
export async function execute(
	instance: N8nInstance,
	workflowId: string,
): Promise<Record<string, NodeRun>> {
	const stdout = await instance
		.cli(['execute', `--id=${workflowId}`, '--rawOutput'])
		.catch((error: Error & { stdout?: string; stderr?: string }) => {
			throw new Error(
				`n8n execute failed: ${error.message}\n${error.stdout ?? ''}\n${error.stderr ?? ''}`.slice(
					0,
					4000,
				),
			);
		});
	const runData = (
		firstJsonObject(stdout) as {
			data: {
				resultData: {
					runData: Record<string, Array<{ data?: { main: NodeRun['items'][] }; error?: unknown }>>;
				};
			};
		}
	).data.resultData.runData;
	return Object.fromEntries(
		Object.entries(runData).map(([name, runs]) => [
			name,
			{
				items: runs[0]?.data?.main?.[0] ?? [],
				outputs: (runs[0]?.data?.main ?? []).map((o) => o ?? []),
				runs: runs.map((r) => r.data?.main?.[0] ?? []),
				error: runs[0]?.error,
			},
		]),
	);
}

/**
 * An output item's file, whichever binary mode n8n used: inline base64 (n8n 1.x default), or a
 * `filesystem-v2:<path>` reference into the user folder's `storage` (2.x) or `binaryData` (1.x).
 */
export function binaryBytes(
	instance: N8nInstance,
	item: NodeRun['items'][number],
	field = 'data',
): Buffer {
	const binary = item.binary?.[field];
	if (!binary)
		throw new Error(
			`item has no binary field "${field}": ${JSON.stringify(item.json).slice(0, 200)}`,
		);
	if (binary.id) {
		const [mode, path] = binary.id.split(/:(.*)/s);
		if (!mode.startsWith('filesystem'))
			throw new Error(`binary mode ${mode} is not read by this suite`);
		for (const base of ['storage', 'binaryData']) {
			const file = join(instance.userFolder, '.n8n', base, path);
			if (existsSync(file)) return readFileSync(file);
		}
		throw new Error(`binary ${binary.id} not found under ${instance.userFolder}`);
	}
	return Buffer.from(binary.data!, 'base64');
}

export function exampleWorkflows(): Array<{ file: string; workflow: Record<string, unknown> }> {
	const dir = join(root, 'examples');
	return readdirSync(dir)
		.filter((f) => f.endsWith('.workflow.json'))
		.map((file) => ({
			file,
			workflow: JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, unknown>,
		}));
}

export interface ProviderLogin {
	apiKey: string;
	/** Empty for the real service; the mock's URL otherwise. */
	baseUrl: string;
}

/**
 * Imports the credentials the example workflows name (ids falApiExample01, runflowApiExample01,
 * bflApiExample01, replicateApiExample01, and openAiApiExample01 for the AI Agent example) and the example workflows themselves, with ids
 * `<prefix>0`, `<prefix>1`…, in file order. A provider without a login gets a dummy credential (its
 * example is imported but not meant to run).
 */
export async function importExamples(
	instance: N8nInstance,
	logins: {
		fal: ProviderLogin;
		runflow: ProviderLogin;
		bfl?: ProviderLogin;
		replicate?: ProviderLogin;
		openAi?: { apiKey: string; url: string };
	},
	idPrefix = 'example',
): Promise<Array<{ id: string; file: string; workflow: Record<string, unknown> }>> {
	const unused = { apiKey: 'dummy-unused-example', baseUrl: 'http://127.0.0.1:9' };
	await instance.cli([
		'import:credentials',
		`--input=${jsonFile(instance, 'credentials.json', [
			{ id: 'falApiExample01', name: 'fal.ai account', type: 'falApi', data: logins.fal },
			{
				id: 'runflowApiExample01',
				name: 'Runflow account',
				type: 'runflowApi',
				data: logins.runflow,
			},
			{
				id: 'bflApiExample01',
				name: 'Black Forest Labs account',
				type: 'bflApi',
				data: { region: 'global', ...(logins.bfl ?? unused) },
			},
			{
				id: 'replicateApiExample01',
				name: 'Replicate account',
				type: 'replicateApi',
				data: logins.replicate ?? unused,
			},
			// The chat model of the AI Agent example (n8n's own openAiApi credential; `url` is its Base URL).
			{
				id: 'openAiApiExample01',
				name: 'OpenAI account',
				type: 'openAiApi',
				data: logins.openAi ?? { apiKey: unused.apiKey, url: `${unused.baseUrl}/v1` },
			},
		])}`,
	]);
	const imported = [];
	for (const [n, example] of exampleWorkflows().entries()) {
		const id = `${idPrefix}${n}`;
		await instance.cli([
			'import:workflow',
			`--input=${jsonFile(instance, `wf-${id}.json`, { ...example.workflow, id })}`,
		]);
		imported.push({ id, ...example });
	}
	return imported;
}

/** A node of a test workflow, placed `x` pixels along one row (its id follows from its place). */
export function workflowNode(
	name: string,
	type: string,
	typeVersion: number,
	x: number,
	parameters: Record<string, unknown>,
	extra: Record<string, unknown> = {},
) {
	return {
		id: `00000000-0000-4000-8000-00000000000${x / 220}`,
		name,
		type,
		typeVersion,
		position: [x, 0],
		parameters,
		...extra,
	};
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
	return await new Promise((done) => {
		const server = createServer();
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address() as { port: number };
			server.close(() => done(port));
		});
	});
}

/** Polls `check` every half second until it holds; on timeout, fails with the tail of `logs`. */
export async function until(
	what: string,
	check: () => Promise<boolean> | boolean,
	timeoutMs: number,
	logs?: () => string,
): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (await check()) return;
		await new Promise((r) => setTimeout(r, 500));
	}
	throw new Error(`timed out waiting for ${what}\n${logs?.().slice(-3000) ?? ''}`);
}

/** Activates an imported workflow so its triggers listen: `publish:workflow` on 2.x, `update:workflow --active` on 1.x. */
export async function activateWorkflow(instance: N8nInstance, id: string): Promise<void> {
	const major = Number(instance.host.version.split('.')[0]);
	await instance.cli(
		major >= 2
			? ['publish:workflow', `--id=${id}`]
			: ['update:workflow', `--id=${id}`, '--active=true'],
	);
}

/**
 * `n8n start` on the instance's N8N_PORT, resolved once /healthz answers; it is added to `processes`
 * at once (so it is stopped even if it never gets healthy). Its own task-runner broker port.
 */
export async function startMain(
	instance: N8nInstance,
	processes: ChildProcess[],
): Promise<ChildProcess & { logs: string[] }> {
	const main = instance.spawn(['start'], { N8N_RUNNERS_BROKER_PORT: String(await freePort()) });
	processes.push(main);
	await until(
		'the main instance',
		async () =>
			(await fetch(`http://127.0.0.1:${instance.env.N8N_PORT}/healthz`).catch(() => undefined))
				?.ok === true,
		180_000,
		() => main.logs.join(''),
	);
	// /healthz answers before the active workflows' webhooks are registered; this line comes after.
	await until(
		'the active workflows',
		() => main.logs.join('').includes('Editor is now accessible'),
		180_000,
		() => main.logs.join(''),
	);
	return main;
}

/** Stops processes started for a test: SIGTERM, then SIGKILL for any still running after 1.5 s. */
export async function stopAll(processes: ChildProcess[]): Promise<void> {
	for (const p of processes) p.kill('SIGTERM');
	await new Promise((r) => setTimeout(r, 1500));
	for (const p of processes) if (p.exitCode === null) p.kill('SIGKILL');
}

/**
 * Waits until a production webhook (registered for POST) answers: 2.x activates published
 * workflows in the background after start-up. A GET is refused with "Did you mean to make a POST
 * request?" once it is registered, and "is not registered" before; nothing runs.
 */
export async function waitForWebhook(
	instance: N8nInstance,
	path: string,
	logs?: () => string,
): Promise<void> {
	const url = `http://127.0.0.1:${instance.env.N8N_PORT}/webhook/${path}`;
	await until(
		`the webhook ${path}`,
		async () =>
			/Did you mean to make a POST/.test(
				(await (await fetch(url).catch(() => undefined))?.text().catch(() => '')) ?? '',
			),
		180_000,
		logs,
	);
}
