// WHY THIS FILE EXISTS, AND WHEN TO DELETE IT. n8n master's `recommended` config of
// @n8n/eslint-plugin-community-nodes has 28 rules (MASTER_RULES below) that no published version of
// the plugin has: 0.32.0 is the newest on the npm registry (checked 2026-12-07 with
// `npm view @n8n/eslint-plugin-community-nodes versions --json`) and has none of them. n8n's
// verification will apply them once they ship, so the scan applies them now, from this file.
// Delete it the day a release has them: when `npm view @n8n/eslint-plugin-community-nodes version`
// is newer than 0.32.0, raise the devDependency to it and run `npm run scan`; a rule the installed
// plugin has is printed "now in the installed plugin: applied by ESLint above" and skipped here.
// When all 28 print that, set MASTER_RULES to false in scripts/scan.mjs and delete this file,
// rules.d.mts, known.mjs, known.d.mts, exemptions.mjs, exemptions.d.mts and
// test/scan/masterRules.test.ts. The failover exemptions then have to move into scanConfig() in
// scan.mjs (the scanner lints with inline configuration off): two rules switched off for the full
// package only, with exemptions.mjs's reason; the one-provider editions need no exemption.
//
// The community-node rules of n8n master's `recommended` config that the installed
// @n8n/eslint-plugin-community-nodes (0.32.0, the newest on the registry) does not have yet, written
// by this project from the rules' documentation and, for exact behaviour, their source, in
// github.com/n8n-io/n8n, packages/@n8n/eslint-plugin-community-nodes (`doc` and `source` of each
// rule below name the file and the commit read). No code of the plugin is copied: the rules are
// ESLint rules over TypeScript syntax; these checks run over what n8n loads — the built node
// description and credential objects, the packed package.json, the codex file and the SVG icons —
// and over the TypeScript sources only where a rule is about source (execute(), identifiers).
//
// Why over the built description: most of these rules look only at literals written inside the
// class (`credentials: [ {...} ]`); this node builds its credential list and half its properties with
// helper functions, which a syntax rule cannot see into but n8n's editor shows all the same. The
// built objects are what the user gets, so they are what is checked. A rule therefore can find
// more here than the plugin will in the source, never less.
//
// Each rule: { id, severity ('error' | 'warn', as master's `recommended` sets it), kind, doc,
// source?, check(model) -> [{ location, message }] }. `model` is built by scan.mjs (loadModel) or by
// the tests (synthetic):
//   packageJson                         the package.json object
//   nodes[]        { file, className, description, codex?, codexFile?, importsAiSdk, readIcon(path) }
//   credentials[]  { file, className, type (the instance: name, displayName, icon, extends…), readIcon }
//   sources[]      { file, text }       TypeScript sources (nodes/**, credentials/**) and the packed .node.js
import { parse } from '@typescript-eslint/typescript-estree';

const REPO = 'github.com/n8n-io/n8n';
const DOCS = 'packages/@n8n/eslint-plugin-community-nodes/docs/rules';
const SRC = 'packages/@n8n/eslint-plugin-community-nodes/src';
const doc = (rule, commit) => `${DOCS}/${rule}.md @ ${commit}`;
const src = (file, commit) => `${SRC}/${file} @ ${commit}`;

// ---------------------------------------------------------------------------------------------
// Helpers over description objects

const isObject = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);
const has = (object, key) => Object.prototype.hasOwnProperty.call(object, key);
const basename = (file) => file.split('/').pop() ?? file;

/** Labels the elements of an array by their `name` (with #n when a name repeats), else by index. */
function labels(array) {
	const counts = new Map();
	for (const element of array) {
		if (isObject(element) && typeof element.name === 'string')
			counts.set(element.name, (counts.get(element.name) ?? 0) + 1);
	}
	const seen = new Map();
	return array.map((element, index) => {
		if (!isObject(element) || typeof element.name !== 'string') return `[${index}]`;
		const n = (seen.get(element.name) ?? 0) + 1;
		seen.set(element.name, n);
		return counts.get(element.name) > 1 ? `${element.name}#${n}` : element.name;
	});
}

/** Calls visit(object, path) for every object inside value (value itself included), depth first. */
function walk(value, path, visit) {
	if (Array.isArray(value)) {
		const names = labels(value);
		value.forEach((element, index) => walk(element, `${path} › ${names[index]}`, visit));
	} else if (isObject(value)) {
		visit(value, path);
		for (const [key, child] of Object.entries(value)) {
			if (child !== null && typeof child === 'object') walk(child, `${path} › ${key}`, visit);
		}
	}
}

const nodeLabel = (node) => basename(node.file).replace(/\.(ts|js)$/, '');
const credentialLabel = (credential) => basename(credential.file).replace(/\.(ts|js)$/, '');

/**
 * The version n8n gives a new node: `defaultVersion`, else the highest of `version` (n8n-workflow's
 * getVersionedNodeType/`getNodeParameters` read `node.typeVersion`, which a new node takes from these).
 */
export function currentVersion(description) {
	if (typeof description?.defaultVersion === 'number') return description.defaultVersion;
	const versions = Array.isArray(description?.version)
		? description.version
		: [description?.version];
	const numbers = versions.filter((v) => typeof v === 'number');
	return numbers.length ? Math.max(...numbers) : 1;
}

/** One `displayOptions` value list against a value, as n8n-workflow's checkConditions reads it (the `_cnd` operators on numbers, and plain values). */
function versionMatches(conditions, version) {
	if (!Array.isArray(conditions)) return true;
	return conditions.some((condition) => {
		if (isObject(condition) && isObject(condition._cnd) && Object.keys(condition).length === 1) {
			const [key, target] = Object.entries(condition._cnd)[0] ?? [];
			if (key === 'eq') return version === target;
			if (key === 'not') return version !== target;
			if (key === 'gte') return version >= target;
			if (key === 'lte') return version <= target;
			if (key === 'gt') return version > target;
			if (key === 'lt') return version < target;
			if (key === 'between') return version >= target?.from && version <= target?.to;
			return false;
		}
		return condition === version;
	});
}

/** Whether a top-level property is shown at a node version (its `@version` display options only). */
export function shownAtVersion(property, version) {
	const show = property?.displayOptions?.show;
	const hide = property?.displayOptions?.hide;
	if (isObject(show) && has(show, '@version') && !versionMatches(show['@version'], version))
		return false;
	if (isObject(hide) && has(hide, '@version') && versionMatches(hide['@version'], version))
		return false;
	return true;
}

/**
 * Top-level `description.properties` with their location labels, as n8n shows them at the version a
 * new node gets (currentVersion). Master's rules read the literal `properties` array and know
 * nothing of `@version`; n8n's node versioning is how a node changes its layout without breaking
 * saved workflows (a saved node keeps its `typeVersion`, and the fields shown only at an older
 * version are that version's layout, kept as it was). Those fields are not checked by the layout
 * rules; scan.mjs lists them (olderVersionProperties). Rules that walk the whole description
 * (defaults, hints, option names) still read every version.
 */
function topLevelProperties(node) {
	const all = Array.isArray(node.description?.properties) ? node.description.properties : [];
	const version = currentVersion(node.description);
	const properties = all.filter(
		(property) => isObject(property) && shownAtVersion(property, version),
	);
	const names = labels(properties);
	return properties.map((property, index) => ({
		property,
		location: `${nodeLabel(node)} › properties › ${names[index]}`,
	}));
}

/** The top-level properties shown only at older versions than the one a new node gets. */
export function olderVersionProperties(node) {
	const all = Array.isArray(node.description?.properties) ? node.description.properties : [];
	const version = currentVersion(node.description);
	return all.filter((property) => isObject(property) && !shownAtVersion(property, version));
}

const perNode = (check) => (model) => (model.nodes ?? []).flatMap((node) => check(node, model));
const perCredential = (check) => (model) =>
	(model.credentials ?? []).flatMap((credential) => check(credential, model));

// ---------------------------------------------------------------------------------------------
// Codex: valid-node-categories reads both the inline `description.codex` and the .node.json.

function codexesOf(node) {
	const out = [];
	if (isObject(node.description?.codex))
		out.push({ codex: node.description.codex, location: `${nodeLabel(node)} › codex` });
	if (isObject(node.codex))
		out.push({
			codex: node.codex,
			location: basename(node.codexFile ?? `${nodeLabel(node)}.json`),
		});
	return out;
}

/**
 * The codex objects no-ai-codex-category and no-codex-subcategories read (their createCodexObjectVisitor):
 * every `codex` object anywhere in the description (description.codex, usableAsTool.replacements.codex,
 * …), and the .node.json unless the description has an inline `codex`.
 */
function codexObjectsOf(node) {
	const out = [];
	walk(node.description, nodeLabel(node), (object, path) => {
		if (isObject(object.codex)) out.push({ codex: object.codex, location: `${path} › codex` });
	});
	if (!isObject(node.description?.codex) && isObject(node.codex))
		out.push({
			codex: node.codex,
			location: basename(node.codexFile ?? `${nodeLabel(node)}.json`),
		});
	return out;
}

// n8n's community node category list (valid-node-categories).
const COMMUNITY_CATEGORIES = new Set([
	'Data & Storage',
	'Finance & Accounting',
	'Marketing & Content',
	'Productivity',
	'Miscellaneous',
	'Sales',
	'Development',
	'Analytics',
	'Communication',
	'Utility',
	'AI',
]);
const COMMUNITY_AI_SUBCATEGORIES = new Set([
	'Agents',
	'Chains',
	'Language Models',
	'Memory',
	'Output Parsers',
	'Tools',
	'Vector Stores',
	'Retrievers',
	'Embeddings',
	'Document Loaders',
	'Text Splitters',
	'Other Tools',
	'Root Nodes',
	'Model Context Protocol',
	'Human in the Loop',
	'Miscellaneous',
	'Rerankers',
	'Evaluation',
]);
// n8n's codex taxonomy (valid-codex-categories, utils/codex-taxonomy.ts).
const KNOWN_CODEX_CATEGORIES = new Set([
	'AI',
	'Analytics',
	'Communication',
	'Core Nodes',
	'Data & Storage',
	'Developer Tools',
	'Development',
	'ECM',
	'Finance & Accounting',
	'HITL',
	'Marketing & Content',
	'Miscellaneous',
	'Productivity',
	'Sales',
	'Utility',
]);
const KNOWN_CODEX_SUBCATEGORIES = new Set([
	'Data Transformation',
	'Files',
	'Flow',
	'Helpers',
	'Other Trigger Nodes',
	'Human in the Loop',
	'Agents',
	'Chains',
	'Document Loaders',
	'Embeddings',
	'Language Models',
	'Memory',
	'Miscellaneous',
	'Model Context Protocol',
	'Output Parsers',
	'Rerankers',
	'Retrievers',
	'Root Nodes',
	'Text Splitters',
	'Tools',
	'Vector Stores',
]);

// ---------------------------------------------------------------------------------------------
// icon-contrast: WCAG contrast of an SVG's painted colors against the node background per theme

export const THEME_BACKGROUNDS = { light: '#ffffff', dark: '#262626' };
export const DEFAULT_CONTRAST_MINIMUM = 1.5;

/** [r, g, b] of a plain color (hex, rgb()/rgba(), black, white); null when unknown or (almost) transparent. */
export function parseColor(text) {
	const color = text.trim().toLowerCase();
	if (color === 'black') return [0, 0, 0];
	if (color === 'white') return [255, 255, 255];
	const hex = /^#([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/.exec(color);
	if (hex) {
		const full = hex[1].length <= 4 ? [...hex[1]].map((digit) => digit + digit).join('') : hex[1];
		const channels = full.match(/../g).map((pair) => Number.parseInt(pair, 16));
		if (channels.length === 4 && channels[3] < 26) return null;
		return channels.slice(0, 3);
	}
	const rgb =
		/^rgba?\(\s*([\d.]+%?)[,\s]+([\d.]+%?)[,\s]+([\d.]+%?)(?:\s*[,/]\s*([\d.]+%?))?\s*\)$/.exec(
			color,
		);
	if (rgb) {
		const channel = (raw) =>
			raw.endsWith('%') ? (Number.parseFloat(raw) / 100) * 255 : Number.parseFloat(raw);
		if (rgb[4] !== undefined) {
			const alpha = rgb[4].endsWith('%')
				? Number.parseFloat(rgb[4]) / 100
				: Number.parseFloat(rgb[4]);
			if (alpha < 0.1) return null;
		}
		return [channel(rgb[1]), channel(rgb[2]), channel(rgb[3])];
	}
	return null;
}

function luminance([r, g, b]) {
	const linear = (c) => {
		const v = c / 255;
		return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
	};
	return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
}

export function contrastRatio(a, b) {
	const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
	return (hi + 0.05) / (lo + 0.05);
}

/**
 * The best contrast any painted color (fill, stroke, stop-color; attributes, style attributes and
 * <style> blocks) of the SVG reaches on the background; null when it cannot be judged statically
 * (currentColor, var(), embedded images, url() paint without gradient stops, unparsable colors
 * only). An SVG that paints nothing explicitly renders black.
 */
export function svgContrast(svg, background) {
	const backgroundRgb = parseColor(background);
	if (!backgroundRgb || /<image\b/i.test(svg)) return null;
	const paint = /\b(fill|stroke|stop-color)\s*(?:=\s*"([^"]*)"|=\s*'([^']*)'|:\s*([^;"'}]+))/gi;
	const values = [];
	let hasFill = false;
	let hasStop = false;
	let hasUrl = false;
	for (const match of svg.matchAll(paint)) {
		const value = (match[2] ?? match[3] ?? match[4] ?? '').trim().toLowerCase();
		if (['', 'none', 'transparent', 'inherit'].includes(value)) continue;
		if (value === 'currentcolor' || value.startsWith('var(')) return null;
		const property = match[1].toLowerCase();
		if (property === 'fill') hasFill = true;
		if (property === 'stop-color') hasStop = true;
		if (value.startsWith('url(')) hasUrl = true;
		values.push(value);
	}
	if (hasUrl && !hasStop) return null;
	const colors = values.map(parseColor).filter(Boolean);
	if (colors.length === 0) {
		if (hasFill) return null;
		colors.push([0, 0, 0]);
	}
	return Math.max(...colors.map((color) => contrastRatio(color, backgroundRgb)));
}

function iconFindings(icon, readIcon, location) {
	const checks =
		typeof icon === 'string'
			? [[icon, ['light', 'dark']]]
			: isObject(icon)
				? [
						[icon.light, ['light']],
						[icon.dark, ['dark']],
					]
				: [];
	const out = [];
	for (const [path, themes] of checks) {
		if (typeof path !== 'string' || !path.startsWith('file:')) continue;
		const svg = path.toLowerCase().endsWith('.svg') ? readIcon(path.slice('file:'.length)) : null;
		if (svg === null || svg === undefined) continue;
		for (const theme of themes) {
			const ratio = svgContrast(svg, THEME_BACKGROUNDS[theme]);
			if (ratio === null || ratio >= DEFAULT_CONTRAST_MINIMUM) continue;
			out.push({
				location: `${location} › icon (${theme}: ${path.slice('file:'.length)})`,
				message: `contrast ${ratio.toFixed(1)}:1 on the ${theme} node background ${THEME_BACKGROUNDS[theme]}, below ${DEFAULT_CONTRAST_MINIMUM}:1`,
			});
		}
	}
	return out;
}

// ---------------------------------------------------------------------------------------------
// Source helpers (ESTree from @typescript-eslint/typescript-estree, as the plugin's rules see it)

function parseSource(file) {
	try {
		return parse(file.text, { loc: true, range: true, jsx: false });
	} catch {
		return null;
	}
}

const SKIP_KEYS = new Set(['parent', 'loc', 'range', 'tokens', 'comments']);
function estreeWalk(node, visit, parent = null) {
	if (!node || typeof node.type !== 'string') return;
	if (visit(node, parent) === false) return;
	for (const [key, child] of Object.entries(node)) {
		if (SKIP_KEYS.has(key)) continue;
		if (Array.isArray(child))
			child.forEach(
				(item) => item && typeof item.type === 'string' && estreeWalk(item, visit, node),
			);
		else if (child && typeof child.type === 'string') estreeWalk(child, visit, node);
	}
}

function isNodeTypeClass(node) {
	if (node.type !== 'ClassDeclaration' && node.type !== 'ClassExpression') return false;
	const implementsNodeType = (node.implements ?? []).some(
		(clause) => clause.expression?.type === 'Identifier' && clause.expression.name === 'INodeType',
	);
	return (
		implementsNodeType ||
		(node.superClass?.type === 'Identifier' && node.superClass.name === 'Node')
	);
}

const isThisCall = (node, method) =>
	node?.type === 'CallExpression' &&
	node.callee.type === 'MemberExpression' &&
	node.callee.object.type === 'ThisExpression' &&
	node.callee.property.type === 'Identifier' &&
	node.callee.property.name === method;

const keyName = (key) =>
	key?.type === 'Identifier' ? key.name : key?.type === 'Literal' ? String(key.value) : null;
const stringValue = (node) =>
	node?.type === 'Literal' && typeof node.value === 'string'
		? node.value
		: node?.type === 'TemplateLiteral' && node.expressions.length === 0
			? node.quasis[0].value.cooked
			: null;
const line = (file, node) => `${file.file}:${node.loc?.start.line ?? '?'}`;

/** execute() methods of node type classes in a source file. */
function executeMethods(file) {
	const ast = parseSource(file);
	const out = [];
	if (!ast) return out;
	estreeWalk(ast, (node) => {
		if (!isNodeTypeClass(node)) return;
		for (const member of node.body.body) {
			if (
				member.type === 'MethodDefinition' &&
				keyName(member.key) === 'execute' &&
				member.value.body
			)
				out.push({ cls: node, method: member });
		}
	});
	return out;
}

const isNodeSource = (file) => /\.node\.ts$/.test(file.file);

/** Names bound to this.getInputData() in a function body. */
function inputItemNames(body) {
	const names = new Set();
	estreeWalk(body, (node) => {
		if (
			node.type === 'VariableDeclarator' &&
			node.id.type === 'Identifier' &&
			isThisCall(node.init, 'getInputData')
		)
			names.add(node.id.name);
	});
	return names;
}
const isItems = (node, names) =>
	(node?.type === 'Identifier' && names.has(node.name)) || isThisCall(node, 'getInputData');
const isItemsLength = (node, names) =>
	node?.type === 'MemberExpression' &&
	!node.computed &&
	node.property.name === 'length' &&
	isItems(node.object, names);

/**
 * prefer-declarative-style's item loop: for…of / for…in over the input items (index ''), a
 * `for (let i = 0; i < items.length; i++)`, or a while / do…while on `i < items.length` whose `i`
 * starts at 0 and whose body has `i++;`. Returns the index name, '' or null.
 */
function itemLoopIndex(loop, names, zeroIndexes) {
	if (loop.type === 'ForOfStatement' || loop.type === 'ForInStatement')
		return isItems(loop.right, names) ? '' : null;
	if (
		loop.type !== 'ForStatement' &&
		loop.type !== 'WhileStatement' &&
		loop.type !== 'DoWhileStatement'
	)
		return null;
	const test = loop.test;
	if (
		!(
			test?.type === 'BinaryExpression' &&
			test.operator === '<' &&
			test.left.type === 'Identifier' &&
			isItemsLength(test.right, names)
		)
	)
		return null;
	const index = test.left.name;
	const increments = (node) =>
		node?.type === 'UpdateExpression' &&
		node.operator === '++' &&
		node.argument.type === 'Identifier' &&
		node.argument.name === index;
	if (loop.type === 'ForStatement') {
		const startsAtZero =
			loop.init?.type === 'VariableDeclaration' &&
			loop.init.declarations.some(
				(d) =>
					d.id.type === 'Identifier' &&
					d.id.name === index &&
					d.init?.type === 'Literal' &&
					d.init.value === 0,
			);
		return startsAtZero && increments(loop.update) ? index : null;
	}
	const steps =
		loop.body.type === 'BlockStatement' &&
		loop.body.body.some(
			(statement) => statement.type === 'ExpressionStatement' && increments(statement.expression),
		);
	return zeroIndexes.has(index) && steps ? index : null;
}
const LOOP_TYPES = new Set([
	'ForStatement',
	'ForInStatement',
	'ForOfStatement',
	'WhileStatement',
	'DoWhileStatement',
]);

// ---------------------------------------------------------------------------------------------
// The rules

const CONTAINER_TYPES = new Set(['collection', 'fixedCollection']);
const NON_INPUT_TYPES = new Set(['notice', 'callout', 'hidden', 'curlImport']);
const SELECTOR_NAMES = new Set(['resource', 'operation', 'authentication']);
const KNOWN_PARAM_TYPES = new Set([
	'boolean',
	'button',
	'collection',
	'color',
	'dateTime',
	'fixedCollection',
	'hidden',
	'icon',
	'json',
	'callout',
	'notice',
	'multiOptions',
	'number',
	'options',
	'string',
	'credentialsSelect',
	'resourceLocator',
	'curlImport',
	'resourceMapper',
	'filter',
	'assignmentCollection',
	'credentials',
	'workflowSelector',
]);
const HTTP_REQUEST_METHODS = new Set(['httpRequest', 'httpRequestWithAuthentication']);
const DECLARATIVE_ALLOWED_CALLS = new Set([
	'getCredentials',
	'getInputData',
	'getNodeParameter',
	'push',
]);
const ESCAPE_HATCH = /binary|cursor|offset|page|pagination|returnAll/i;
const CONFIGURABLE_ID_NAME =
	/^(?:partner|affiliate|reseller|account|tenant|customer|client)(?:[_-]?id)$/i;

/** `displayOptions.show` of a credential as name -> ['type:value', …]; conditions with non-primitive values are left out. */
function showConditions(credential) {
	const out = new Map();
	const show = credential?.displayOptions?.show;
	if (!isObject(show)) return out;
	for (const [name, values] of Object.entries(show)) {
		if (!Array.isArray(values)) continue;
		const keys = values.map((value) =>
			['string', 'number', 'boolean'].includes(typeof value)
				? `${typeof value}:${String(value)}`
				: null,
		);
		if (keys.length && keys.every((key) => key !== null)) out.set(name, keys);
	}
	return out;
}

export const MASTER_RULES = [
	{
		id: 'single-credential-per-node',
		severity: 'error',
		kind: 'node description',
		doc: doc('single-credential-per-node', '489418ad7bf9c67bba11a932efe9f88b17d3e5fa'),
		source: src('rules/single-credential-per-node.ts', 'f4f3fae8782451787a1d6d4de637215c39004baf'),
		// Every pair of credentials must be told apart by one single-value property whose
		// `displayOptions.show` values differ entirely between the two; `hide` does not count.
		check: perNode((node) => {
			const credentials = Array.isArray(node.description?.credentials)
				? node.description.credentials
				: [];
			if (credentials.length < 2) return [];
			const multi = new Set(
				(node.description.properties ?? [])
					.filter((p) => isObject(p) && p.type === 'multiOptions' && typeof p.name === 'string')
					.map((p) => p.name),
			);
			const exclusive = (left, right) => {
				const l = showConditions(left);
				const r = showConditions(right);
				for (const [name, values] of l) {
					if (multi.has(name) || !r.has(name)) continue;
					if (values.every((value) => !r.get(name).includes(value))) return true;
				}
				return false;
			};
			for (let i = 0; i < credentials.length - 1; i++) {
				for (let j = i + 1; j < credentials.length; j++) {
					if (!exclusive(credentials[i], credentials[j])) {
						return [
							{
								location: `${nodeLabel(node)} › credentials`,
								message: `"${credentials[i]?.name}" and "${credentials[j]?.name}" can be shown at the same time: a node may use one credential at a time, chosen by mutually exclusive displayOptions.show on one single-value property`,
							},
						];
					}
				}
			}
			return [];
		}),
	},
	{
		id: 'non-required-fields-in-collection',
		severity: 'warn',
		kind: 'node description',
		doc: doc('non-required-fields-in-collection', 'e31d733929455e443fa0d496b335479c5c215ae7'),
		source: src(
			'rules/non-required-fields-in-collection.ts',
			'01a9d2d4cf06044f944ee699c42490894b376700',
		),
		check: perNode((node) =>
			topLevelProperties(node)
				.filter(({ property }) => {
					if (
						typeof property.name !== 'string' ||
						!property.name ||
						SELECTOR_NAMES.has(property.name)
					)
						return false;
					if (CONTAINER_TYPES.has(property.type) || NON_INPUT_TYPES.has(property.type))
						return false;
					// Absent or `false` is not required; a non-boolean value is unknowable and not reported.
					return !has(property, 'required') || property.required === false;
				})
				.map(({ property, location }) => ({
					location,
					message: `"${property.displayName ?? property.name}" is not required: move it into an "Additional Options" or "Additional Fields" collection`,
				})),
		),
	},
	{
		id: 'hint-max-length',
		severity: 'warn',
		kind: 'node description',
		doc: doc('hint-max-length', '683cdffa59beea75be71aa9b8d28c4cb912edd4b'),
		source: src('rules/hint-max-length.ts', '73072236ac7cbfda617266fb9211f11634c604c7'),
		check: perNode((node) => {
			const out = [];
			walk(node.description, nodeLabel(node), (object, path) => {
				if (typeof object.hint === 'string' && object.hint.length > 120) {
					out.push({
						location: `${path} › hint`,
						message: `hint is ${object.hint.length} characters, over 120: move the longer text to "description"`,
					});
				}
			});
			return out;
		}),
	},
	{
		id: 'require-param-default',
		severity: 'error',
		kind: 'node description',
		doc: doc('require-param-default', 'c4647527bbeefe3a4a4f8fe9c6789ec9376293aa'),
		source: src('rules/require-param-default.ts', '27bcc013583dc50e5645bb42e93ae68c27348fad'),
		check: perNode((node) => {
			const out = [];
			walk(node.description, nodeLabel(node), (object, path) => {
				if (
					typeof object.name === 'string' &&
					KNOWN_PARAM_TYPES.has(object.type) &&
					!has(object, 'default')
				) {
					out.push({ location: path, message: `parameter "${object.name}" has no default` });
				}
			});
			return out;
		}),
	},
	{
		id: 'options-sorted-alphabetically',
		severity: 'warn',
		kind: 'node description',
		doc: doc('options-sorted-alphabetically', 'fe8dd2026bd2b76ee9dd74a2ec7e6a1f3f3e2955'),
		source: src(
			'rules/options-sorted-alphabetically.ts',
			'687543aeabcff8396285cd2aca74f4adeab0bd66',
		),
		// Top-level `type: 'options'` parameters only (as the rule does), case-insensitive, locale-aware.
		check: perNode((node) =>
			topLevelProperties(node).flatMap(({ property, location }) => {
				if (property.type !== 'options' || !Array.isArray(property.options)) return [];
				const names = property.options.map((option) =>
					isObject(option) && typeof option.name === 'string' ? option.name : null,
				);
				if (names.length <= 1 || names.includes(null)) return [];
				const sorted = [...names].sort((a, b) =>
					a.localeCompare(b, undefined, { sensitivity: 'base' }),
				);
				if (names.every((name, index) => name === sorted[index])) return [];
				return [
					{
						location: `${location} › options`,
						message: `options of "${property.displayName ?? property.name}" are not sorted: expected ${sorted.join(', ')}`,
					},
				];
			}),
		),
	},
	{
		id: 'no-asterisk-in-option-names',
		severity: 'warn',
		kind: 'node description',
		doc: doc('no-asterisk-in-option-names', 'd2550ff4f4efc631ad6f6c74c9197d8ba6e21754'),
		source: src('rules/no-asterisk-in-option-names.ts', 'f17c40159966b5d3b6ed8a9209a7044fef0d32a6'),
		check: perNode((node) => {
			const out = [];
			walk(node.description, nodeLabel(node), (object, path) => {
				if (!Array.isArray(object.options)) return;
				const names = labels(object.options);
				object.options.forEach((option, index) => {
					if (isObject(option) && typeof option.name === 'string' && option.name.includes('*')) {
						out.push({
							location: `${path} › options › ${names[index]}`,
							message: `option name "${option.name}" contains "*": use e.g. "[All]"`,
						});
					}
				});
			});
			return out;
		}),
	},
	{
		id: 'no-duplicate-param-options',
		severity: 'warn',
		kind: 'node description',
		doc: doc('no-duplicate-param-options', '39c3e76a19ec3bb4361fc4860ebb409fcdd5a5db'),
		source: src('rules/no-duplicate-param-options.ts', '3fae80e7e7d60f8e494f1ffb269793594d00c9fb'),
		check: perNode((node) =>
			topLevelProperties(node).flatMap(({ property, location }) => {
				if (
					(property.type !== 'options' && property.type !== 'multiOptions') ||
					!Array.isArray(property.options)
				)
					return [];
				const out = [];
				const names = new Set();
				const values = new Set();
				for (const option of property.options) {
					if (!isObject(option)) continue;
					if (typeof option.name === 'string') {
						if (names.has(option.name))
							out.push({
								location: `${location} › options`,
								message: `duplicate option name "${option.name}"`,
							});
						names.add(option.name);
					}
					if (['string', 'number', 'boolean'].includes(typeof option.value)) {
						if (values.has(option.value))
							out.push({
								location: `${location} › options`,
								message: `duplicate option value "${String(option.value)}"`,
							});
						values.add(option.value);
					}
				}
				return out;
			}),
		),
	},
	{
		id: 'open-ended-node-fields',
		severity: 'warn',
		kind: 'node description',
		doc: doc('open-ended-node-fields', '2537d458b08685ec4e9334f41cb660ffed9f72f7'),
		source: src('rules/open-ended-node-fields.ts', '2537d458b08685ec4e9334f41cb660ffed9f72f7'),
		check: perNode((node) =>
			topLevelProperties(node)
				.filter(({ property }) => property.type === 'json' && property.required !== true)
				.map(({ property, location }) => ({
					location,
					message: `optional JSON field "${property.displayName ?? property.name}" at the top level: use typed parameters under Additional Options or Additional Fields`,
				})),
		),
	},
	{
		id: 'node-class-description-name-camelcase',
		severity: 'error',
		kind: 'node description',
		doc: doc('node-class-description-name-camelcase', '2c8f239078a93e33417ccbf3a1178ea3672faaad'),
		source: src(
			'rules/node-class-description-name-camelcase.ts',
			'f85f7d605b69856605b8f12645f46ba4e0bda102',
		),
		check: perNode((node) =>
			typeof node.description?.name === 'string' &&
			!/^[a-z][a-zA-Z0-9]*$/.test(node.description.name)
				? [
						{
							location: `${nodeLabel(node)} › name`,
							message: `description.name "${node.description.name}" is not camelCase (^[a-z][a-zA-Z0-9]*$)`,
						},
					]
				: [],
		),
	},
	{
		id: 'node-class-description-non-core-color',
		severity: 'warn',
		kind: 'node description',
		doc: doc('node-class-description-non-core-color', 'a7526c14c1c56cd71b3093c49d646df0f6c4b362'),
		source: src(
			'rules/node-class-description-non-core-color.ts',
			'43ecf7bea9d30b0e1e120ad50fc90adcf58f73b1',
		),
		check: perNode((node) =>
			[
				['defaults › color', node.description?.defaults?.color],
				['color', node.description?.color],
			]
				.filter(([, color]) => typeof color === 'string' && color.toLowerCase() === '#ff6d5a')
				.map(([where]) => ({
					location: `${nodeLabel(node)} › ${where}`,
					message: 'uses n8n’s core color #FF6D5A, reserved for built-in nodes',
				})),
		),
	},
	{
		id: 'node-filename-against-convention',
		severity: 'error',
		kind: 'node file',
		doc: doc('node-filename-against-convention', 'c7711a81405df77f61e1acc35e3a6418e4936c91'),
		source: src(
			'rules/node-filename-against-convention.ts',
			'af0ced46dc366bfc1fe8410067de3a80ab3067ed',
		),
		check: perNode((node) => {
			const name = node.description?.name;
			if (typeof name !== 'string' || !name) return [];
			const expected = name[0].toUpperCase() + name.slice(1);
			const stem = basename(node.file).replace(/\.node\.(ts|js)$/, '');
			// A trailing version suffix (V2, V3, …) is allowed.
			return stem.replace(/V\d+$/, '') === expected
				? []
				: [
						{
							location: basename(node.file),
							message: `file should be named ${expected}.node.ts after description.name "${name}"`,
						},
					];
		}),
	},
	{
		id: 'valid-node-categories',
		severity: 'error',
		kind: 'codex',
		doc: doc('valid-node-categories', '2e315e2e2057a5153834d88ff8f91ce90dcae7b6'),
		source: src('rules/valid-node-categories.ts', '3320bdd2920a9e1af91c5e374d69973533771f7b'),
		check: perNode((node) =>
			codexesOf(node).flatMap(({ codex, location }) => {
				if (!has(codex, 'categories') && !has(codex, 'subcategories')) return [];
				const out = [];
				let hasAi = false;
				if (has(codex, 'categories')) {
					if (!Array.isArray(codex.categories) || codex.categories.length === 0)
						return [
							{
								location: `${location} › categories`,
								message: '"categories" must be a non-empty array of community node categories',
							},
						];
					for (const category of codex.categories) {
						if (typeof category !== 'string')
							out.push({
								location: `${location} › categories`,
								message: 'each category must be a string',
							});
						else if (category === 'Marketing')
							out.push({
								location: `${location} › categories`,
								message: '"Marketing" is not a category: use "Marketing & Content"',
							});
						else if (category === 'AI') hasAi = true;
						else if (!COMMUNITY_CATEGORIES.has(category))
							out.push({
								location: `${location} › categories`,
								message: `"${category}" is not a community node category`,
							});
					}
				}
				const sub = codex.subcategories;
				if (has(codex, 'subcategories') && !isObject(sub))
					return [
						...out,
						{
							location: `${location} › subcategories`,
							message: 'subcategories must be an object with an AI category',
						},
					];
				const ai = isObject(sub) && has(sub, 'AI') ? sub.AI : undefined;
				if (hasAi && ai === undefined)
					out.push({
						location: `${location} › categories`,
						message: 'the "AI" category requires a non-empty subcategories.AI',
					});
				if (ai !== undefined && !hasAi)
					out.push({
						location: `${location} › subcategories › AI`,
						message: 'subcategories.AI requires "AI" in categories',
					});
				if (isObject(sub) && !hasAi && ai === undefined)
					out.push({
						location: `${location} › subcategories`,
						message: 'subcategories must be an object with an AI category',
					});
				if (ai === undefined) return out;
				if (!Array.isArray(ai) || ai.length === 0)
					return [
						...out,
						{
							location: `${location} › subcategories › AI`,
							message: 'subcategories.AI must be a non-empty array',
						},
					];
				for (const value of ai) {
					if (typeof value !== 'string' || !COMMUNITY_AI_SUBCATEGORIES.has(value))
						out.push({
							location: `${location} › subcategories › AI`,
							message: `"${String(value)}" is not a supported AI subcategory`,
						});
				}
				return out;
			}),
		),
	},
	{
		id: 'valid-codex-categories',
		severity: 'error',
		kind: 'codex',
		doc: doc('valid-codex-categories', '93cd6a05bcda2266e50dbc0d0c651b5ce229b28c'),
		source: `${src('rules/valid-codex-categories.ts', '93cd6a05bcda2266e50dbc0d0c651b5ce229b28c')}, ${src('utils/codex-taxonomy.ts', 'cbb96d474ab666e9e1068a44fc2877dbf4f62a48')}`,
		// The rule reads the inline `description.codex` only (a .node.json is valid-node-categories'
		// and no-logic-or-flow-nodes' business).
		check: perNode((node) => {
			const codex = node.description?.codex;
			if (!isObject(codex)) return [];
			const location = `${nodeLabel(node)} › codex`;
			const out = [];
			const categories = Array.isArray(codex.categories) ? codex.categories : null;
			for (const category of categories ?? []) {
				if (typeof category === 'string' && !KNOWN_CODEX_CATEGORIES.has(category))
					out.push({
						location: `${location} › categories`,
						message: `"${category}" is not a known codex category`,
					});
			}
			const sub = codex.subcategories;
			if (Array.isArray(sub)) {
				// A broken shape is reported alone; the AI pairing is checked once the shape is right.
				return [
					...out,
					{
						location: `${location} › subcategories`,
						message: 'subcategories must map a category to an array, not be an array',
					},
				];
			}
			if (isObject(sub)) {
				for (const [key, values] of Object.entries(sub)) {
					if (!KNOWN_CODEX_CATEGORIES.has(key))
						out.push({
							location: `${location} › subcategories › ${key}`,
							message: `"${key}" is not a known codex category`,
						});
					for (const value of Array.isArray(values) ? values : []) {
						if (typeof value === 'string' && !KNOWN_CODEX_SUBCATEGORIES.has(value))
							out.push({
								location: `${location} › subcategories › ${key}`,
								message: `"${value}" is not a known codex subcategory`,
							});
					}
				}
			}
			const outputs = node.description.outputs;
			// Outputs that are not a list (an expression) cannot be judged: the pairing check is skipped.
			const outputsMain = Array.isArray(outputs) && outputs.some((output) => output === 'main');
			const aiSub = isObject(sub) && Array.isArray(sub.AI) ? sub.AI : [];
			if (categories?.includes('AI') && outputsMain && !aiSub.includes('Root Nodes')) {
				out.push({
					location: `${location} › categories`,
					message:
						'an "AI" node with a main output needs "Root Nodes" in subcategories.AI, or the main search hides it',
				});
			}
			return out;
		}),
	},
	{
		id: 'no-ai-codex-category',
		severity: 'error',
		kind: 'codex',
		doc: doc('no-ai-codex-category', '4250d249c7cb63cc55d75c3c2f356a409b2b8ae7'),
		source: `${src('rules/no-ai-codex-category.ts', '190ebc2698eb304235e41b31665d7b266a164d78')}, ${src('utils/codex-utils.ts', 'a6e3aa78effd1b5a2e6443e3d2fc5a1c8b8f7230')}`,
		check: perNode((node) =>
			node.importsAiSdk
				? []
				: codexObjectsOf(node)
						.filter(
							({ codex }) => Array.isArray(codex.categories) && codex.categories.includes('AI'),
						)
						.map(({ location }) => ({
							location: `${location} › categories`,
							message: 'the "AI" category is reserved for nodes that import @n8n/ai-node-sdk',
						})),
		),
	},
	{
		id: 'no-codex-subcategories',
		severity: 'error',
		kind: 'codex',
		doc: doc('no-codex-subcategories', '4250d249c7cb63cc55d75c3c2f356a409b2b8ae7'),
		source: src('utils/codex-utils.ts', 'a6e3aa78effd1b5a2e6443e3d2fc5a1c8b8f7230'),
		check: perNode((node) =>
			node.importsAiSdk
				? []
				: codexObjectsOf(node)
						.filter(({ codex }) => has(codex, 'subcategories'))
						.map(({ location }) => ({
							location: `${location} › subcategories`,
							message: 'codex.subcategories is for nodes that import @n8n/ai-node-sdk',
						})),
		),
	},
	{
		id: 'no-logic-or-flow-nodes',
		severity: 'error',
		kind: 'codex',
		doc: doc('no-logic-or-flow-nodes', '1e8d9c2531588841a527e732aa29a00ce6f9a623'),
		source: src('rules/no-logic-or-flow-nodes.ts', '1e8d9c2531588841a527e732aa29a00ce6f9a623'),
		// The rule reads .node.json codex files only.
		check: perNode((node) => {
			if (!isObject(node.codex)) return [];
			const location = basename(node.codexFile ?? `${nodeLabel(node)}.json`);
			const lists = [
				['categories', node.codex.categories],
				...Object.entries(isObject(node.codex.subcategories) ? node.codex.subcategories : {}).map(
					([key, values]) => [`subcategories › ${key}`, values],
				),
			];
			return lists.flatMap(([where, values]) =>
				(Array.isArray(values) ? values : [])
					.filter((value) => value === 'Logic' || value === 'Flow')
					.map((value) => ({
						location: `${location} › ${where}`,
						message: `"${value}": Logic and Flow nodes are not allowed`,
					})),
			);
		}),
	},
	{
		id: 'cred-class-name-field-conventions',
		severity: 'error',
		kind: 'credential',
		doc: doc('cred-class-name-field-conventions', 'bc5efbfe40904c1f73aea44068b983fdc85954db'),
		source: src(
			'rules/cred-class-name-field-conventions.ts',
			'f85f7d605b69856605b8f12645f46ba4e0bda102',
		),
		check: perCredential((credential) => {
			const name = credential.type?.name;
			if (typeof name !== 'string') return [];
			const out = [];
			if (!name.endsWith('Api'))
				out.push({
					location: `${credentialLabel(credential)} › name`,
					message: `credential name "${name}" must end with "Api"`,
				});
			// The source reports an upper-case first letter only (a digit or `_` first is not its concern).
			if (/^[A-Z]/.test(name))
				out.push({
					location: `${credentialLabel(credential)} › name`,
					message: `credential name "${name}" must start with a lowercase letter`,
				});
			return out;
		}),
	},
	{
		id: 'cred-class-name-suffix',
		severity: 'error',
		kind: 'credential',
		doc: doc('cred-class-name-suffix', '35c7198e1f529cdebfdf9136755ca268ccaa52bc'),
		source: src('rules/cred-class-name-suffix.ts', '35c7198e1f529cdebfdf9136755ca268ccaa52bc'),
		check: perCredential((credential) =>
			typeof credential.className === 'string' && !credential.className.endsWith('Api')
				? [
						{
							location: credentialLabel(credential),
							message: `credential class ${credential.className} must end with "Api"`,
						},
					]
				: [],
		),
	},
	{
		id: 'cred-filename-against-convention',
		severity: 'error',
		kind: 'credential',
		doc: doc('cred-filename-against-convention', 'ec12af334e32f64bd49773f6f53c321a69fc7f98'),
		source: src(
			'rules/cred-filename-against-convention.ts',
			'1a01c5136593e5f3be2703297353cffce4e3f408',
		),
		check: perCredential((credential) => {
			const stem = basename(credential.file).replace(/\.credentials\.(ts|js)$/, '');
			return typeof credential.className === 'string' && stem !== credential.className
				? [
						{
							location: basename(credential.file),
							message: `file should be named ${credential.className}.credentials.ts after its class`,
						},
					]
				: [];
		}),
	},
	{
		id: 'icon-contrast',
		severity: 'warn',
		kind: 'icons',
		doc: doc('icon-contrast', '32c96db7da2082d269291d415309c294deede557'),
		source: `${src('rules/icon-contrast.ts', '32c96db7da2082d269291d415309c294deede557')}, ${SRC}/utils/icon-contrast.ts`,
		check: (model) => [
			...(model.nodes ?? []).flatMap((node) =>
				iconFindings(node.description?.icon, node.readIcon, nodeLabel(node)),
			),
			...(model.credentials ?? []).flatMap((credential) =>
				iconFindings(credential.type?.icon, credential.readIcon, credentialLabel(credential)),
			),
		],
	},
	{
		id: 'no-monorepo',
		severity: 'error',
		kind: 'package.json',
		doc: doc('no-monorepo', 'd73c67f6978f03da2848c08494f6e53f198c0e44'),
		source: src('rules/no-monorepo.ts', 'd73c67f6978f03da2848c08494f6e53f198c0e44'),
		check: ({ packageJson }) => {
			const repository = packageJson?.repository;
			if (!isObject(repository) || !has(repository, 'directory')) return [];
			const directory = repository.directory;
			return typeof directory === 'string' && /^\.(?:[\\/]\.)*[\\/]?$/.test(directory)
				? []
				: [
						{
							location: 'package.json › repository › directory',
							message:
								'community nodes must use a single-package repository (no monorepo directory)',
						},
					];
		},
	},
	{
		id: 'community-package-json',
		severity: 'error',
		kind: 'package.json',
		// No doc page in the tree read; the rule's messages are its spec. It is added to both
		// recommended configs as 'error' by the plan that introduced it (stored in the same repository).
		doc: `${SRC}/rules/community-package-json.ts @ e8a73ba420967e5fa8df4bf5fed93c9a5c52e977`,
		check: ({ packageJson: pkg }) => {
			const out = [];
			const at = (where, message) =>
				out.push({ location: `package.json${where ? ` › ${where}` : ''}`, message });
			if (!isObject(pkg)) return [{ location: 'package.json', message: 'not an object' }];
			if (!has(pkg, 'version')) at('', 'must have a `version` key');
			if (!has(pkg, 'description')) at('', 'must have a `description` key');
			else if (pkg.description === '') at('description', 'must not be empty');
			if (!has(pkg, 'license')) at('', 'must have a `license` key');
			else if (typeof pkg.license === 'string' && pkg.license !== 'MIT')
				at('license', 'must be "MIT"');
			if (!has(pkg, 'author')) at('', 'must have an `author` key');
			else if (isObject(pkg.author)) {
				if (!has(pkg.author, 'name')) at('author', 'must have a `name` field');
				else if (pkg.author.name === '')
					at('author › name', 'must be changed from the default empty value');
			}
			if (
				isObject(pkg.repository) &&
				typeof pkg.repository.url === 'string' &&
				/github\.com\/<\.\.\.>/.test(pkg.repository.url)
			)
				at('repository', '`url` must be updated from the default value');
			if (!has(pkg, 'n8n')) {
				at('', 'must have an `n8n` key');
				return out;
			}
			if (!isObject(pkg.n8n)) return out;
			if (!has(pkg.n8n, 'n8nNodesApiVersion')) at('n8n', '`n8nNodesApiVersion` must be present');
			else if (typeof pkg.n8n.n8nNodesApiVersion !== 'number')
				at('n8n › n8nNodesApiVersion', 'must be a number');
			if (!has(pkg.n8n, 'nodes')) at('n8n', '`nodes` must be present');
			else if (Array.isArray(pkg.n8n.nodes) && pkg.n8n.nodes.length === 0)
				at('n8n › nodes', 'must contain at least one node file path');
			return out;
		},
	},
	{
		id: 'require-community-node-keyword',
		severity: 'warn',
		kind: 'package.json',
		doc: doc('require-community-node-keyword', '7226dbaf66931168b2db3f75192e70aea968c008'),
		source: src(
			'rules/require-community-node-keyword.ts',
			'4a9195fdd0520ccf48aa6d6a6034862865488920',
		),
		// No `keywords` is reported; a `keywords` that is not an array is left alone, as the source does.
		check: ({ packageJson }) =>
			!isObject(packageJson) || !has(packageJson, 'keywords')
				? [
						{
							location: 'package.json › keywords',
							message: 'must be an array that includes "n8n-community-node-package"',
						},
					]
				: Array.isArray(packageJson.keywords) &&
					  !packageJson.keywords.includes('n8n-community-node-package')
					? [
							{
								location: 'package.json › keywords',
								message: 'must include "n8n-community-node-package"',
							},
						]
					: [],
	},
	{
		id: 'require-mit-license',
		severity: 'error',
		kind: 'package.json',
		doc: doc('require-mit-license', '0d2ddbc36204160b0c74b3ec9754d39fa977c5b1'),
		source: src('rules/require-mit-license.ts', '3d7bdc733dda6b78f1eae2162a59ac5e803b0229'),
		check: ({ packageJson }) =>
			packageJson?.license === 'MIT'
				? []
				: [
						{
							location: 'package.json › license',
							message: `license must be "MIT", not ${JSON.stringify(packageJson?.license)}`,
						},
					],
	},
	{
		id: 'require-continue-on-fail',
		severity: 'error',
		kind: 'source',
		doc: doc('require-continue-on-fail', 'aaede788540eed7c51f0188173986e2161ad0730'),
		source: src('rules/require-continue-on-fail.ts', '5b417cb81034394161a1c824c1a92dab5e1fd036'),
		// The rule looks inside execute()'s own body for a `this.continueOnFail()` call; a call made
		// in a function execute() delegates to does not count.
		check: ({ sources = [] }) =>
			sources.flatMap((file) =>
				executeMethods(file).flatMap(({ method }) => {
					let found = false;
					estreeWalk(method.value.body, (node) => {
						if (isThisCall(node, 'continueOnFail')) found = true;
					});
					return found
						? []
						: [
								{
									location: `${basename(file.file)} › execute()`,
									message: 'execute() does not call this.continueOnFail()',
								},
							];
				}),
			),
	},
	{
		id: 'node-operation-error-itemindex',
		severity: 'error',
		kind: 'source',
		doc: doc('node-operation-error-itemindex', '038345957e31f26bea4c98d9b9e422b2350ae5f4'),
		source: src(
			'rules/node-operation-error-itemindex.ts',
			'439ba59841724ae7352ec7ccf769dfa926ec8bf4',
		),
		// Item loops: a `for` whose test reads `<items>.length` (items = a variable set from
		// this.getInputData()) and a `for…of` over such a variable or over this.getInputData(). Inside
		// one, at any depth, `new NodeOperationError/NodeApiError(…)` needs a third argument with
		// `itemIndex`; a third argument that is not an object literal, or spreads, gets the benefit of
		// the doubt.
		check: ({ sources = [] }) =>
			sources.filter(isNodeSource).flatMap((file) =>
				executeMethods(file).flatMap(({ method }) => {
					const body = method.value.body;
					const names = inputItemNames(body);
					const lengthOfItems = (node) =>
						node?.type === 'MemberExpression' &&
						!node.computed &&
						keyName(node.property) === 'length' &&
						node.object.type === 'Identifier' &&
						names.has(node.object.name);
					const isItemLoop = (node) =>
						(node.type === 'ForStatement' &&
							node.test?.type === 'BinaryExpression' &&
							(lengthOfItems(node.test.left) || lengthOfItems(node.test.right))) ||
						(node.type === 'ForOfStatement' &&
							((node.right.type === 'Identifier' && names.has(node.right.name)) ||
								isThisCall(node.right, 'getInputData')));
					const hasItemIndex = (node) => {
						const options = node.arguments[2];
						if (!options) return false;
						if (options.type !== 'ObjectExpression') return true;
						return options.properties.some(
							(p) =>
								p.type === 'SpreadElement' ||
								(p.type === 'Property' && keyName(p.key) === 'itemIndex'),
						);
					};
					const out = [];
					const visit = (node, inLoop) => {
						if (!node || typeof node.type !== 'string') return;
						const here = inLoop || isItemLoop(node);
						if (
							here &&
							node.type === 'NewExpression' &&
							node.callee.type === 'Identifier' &&
							['NodeOperationError', 'NodeApiError'].includes(node.callee.name) &&
							!hasItemIndex(node)
						) {
							out.push({
								location: `${basename(file.file)} › execute() › new ${node.callee.name}`,
								message: `new ${node.callee.name}() in an item loop has no { itemIndex } (${line(file, node)})`,
							});
						}
						for (const [key, child] of Object.entries(node)) {
							if (SKIP_KEYS.has(key)) continue;
							if (Array.isArray(child)) child.forEach((item) => visit(item, here));
							else if (child && typeof child.type === 'string') visit(child, here);
						}
					};
					visit(body, false);
					return out;
				}),
			),
	},
	{
		id: 'no-hardcoded-ids',
		severity: 'error',
		kind: 'source',
		doc: doc('no-hardcoded-ids', 'd34996ae7415d34202e94aa52d37ffd8ca5284cb'),
		source: src('rules/no-hardcoded-ids.ts', '2aaf19f556db82338afdf8ce802c26afccb54080'),
		check: ({ sources = [] }) =>
			sources
				.filter((file) => /\.node\.(ts|js)$/.test(file.file))
				.flatMap((file) => {
					const ast = parseSource(file);
					if (!ast) return [];
					const out = [];
					const check = (name, value) => {
						if (name && value && CONFIGURABLE_ID_NAME.test(name) && stringValue(value) !== null) {
							out.push({
								location: `${basename(file.file)} › ${name}`,
								message: `hardcoded ${name} (${line(file, value)}): read it from a node parameter or credential`,
							});
						}
					};
					estreeWalk(ast, (node) => {
						if (node.type === 'VariableDeclarator' && node.id.type === 'Identifier')
							check(node.id.name, node.init);
						else if (node.type === 'PropertyDefinition' || node.type === 'Property')
							check(keyName(node.key), node.value);
						else if (node.type === 'AssignmentExpression') {
							if (node.left.type === 'Identifier') check(node.left.name, node.right);
							else if (node.left.type === 'MemberExpression')
								check(
									node.left.computed
										? stringValue(node.left.property)
										: keyName(node.left.property),
									node.right,
								);
						}
					});
					return out;
				}),
	},
	{
		id: 'prefer-declarative-style',
		severity: 'warn',
		kind: 'source',
		doc: doc('prefer-declarative-style', '3eb40e3ac4191e6485b4fa6ee094556f78d9600a'),
		source: src('rules/prefer-declarative-style.ts', '8d2e9ee429bf31a656ece71c9cf2999dc1dfb45e'),
		// Reports execute() when its only HTTP request is sent once per input item from an item loop
		// and nothing else is going on (pagination, binary data, other calls, static data, …).
		check: ({ sources = [] }) =>
			sources.filter(isNodeSource).flatMap((file) =>
				executeMethods(file).flatMap(({ cls, method }) => {
					const description = cls.body.body.find(
						(m) => m.type === 'PropertyDefinition' && keyName(m.key) === 'description',
					)?.value;
					if (description?.type !== 'ObjectExpression') return [];
					const prop = (name) =>
						description.properties.find((p) => p.type === 'Property' && keyName(p.key) === name)
							?.value;
					const outputs = prop('outputs');
					const group = prop('group');
					const trigger =
						(group?.type === 'ArrayExpression' &&
							group.elements.some((e) => e?.type === 'Literal' && e.value === 'trigger')) ||
						(cls.id?.name ?? '').endsWith('Trigger');
					if (trigger || outputs?.type !== 'ArrayExpression' || outputs.elements.length !== 1)
						return [];
					const body = method.value.body;
					const names = inputItemNames(body);
					const zeroIndexes = new Set();
					estreeWalk(body, (node) => {
						if (
							node.type === 'VariableDeclarator' &&
							node.id.type === 'Identifier' &&
							node.init?.type === 'Literal' &&
							node.init.value === 0
						)
							zeroIndexes.add(node.id.name);
					});
					let requests = 0;
					let escape = false;
					let requestInItemLoop = false;
					const memberName = (call) =>
						call.callee.type === 'MemberExpression' && call.callee.property.type === 'Identifier'
							? call.callee.property.name
							: null;
					const isHelpers = (member) =>
						member.type === 'MemberExpression' &&
						member.object.type === 'MemberExpression' &&
						member.object.object.type === 'ThisExpression' &&
						keyName(member.object.property) === 'helpers';
					const httpMethod = (call) => {
						const name = memberName(call);
						if (name && HTTP_REQUEST_METHODS.has(name) && isHelpers(call.callee)) return name;
						if (
							name === 'call' &&
							call.callee.object.type === 'MemberExpression' &&
							HTTP_REQUEST_METHODS.has(keyName(call.callee.object.property)) &&
							isHelpers(call.callee.object)
						)
							return 'call';
						return null;
					};
					const visit = (node, loops) => {
						if (!node || typeof node.type !== 'string') return;
						if (node.type === 'Identifier' && ESCAPE_HATCH.test(node.name)) escape = true;
						if (node.type === 'CallExpression') {
							if (httpMethod(node)) {
								requests++;
								if (loops.length === 1) loops[0].hasRequest = true;
							} else {
								const name = memberName(node);
								if (!name || !DECLARATIVE_ALLOWED_CALLS.has(name)) escape = true;
								const first = node.arguments[0];
								const firstText =
									first?.type === 'TemplateLiteral'
										? first.quasis.map((q) => q.value.cooked ?? '').join(' ')
										: stringValue(first);
								if (name === 'getNodeParameter' && firstText && ESCAPE_HATCH.test(firstText))
									escape = true;
								const loop = loops.at(-1);
								if (
									name === 'getNodeParameter' &&
									loop?.index &&
									node.arguments[1]?.type === 'Identifier' &&
									node.arguments[1].name === loop.index
								)
									loop.referencesItem = true;
							}
						}
						if (
							node.type === 'MemberExpression' &&
							node.computed &&
							node.property.type === 'Identifier' &&
							isItems(node.object, names)
						) {
							const loop = loops.at(-1);
							if (loop?.index === node.property.name) loop.referencesItem = true;
						}
						if (
							node.type === 'Property' &&
							keyName(node.key) &&
							ESCAPE_HATCH.test(keyName(node.key))
						)
							escape = true;
						if (
							node.type === 'Property' &&
							keyName(node.key) === 'item' &&
							node.value.type === 'Identifier'
						) {
							const loop = loops.at(-1);
							if (loop?.index === node.value.name) loop.referencesItem = true;
						}
						let inner = loops;
						let frame = null;
						if (LOOP_TYPES.has(node.type)) {
							const index = itemLoopIndex(node, names, zeroIndexes);
							frame = { index, referencesItem: index === '', hasRequest: false };
							inner = [...loops, frame];
						}
						for (const [key, child] of Object.entries(node)) {
							if (SKIP_KEYS.has(key)) continue;
							if (Array.isArray(child)) child.forEach((item) => visit(item, inner));
							else if (child && typeof child.type === 'string') visit(child, inner);
						}
						if (
							frame &&
							loops.length === 0 &&
							frame.index !== null &&
							frame.referencesItem &&
							frame.hasRequest
						)
							requestInItemLoop = true;
					};
					visit(body, []);
					return requests === 1 && requestInItemLoop && !escape
						? [
								{
									location: `${basename(file.file)} › execute()`,
									message:
										'execute() sends one HTTP request per input item: use declarative routing and requestDefaults',
								},
							]
						: [];
				}),
			),
	},
];

/**
 * Applies the rules (all of MASTER_RULES, less those the installed plugin now has) to a model.
 * Returns per rule: { rule, findings: [{ location, message }] }.
 */
export function applyMasterRules(
	model,
	{ installedRuleIds = new Set(), rules = MASTER_RULES } = {},
) {
	return rules.map((rule) => ({
		rule,
		skipped: installedRuleIds.has(rule.id),
		findings: installedRuleIds.has(rule.id) ? [] : rule.check(model),
	}));
}

/**
 * Compares findings with the ratchet list of known violations and the list of exemptions: every
 * finding must be listed in one of them (same rule and location), and every listed entry must still
 * be found. Known violations are pending work (the list only shrinks); an exemption is a rule
 * disabled at one place on purpose, with its reason (testkit/scan/exemptions.mjs), printed by the
 * scan on every run. Returns { known, exempt, fresh, stale, staleExemptions }.
 */
export function ratchet(results, knownList, exemptions = []) {
	const key = (rule, location) => `${rule}\u0000${location}`;
	const listed = new Map(knownList.map((entry) => [key(entry.rule, entry.location), entry]));
	const exempted = new Map(exemptions.map((entry) => [key(entry.rule, entry.location), entry]));
	const found = new Set();
	const known = [];
	const exempt = [];
	const fresh = [];
	for (const { rule, findings } of results) {
		for (const finding of findings) {
			const k = key(rule.id, finding.location);
			found.add(k);
			const entry = { rule: rule.id, severity: rule.severity, ...finding };
			if (exempted.has(k)) exempt.push({ ...entry, reason: exempted.get(k).reason });
			else (listed.has(k) ? known : fresh).push(entry);
		}
	}
	const activeIds = new Set(results.filter((r) => !r.skipped).map((r) => r.rule.id));
	const allIds = new Set(results.map((r) => r.rule.id));
	// A listed entry is stale when it no longer occurs, or names a rule the scan does not have.
	const isStale = (entry) =>
		!allIds.has(entry.rule) ||
		(activeIds.has(entry.rule) && !found.has(key(entry.rule, entry.location)));
	return {
		known,
		exempt,
		fresh,
		stale: knownList.filter(isStale),
		staleExemptions: exemptions.filter(isStale),
	};
}

/**
 * Builds the model from a package directory (the extracted tarball: package.json and dist/, whose
 * node and credential modules are loaded with require() as n8n loads them) and the work tree's
 * TypeScript sources. `requireFrom(file)` loads a module; the caller decides how n8n-workflow
 * resolves (scan.mjs links the work tree's node_modules beside the extracted package).
 */
export function loadModel({
	packageDir,
	packageFiles = [],
	sourceRoot,
	sourceFiles,
	readText,
	exists,
	requireFrom,
	join,
	dirname,
}) {
	const packageJson = JSON.parse(readText(join(packageDir, 'package.json')));
	const readIconNear = (file) => (relative) => {
		const full = join(dirname(file), relative);
		return exists(full) ? readText(full) : null;
	};
	const sources = sourceFiles
		.filter((file) => file.endsWith('.ts'))
		.map((file) => ({ file, text: readText(join(sourceRoot, file)) }));
	// The packed .node.js files too: no-hardcoded-ids reads .node.js as well as .node.ts (the other
	// source rules look for `implements INodeType`, which compiled JavaScript no longer has, or .node.ts only).
	const packedNodes = packageFiles
		.filter((file) => file.endsWith('.node.js'))
		.map((file) => ({ file, text: readText(join(packageDir, file)) }));
	const sourceOf = (distFile) => {
		const stem = basename(distFile).replace(/\.js$/, '.ts');
		return sources.find((s) => basename(s.file) === stem);
	};
	const nodes = (packageJson.n8n?.nodes ?? []).map((relative) => {
		const file = join(packageDir, relative);
		const exported = requireFrom(file);
		const className = Object.keys(exported).find((name) => typeof exported[name] === 'function');
		const instance = new exported[className]();
		const description =
			instance.description ?? instance.nodeVersions?.[instance.currentVersion]?.description;
		const codexFile = file.replace(/\.js$/, '.json');
		const source = sourceOf(relative);
		return {
			file: relative,
			className,
			description,
			codex: exists(codexFile) ? JSON.parse(readText(codexFile)) : undefined,
			codexFile: relative.replace(/\.js$/, '.json'),
			// The rules' AI_NODE_SDK_MODULE_NAMES: '@n8n/ai-node-sdk' and 'ai-node-sdk'.
			importsAiSdk: source
				? /(?:from\s*|import\s*|require\(\s*)['"](?:@n8n\/)?ai-node-sdk['"]/.test(source.text)
				: false,
			readIcon: readIconNear(file),
		};
	});
	const credentials = (packageJson.n8n?.credentials ?? []).map((relative) => {
		const file = join(packageDir, relative);
		const exported = requireFrom(file);
		const className = Object.keys(exported).find((name) => typeof exported[name] === 'function');
		return {
			file: relative,
			className,
			type: new exported[className](),
			readIcon: readIconNear(file),
		};
	});
	return { packageJson, nodes, credentials, sources: [...sources, ...packedNodes] };
}
