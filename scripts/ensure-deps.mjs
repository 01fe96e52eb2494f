// Installs the project's dependencies when they are missing or older than package-lock.json, so
// `npm run demo` and `npm test` work as the first command on a fresh clone. A no-op otherwise
// (CI runs `npm ci` first).
//
// It says when it starts and ends, and every 10 s while npm works (npm prints nothing for minutes).
// npm under Node 20 warns EBADENGINE about isolated-vm, which asks for Node 24: it comes with n8n's
// packages the tests use (n8n-core), is not built here (--ignore-scripts) and nothing here loads it
// (n8n itself runs on its own Node 24, see testkit/n8nHost.mjs). That one warning is replaced by a
// line saying so; any other EBADENGINE warning is printed as npm wrote it.
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, statSync } from 'node:fs';

import { elapsed } from '../testkit/n8nHost.mjs';

const marker = 'node_modules/.package-lock.json';
const stale =
	!existsSync(marker) || statSync(marker).mtimeMs < statSync('package-lock.json').mtimeMs;
// A node_modules that is a link belongs to another checkout (a git worktree sharing the main
// one's): `npm ci` would delete and rewrite it under everyone using it, and a fresh checkout's
// package-lock.json is always newer than it. Install there, not here.
const shared = existsSync('node_modules') && lstatSync('node_modules').isSymbolicLink();
if (stale && shared) {
	console.log(
		'node_modules is a link to another checkout and looks older than package-lock.json: not reinstalling it from here (run npm ci where it lives if it is out of date).',
	);
} else if (stale) {
	const started = Date.now();
	console.log(
		'Installing the project’s dependencies (npm ci --ignore-scripts): about 1 GB into ./node_modules, 2–4 minutes…',
	);
	const heartbeat = setInterval(
		() => console.log(`  … npm ci: ${elapsed(Date.now() - started)} so far`),
		10_000,
	);
	const npm = spawn('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], {
		stdio: ['ignore', 'inherit', 'pipe'],
	});
	let pending = '';
	let engineBlock = [];
	const flushBlock = () => {
		if (engineBlock.length === 0) return;
		const text = engineBlock.join('\n');
		if (/package: 'isolated-vm@/.test(text))
			console.log(
				'  (npm noted that isolated-vm, one of n8n’s packages, asks for Node 24: harmless here, it is not built or loaded by the tests; n8n runs on its own Node 24)',
			);
		else process.stderr.write(`${text}\n`);
		engineBlock = [];
	};
	npm.stderr.on('data', (chunk) => {
		pending += chunk.toString();
		const lines = pending.split('\n');
		pending = lines.pop();
		for (const line of lines) {
			if (line.includes('EBADENGINE')) {
				engineBlock.push(line);
				if (/EBADENGINE \}\s*$/.test(line)) flushBlock();
			} else {
				flushBlock();
				process.stderr.write(`${line}\n`);
			}
		}
	});
	const code = await new Promise((resolve) => npm.on('close', resolve));
	clearInterval(heartbeat);
	flushBlock();
	if (pending) process.stderr.write(pending);
	if (code !== 0) {
		console.error(`npm ci failed after ${elapsed(Date.now() - started)} (exit code ${code})`);
		process.exit(code ?? 1);
	}
	console.log(`Dependencies installed in ${elapsed(Date.now() - started)}`);
}
