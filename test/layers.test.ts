import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { checkLayers, LAYERS } from '../testkit/layers.mjs';

describe('the node only points down (node scripts/check-layers.mjs)', () => {
	it(`has no import cycle, no upward import (${LAYERS.join(' < ')}) and no provider importing another`, () => {
		const { files, violations } = checkLayers();
		expect(files).toBeGreaterThan(40);
		expect(violations).toEqual([]);
	});

	const scratch = mkdtempSync(join(tmpdir(), 'layers-'));
	afterAll(() => rmSync(scratch, { recursive: true, force: true }));
	const tree = (files: Record<string, string>) => {
		const dir = mkdtempSync(join(scratch, 't-'));
		for (const [path, text] of Object.entries(files)) {
			mkdirSync(dirname(join(dir, path)), { recursive: true });
			writeFileSync(join(dir, path), text);
		}
		return dir;
	};

	it('finds an upward import, a cycle, a provider importing another, a shared helper importing a provider, and a folder that is no layer', () => {
		const { violations } = checkLayers(
			tree({
				'shared/clock.ts': "import { run } from '../run/batch';\n",
				'run/batch.ts': "import { clock } from '../shared/clock';\nexport const run = 1;\n",
				'providers/a/a.provider.ts': "import { b } from '../b/b.provider';\n",
				'providers/b/b.provider.ts': "import { c } from '../common/c';\nexport const b = 1;\n",
				'providers/common/c.ts': "import { b } from '../b/b.provider';\nexport const c = 1;\n",
				'helpers/old.ts': 'export const x = 1;\n',
			}),
		);
		expect(violations).toEqual(
			expect.arrayContaining([
				'upward: shared/clock.ts (shared) imports run/batch.ts (run)',
				'cycle: run/batch.ts → shared/clock.ts',
				'across providers: providers/a/a.provider.ts imports providers/b/b.provider.ts',
				'shared helper names a provider: providers/common/c.ts imports providers/b/b.provider.ts',
				'cycle: providers/b/b.provider.ts → providers/common/c.ts',
				expect.stringMatching(/^helpers\/old\.ts: folder "helpers" is no layer/),
			]),
		);
		expect(violations).toHaveLength(6);
	});
});
