/**
 * `npm run dev`: the n8n editor with this node loaded, as `@n8n/node-cli dev` does it: the package
 * folder linked into n8n's community-nodes folder, `tsc --watch` rebuilding it and n8n reloading
 * on change. Credentials point at the loopback mock providers unless FAL_KEY / RUNFLOW_KEY /
 * BFL_API_KEY / REPLICATE_API_TOKEN are set; the example workflows are imported. State lives in ./.dev (delete it to start over).
 *
 * Environment: N8N_PORT (default 5678), N8N_HOST_NAME (n8n-2 or n8n-1).
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';

import { createInstance, importExamples, n8nHost } from '../testkit/n8n';
import { startMockBfl } from '../testkit/mocks/bflServer';
import { startMockFal } from '../testkit/mocks/falServer';
import { startMockReplicate } from '../testkit/mocks/replicateServer';
import { startMockRunflow } from '../testkit/mocks/runflowServer';
import { setUpOwner, waitForEditor } from './editor';

const port = Number(process.env.N8N_PORT ?? 5678);
const falKey = process.env.FAL_KEY?.trim();
const runflowKey = process.env.RUNFLOW_KEY?.trim();
const bflKey = process.env.BFL_API_KEY?.trim();
const replicateKey = process.env.REPLICATE_API_TOKEN?.trim();

async function main() {
	const host = n8nHost(process.env.N8N_HOST_NAME);
	const userFolder = resolve('.dev');
	mkdirSync(userFolder, { recursive: true });
	const instance = createInstance(
		host,
		undefined,
		{ N8N_PORT: String(port), N8N_DEV_RELOAD: 'true', N8N_LOG_LEVEL: 'warn' },
		{ userFolder },
	);

	const fal = falKey ? undefined : await startMockFal({ latencyMs: 2000 });
	const runflow = runflowKey ? undefined : await startMockRunflow({ latencyMs: 2000 });
	const bfl = bflKey ? undefined : await startMockBfl({ latencyMs: 2000 });
	const replicate = replicateKey ? undefined : await startMockReplicate({ latencyMs: 2000 });
	await importExamples(instance, {
		fal: falKey ? { apiKey: falKey, baseUrl: '' } : { apiKey: 'dev-dummy-key', baseUrl: fal!.url },
		runflow: runflowKey
			? { apiKey: runflowKey, baseUrl: '' }
			: { apiKey: 'rf_live_dev_dummy', baseUrl: runflow!.url },
		bfl: bflKey ? { apiKey: bflKey, baseUrl: '' } : { apiKey: 'bfl-dev-dummy', baseUrl: bfl!.url },
		replicate: replicateKey
			? { apiKey: replicateKey, baseUrl: '' }
			: { apiKey: 'r8_dev_dummy', baseUrl: replicate!.url },
	});

	const tsc = spawn('npx', ['tsc', '--watch', '--preserveWatchOutput', '-p', 'tsconfig.json'], {
		stdio: 'inherit',
	});
	const n8n = instance.spawn(['start']);
	n8n.stdout!.pipe(process.stdout);
	n8n.stderr!.pipe(process.stderr);
	const url = `http://localhost:${port}`;
	await waitForEditor(url);
	const login = await setUpOwner(url);
	console.log(`\nn8n ${host.version} is running at ${url} with the FLUX 1.1 Ultra node loaded.`);
	console.log(
		`Sign in as ${login.email} / ${login.password}. Providers: ${falKey ? 'fal.ai (real)' : `mock fal.ai ${fal!.url}`}, ${runflowKey ? 'Runflow (real)' : `mock Runflow ${runflow!.url}`}, ` +
			`${bflKey ? 'Black Forest Labs (real)' : `mock Black Forest Labs ${bfl!.url}`}, ${replicateKey ? 'Replicate (real)' : `mock Replicate ${replicate!.url}`}.`,
	);
	console.log(
		'Edit the source: tsc rebuilds dist/ and n8n reloads the node. Ctrl+C stops everything.\n',
	);

	const stop = () => {
		tsc.kill();
		n8n.kill();
		void fal?.close();
		void runflow?.close();
		void bfl?.close();
		void replicate?.close();
	};
	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);
}

main().catch((error: Error) => {
	console.error(`npm run dev failed: ${error.message}`);
	process.exitCode = 1;
});
