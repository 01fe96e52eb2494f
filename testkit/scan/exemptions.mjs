// Rules of n8n master's community-node config (testkit/scan/rules.mjs) that this package disables at
// one place, on purpose, each with its reason. `npm run scan` prints every entry on every run, and
// fails when an entry no longer matches a finding (then delete it). Unlike known.mjs (work
// pending), these stay: they are what the full four-provider package is.
//
// The one reason: failover. The Fallback Provider runs an item at a second provider when the first
// provably did not take its job or failed it, and that needs the second provider's key, so the node
// shows and uses two credentials at once (master's single-credential-per-node: "Disable it for a
// trigger that needs separate credentials"; here a node that needs them for failover). n8n decides
// which credentials a node shows, and lets it use at run time, from its top-level parameters only
// (n8n-core getCredentials → NodeHelpers.displayParameter): a field in a collection is absent until
// the user adds it, and an absent value cannot hide the second credential. So the Fallback Provider
// (one field per primary provider, shown beside it) stays at the top level in version 2 too, where
// non-required-fields-in-collection reports it.
//
// n8n's own scanner lints with inline configuration off, so it would not honour a disable comment: a
// package for n8n's verification is one without failover (one provider, one credential).
const FAILOVER =
	'failover: the Fallback Provider needs a second credential, and n8n shows or grants a credential from top-level parameters only (see testkit/scan/exemptions.mjs)';
const node = (path) => `FluxUltra.node › properties › ${path}`;

export const EXEMPTIONS = [
	{
		rule: 'single-credential-per-node',
		location: 'FluxUltra.node › credentials',
		reason: FAILOVER,
	},
	{
		rule: 'non-required-fields-in-collection',
		location: node('fallbackFromFal'),
		reason: FAILOVER,
	},
	{
		rule: 'non-required-fields-in-collection',
		location: node('fallbackFromRunflow'),
		reason: FAILOVER,
	},
	{
		rule: 'non-required-fields-in-collection',
		location: node('fallbackFromBfl'),
		reason: FAILOVER,
	},
	{
		rule: 'non-required-fields-in-collection',
		location: node('fallbackFromReplicate'),
		reason: FAILOVER,
	},
];
