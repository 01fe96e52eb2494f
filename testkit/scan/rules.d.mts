export interface Finding {
	location: string;
	message: string;
}
export interface ModelNode {
	file: string;
	className?: string;
	description: Record<string, any>;
	codex?: Record<string, any>;
	codexFile?: string;
	importsAiSdk?: boolean;
	readIcon: (path: string) => string | null;
}
export interface ModelCredential {
	file: string;
	className?: string;
	type: Record<string, any>;
	readIcon: (path: string) => string | null;
}
export interface Model {
	packageJson: Record<string, any>;
	nodes: ModelNode[];
	credentials: ModelCredential[];
	sources: Array<{ file: string; text: string }>;
}
export interface MasterRule {
	id: string;
	severity: 'error' | 'warn';
	kind: string;
	doc: string;
	source?: string;
	check(model: Model): Finding[];
}
export interface RuleResult {
	rule: MasterRule;
	skipped: boolean;
	findings: Finding[];
}
export interface KnownViolation {
	rule: string;
	location: string;
	note?: string;
}
export const MASTER_RULES: MasterRule[];
export const THEME_BACKGROUNDS: { light: string; dark: string };
export const DEFAULT_CONTRAST_MINIMUM: number;
export function parseColor(text: string): [number, number, number] | null;
export function contrastRatio(a: [number, number, number], b: [number, number, number]): number;
export function svgContrast(svg: string, background: string): number | null;
export function applyMasterRules(
	model: Model,
	options?: { installedRuleIds?: Set<string>; rules?: MasterRule[] },
): RuleResult[];
export interface Exemption {
	rule: string;
	location: string;
	reason: string;
}
export function currentVersion(description: Record<string, any> | undefined): number;
export function shownAtVersion(property: Record<string, any>, version: number): boolean;
export function olderVersionProperties(node: ModelNode): Array<Record<string, any>>;
export function ratchet(
	results: RuleResult[],
	knownList: KnownViolation[],
	exemptions?: Exemption[],
): {
	known: Array<Finding & { rule: string; severity: string }>;
	exempt: Array<Finding & { rule: string; severity: string; reason: string }>;
	fresh: Array<Finding & { rule: string; severity: string }>;
	stale: KnownViolation[];
	staleExemptions: Exemption[];
};
export function loadModel(options: {
	packageDir: string;
	packageFiles?: string[];
	sourceRoot: string;
	sourceFiles: string[];
	readText: (file: string) => string;
	exists: (file: string) => boolean;
	requireFrom: (file: string) => any;
	join: (...parts: string[]) => string;
	dirname: (file: string) => string;
}): Model;
