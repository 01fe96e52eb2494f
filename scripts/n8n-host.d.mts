export interface N8nHostPaths {
	dir: string;
	version: string;
	nodeDir: string;
	node: string;
	n8n: string;
}
export function ensureN8nHost(): N8nHostPaths;
export function hostPaths(dir: string): N8nHostPaths;
