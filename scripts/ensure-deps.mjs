// Installs the project's dependencies when they are missing or older than package-lock.json, so
// `npm run demo` and `npm test` work as the first command on a fresh clone. A no-op otherwise
// (CI runs `npm ci` first).
import { execSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';

const marker = 'node_modules/.package-lock.json';
const stale = !existsSync(marker) || statSync(marker).mtimeMs < statSync('package-lock.json').mtimeMs;
if (stale) {
	console.log('Installing dependencies (npm ci --ignore-scripts)…');
	execSync('npm ci --ignore-scripts --no-audit --no-fund', { stdio: 'inherit' });
}
