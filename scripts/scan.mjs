// The offline scan (testkit/scan/scan.mjs): n8n's scanner rules and n8n master's community-node
// rules over the `npm pack` tarball (or the package folder or tarball given) and the sources.
//
//   node scripts/scan.mjs [<dir-or-.tgz>]
import { main } from '../testkit/scan/scan.mjs';

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
