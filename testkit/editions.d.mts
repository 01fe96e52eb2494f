export interface EditionSpec {
	id: string;
	displayName: string;
	credentialType: string;
	credentialClass: string;
	credentialFile: string;
	credentialDisplayName: string | undefined;
	icons: string[];
	packageName: string;
	names: string[];
}
export interface EditionLeak {
	file: string;
	text: string;
	context: string;
}
export function editionSpecs(from?: string): EditionSpec[];
export function editionModels(id: string, from?: string): string[];
export function namesRegex(names: string[]): RegExp;
export function packedFiles(dir: string): string[];
export function findLeaks(dir: string, spec: EditionSpec, specs?: EditionSpec[]): EditionLeak[];
export function editionReadme(
	readme: string,
	pkg: Record<string, unknown>,
	spec: EditionSpec,
	specs?: EditionSpec[],
): string;
export function prepareEdition(
	spec: EditionSpec,
	dir: string,
	from?: string,
): { dir: string; pkg: Record<string, unknown> };
export function buildEdition(dir: string): string;
export function packEdition(
	dir: string,
	dest: string,
): { tarball: string; size: number; unpackedSize: number; files: number };
export function scanEdition(
	dir: string,
	tarball: string,
): { passed: boolean; summary: string; master: string; findings: string[]; output: string };
export function makeEdition(
	spec: EditionSpec,
	dest?: string,
): {
	spec: EditionSpec;
	check: string;
	leaks: EditionLeak[];
	readmeMentions: number;
	tarball: string;
	size: number;
	unpackedSize: number;
	files: number;
	scan: ReturnType<typeof scanEdition>;
};
