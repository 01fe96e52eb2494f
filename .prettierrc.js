// n8n's node starter's Prettier settings (n8n-io/n8n-nodes-starter, .prettierrc.js), with the tabs
// the code already uses. `npm run format` applies it; `npm run format:check` is part of `npm run lint`.
module.exports = {
	semi: true,
	trailingComma: 'all',
	bracketSpacing: true,
	useTabs: true,
	tabWidth: 2,
	arrowParens: 'always',
	singleQuote: true,
	quoteProps: 'as-needed',
	endOfLine: 'lf',
	printWidth: 100,
};
