// After a build: every path the package.json `n8n` block names exists in dist/, and every icon the
// node and credentials reference sits next to them, as n8n resolves `file:` icons.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const problems = [];
const icons = (icon) => (typeof icon === 'string' ? [icon] : icon ? Object.values(icon) : []);

for (const file of [...pkg.n8n.nodes, ...pkg.n8n.credentials]) {
	if (!existsSync(file)) {
		problems.push(`${file} is listed in package.json but was not built`);
		continue;
	}
	const exported = require(join(process.cwd(), file));
	const className = file.split('/').pop().split('.')[0];
	const Type = exported[className];
	if (!Type) {
		problems.push(`${file} does not export class ${className} (n8n looks for it by file name)`);
		continue;
	}
	const instance = new Type();
	for (const icon of icons(instance.description?.icon ?? instance.icon)) {
		const path = join(dirname(file), icon.replace(/^file:/, ''));
		if (!existsSync(path)) problems.push(`${file} references ${icon}, missing at ${path}`);
	}
	const codex = file.replace(/\.js$/, '.json');
	if (file.includes('.node.') && !existsSync(codex)) problems.push(`${codex} (codex) is missing`);
}
if (problems.length) {
	console.error(`Package check failed:\n- ${problems.join('\n- ')}`);
	process.exit(1);
}
console.log(`Package check: ${pkg.n8n.nodes.length} node(s) and ${pkg.n8n.credentials.length} credential(s) built with their icons.`);
