// Removes the previous build so dist/ holds exactly what this build produced.
import { rmSync } from 'node:fs';

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
rmSync(new URL('../tsconfig.tsbuildinfo', import.meta.url), { force: true });
