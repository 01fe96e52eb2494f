// Shows whether nodes/ only points down (testkit/layers.mjs): exit 1 on any cycle or upward import.
//
//   node scripts/check-layers.mjs
import { checkLayers, LAYERS } from '../testkit/layers.mjs';

const { files, imports, violations } = checkLayers();
console.log(`layers (bottom first): ${LAYERS.join(' < ')}`);
console.log(`${files} files, ${imports} relative imports, ${violations.length} violations`);
for (const v of violations) console.log(`  ${v}`);
process.exit(violations.length ? 1 : 0);
