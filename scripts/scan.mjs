// The offline scan (testkit/scan/scan.mjs): n8n's scanner rules and n8n master's community-node
// rules over the `npm pack` tarball (or the package folder or tarball given) and the sources.
//
//   node scripts/scan.mjs [<dir-or-.tgz>]
import { main } from '../testkit/scan/scan.mjs';

// n8n master's community-node rules that @n8n/eslint-plugin-community-nodes 0.32.0 (the newest on
// the registry) lacks, as this project implements them in testkit/scan/rules.mjs. The day a plugin
// release has them all (its top says how to tell): raise the devDependency, set this to false, and
// delete the files rules.mjs's top lists.
const MASTER_RULES = true;

main({ masterRules: MASTER_RULES }).catch((error) => {
	console.error(error);
	process.exit(1);
});
