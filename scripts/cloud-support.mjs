// n8n Cloud eligibility, as n8n's own tool judges it: runs `n8n-node cloud-support` (from the
// @n8n/node-cli devDependency; it reads package.json and eslint.config.mjs, no network) and fails
// unless it reports the package eligible. node-cli's rule (src/commands/cloud-support.ts): eligible
// when package.json has `n8n.strict: true` and eslint.config.mjs is, whitespace aside, exactly its
// default config. (Lint must pass too: `npm run lint` runs this first, then ESLint.)
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const output = execFileSync(join(root, 'node_modules', '.bin', 'n8n-node'), ['cloud-support'], {
	cwd: root,
	encoding: 'utf8',
	env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
	stdio: ['ignore', 'pipe', 'pipe'],
});
const text = output.replace(/\x1b\[[0-9;]*m/g, '');
const status = /Status:\s*(NOT eligible|eligible)/.exec(text)?.[1];
if (status !== 'eligible') {
	process.stderr.write(text);
	process.stderr.write(
		`n8n-node cloud-support: ${status ? 'the package is NOT eligible for n8n Cloud' : 'no status found in its output'}\n`,
	);
	process.exit(1);
}
const detail = text
	.split('\n')
	.filter((line) => /Strict mode|ESLint config|Status/.test(line))
	.map((line) => line.replace(/^[│\s•]+/, '').trim())
	.join('; ');
console.log(`n8n-node cloud-support: ${detail}`);
