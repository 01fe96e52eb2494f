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
import { providerAccess } from '../testkit/providerAccess';
import { setUpOwner, waitForEditor } from './editor';

const port = Number(process.env.N8N_PORT ?? 5678);

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

	const providers = await providerAccess('dev', 2000);
	await importExamples(instance, {
		fal: providers.fal.login,
		runflow: providers.runflow.login,
		bfl: providers.bfl.login,
		replicate: providers.replicate.login,
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
		`Sign in as ${login.email} / ${login.password}. Providers: ${[
			providers.fal,
			providers.runflow,
			providers.bfl,
			providers.replicate,
		]
			.map((p) => (p.mock ? `mock ${p.name} ${p.mock.url}` : `${p.name} (real)`))
			.join(', ')}.`,
	);
	console.log(
		'Edit the source: tsc rebuilds dist/ and n8n reloads the node. Ctrl+C stops everything.\n',
	);

	const stop = () => {
		tsc.kill();
		n8n.kill();
		void providers.close();
	};
	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);
}

main().catch((error: Error) => {
	console.error(`npm run dev failed: ${error.message}`);
	process.exitCode = 1;
});
