import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll } from 'vitest';

import {
	activateWorkflow,
	createInstance,
	execute,
	firstJsonObject,
	freePort,
	importExamples,
	jsonFile,
	n8nHost,
	packPackage,
	startMain,
	stopAll,
	waitForWebhook,
	workflowNode,
	type N8nHost,
	type N8nInstance,
	type NodeRun,
} from '../testkit/n8n';

/**
 * The one set-up of the e2e files: a pinned n8n host, the package packed and installed into a fresh
 * n8n user folder as the Community Nodes installer does it, the loopback mocks, the credentials and
 * workflows imported with n8n's CLI, and, for the files that need webhooks, `n8n start`; all of it
 * stopped after the file's tests. The testkit it builds on is testkit/n8n.ts.
 *
 * In a file, inside `describe.each(e2eHosts())('… in a real n8n (%s)', (hostName) => { … })`:
 *
 *     const n8n = e2eN8n(hostName); // registers the afterAll that stops all it started
 *     let fal: MockFal;
 *     beforeAll(async () => {
 *       await n8n.install(); // host + pack + install; then n8n.instance, n8n.host
 *       fal = await n8n.mock(startMockFal({ latencyMs: 200, scale: 0.05 })); // closed afterAll
 *       await n8n.importCredentials([
 *         credential('falApi', 'falApiX', 'fal.ai account', { apiKey: 'dummy-e2e-fal-key', baseUrl: fal.url }),
 *       ]);
 *       await n8n.importWorkflows(rowWorkflow('myFlow', 'e2e: my flow', [startNode(), codeNode('Briefs', js), fluxNode('FLUX 1.1 Ultra', 440, {…})]));
 *     }, SETUP_TIMEOUT);
 *     it('…', async () => {
 *       const runs = await n8n.execute('myFlow'); // n8n execute: each node's items (execute() in testkit/n8n.ts)
 *     });
 *
 * A file in the older style converts line for line:
 * - `instance = createInstance(n8nHost(h), packPackage(mkdtempSync(…)), env)` → `await n8n.install({ env })`,
 *   and `instance` → `n8n.instance`;
 * - `x = await startMockX(o)` → `x = await n8n.mock(startMockX(o))`, and its `close()` leaves afterAll
 *   (anything else to stop: `n8n.onClose(fn)`);
 * - `instance.cli(['import:credentials', `--input=${jsonFile(…, [creds])}`])` → `n8n.importCredentials([creds])`;
 * - `instance.cli(['import:workflow', `--input=${jsonFile(…, wf)}`])` → `n8n.importWorkflows(wf, …)`;
 * - `execute(instance, id)` → `n8n.execute(id)`; the raw run data with hints → `n8n.executeRaw(id)`;
 * - `importExamples(instance, logins)` → `n8n.importExamples(logins)`;
 * - a started n8n (webhooks, the Wait node's resume URL): `install({ server: true })`, `activate(id)`,
 *   then `await n8n.start(webhookPath, …)`; more processes (queue workers): `n8n.spawn(args, env)`.
 *
 * Workflow builders below: `rowWorkflow` (nodes in a row, each feeding the next; an entry that is a
 * list is nodes side by side), `startNode`, `codeNode`, `fluxNode` (Generate, one 1:1 PNG of
 * `$json.prompt` unless its parameters say otherwise); `exampleCredential.fal(url)` /
 * `.runflow(url)` for the credentials the examples name. The pack is made once per file; each
 * describe block gets its own user folder.
 */

/** How long a file's set-up may take: the first run installs the hosts (testkit/n8nHost.mjs). */
export const SETUP_TIMEOUT = 45 * 60_000;

export interface Credential {
	id: string;
	name: string;
	type: string;
	data: Record<string, unknown>;
}

export interface Workflow {
	id: string;
	[key: string]: unknown;
}

/** One task run as `n8n execute --rawOutput` prints it: the items, the error, the hints. */
export interface TaskRun {
	data?: {
		main: Array<Array<{
			json: Record<string, unknown>;
			binary?: unknown;
			pairedItem?: unknown;
		}> | null>;
	};
	error?: { message?: string; description?: string };
	hints?: Array<{ message: string; type?: string; location?: string }>;
}

type Process = ChildProcess & { logs: string[] };

export interface N8nFixture {
	/** The installed n8n user folder and its CLI (after install()). */
	readonly instance: N8nInstance;
	readonly host: N8nHost;
	/** The port of a started n8n (install({ server: true })). */
	readonly port: number;
	/** The processes started (`n8n start` first), stopped after the tests. */
	readonly processes: Process[];
	/** How long the host (a cache hit, or the first install) and the package install took, in ms. */
	readonly timings: { host: number; install: number };
	/**
	 * The host, the packed package installed as a community node, and `env` for every n8n command.
	 * `server`: a free port for `n8n start` on 127.0.0.1, webhooks on it, binary data on disk.
	 */
	install(options?: { env?: NodeJS.ProcessEnv; server?: boolean }): Promise<N8nInstance>;
	/** A started mock (anything with close()), closed after the tests. */
	mock<T extends { close(): Promise<void> }>(started: Promise<T> | T): Promise<T>;
	/** Something else to stop after the tests (after the n8n processes, before the mocks). */
	onClose(stop: () => Promise<void> | void): void;
	importCredentials(credentials: Credential[]): Promise<void>;
	/** The example workflows and the credentials they name, pointed at `logins` (importExamples in testkit/n8n.ts). */
	importExamples(logins: Parameters<typeof importExamples>[1]): ReturnType<typeof importExamples>;
	/** Each workflow imported by its id, one `import:workflow` each. */
	importWorkflows(...workflows: Workflow[]): Promise<void>;
	/** Activates imported workflows so that their triggers listen. */
	activate(...ids: string[]): Promise<void>;
	/** `n8n execute`: each node's output items, by node name. */
	execute(id: string): Promise<Record<string, NodeRun>>;
	/** `n8n execute --rawOutput`: each node's first run as n8n stored it, hints included; a failed run too. */
	executeRaw(id: string): Promise<Record<string, TaskRun>>;
	/** `n8n start`, resolved when it is healthy and every webhook path given answers. */
	start(...webhookPaths: string[]): Promise<Process>;
	/** Another long-running n8n command (a queue worker), stopped after the tests. */
	spawn(args: string[], env?: NodeJS.ProcessEnv): Process;
	/** Every started process's output so far, for failure messages. */
	logs(): string;
}

let packed: string | undefined;

/** The package packed once per file (npm run build first): each host installs the same tarball. */
function tarball(): string {
	packed ??= packPackage(mkdtempSync(join(tmpdir(), 'flux-pack-')));
	return packed;
}

/** The fixture of one describe block; call it in the block's body (it registers the afterAll). */
export function e2eN8n(hostName: string): N8nFixture {
	let instance: N8nInstance | undefined;
	let port: number | undefined;
	const processes: Process[] = [];
	const mocks: Array<{ close(): Promise<void> }> = [];
	const stops: Array<() => Promise<void> | void> = [];
	const timings = { host: 0, install: 0 };
	const installed = () => {
		if (!instance) throw new Error('call n8n.install() first, in beforeAll');
		return instance;
	};

	afterAll(async () => {
		await stopAll(processes);
		for (const stop of stops) await stop();
		await Promise.all(mocks.map((m) => m.close()));
	});

	const fixture: N8nFixture = {
		get instance() {
			return installed();
		},
		get host() {
			return installed().host;
		},
		get port() {
			if (port === undefined) throw new Error('install({ server: true }) gives a port');
			return port;
		},
		processes,
		timings,
		async install({ env = {}, server = false } = {}) {
			let t = Date.now();
			const host = n8nHost(hostName);
			timings.host = Date.now() - t;
			t = Date.now();
			const pack = tarball();
			if (server) {
				port = await freePort();
				env = {
					N8N_PORT: String(port),
					N8N_LISTEN_ADDRESS: '127.0.0.1',
					WEBHOOK_URL: `http://127.0.0.1:${port}/`,
					N8N_DEFAULT_BINARY_DATA_MODE: 'filesystem',
					...env,
				};
			}
			instance = createInstance(host, pack, env);
			timings.install = Date.now() - t;
			return instance;
		},
		async mock(started) {
			const mock = await started;
			mocks.push(mock);
			return mock;
		},
		onClose(stop) {
			stops.push(stop);
		},
		async importCredentials(credentials) {
			const n8n = installed();
			await n8n.cli([
				'import:credentials',
				`--input=${jsonFile(n8n, 'credentials.json', credentials)}`,
			]);
		},
		importExamples: async (logins) => await importExamples(installed(), logins),
		async importWorkflows(...workflows) {
			const n8n = installed();
			for (const wf of workflows)
				await n8n.cli(['import:workflow', `--input=${jsonFile(n8n, `wf-${wf.id}.json`, wf)}`]);
		},
		async activate(...ids) {
			for (const id of ids) await activateWorkflow(installed(), id);
		},
		execute: async (id) => await execute(installed(), id),
		async executeRaw(id) {
			const stdout = await installed()
				.cli(['execute', `--id=${id}`, '--rawOutput'])
				.catch((error: Error & { stdout?: string }) => error.stdout ?? '');
			const run = firstJsonObject(stdout) as {
				data: { resultData: { runData: Record<string, TaskRun[]> } };
			};
			return Object.fromEntries(
				Object.entries(run.data.resultData.runData).map(([name, runs]) => [name, runs[0]]),
			);
		},
		async start(...webhookPaths) {
			const main = await startMain(installed(), processes);
			for (const path of webhookPaths) await waitForWebhook(installed(), path, fixture.logs);
			return main;
		},
		spawn(args, env) {
			const child = installed().spawn(args, env);
			processes.push(child);
			return child;
		},
		logs: () => processes.map((p) => p.logs.join('')).join('\n'),
	};
	return fixture;
}

/** A credential to import: its `type` (falApi, runflowApi, bflApi, replicateApi), id, name and fields. */
export function credential(
	type: string,
	id: string,
	name: string,
	data: Record<string, unknown>,
): Credential {
	return { id, name, type, data };
}

/** The fal.ai and Runflow credentials the example workflows name, pointed at a mock. */
export const exampleCredential = {
	fal: (baseUrl: string): Credential => ({
		id: 'falApiExample01',
		name: 'fal.ai account',
		type: 'falApi',
		data: { apiKey: 'dummy-e2e-fal-key', baseUrl },
	}),
	runflow: (baseUrl: string): Credential => ({
		id: 'runflowApiExample01',
		name: 'Runflow account',
		type: 'runflowApi',
		data: { apiKey: 'rf_live_dummy_e2e', baseUrl },
	}),
};

/**
 * The FLUX node (version 1) placed `x` pixels along the row: Generate, one 1:1 PNG from the item's
 * `prompt`, no input image, unless `parameters` say otherwise (they are laid over these).
 */
export function fluxNode(
	name: string,
	x: number,
	parameters: Record<string, unknown>,
	extra: Record<string, unknown> = {},
) {
	return workflowNode(
		name,
		'n8n-nodes-flux-ultra.fluxUltra',
		1,
		x,
		{
			operation: 'generate',
			prompt: '={{ $json.prompt }}',
			imageSource: 'none',
			aspectRatio: '1:1',
			numImages: 1,
			outputFormat: 'png',
			...parameters,
		},
		extra,
	);
}

/** The Manual Trigger a test workflow starts with. */
export function startNode() {
	return workflowNode('Start', 'n8n-nodes-base.manualTrigger', 1, 0, {});
}

/** A Code node (version 2) second in the row, returning the items `jsCode` builds. */
export function codeNode(name: string, jsCode: string) {
	return workflowNode(name, 'n8n-nodes-base.code', 2, 220, { jsCode });
}

/**
 * A workflow of `nodes` in one row, each feeding the next, as `n8n execute` runs it. An entry may be
 * several nodes side by side: each is fed by the entry before and feeds the entry after.
 */
export function rowWorkflow<Node extends { name: string }>(
	id: string,
	name: string,
	nodes: Array<Node | Node[]>,
) {
	const stages = nodes.map((entry) => (Array.isArray(entry) ? entry : [entry]));
	return {
		id,
		name,
		nodes: stages.flat(),
		connections: Object.fromEntries(
			stages
				.slice(0, -1)
				.flatMap((stage, n) =>
					stage.map((node) => [
						node.name,
						{ main: [stages[n + 1].map((next) => ({ node: next.name, type: 'main', index: 0 }))] },
					]),
				),
		),
		settings: { executionOrder: 'v1' },
		pinData: {},
	};
}
