import { dirname, join, normalize } from 'node:path';

/**
 * Markdown as GitHub renders it, for the tests that keep the documentation's links working
 * (test/docLinks.test.ts, test/readme.test.ts).
 */

/** Lines outside fenced code blocks, with inline code spans blanked (links in code are not links). */
function prose(markdown: string): string[] {
	let fenced = false;
	return markdown.split('\n').map((line) => {
		if (/^\s*(```|~~~)/.test(line)) {
			fenced = !fenced;
			return '';
		}
		return fenced ? '' : line;
	});
}

/**
 * GitHub's heading anchor (github-slugger, as github.com renders Markdown): the heading's text as
 * rendered (inline code keeps its content, emphasis and link syntax go), lower-cased, every
 * character that is not a letter, mark, digit, connector (`_`), space or hyphen removed, spaces
 * turned into hyphens. A repeated slug gets `-1`, `-2`, … in order of appearance.
 */
export function githubSlug(heading: string): string {
	const text = heading
		.replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
		.replace(/`([^`]*)`/g, '$1')
		.replace(/<[^>]+>/g, '')
		.replace(/(\*\*|__|\*)/g, '');
	return text
		.trim()
		.toLowerCase()
		.replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
		.replace(/ /g, '-');
}

/** The anchors a Markdown file offers: its headings' slugs (numbered when repeated) and explicit ids. */
export function anchorsOf(markdown: string): Set<string> {
	const anchors = new Set<string>();
	const seen = new Map<string, number>();
	let fenced = false;
	for (const line of markdown.split('\n')) {
		if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
		if (fenced) continue;
		const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
		if (heading) {
			const slug = githubSlug(heading[1]);
			const count = seen.get(slug) ?? 0;
			anchors.add(count === 0 ? slug : `${slug}-${count}`);
			seen.set(slug, count + 1);
		}
		for (const id of line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(id[1]);
	}
	return anchors;
}

/** Relative link targets (images included) of a Markdown file, as written. */
export function linksOf(markdown: string): string[] {
	const links: string[] = [];
	for (const line of prose(markdown)) {
		const text = line.replace(/`[^`]*`/g, '');
		for (const m of text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) links.push(m[1]);
	}
	return links.filter((l) => !/^[a-z][a-z0-9+.-]*:/i.test(l));
}

/** What is wrong with one link from `from`, or undefined when it resolves. */
export function brokenLink(
	from: string,
	link: string,
	read: (path: string) => string | undefined,
): string | undefined {
	const [pathPart, anchor] = link.split('#', 2) as [string, string | undefined];
	const target = pathPart === '' ? from : normalize(join(dirname(from), decodeURI(pathPart)));
	const text = read(target);
	if (text === undefined) return `${link}: no file ${target}`;
	if (anchor === undefined || anchor === '') return undefined;
	if (!target.endsWith('.md')) return `${link}: an anchor into ${target}, which is not Markdown`;
	return anchorsOf(text).has(decodeURIComponent(anchor))
		? undefined
		: `${link}: ${target} has no heading #${anchor}`;
}
