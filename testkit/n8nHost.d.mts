export interface N8nHostPaths {
	/** n8n-2 or n8n-1. */
	name: string;
	dir: string;
	version: string;
	nodeDir: string;
	node: string;
	n8n: string;
}
export const HOSTS: string[];
export function ensureN8nHost(name?: string): N8nHostPaths;
export function hostPaths(dir: string): N8nHostPaths;
export function elapsed(ms: number): string;
export function step(label: string, detail: string, fn: () => void, watch?: string): void;
