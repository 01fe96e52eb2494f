// Shows that the node's code only points down: no import cycle, no import from a higher layer,
// no provider folder importing another provider's folder, and no shared provider helper
// (providers/common/) importing a provider folder.
//
//   node scripts/check-layers.mjs          (the command line) prints the layers and every violation; exit 1 if any
//
// The layers, bottom first. A file's layer is the first folder under nodes/FluxUltra/ (files at
// the top, the node itself, are the top layer).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const LAYERS = [
	'shared',
	'transport',
	'provenance',
	'parameters',
	'providers',
	'job',
	'run',
	'operations',
	'(node)',
];

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const nodeDir = join(root, 'nodes', 'FluxUltra');

function walk(dir) {
	return readdirSync(dir).flatMap((name) => {
		const path = join(dir, name);
		return statSync(path).isDirectory() ? walk(path) : path.endsWith('.ts') ? [path] : [];
	});
}

function layerOf(file, dir) {
	const parts = relative(dir, file).split('/');
	return parts.length === 1 ? '(node)' : parts[0];
}

/** The folder of providers/ that holds the helpers every provider shares: no provider's folder. */
export const PROVIDER_COMMON = 'common';

/** The folder of providers/ a file belongs to (providers/<name>/…), if any: a provider's, or `common`. */
function folderOf(file, dir) {
	const parts = relative(dir, file).split('/');
	return parts[0] === 'providers' && parts.length > 2 ? parts[1] : undefined;
}

/** The provider folder a file belongs to (providers/<name>/…, not providers/common/), if any. */
function providerOf(file, dir) {
	const folder = folderOf(file, dir);
	return folder === PROVIDER_COMMON ? undefined : folder;
}

function resolveImport(from, spec) {
	const base = resolve(dirname(from), spec);
	for (const candidate of [`${base}.ts`, join(base, 'index.ts')]) {
		try {
			if (statSync(candidate).isFile()) return candidate;
		} catch {
			// not this one
		}
	}
	return undefined;
}

/** Relative imports of a file (static `import … from`, `export … from` and `import type`). */
function importsOf(file) {
	const text = readFileSync(file, 'utf8');
	const specs = [...text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+'(\.[^']+)'/gms)].map(
		(m) => m[1],
	);
	return [...new Set(specs)].map((spec) => resolveImport(file, spec)).filter(Boolean);
}

export function checkLayers(dir = nodeDir) {
	const files = walk(dir);
	const graph = new Map(files.map((f) => [f, importsOf(f)]));
	const name = (f) => relative(dir, f);
	const violations = [];
	for (const [file, targets] of graph) {
		const from = LAYERS.indexOf(layerOf(file, dir));
		if (from < 0)
			violations.push(
				`${name(file)}: folder "${layerOf(file, dir)}" is no layer (${LAYERS.join(' < ')})`,
			);
		for (const target of targets) {
			const to = LAYERS.indexOf(layerOf(target, dir));
			if (from >= 0 && to > from)
				violations.push(
					`upward: ${name(file)} (${layerOf(file, dir)}) imports ${name(target)} (${layerOf(target, dir)})`,
				);
			const [a, b] = [providerOf(file, dir), providerOf(target, dir)];
			if (a && b && a !== b)
				violations.push(`across providers: ${name(file)} imports ${name(target)}`);
			if (folderOf(file, dir) === PROVIDER_COMMON && b)
				violations.push(`shared helper names a provider: ${name(file)} imports ${name(target)}`);
		}
	}
	// Cycles: strongly connected components of more than one file (Tarjan).
	let index = 0;
	const stack = [];
	const info = new Map();
	const strong = (v) => {
		info.set(v, { index, low: index, onStack: true });
		index++;
		stack.push(v);
		for (const w of graph.get(v) ?? []) {
			if (!info.has(w)) {
				strong(w);
				info.get(v).low = Math.min(info.get(v).low, info.get(w).low);
			} else if (info.get(w).onStack) {
				info.get(v).low = Math.min(info.get(v).low, info.get(w).index);
			}
		}
		if (info.get(v).low === info.get(v).index) {
			const component = [];
			let w;
			do {
				w = stack.pop();
				info.get(w).onStack = false;
				component.push(w);
			} while (w !== v);
			if (component.length > 1) violations.push(`cycle: ${component.map(name).sort().join(' → ')}`);
		}
	};
	for (const file of files) if (!info.has(file)) strong(file);
	return {
		files: files.length,
		imports: [...graph.values()].reduce((n, t) => n + t.length, 0),
		violations,
	};
}
