// `npm run pack:editions`: one npm package per provider, built from this same source tree.
//
// n8n verifies a community package only when it talks to exactly one third-party service, and n8n
// Cloud and n8n 3.0 install only verified packages by default. So besides the full package (all
// providers, Fallback Provider), each provider gets an edition of its own, e.g.
// `n8n-nodes-flux-ultra-fal`: the same node with that provider alone. For each edition this script
//   1. copies the tree's build inputs into a temp folder (node_modules linked, not copied),
//   2. drops the other providers' folders, credentials and icons, and rewrites
//      nodes/FluxUltra/providers/edition.ts to import the one provider (with one provider the node
//      has no Fallback Provider field and one credential: providers/registry.ts),
//   3. rewrites package.json (name, description, keywords, n8n.credentials; no scripts or
//      devDependencies), the codex file (node type, aliases) and writes the edition's README from
//      the main README's user sections,
//   4. builds it as `npm run build` does (tsc, icons, scripts/check-package.mjs),
//   5. looks for the other providers' names in every packed .js/.json file and file path,
//   6. `npm pack`s it into editions/ (gitignored) and runs scripts/scan.mjs on the tarball with an
//      empty ratchet (no known violation exempted), the edition's sources as the source leg.
// It prints each edition's size, file count, leaks and scan result, and exits 1 if any edition has
// a leak or a scan finding (the tarballs are written either way).
//
//   npm run pack:editions              every edition
//   npm run pack:editions -- fal bfl   those editions only
import { execFileSync, spawnSync } from 'node:child_process';
import {
	cpSync,
	existsSync,
	mkdirSync,
	mkdtempSync,
	readFileSync,
	readdirSync,
	realpathSync,
	rmSync,
	symlinkSync,
	writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const NODE_DIR = 'nodes/FluxUltra';
const PROVIDERS_DIR = `${NODE_DIR}/providers`;
const BASE_NAME = 'n8n-nodes-flux-ultra';

/** What the build copies: everything `npm run build`, `npm pack` and scripts/scan.mjs read. */
const COPIED = [
	'package.json',
	'tsconfig.json',
	'gulpfile.js',
	'LICENSE',
	'.npmrc',
	'nodes',
	'credentials',
	'scripts/clean.mjs',
	'scripts/check-package.mjs',
	'scripts/scan.mjs',
	'testkit/scan',
];

const cap = (s) => s[0].toUpperCase() + s.slice(1);

/**
 * One spec per provider folder (providers/<id>/<id>.provider.ts), in the order of
 * providers/edition.ts: id, editor name, credential type, credential file and icons, read from the
 * sources so that adding a provider needs nothing here.
 */
export function editionSpecs(from = root) {
	const editionTs = readFileSync(join(from, PROVIDERS_DIR, 'edition.ts'), 'utf8');
	const list = /EDITION_PROVIDERS[^=]*=\s*\[([^\]]*)\]/.exec(editionTs)?.[1];
	if (!list) throw new Error(`${PROVIDERS_DIR}/edition.ts: no EDITION_PROVIDERS list`);
	const order = list
		.split(',')
		.map((p) => p.trim().replace(/Provider$/, ''))
		.filter(Boolean);
	return order.map((id) => {
		const source = readFileSync(join(from, PROVIDERS_DIR, id, `${id}.provider.ts`), 'utf8');
		const credentialType = /const CREDENTIAL = '(\w+)'/.exec(source)?.[1];
		const displayName = /displayName: '([^']+)',\s*credentialType: CREDENTIAL/.exec(source)?.[1];
		if (!credentialType || !displayName)
			throw new Error(
				`${PROVIDERS_DIR}/${id}/${id}.provider.ts: no CREDENTIAL constant or displayName beside credentialType`,
			);
		const credentialClass = cap(credentialType);
		const credentialFile = `credentials/${credentialClass}.credentials.ts`;
		const credentialSource = readFileSync(join(from, credentialFile), 'utf8');
		const icons = [
			...new Set([...credentialSource.matchAll(/file:([\w.-]+\.svg)/g)].map((m) => m[1])),
		];
		const credentialDisplayName = /displayName = '([^']+)'/.exec(credentialSource)?.[1];
		return {
			id,
			displayName,
			credentialType,
			credentialClass,
			credentialFile,
			credentialDisplayName,
			icons,
			packageName: `${BASE_NAME}-${id}`,
			/** What names this provider in text: its id, editor name, credential type and class, icon names. */
			names: [
				...new Set([
					id,
					displayName,
					credentialType,
					credentialClass,
					...icons.map((i) => i.replace(/(\.dark)?\.svg$/, '')),
				]),
			],
		};
	});
}

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A regex for a provider's names in code or text, as whole words or camelCase parts: `fal`, `Fal`
 * and `FAL` in `fal.ai`, `isFalHost`, `FAL_FIELDS`, but not in `false`/`FALSE`.
 */
export function namesRegex(names) {
	const variants = new Set(names.flatMap((n) => [n, n.toLowerCase(), n.toUpperCase(), cap(n)]));
	const parts = [...variants]
		.sort((a, b) => b.length - a.length)
		.map(
			(v) =>
				`${/^[A-Z]/.test(v) ? '(?<![A-Z0-9])' : '(?<![A-Za-z0-9])'}${escape(v)}(?![a-z0-9]|[A-Z]{2})`,
		);
	return new RegExp(parts.join('|'), 'g');
}

/** The files `npm pack` would put in the package (dir built), relative. */
export function packedFiles(dir) {
	const [info] = JSON.parse(
		execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts', '--loglevel=error'], {
			cwd: dir,
			encoding: 'utf8',
		}),
	);
	return info.files.map((f) => f.path).sort();
}

/**
 * The other providers' names in a built edition: in the packed file paths and in every packed .js
 * and .json file. One entry per file and name found: `{ file, text }`, text as it occurs (with a
 * few characters of context in `context`).
 */
export function findLeaks(dir, spec, specs = editionSpecs()) {
	const others = specs.filter((s) => s.id !== spec.id);
	const regex = namesRegex(others.flatMap((s) => s.names));
	const leaks = [];
	const seen = new Set();
	const add = (file, text, context) => {
		const key = `${file}\u0000${text}`;
		if (seen.has(key)) return;
		seen.add(key);
		leaks.push({ file, text, context });
	};
	for (const file of packedFiles(dir)) {
		for (const m of file.matchAll(regex)) add(file, m[0], file);
		if (!/\.(js|json)$/.test(file)) continue;
		const text = readFileSync(join(dir, file), 'utf8');
		for (const m of text.matchAll(regex))
			add(
				file,
				m[0],
				text.slice(Math.max(0, m.index - 40), m.index + m[0].length + 40).replace(/\s+/g, ' '),
			);
	}
	return leaks.sort((a, b) => (a.file + a.text).localeCompare(b.file + b.text));
}

/**
 * The display names of the models beyond Ultra an edition's provider serves (the keys of its
 * `<id>.models.ts`, each declared with `id` and `displayName` in parameters/models/), FLUX 3 first,
 * then in the provider file's order: for the edition's description.
 */
export function editionModels(id, from = root) {
	const file = join(from, PROVIDERS_DIR, id, `${id}.models.ts`);
	if (!existsSync(file)) return [];
	// A model id may head more than one table of the file (Runflow's prices and its lines): once each.
	const served = [
		...new Set([...readFileSync(file, 'utf8').matchAll(/^\t'([a-z0-9.-]+)': /gm)].map((m) => m[1])),
	];
	const modelsDir = join(from, NODE_DIR, 'parameters/models');
	const names = new Map();
	for (const f of readdirSync(modelsDir)) {
		const text = readFileSync(join(modelsDir, f), 'utf8');
		for (const m of text.matchAll(/\bid: '([^']+)',\s*displayName: '([^']+)'/g))
			names.set(m[1], m[2]);
	}
	const listed = served.flatMap((model) => (names.has(model) ? [names.get(model)] : []));
	return [
		...listed.filter((n) => n.startsWith('FLUX 3')),
		...listed.filter((n) => !n.startsWith('FLUX 3')),
	];
}

/** The edition's package.json, from the main one. */
function editionPackageJson(pkg, spec) {
	const credential = `dist/${spec.credentialFile.replace(/\.ts$/, '.js')}`;
	const keepKeyword = (k) =>
		!editionSpecs().some((s) => s.id !== spec.id && namesRegex(s.names).test(k));
	const out = {
		...pkg,
		name: spec.packageName,
		description: `n8n node for ${['FLUX 1.1 [pro] ultra', 'Ultra Redux', ...editionModels(spec.id)].join(', ')} on ${spec.displayName}: prompts and images in, images out as n8n binary data`,
		keywords: [...new Set([...pkg.keywords.filter(keepKeyword), spec.id])],
		n8n: { ...pkg.n8n, credentials: [credential] },
	};
	delete out.scripts;
	delete out.devDependencies;
	delete out.allowScripts;
	return out;
}

/** The README's sections an edition's README carries (by heading), in order. */
const README_SECTIONS = [
	'Supported n8n versions',
	'Install',
	'Credentials',
	'Fields',
	'What comes out',
	'Errors and On Error',
	'Cost and limits',
	'Troubleshooting and FAQ',
	'Licence',
];

/**
 * The edition's README from the main one: a header of its own, then the user sections, each block
 * (table row, list item, paragraph, subsection) that names only other providers or the Fallback
 * Provider left out, relative links made absolute (the README is read on npm), the package name the
 * edition's. Blocks naming this provider and others stay as they are (they are the README's, not code).
 */
export function editionReadme(readme, pkg, spec, specs = editionSpecs()) {
	const home =
		/^(?:git\+)?(https:\/\/github\.com\/[\w.-]+\/[\w.-]+?)(?:\.git)?$/.exec(
			pkg.repository?.url ?? '',
		)?.[1] ?? '';
	const others = namesRegex(specs.filter((s) => s.id !== spec.id).flatMap((s) => s.names));
	const mine = namesRegex(spec.names);
	// The README's note on editions is the full package's (it names every edition).
	const unwanted = (text) =>
		/fallback|pack:editions/i.test(text) || (others.test(text) && !mine.test(text));
	const reset = () => {
		others.lastIndex = 0;
		mine.lastIndex = 0;
	};
	const sections = readme.split(/^(?=## )/m);
	const kept = [];
	for (const section of sections) {
		const heading = /^## (.+)$/m.exec(section)?.[1]?.trim();
		if (!heading || !README_SECTIONS.includes(heading)) continue;
		// Subsections, then blocks (separated by blank lines), then table rows and list items.
		const subsections = section.split(/^(?=### )/m).filter((sub) => {
			reset();
			return !(sub.startsWith('### ') && unwanted(sub.split('\n')[0]));
		});
		const blocks = subsections
			.join('')
			.split(/\n{2,}/)
			.map((block) => {
				const lines = block.split('\n');
				if (lines.every((l) => l.startsWith('|'))) {
					return lines.filter((l, n) => n < 2 || (reset(), !unwanted(l))).join('\n');
				}
				// A list: items start with "- ", continuation lines are indented.
				if (lines[0].startsWith('- ')) {
					const items = block.split(/\n(?=- )/);
					return items.filter((item) => (reset(), !unwanted(item))).join('\n');
				}
				reset();
				if (block.startsWith('#') || !unwanted(block)) {
					// A paragraph naming this provider and others: its sentences that name only others go.
					if (/^[#`>|]/.test(block) || block.includes('```')) return block;
					reset();
					if (!others.test(block)) return block;
					const sentences = block.split(/(?<=[.!?])\s+(?=[A-Z*`[(])/);
					return sentences.filter((sentence) => (reset(), !unwanted(sentence))).join(' ');
				}
				return '';
			})
			.filter((b) => b.trim());
		kept.push(blocks.join('\n\n'));
	}
	const body = kept
		.join('\n\n')
		.replace(/\]\((?!https?:|#|mailto:)([^)]+)\)/g, (_, link) => `](${home}/blob/main/${link})`)
		.replaceAll(`${BASE_NAME}-0.1.0.tgz`, `${spec.packageName}-${pkg.version}.tgz`)
		.replaceAll(`${BASE_NAME}-<version>.tgz`, `${spec.packageName}-<version>.tgz`)
		.replaceAll(
			'`npm ci && npm run build && npm pack`',
			`\`npm ci && npm run pack:editions -- ${spec.id}\` (into \`editions/\`)`,
		)
		// An edition's tarball is written into editions/, not where `npm pack` writes the package's.
		.replace(
			/`npm pack` writes (`[^`]+`) into the\s+project folder \(the folder you ran it in\)/g,
			'$1 is written into `editions/`',
		);
	const header = [
		`# ${spec.packageName}`,
		'',
		`An [n8n](https://n8n.io) community node for **FLUX 1.1 [pro] ultra** and its **Redux** variant (image`,
		`variations), run through **${spec.displayName}** with your ${spec.credentialDisplayName} key. Every generated image comes`,
		'out as its own item, with the file as n8n binary data and its metadata (seed, size, cost) as JSON.',
		'',
		`This is the ${spec.displayName} edition of [${BASE_NAME}](${home}#readme): the same node, built from the same`,
		`source, with this one provider and its one credential. Its node type is \`${spec.packageName}.fluxUltra\`.`,
		'',
	].join('\n');
	return `${header}\n${body}\n`;
}

/** Copies the build inputs into dir and turns the copy into the edition of spec. */
export function prepareEdition(spec, dir, from = root) {
	const specs = editionSpecs(from);
	mkdirSync(join(dir, 'scripts'), { recursive: true });
	for (const path of COPIED)
		if (existsSync(join(from, path)))
			cpSync(join(from, path), join(dir, path), { recursive: true });
	symlinkSync(realpathSync(join(from, 'node_modules')), join(dir, 'node_modules'), 'dir');
	rmSync(join(dir, 'dist'), { recursive: true, force: true });

	for (const other of specs.filter((s) => s.id !== spec.id)) {
		rmSync(join(dir, PROVIDERS_DIR, other.id), { recursive: true, force: true });
		rmSync(join(dir, other.credentialFile), { force: true });
		for (const icon of other.icons) rmSync(join(dir, 'credentials', icon), { force: true });
	}
	writeFileSync(
		join(dir, PROVIDERS_DIR, 'edition.ts'),
		[
			`import { ${spec.id}Provider } from './${spec.id}/${spec.id}.provider';`,
			"import type { FluxProvider } from './types';",
			'',
			`/** The ${spec.displayName} edition (${spec.packageName}), written by scripts/editions.mjs. */`,
			`export const EDITION_PROVIDERS: readonly FluxProvider[] = [${spec.id}Provider];`,
			'',
		].join('\n'),
	);
	// The Provider field's default is a literal (n8n's lint wants one): the edition's own provider.
	const nodePath = join(dir, NODE_DIR, 'FluxUltra.node.ts');
	const nodeSource = readFileSync(nodePath, 'utf8');
	const providerDefault = /(name: 'provider',\n(?:\t+(?!name:)[^\n]*\n)*?\t+default: )'(\w+)'/;
	// (A default read from the registry, DEFAULT_PROVIDER, is the edition's own provider already.)
	if (providerDefault.test(nodeSource))
		writeFileSync(nodePath, nodeSource.replace(providerDefault, `$1'${spec.id}'`));
	// The scan of an edition exempts nothing and has nothing pending.
	writeFileSync(
		join(dir, 'testkit', 'scan', 'known.mjs'),
		"// An edition's scan has nothing pending (testkit/editions.mjs).\nexport const KNOWN_VIOLATIONS = [];\n",
	);
	writeFileSync(
		join(dir, 'testkit', 'scan', 'exemptions.mjs'),
		"// An edition's scan exempts nothing (testkit/editions.mjs).\nexport const EXEMPTIONS = [];\n",
	);

	const pkg = JSON.parse(readFileSync(join(from, 'package.json'), 'utf8'));
	writeFileSync(
		join(dir, 'package.json'),
		`${JSON.stringify(editionPackageJson(pkg, spec), null, 2)}\n`,
	);

	const codexPath = join(dir, NODE_DIR, 'FluxUltra.node.json');
	const codex = JSON.parse(readFileSync(codexPath, 'utf8'));
	const others = namesRegex(specs.filter((s) => s.id !== spec.id).flatMap((s) => s.names));
	codex.node = `${spec.packageName}.fluxUltra`;
	codex.alias = codex.alias.filter((a) => {
		others.lastIndex = 0;
		return !others.test(a);
	});
	writeFileSync(codexPath, `${JSON.stringify(codex, null, '\t')}\n`);

	writeFileSync(
		join(dir, 'README.md'),
		editionReadme(readFileSync(join(from, 'README.md'), 'utf8'), pkg, spec, specs),
	);
	return { dir, pkg: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) };
}

/** `npm run build` in an edition folder: the same steps. */
export function buildEdition(dir) {
	const bin = (name) => join(dir, 'node_modules', '.bin', name);
	const opts = { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' };
	execFileSync(process.execPath, ['scripts/clean.mjs'], opts);
	execFileSync(bin('tsc'), ['-p', 'tsconfig.json'], opts);
	execFileSync(bin('gulp'), ['build:icons'], opts);
	return execFileSync(process.execPath, ['scripts/check-package.mjs'], opts).trim();
}

/** `npm pack` of a built edition into dest; returns the tarball, its size and file count. */
export function packEdition(dir, dest) {
	mkdirSync(dest, { recursive: true });
	const [info] = JSON.parse(
		execFileSync(
			'npm',
			['pack', '--json', '--ignore-scripts', '--pack-destination', dest, '--loglevel=error'],
			{ cwd: dir, encoding: 'utf8' },
		),
	);
	return {
		tarball: join(dest, info.filename),
		size: info.size,
		unpackedSize: info.unpackedSize,
		files: info.entryCount,
	};
}

/** scripts/scan.mjs on the tarball, from the edition folder (its sources are the source leg). */
export function scanEdition(dir, tarball) {
	const result = spawnSync(process.execPath, ['scripts/scan.mjs', tarball], {
		cwd: dir,
		encoding: 'utf8',
	});
	const output = `${result.stdout}${result.stderr}`;
	const summary = /^scan: .*$/m.exec(output)?.[0] ?? '';
	const master = /^scan master rules: .*$/m.exec(output)?.[0] ?? '';
	const findings = output
		.split('\n')
		.filter((l) => /^\s+(NEW|known, pending) /.test(l) || /^\s+\d+:\d+\s+(error|warning)/.test(l));
	return {
		passed: result.status === 0,
		summary,
		master,
		findings: findings.map((l) => l.trim()),
		output,
	};
}

/** Builds, checks, packs and scans one edition; the temp folder is removed afterwards. */
export function makeEdition(spec, dest = join(root, 'editions')) {
	const dir = mkdtempSync(join(tmpdir(), `flux-edition-${spec.id}-`));
	try {
		prepareEdition(spec, dir);
		const check = buildEdition(dir);
		const leaks = findLeaks(dir, spec);
		const others = namesRegex(
			editionSpecs()
				.filter((s) => s.id !== spec.id)
				.flatMap((s) => s.names),
		);
		const readmeMentions = [...readFileSync(join(dir, 'README.md'), 'utf8').matchAll(others)]
			.length;
		const packed = packEdition(dir, dest);
		const scan = scanEdition(dir, packed.tarball);
		return { spec, check, leaks, readmeMentions, ...packed, scan };
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

export function main() {
	const wanted = process.argv.slice(2);
	const specs = editionSpecs().filter((s) => !wanted.length || wanted.includes(s.id));
	let ok = true;
	for (const spec of specs) {
		const started = Date.now();
		const e = makeEdition(spec);
		console.log(`\n${spec.packageName}: ${e.tarball.replace(`${root}/`, '')}`);
		console.log(
			`  size ${(e.size / 1024).toFixed(1)} kB packed, ${(e.unpackedSize / 1024).toFixed(1)} kB unpacked, ${e.files} files (${((Date.now() - started) / 1000).toFixed(0)} s)`,
		);
		console.log(`  ${e.check}`);
		console.log(`  other providers' names in packed files: ${e.leaks.length}`);
		for (const l of e.leaks) console.log(`    ${l.file}: "${l.text}" … ${l.context}`);
		console.log(
			`  README.md: ${e.readmeMentions} mentions of other providers, in passages that name this one too`,
		);
		console.log(`  ${e.scan.summary}; ${e.scan.master} — ${e.scan.passed ? 'PASS' : 'FAIL'}`);
		for (const f of e.scan.findings) console.log(`    ${f}`);
		if (e.leaks.length || !e.scan.passed) ok = false;
	}
	if (!ok) {
		console.log(
			"\nNot ready to submit for verification: an edition above has another provider's name in it or a scan finding.",
		);
		process.exitCode = 1;
	}
}
