import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

import ts from 'typescript';
import { describe, expect, it } from 'vitest';

import { PROVIDERS } from '../nodes/FluxUltra/providers/registry';

/**
 * A provider's name is written only in its own folder (nodes/FluxUltra/providers/<id>/), in the
 * registry and in its own credential: neutral code (parameters/, job/, run/, operations/, shared/,
 * transport/, providers/common/ and the other shared files of providers/, the node file) and other
 * providers' files name none, so a fifth provider edits none of them. String literals, template text, regular expressions and
 * identifiers count; comments may name providers as examples.
 */

/**
 * The words that name each provider, from the registry: its id as a word (`fal` in `isFalHost`,
 * `FAL_FIELDS`) and its display name as a phrase ("Black Forest Labs", also in `BlackForestLabs`).
 * A fifth provider is covered without editing this file.
 */
const NAMES: Record<string, { words: string[]; phrases: string[] }> = Object.fromEntries(
	PROVIDERS.map((p) => [
		p.id,
		{ words: [p.id.toLowerCase()], phrases: [p.displayName.toLowerCase()] },
	]),
);

/** `isFalHost` → is, fal, host; `FAL_FIELDS` → fal, fields; "fal.ai's fal_webhook" → fal, ai, s, fal, webhook. */
function words(text: string): string[] {
	return text
		.replace(/([a-z0-9])([A-Z])/g, '$1 $2')
		.replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
		.toLowerCase()
		.split(/[^a-z0-9]+/)
		.filter(Boolean);
}

/** The provider ids a piece of code names, each with the text that names it; comments are skipped. */
export function providerNamesIn(
	source: string,
	fileName = 'file.ts',
): Array<{ provider: string; text: string }> {
	const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
	const found: Array<{ provider: string; text: string }> = [];
	/** Identifiers match a display name by words (`BlackForestLabs`), text by the name as written (not the model owner `black-forest-labs/…`). */
	const check = (text: string, identifier: boolean) => {
		const ws = words(text);
		const lower = text.toLowerCase();
		const joined = ` ${ws.join(' ')} `;
		for (const [provider, { words: names, phrases }] of Object.entries(NAMES)) {
			const named =
				names.some((n) => ws.includes(n)) ||
				phrases.some(
					(p) => lower.includes(p) || (identifier && joined.includes(` ${words(p).join(' ')} `)),
				);
			if (named) found.push({ provider, text: text.slice(0, 120) });
		}
	};
	const visit = (node: ts.Node) => {
		if (ts.isIdentifier(node) || ts.isPrivateIdentifier(node)) check(node.text, true);
		else if (
			ts.isStringLiteralLike(node) ||
			ts.isTemplateLiteralToken(node) ||
			ts.isRegularExpressionLiteral(node)
		)
			check(node.text, false);
		ts.forEachChild(node, visit);
	};
	visit(file);
	return found;
}

function tsFiles(dir: string): string[] {
	return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
		const path = join(dir, entry.name);
		if (entry.isDirectory()) return tsFiles(path);
		return entry.name.endsWith('.ts') ? [path] : [];
	});
}

/** The provider a file may name: its folder under providers/, or the credential of its type; `*` for the registry. */
function ownerOf(path: string): string | undefined {
	const rel = relative('.', path).split('\\').join('/');
	if (
		rel === 'nodes/FluxUltra/providers/registry.ts' ||
		rel === 'nodes/FluxUltra/providers/edition.ts'
	)
		return '*';
	const folder = /^nodes\/FluxUltra\/providers\/([^/]+)\//.exec(rel)?.[1];
	if (folder) return folder;
	const credential = /^credentials\/([^/]+)\.credentials\.ts$/.exec(rel)?.[1];
	if (credential)
		return PROVIDERS.find((p) => p.credentialType.toLowerCase() === credential.toLowerCase())?.id;
	return undefined;
}

describe('a provider is named only in its own folder, the registry and its own credential', () => {
	it('the check sees names in strings, templates and identifiers, not in comments', () => {
		const source = [
			'// fal.ai, Runflow, BFL and Replicate may be named in a comment',
			'/** Black Forest Labs too. */',
			'class BlackForestLabsSession {}',
			"const note = 'pick a fal.ai credential';",
			'const text = `${x} on Black Forest Labs`;',
			'function isRunflowHost() {}',
			'const REPLICATE_FIELDS = 1;',
			"const fallback = false; const failed = 'failover'; // no provider: fal is not a word here",
		].join('\n');
		expect(providerNamesIn(source).map((f) => f.provider)).toEqual([
			'bfl',
			'fal',
			'bfl',
			'runflow',
			'replicate',
		]);
	});

	it('knows every provider of the registry, by id and by display name', () => {
		for (const p of PROVIDERS) {
			expect(
				providerNamesIn(`const x = ${JSON.stringify(`Pick ${p.displayName}.`)};`).map(
					(f) => f.provider,
				),
				p.displayName,
			).toEqual([p.id]);
			expect(
				providerNamesIn(`const ${p.id}Session = 1;`).map((f) => f.provider),
				p.id,
			).toEqual([p.id]);
		}
	});

	it('holds in nodes/ and credentials/', () => {
		const files = [...tsFiles('nodes'), ...tsFiles('credentials')];
		expect(files.length).toBeGreaterThan(50);
		const misplaced = files.flatMap((path) => {
			const owner = ownerOf(path);
			if (owner === '*') return [];
			return providerNamesIn(readFileSync(path, 'utf8'), path)
				.filter((f) => f.provider !== owner)
				.map((f) => `${path}: ${f.provider} in "${f.text}"`);
		});
		expect(misplaced).toEqual([]);
	});
});
