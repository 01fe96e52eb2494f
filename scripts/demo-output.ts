/**
 * The demos' output folders. `npm run demo` writes to ./demo-output, `npm run demo:quick` to
 * ./demo-output-quick (DEMO_OUTPUT overrides either; blank counts as unset). A run removes only the
 * images an earlier run of the same demo wrote there, never the folder or anything else in it.
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';

export function demoOutputDir(fallback: string, env: NodeJS.ProcessEnv = process.env): string {
	return resolve(env.DEMO_OUTPUT?.trim() || fallback);
}

/** Makes dir, then removes the files in it that `owns` names as this demo's images. */
export function clearOwnImages(dir: string, owns: (name: string) => boolean): void {
	mkdirSync(dir, { recursive: true });
	for (const entry of readdirSync(dir, { withFileTypes: true })) {
		if (entry.isFile() && /\.(png|jpe?g|webp)$/i.test(entry.name) && owns(entry.name))
			rmSync(resolve(dir, entry.name));
	}
}
