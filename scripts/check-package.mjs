// After a build: every path the package.json `n8n` block names exists in dist/, and every icon the
// node and credentials reference sits next to them, as n8n resolves `file:` icons. The links the
// node and credentials show (codex, documentationUrl) point into package.json's repository, the one
// place the repository, homepage and author are set. Run by `npm pack`/`npm publish` (prepack):
// there (npm_command=publish, or RELEASE_MODE=true as `n8n-node release` sets) it also refuses
// placeholders in those fields.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Values that are not a real home for a published package. */
const PLACEHOLDERS = [/\bexample\.(com|org|net)\b/i, /github\.com\/n8n-nodes-flux-ultra\//i];

/** The fields npm and n8n show for the package that still hold a placeholder. */
export function placeholderProblems(pkg) {
	const fields = {
		'repository.url': pkg.repository?.url,
		homepage: pkg.homepage,
		'bugs.url': pkg.bugs?.url,
		'author.name': pkg.author?.name,
		'author.email': pkg.author?.email,
		'author.url': pkg.author?.url,
	};
	return Object.entries(fields)
		.filter(([, value]) => typeof value === 'string' && PLACEHOLDERS.some((p) => p.test(value)))
		.map(
			([field, value]) =>
				`package.json ${field} is a placeholder (${value}): set the real one before publishing`,
		);
}

/** https://github.com/<owner>/<name> from package.json's repository.url. */
export function repositoryHome(pkg) {
	return /^(?:git\+)?(https:\/\/github\.com\/[\w.-]+\/[\w.-]+?)(?:\.git)?$/.exec(
		pkg.repository?.url ?? '',
	)?.[1];
}

function check(dir, releasing) {
	const require = createRequire(join(dir, 'package.json'));
	const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
	const problems = [];
	const icons = (icon) => (typeof icon === 'string' ? [icon] : icon ? Object.values(icon) : []);
	const home = repositoryHome(pkg);
	if (!home)
		problems.push(
			`package.json repository.url (${pkg.repository?.url}) is not a GitHub repository URL`,
		);
	const links = [];

	for (const file of [...pkg.n8n.nodes, ...pkg.n8n.credentials]) {
		const path = join(dir, file);
		if (!existsSync(path)) {
			problems.push(`${file} is listed in package.json but was not built`);
			continue;
		}
		const exported = require(path);
		const className = file.split('/').pop().split('.')[0];
		const Type = exported[className];
		if (!Type) {
			problems.push(`${file} does not export class ${className} (n8n looks for it by file name)`);
			continue;
		}
		const instance = new Type();
		for (const icon of icons(instance.description?.icon ?? instance.icon)) {
			const iconPath = join(dirname(path), icon.replace(/^file:/, ''));
			if (!existsSync(iconPath))
				problems.push(`${file} references ${icon}, missing at ${iconPath}`);
		}
		if (instance.documentationUrl)
			links.push([`${file} documentationUrl`, instance.documentationUrl]);
		const codex = path.replace(/\.js$/, '.json');
		if (file.includes('.node.')) {
			if (!existsSync(codex)) problems.push(`${file.replace(/\.js$/, '.json')} (codex) is missing`);
			else {
				const resources = JSON.parse(readFileSync(codex, 'utf8')).resources ?? {};
				for (const list of Object.values(resources))
					for (const { url } of list)
						links.push([`${file.replace(/\.js$/, '.json')} resources`, url]);
			}
		}
	}
	for (const [where, url] of links) {
		if (home && !String(url).startsWith(`${home}#`) && String(url) !== home) {
			problems.push(`${where} is ${url}, outside package.json's repository ${home}`);
		}
	}
	if (releasing) problems.push(...placeholderProblems(pkg));
	return { pkg, problems };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
	const releasing = process.env.npm_command === 'publish' || process.env.RELEASE_MODE === 'true';
	const { pkg, problems } = check(process.cwd(), releasing);
	if (problems.length) {
		console.error(`Package check failed:\n- ${problems.join('\n- ')}`);
		process.exit(1);
	}
	console.log(
		`Package check: ${pkg.n8n.nodes.length} node(s) and ${pkg.n8n.credentials.length} credential(s) built with their icons.`,
	);
}
