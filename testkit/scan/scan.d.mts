import type { ESLint } from 'eslint';

export function scanConfig(): unknown[];
export function packageFiles(dir: string): string[];
export function sourceFiles(dir: string): string[];
export function lintLikeScanner(
	dir: string,
	files: string[],
): Promise<{ eslint: ESLint; results: ESLint.LintResult[]; rules: Set<string> }>;
