// `npm run scan`: n8n's community-package scanner, offline.
//
// n8n verifies a community package with `npx @n8n/scan-community-package <name>`, which downloads
// the published tarball and the source commit its npm provenance names, then lints both with one
// ESLint config. It needs the registry, provenance and GitHub, so it cannot run before a release
// (nor here). This script applies the same config to the same files, taken from `npm pack` and the
// work tree. Mirrored from @n8n/scan-community-package 0.32.0, scanner/scanner.mjs:
//   - buildScanConfig(): community-nodes `recommended`, `no-console: error`, eslint-plugin-n8n-nodes-base's
//     `community` rules on package.json, `credentials` and `nodes` rules on **/credentials/**/*.ts and
//     **/nodes/**/*.ts with the same rules switched off, the TypeScript parser for .json and .ts;
//   - analyzePackage(): `allowInlineConfig: false` (eslint-disable comments do not count), no
//     eslint.config file, node_modules and package-lock.json skipped;
//   - analyzePackageByName(): the tarball leg lints `**/*.js` and `package.json`; the source leg
//     (SOURCE_FILE_PATTERNS) lints `package.json` and `{nodes,credentials}/**/*.{js,ts,json}`.
// Differences: the rule plugins are this project's devDependencies (community-nodes 0.32.0, which
// node-cli uses; the scanner pins 0.29.0, whose rules are the same less one,
// `no-unsafe-connection-type-cast`), and any finding fails, warnings included (the scanner fails
// on errors only). Provenance and the source download are the publish workflow's part
// (.github/workflows/publish.yml).
//
//
// Then the rules of n8n master's `recommended` config that the installed plugin lacks
// (testkit/scan/rules.mjs, the project's implementation from the rules' docs in n8n-io/n8n), over
// the packed package's built node description, credentials, codex file, icons and package.json, and
// the work tree's sources. A violation must be exempted on purpose, with its reason
// (testkit/scan/exemptions.mjs, printed on every run) or listed as pending (testkit/scan/known.mjs, a
// ratchet, empty today): the scan fails on any other, and on a listed one that no longer occurs.
// A versioned node's top-level layout rules read the version a new node gets (rules.mjs,
// topLevelProperties); the older versions' fields are printed.
//
//   node scripts/scan.mjs                 packs the built package (npm run build first) and scans it
//   node scripts/scan.mjs <dir-or-.tgz>   scans that package instead, and the work tree's sources
import { execFileSync } from 'node:child_process';
import {
	existsSync,
	mkdirSync,
	mkdtempSync,
	readFileSync,
	readdirSync,
	rmSync,
	statSync,
	symlinkSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { n8nCommunityNodesPlugin } from '@n8n/eslint-plugin-community-nodes';
import { ESLint } from 'eslint';
import { defineConfig } from 'eslint/config';
import n8nNodesPlugin from 'eslint-plugin-n8n-nodes-base';
import tseslint from 'typescript-eslint';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The scanner's ESLint config (scanner.mjs, buildScanConfig). */
export function scanConfig() {
	const parser = tseslint.parser;
	return defineConfig(
		n8nCommunityNodesPlugin.configs.recommended,
		{ rules: { 'no-console': 'error' } },
		{ plugins: { 'n8n-nodes-base': n8nNodesPlugin } },
		{ files: ['package.json'], rules: { ...n8nNodesPlugin.configs.community.rules } },
		{
			files: ['**/credentials/**/*.ts'],
			rules: {
				...n8nNodesPlugin.configs.credentials.rules,
				'n8n-nodes-base/cred-class-field-documentation-url-miscased': 'off',
				'n8n-nodes-base/cred-class-field-type-options-password-missing': 'off',
			},
		},
		{
			files: ['**/nodes/**/*.ts'],
			rules: {
				...n8nNodesPlugin.configs.nodes.rules,
				'n8n-nodes-base/node-class-description-inputs-wrong-regular-node': 'off',
				'n8n-nodes-base/node-class-description-outputs-wrong': 'off',
				'n8n-nodes-base/node-param-type-options-max-value-present': 'off',
			},
		},
		{ files: ['**/*.json'], languageOptions: { parser } },
		{ files: ['**/*.ts'], languageOptions: { parser } },
	);
}

/** Files under dir (relative, `/`-separated), node_modules left out, as the scanner's glob does. */
function walk(dir, base = dir) {
	const out = [];
	if (!existsSync(dir)) return out;
	for (const entry of readdirSync(dir, { withFileTypes: true })) {
		if (entry.name === 'node_modules') continue;
		const path = join(dir, entry.name);
		if (entry.isDirectory()) out.push(...walk(path, base));
		else if (entry.isFile()) out.push(relative(base, path).split('\\').join('/'));
	}
	return out.sort();
}

/** The tarball leg: `**\/*.js` and `package.json`. */
export function packageFiles(dir) {
	return walk(dir).filter(
		(f) =>
			f !== 'package-lock.json' &&
			!f.endsWith('/package-lock.json') &&
			(f.endsWith('.js') || f === 'package.json'),
	);
}

/** The source leg (SOURCE_FILE_PATTERNS): `package.json` and `{nodes,credentials}/**\/*.{js,ts,json}`. */
export function sourceFiles(dir) {
	const shipped = ['nodes', 'credentials'].flatMap((folder) => walk(join(dir, folder), dir));
	return [
		...(existsSync(join(dir, 'package.json')) ? ['package.json'] : []),
		...shipped.filter((f) => /\.(js|ts|json)$/.test(f) && !f.endsWith('package-lock.json')),
	];
}

/**
 * Lints files (relative to dir) as the scanner does. Returns ESLint's results and the rules that
 * were switched on for at least one of the files.
 */
export async function lintLikeScanner(dir, files) {
	const eslint = new ESLint({
		cwd: dir,
		allowInlineConfig: false,
		overrideConfigFile: true,
		overrideConfig: scanConfig(),
	});
	const absolute = files.map((f) => join(dir, f));
	const results = files.length ? await eslint.lintFiles(absolute) : [];
	const rules = new Set();
	for (const file of absolute) {
		const config = await eslint.calculateConfigForFile(file);
		for (const [rule, setting] of Object.entries(config?.rules ?? {})) {
			const severity = Array.isArray(setting) ? setting[0] : setting;
			if (severity !== 0 && severity !== 'off') rules.add(rule);
		}
	}
	return { eslint, results, rules };
}

/** Extracts a tarball as the scanner does (`tar -xzf … --strip-components=1`). */
function extract(tarball, into) {
	mkdirSync(into, { recursive: true });
	execFileSync('tar', ['-xzf', tarball, '-C', into, '--strip-components=1']);
	return into;
}

/** `npm pack` of the built work tree into dir (the build ran just before: no prepack); returns the tarball's path and the packed file list. */
function pack(dir) {
	const [info] = JSON.parse(
		execFileSync(
			'npm',
			['pack', '--json', '--ignore-scripts', '--pack-destination', dir, '--loglevel=error'],
			{ cwd: root, encoding: 'utf8' },
		),
	);
	return { tarball: join(dir, info.filename), files: info.files.map((f) => f.path) };
}

const pluginVersion = (name) =>
	JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version;

/** Which ESLint rules ran, from which installed plugin, and each one's result. */
function printInstalledRules(rules, perRule) {
	const origins = [
		[
			'@n8n/community-nodes/',
			`installed plugin @n8n/eslint-plugin-community-nodes ${pluginVersion('@n8n/eslint-plugin-community-nodes')} (recommended)`,
		],
		[
			'n8n-nodes-base/',
			`installed plugin eslint-plugin-n8n-nodes-base ${pluginVersion('eslint-plugin-n8n-nodes-base')} (community, credentials, nodes)`,
		],
		['', 'ESLint core (the scanner’s addition)'],
	];
	const left = [...rules].sort();
	for (const [prefix, origin] of origins) {
		const mine = left.filter((rule) => rule.startsWith(prefix));
		if (!mine.length) continue;
		console.log(`rules from ${origin}: ${mine.length}`);
		for (const rule of mine) {
			const count = perRule.get(rule) ?? 0;
			console.log(`  ${count ? `FAIL ${count}` : 'pass'}  ${rule}`);
		}
		mine.forEach((rule) => left.splice(left.indexOf(rule), 1));
	}
}

/**
 * Applies n8n master's rules that the installed plugin lacks (testkit/scan/rules.mjs) to the packed
 * package and the sources, prints each rule's origin and result, and checks the findings against
 * the ratchet list (testkit/scan/known.mjs). Returns whether the scan passes.
 */
async function masterRulesPass(packageDir, packageFileList, sourceFileList) {
	// Loaded only when used, so that rules.mjs, known.mjs and exemptions.mjs can be deleted the day
	// the plugin has these rules (scripts/scan.mjs, MASTER_RULES).
	const { applyMasterRules, currentVersion, loadModel, olderVersionProperties, ratchet } =
		await import('./rules.mjs');
	const { KNOWN_VIOLATIONS } = await import('./known.mjs');
	const { EXEMPTIONS } = await import('./exemptions.mjs');
	const link = join(packageDir, 'node_modules');
	const linked = !existsSync(link);
	if (linked) symlinkSync(join(root, 'node_modules'), link, 'dir');
	let model;
	try {
		const require = createRequire(import.meta.url);
		model = loadModel({
			packageDir,
			packageFiles: packageFileList,
			sourceRoot: root,
			sourceFiles: sourceFileList,
			readText: (file) => readFileSync(file, 'utf8'),
			exists: existsSync,
			requireFrom: (file) => require(file),
			join,
			dirname,
		});
	} finally {
		if (linked) rmSync(link, { force: true });
	}
	const installedRuleIds = new Set(Object.keys(n8nCommunityNodesPlugin.rules ?? {}));
	const results = applyMasterRules(model, { installedRuleIds });
	const { known, exempt, fresh, stale, staleExemptions } = ratchet(
		results,
		KNOWN_VIOLATIONS,
		EXEMPTIONS,
	);
	const exemptKeys = new Set(exempt.map((f) => `${f.rule}\u0000${f.location}`));
	const freshKeys = new Set(fresh.map((f) => `${f.rule}\u0000${f.location}`));
	console.log(
		`rules of n8n master's recommended config missing from the installed plugin, project implementation (testkit/scan/rules.mjs): ${results.length}`,
	);
	for (const { rule, findings, skipped } of results) {
		const newOnes = findings.filter((f) => freshKeys.has(`${rule.id}\u0000${f.location}`)).length;
		const exemptOnes = findings.filter((f) =>
			exemptKeys.has(`${rule.id}\u0000${f.location}`),
		).length;
		const knownOnes = findings.length - newOnes - exemptOnes;
		const result = skipped
			? 'now in the installed plugin: applied by ESLint above'
			: !findings.length
				? 'pass'
				: [
						newOnes && `FAIL ${newOnes} new`,
						knownOnes && `${knownOnes} known, pending`,
						exemptOnes && `${exemptOnes} exempt (testkit/scan/exemptions.mjs)`,
					]
						.filter(Boolean)
						.join(', ');
		console.log(
			`  ${rule.id} (${rule.severity}) — ${result}\n      from ${rule.doc}${rule.source ? `\n      source ${rule.source}` : ''}`,
		);
	}
	for (const node of model.nodes) {
		const older = olderVersionProperties(node);
		if (!older.length) continue;
		const versions = Array.isArray(node.description?.version)
			? node.description.version.join(', ')
			: String(node.description?.version);
		console.log(
			`  versions of ${node.className}: ${versions}; the rules on top-level fields read version ${currentVersion(node.description)}, the one a new node gets. ` +
				`${older.length} top-level fields shown only at older versions are their layout as saved workflows have it (n8n keeps a saved node's typeVersion), not checked: ${[...new Set(older.map((p) => p.name))].join(', ')}`,
		);
	}
	for (const f of exempt)
		console.log(`  EXEMPT  ${f.rule}  ${f.location}: ${f.message}\n      reason: ${f.reason}`);
	for (const f of known) console.log(`  known, pending  ${f.rule}  ${f.location}: ${f.message}`);
	for (const f of fresh) console.log(`  NEW ${f.severity}  ${f.rule}  ${f.location}: ${f.message}`);
	for (const e of stale)
		console.log(
			`  STALE ratchet entry  ${e.rule}  ${e.location}: no longer occurs (or names an unknown rule); delete it from testkit/scan/known.mjs`,
		);
	for (const e of staleExemptions)
		console.log(
			`  STALE exemption  ${e.rule}  ${e.location}: no longer occurs (or names an unknown rule); delete it from testkit/scan/exemptions.mjs`,
		);
	console.log(
		`scan master rules: ${results.length} rules, ${exempt.length} exempt, ${known.length} known pending, ${fresh.length} new, ${stale.length + staleExemptions.length} stale`,
	);
	return fresh.length === 0 && stale.length === 0 && staleExemptions.length === 0;
}

/**
 * The scan; `masterRules`: also n8n master's rules that the installed plugin lacks (rules.mjs), the
 * switch scripts/scan.mjs sets.
 */
export async function main({ masterRules = true } = {}) {
	const scratch = mkdtempSync(join(tmpdir(), 'flux-scan-'));
	try {
		const target = process.argv[2] ? resolve(process.argv[2]) : undefined;
		let packageDir;
		let label;
		if (target && statSync(target).isDirectory()) {
			packageDir = target;
			label = relative(root, target) || '.';
		} else {
			if (!target && !existsSync(join(root, 'dist')))
				throw new Error('dist/ is missing: run `npm run build` first (npm run scan does).');
			const tarball = target ?? pack(scratch).tarball;
			packageDir = extract(tarball, join(scratch, 'package'));
			label = target ? relative(root, tarball) : 'npm pack';
		}

		const legs = [
			{ name: `tarball (${label})`, dir: packageDir, files: packageFiles(packageDir) },
			{ name: 'sources', dir: root, files: sourceFiles(root) },
		];
		const allRules = new Set();
		let findings = 0;
		let fileCount = 0;
		const perRule = new Map();
		for (const leg of legs) {
			const { eslint, results, rules } = await lintLikeScanner(leg.dir, leg.files);
			rules.forEach((r) => allRules.add(r));
			for (const r of results)
				for (const m of r.messages)
					perRule.set(m.ruleId ?? '(parse)', (perRule.get(m.ruleId ?? '(parse)') ?? 0) + 1);
			fileCount += leg.files.length;
			const errors = results.reduce((n, r) => n + r.errorCount + r.fatalErrorCount, 0);
			const warnings = results.reduce((n, r) => n + r.warningCount, 0);
			findings += errors + warnings;
			console.log(
				`scan ${leg.name}: ${leg.files.length} files, ${rules.size} rules, ${errors} errors, ${warnings} warnings`,
			);
			if (errors + warnings) {
				const formatter = await eslint.loadFormatter('stylish');
				console.log(await formatter.format(results.filter((r) => r.messages.length)));
			}
		}
		printInstalledRules(allRules, perRule);
		console.log(`scan: ${fileCount} files, ${allRules.size} rules, ${findings} findings`);
		if (findings) process.exitCode = 1;

		if (masterRules && !(await masterRulesPass(packageDir, legs[0].files, legs[1].files)))
			process.exitCode = 1;
	} finally {
		rmSync(scratch, { recursive: true, force: true });
	}
}
