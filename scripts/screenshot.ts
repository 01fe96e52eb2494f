/**
 * Screenshots of the node's editor UI, so reviewers see it without installing anything:
 *
 *   docs/editor-parameters.png             a new node's parameter panel (fal.ai, Generate, a prompt typed in)
 *   docs/editor-runflow-remix-notice.png   a new node set to Runflow + Remix, with the notice that Runflow has no Remix
 *   docs/editor-finetune.png               a new node set to Generate with Fine-Tune (fal.ai)
 *   docs/editor-fallback.png               a new node with Runflow as Fallback Provider: both credentials
 *   docs/editor-output-image.png           the new node executed in the editor: the output panel previewing a generated image
 *   docs/editor-output-json.png            the same output as JSON
 *   docs/editor-options.png                the new node's Options list open ("Add option")
 *   docs/editor-credential.png             the fal.ai credential's dialog
 *   docs/editor-flux3.png                  a new node set to FLUX 3 Image: three Reference Images (binary
 *                                          and URL), Resolution 4k, Grounding off
 *
 * "A new node" is the node as the editor adds it today (the node's default version, every field at
 * its default), with only a prompt typed in and a credential picked: what a user sees first. The
 * example workflows keep the node versions they were saved with, so they are not used for the shots.
 *
 * A real n8n (the cached e2e host, `testkit/n8n.ts`) in a throw-away user folder on a free port, with
 * this package linked in as a community node (run `npm run build` first), credentials pointing at
 * the loopback mock providers and the example workflows imported; headless Chromium from Debian's
 * packages (scripts/install-chromium.sh, run here when no chromium is on PATH) driven with
 * puppeteer-core. Everything started here is stopped before the script returns.
 *
 * Run: npx tsx scripts/screenshot.ts
 * Environment: N8N_HOST_NAME (n8n-2 or n8n-1), CHROMIUM_PATH (a Chromium/Chrome binary),
 * SCREENSHOT_KEEP=1 (keep the temp user folder), SCREENSHOT_DEBUG=1 (dump the page on failure).
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import puppeteer, { type Browser, type Page } from 'puppeteer-core';

import { DEFAULT_VERSION } from '../nodes/FluxUltra/parameters/table';
import { createInstance, importExamples, jsonFile, n8nHost } from '../testkit/n8n';
import { startMockFal } from '../testkit/mocks/falServer';
import { startMockRunflow } from '../testkit/mocks/runflowServer';
import { setUpOwner, waitForEditor } from './editor';

const root = resolve(__dirname, '..');
const docs = join(root, 'docs');
const debug = process.env.SCREENSHOT_DEBUG === '1';

/** The workflows with a new node, one per shot that needs its own settings. */
const NEW_NODE_WORKFLOW_ID = 'screenshotNew1';
const NOTICE_WORKFLOW_ID = 'screenshotNotice1';
const FINETUNE_WORKFLOW_ID = 'screenshotFinetune1';
const FALLBACK_WORKFLOW_ID = 'screenshotFallback1';
const FLUX3_WORKFLOW_ID = 'screenshotFlux3Image1';

/**
 * A workflow of a Manual Trigger and a new FLUX node as the editor adds it (default version, only
 * the given parameters set; n8n fills in every default), with its credentials.
 */
let newNodes = 0;
function newNodeWorkflow(
	id: string,
	name: string,
	parameters: Record<string, unknown>,
	credentials: Record<string, unknown>,
	nodeName = 'FLUX 1.1 Ultra',
) {
	const node: WorkflowNode = {
		id: `5e1f0c2a-0000-4000-8000-${String(++newNodes).padStart(12, '0')}`,
		name: nodeName,
		parameters,
		credentials,
	};
	const workflow = {
		id,
		name,
		nodes: [
			{
				id: '5e1f0c2a-0000-4000-8000-100000000000',
				name: "When clicking 'Execute workflow'",
				type: 'n8n-nodes-base.manualTrigger',
				typeVersion: 1,
				position: [0, 0],
				parameters: {},
			},
			{
				...node,
				type: 'n8n-nodes-flux-ultra.fluxUltra',
				typeVersion: DEFAULT_VERSION,
				position: [240, 0],
			},
		],
		connections: {
			"When clicking 'Execute workflow'": {
				main: [[{ node: node.name, type: 'main', index: 0 }]],
			},
		},
		settings: { executionOrder: 'v1' },
		pinData: {},
	};
	return { node, workflow };
}

const PROMPT =
	'Studio product photo of a matte ceramic coffee mug on a walnut table, soft morning light';
const FAL_CREDENTIAL = { falApi: { id: 'falApiExample01', name: 'fal.ai account' } };
const RUNFLOW_CREDENTIAL = { runflowApi: { id: 'runflowApiExample01', name: 'Runflow account' } };

type WorkflowNode = {
	id: string;
	name: string;
	parameters: Record<string, unknown>;
	credentials?: Record<string, unknown>;
};

const t0 = Date.now();
function log(message: string) {
	console.log(`[screenshot ${((Date.now() - t0) / 1000).toFixed(1)} s] ${message}`);
}

function freePort(): Promise<number> {
	return new Promise((res, rej) => {
		const server = createServer();
		server.unref();
		server.on('error', rej);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address() as { port: number };
			server.close(() => res(port));
		});
	});
}

function chromiumPath(): string {
	if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
	// Installs Debian's chromium when none is on PATH; prints the binary's path either way.
	const out = execFileSync('bash', [join(root, 'scripts', 'install-chromium.sh')], {
		encoding: 'utf8',
		stdio: ['ignore', 'pipe', 'inherit'],
	});
	return out.trim().split('\n').pop()!;
}

async function stopChild(child: ChildProcess, timeoutMs = 10_000): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null) return;
	const exited = new Promise<void>((res) => child.once('exit', () => res()));
	child.kill('SIGTERM');
	const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
	await exited;
	clearTimeout(timer);
}

async function dumpPage(page: Page, name: string) {
	if (!debug) return;
	const dir = join(tmpdir(), 'flux-screenshot-debug');
	mkdirSync(dir, { recursive: true });
	await page.screenshot({ path: join(dir, `${name}.png`) }).catch(() => undefined);
	writeFileSync(join(dir, `${name}.html`), await page.content().catch(() => ''));
	log(`debug: page dumped to ${dir}/${name}.{png,html} (${page.url()})`);
}

/** Runs a step; when it fails and SCREENSHOT_DEBUG=1, leaves the page as it was for a look. */
async function withPageDump(page: Page, name: string, step: () => Promise<void>): Promise<void> {
	let done = false;
	try {
		await step();
		done = true;
	} finally {
		if (!done) await dumpPage(page, name);
	}
}

/** waitForEditor, but failing as soon as n8n exits (a clash on a port, a bad config) instead of polling on. */
async function waitForN8n(url: string, n8n: ChildProcess & { logs: string[] }): Promise<void> {
	const deadline = Date.now() + 180_000;
	while (n8n.exitCode === null && n8n.signalCode === null) {
		if (Date.now() > deadline) break;
		try {
			await waitForEditor(url, 1000);
			return;
		} catch {
			// not up yet
		}
	}
	// Its last words arrive on stdout/stderr after the exit event.
	await Promise.race([
		new Promise((r) => n8n.once('close', r)),
		new Promise((r) => setTimeout(r, 2000)),
	]);
	throw new Error(
		`n8n did not start (exit code ${n8n.exitCode}): ${n8n.logs.join('').slice(-3000)}`,
	);
}

/** Signs in with n8n's REST login from the editor's own origin, so the auth cookie is the page's. */
async function signIn(page: Page, url: string, email: string, password: string) {
	await page.goto(`${url}/signin`, { waitUntil: 'networkidle2' });
	const status = await page.evaluate(
		async (body) => {
			const browserId = localStorage.getItem('n8n-browserId');
			const r = await fetch('/rest/login', {
				method: 'POST',
				headers: {
					'content-type': 'application/json',
					...(browserId ? { 'browser-id': browserId } : {}),
				},
				body,
			});
			return `${r.status} ${r.ok ? '' : await r.text()}`;
		},
		JSON.stringify({ emailOrLdapLoginId: email, password }),
	);
	if (!status.startsWith('200'))
		throw new Error(`POST /rest/login answered ${status.slice(0, 300)}`);
}

/** Closes whatever n8n pops up over the editor (tours, "what's new", surveys). */
async function dismissPopups(page: Page) {
	for (let i = 0; i < 3; i++) {
		const closed = await page.evaluate(() => {
			let n = 0;
			for (const el of Array.from(
				document.querySelectorAll<HTMLElement>(
					'.el-dialog__headerbtn, .el-message-box__headerbtn, [data-test-id="close-button"], .el-notification__closeBtn',
				),
			)) {
				if (el.offsetParent !== null && !el.closest('[data-test-id="ndv"]')) {
					el.click();
					n++;
				}
			}
			return n;
		});
		if (!closed) break;
		await new Promise((r) => setTimeout(r, 400));
	}
}

/** Opens a workflow with a node's parameter panel (NDV) open, and waits for its parameters. */
async function openNodePanel(
	page: Page,
	url: string,
	workflowId: string,
	node: WorkflowNode,
): Promise<void> {
	await page.goto(`${url}/workflow/${workflowId}/${node.id}`, { waitUntil: 'networkidle2' });
	await page.waitForSelector('.vue-flow__node, [data-test-id="canvas-node"]', { timeout: 60_000 });
	const ndv = '[data-test-id="ndv"]';
	const opened = await page
		.waitForSelector(`${ndv} [data-test-id="node-parameters"]`, { timeout: 10_000 })
		.catch(() => null);
	if (!opened) {
		// No deep link: double-click the node on the canvas.
		await page.keyboard.press('Escape');
		const handle = await page.$(`[data-test-id="canvas-node"][data-node-name="${node.name}"]`);
		if (!handle) throw new Error(`node "${node.name}" not found on the canvas`);
		await handle.click({ count: 2 });
		await page.waitForSelector(`${ndv} [data-test-id="node-parameters"]`, { timeout: 30_000 });
	}
	await page.waitForNetworkIdle({ idleTime: 500, timeout: 30_000 }).catch(() => undefined);
	await dismissPopups(page);
	// Let the panel's open animation and the parameter inputs settle.
	await new Promise((r) => setTimeout(r, 1000));
}

/** A screenshot of the open parameter panel, clipped to the NDV dialog. */
async function shootPanel(page: Page, file: string) {
	const dialog =
		(await page.$('[data-test-id="ndv"] .el-dialog, [data-test-id="ndv-dialog"]')) ??
		(await page.$('[data-test-id="ndv"]'));
	const box = await dialog?.boundingBox();
	const viewport = page.viewport()!;
	const pad = 8;
	const clip =
		box && box.width > 200 && box.height > 200
			? {
					x: Math.max(0, box.x - pad),
					y: Math.max(0, box.y - pad),
					width: Math.min(viewport.width, box.x + box.width + pad) - Math.max(0, box.x - pad),
					height: Math.min(viewport.height, box.y + box.height + pad) - Math.max(0, box.y - pad),
				}
			: undefined;
	await page.screenshot({ path: file, type: 'png', clip });
	log(`wrote ${file}`);
}

/** Clicks the option of the output panel's display-mode switch (Schema, Table, JSON, Binary) labelled `label`. */
async function outputMode(page: Page, label: string) {
	const clicked = await page.evaluate((wanted) => {
		const target = document.querySelector<HTMLElement>(
			`[data-test-id="output-panel"] [data-test-id="radio-button-${wanted.toLowerCase()}"]`,
		);
		target?.click();
		return Boolean(target);
	}, label);
	if (!clicked) throw new Error(`no "${label}" display mode in the output panel`);
	await new Promise((r) => setTimeout(r, 800));
}

/** The same shot, clipped to one element (the credential dialog). */
async function shootElement(page: Page, selector: string, file: string) {
	const inner = await page.waitForSelector(selector, { visible: true, timeout: 30_000 });
	// The whole modal, with its title and buttons, not only its body.
	const element = (await inner!.evaluateHandle(
		(el) => el.closest('.el-dialog, [role="dialog"]') ?? el,
	)) as typeof inner;
	await new Promise((r) => setTimeout(r, 800));
	await element!.screenshot({ path: file, type: 'png' });
	log(`wrote ${file}`);
}

/** One extra shot: a failure is logged (and the page dumped with SCREENSHOT_DEBUG=1), the other shots still run. */
async function tryShot(page: Page, name: string, step: () => Promise<void>, failures: string[]) {
	try {
		await withPageDump(page, name, step);
	} catch (error) {
		failures.push(`${name}: ${(error as Error).message.split('\n')[0]}`);
		log(`FAILED ${name}: ${(error as Error).message.split('\n')[0]}`);
	}
}

async function main() {
	if (!existsSync(join(root, 'dist', 'nodes', 'FluxUltra', 'FluxUltra.node.js')))
		throw new Error('dist/ is missing: run `npm run build` first');
	const started = Date.now();
	const host = n8nHost(process.env.N8N_HOST_NAME);
	const executablePath = chromiumPath();
	const port = await freePort();
	// n8n's task broker listens on 5679 even with runners off: a free one, so a running n8n does not clash.
	const brokerPort = await freePort();
	const userFolder = mkdtempSync(join(tmpdir(), 'flux-screenshot-'));
	const instance = createInstance(
		host,
		undefined,
		{
			N8N_PORT: String(port),
			N8N_RUNNERS_BROKER_PORT: String(brokerPort),
			N8N_LOG_LEVEL: 'info', // kept in memory, shown only when n8n fails to start
			N8N_PERSONALIZATION_ENABLED: 'false',
			N8N_HIRING_BANNER_ENABLED: 'false',
			N8N_AI_ENABLED: 'false',
		},
		{ userFolder },
	);

	const cleanups: Array<() => Promise<unknown>> = [];
	let browser: Browser | undefined;
	try {
		const fal = await startMockFal();
		cleanups.push(() => fal.close());
		const runflow = await startMockRunflow();
		cleanups.push(() => runflow.close());

		log('importing credentials and workflows');
		const examples = await importExamples(instance, {
			fal: { apiKey: 'screenshot-dummy-key', baseUrl: fal.url },
			runflow: { apiKey: 'rf_live_screenshot_dummy', baseUrl: runflow.url },
		});
		if (examples.length === 0) throw new Error('no example workflows imported');
		const shots = {
			parameters: newNodeWorkflow(
				NEW_NODE_WORKFLOW_ID,
				'New FLUX node',
				{ prompt: PROMPT },
				FAL_CREDENTIAL,
			),
			notice: newNodeWorkflow(
				NOTICE_WORKFLOW_ID,
				'New FLUX node (Runflow remix)',
				{ provider: 'runflow', operation: 'remix', imageUrl: 'https://example.com/mug.png' },
				RUNFLOW_CREDENTIAL,
			),
			finetune: newNodeWorkflow(
				FINETUNE_WORKFLOW_ID,
				'New FLUX node (fine-tune)',
				{
					operation: 'finetune',
					finetuneId: 'a1b2c3d4-5678-90ab-cdef-1234567890ab',
					prompt: 'A product photo of a TOK ceramic mug on a walnut table, morning light',
				},
				FAL_CREDENTIAL,
			),
			fallback: newNodeWorkflow(
				FALLBACK_WORKFLOW_ID,
				'New FLUX node (fallback)',
				{ prompt: PROMPT, fallbackFromFal: 'runflow' },
				{ ...FAL_CREDENTIAL, ...RUNFLOW_CREDENTIAL },
			),
			flux3: newNodeWorkflow(
				FLUX3_WORKFLOW_ID,
				'New FLUX node (FLUX 3 Image)',
				{
					model: 'flux-3-image',
					prompt:
						'The mug from image 1 with the logo from image 2 printed on it, on the walnut table of image 3, morning light',
					options: {
						referenceImages: {
							image: [
								{ source: 'binary', binaryPropertyName: 'product' },
								{ source: 'url', url: 'https://example.com/brand/logo.png' },
								{ source: 'url', url: 'https://example.com/sets/walnut-table.jpg' },
							],
						},
						resolution: '4k',
						grounding: false,
					},
				},
				FAL_CREDENTIAL,
				'FLUX 3 Image',
			),
		};
		for (const [name, { workflow }] of Object.entries(shots))
			await instance.cli([
				'import:workflow',
				`--input=${jsonFile(instance, `wf-${name}.json`, workflow)}`,
			]);
		const parametersNode = shots.parameters.node;
		const noticeNode = shots.notice.node;
		const finetuneNode = shots.finetune.node;
		const fallbackNode = shots.fallback.node;
		const flux3Node = shots.flux3.node;

		log(`starting n8n ${host.version} on port ${port}`);
		const n8n = instance.spawn(['start']);
		cleanups.push(() => stopChild(n8n));
		const url = `http://localhost:${port}`;
		await waitForN8n(url, n8n);
		const login = await setUpOwner(url);
		log('n8n is up');

		log(`launching ${executablePath}`);
		browser = await puppeteer.launch({
			executablePath,
			headless: true,
			args: [
				'--no-sandbox',
				'--disable-dev-shm-usage',
				'--disable-gpu',
				'--hide-scrollbars',
				'--lang=en-US',
			],
			defaultViewport: { width: 1440, height: 900, deviceScaleFactor: 1 },
		});
		const page = await browser.newPage();
		page.setDefaultTimeout(60_000);
		await signIn(page, url, login.email, login.password);

		mkdirSync(docs, { recursive: true });
		await withPageDump(page, 'parameters', async () => {
			await openNodePanel(page, url, NEW_NODE_WORKFLOW_ID, parametersNode);
			await shootPanel(page, join(docs, 'editor-parameters.png'));
		});
		await withPageDump(page, 'notice', async () => {
			await openNodePanel(page, url, NOTICE_WORKFLOW_ID, noticeNode);
			await shootPanel(page, join(docs, 'editor-runflow-remix-notice.png'));
		});
		await withPageDump(page, 'finetune', async () => {
			await openNodePanel(page, url, FINETUNE_WORKFLOW_ID, finetuneNode);
			await shootPanel(page, join(docs, 'editor-finetune.png'));
		});
		await withPageDump(page, 'fallback', async () => {
			await openNodePanel(page, url, FALLBACK_WORKFLOW_ID, fallbackNode);
			await shootPanel(page, join(docs, 'editor-fallback.png'));
		});
		const failures: string[] = [];
		await tryShot(
			page,
			'flux3',
			async () => {
				// Taller, so the three references, Resolution and Grounding fit in one shot.
				await page.setViewport({ width: 1440, height: 1560, deviceScaleFactor: 1 });
				await openNodePanel(page, url, FLUX3_WORKFLOW_ID, flux3Node);
				await shootPanel(page, join(docs, 'editor-flux3.png'));
				await page.setViewport({ width: 1440, height: 900, deviceScaleFactor: 1 });
			},
			failures,
		);
		await tryShot(
			page,
			'options',
			async () => {
				await openNodePanel(page, url, NEW_NODE_WORKFLOW_ID, parametersNode);
				const add = await page.waitForSelector(
					'[data-test-id="ndv"] [data-test-id="collection-parameter-add"], [data-test-id="ndv"] [data-test-id="collection-parameter-add-dropdown"]',
					{ visible: true, timeout: 20_000 },
				);
				await add!.scrollIntoView();
				await add!.click();
				await page.waitForSelector('[data-test-id="collection-parameter-option"]', {
					visible: true,
					timeout: 10_000,
				});
				await new Promise((r) => setTimeout(r, 600));
				await page.screenshot({ path: join(docs, 'editor-options.png'), type: 'png' });
				log(`wrote ${join(docs, 'editor-options.png')}`);
				await page.keyboard.press('Escape');
			},
			failures,
		);
		await tryShot(
			page,
			'output',
			async () => {
				await openNodePanel(page, url, NEW_NODE_WORKFLOW_ID, parametersNode);
				await page.click('[data-test-id="ndv"] [data-test-id="node-execute-button"]');
				await page.waitForSelector(
					'[data-test-id="output-panel"] [data-test-id="ndv-run-data-display-mode"]',
					{ visible: true, timeout: 90_000 },
				);
				await page.waitForNetworkIdle({ idleTime: 500, timeout: 30_000 }).catch(() => undefined);
				await outputMode(page, 'JSON');
				await shootPanel(page, join(docs, 'editor-output-json.png'));
				await outputMode(page, 'Binary');
				await page.click('[data-test-id="output-panel"] [data-test-id="ndv-view-binary-data"]');
				await page.waitForSelector('[data-test-id="output-panel"] img', {
					visible: true,
					timeout: 20_000,
				});
				await page.waitForNetworkIdle({ idleTime: 500, timeout: 30_000 }).catch(() => undefined);
				await new Promise((r) => setTimeout(r, 1000));
				await shootPanel(page, join(docs, 'editor-output-image.png'));
			},
			failures,
		);
		await tryShot(
			page,
			'credential',
			async () => {
				await page.goto(`${url}/home/credentials`, { waitUntil: 'networkidle2' });
				await dismissPopups(page);
				// Open the fal.ai credential the way a user does: a click on its card.
				const opened = await page.evaluate(() => {
					const title = Array.from(document.querySelectorAll<HTMLElement>('body *')).find(
						(el) => el.children.length === 0 && el.textContent?.trim() === 'fal.ai account',
					);
					title?.click();
					return Boolean(title);
				});
				if (!opened) throw new Error('no "fal.ai account" credential card');
				await shootElement(
					page,
					'[data-test-id="credential-edit-dialog"]',
					join(docs, 'editor-credential.png'),
				);
			},
			failures,
		);
		if (failures.length)
			throw new Error(`${failures.length} shot(s) failed: ${failures.join('; ')}`);
		log(`done in ${Math.round((Date.now() - started) / 1000)} s`);
	} finally {
		await browser?.close().catch(() => undefined);
		for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
		if (process.env.SCREENSHOT_KEEP !== '1') rmSync(userFolder, { recursive: true, force: true });
	}
}

main().catch((error: Error) => {
	console.error(`screenshot failed: ${error.stack ?? error.message}`);
	process.exitCode = 1;
});
