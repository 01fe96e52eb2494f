// Installs the pinned n8n host if needed (testkit/n8nHost.mjs) and prints its paths as JSON.
//
//   node scripts/n8n-host.mjs [n8n-2|n8n-1]
import { ensureN8nHost } from '../testkit/n8nHost.mjs';

process.stdout.write(`${JSON.stringify(ensureN8nHost(process.argv[2]), null, 2)}\n`);
