/**
 * Black Forest Labs' API hosts and the credential test's path, for both the node (BFL in
 * bfl.constants.ts) and the credential (credentials/BflApi.credentials.ts), which imports this file
 * alone: it imports nothing. Sources: docs/provider-facts.md.
 */
export const BFL_API = {
	/** API hosts by the credential's Region. `global` routes with automatic failover (BFL's default). */
	hosts: {
		global: 'https://api.bfl.ai',
		eu: 'https://api.eu.bfl.ai',
		us: 'https://api.us.bfl.ai',
	},
	/**
	 * Hosts for Generate with Fine-Tune, by the credential's Region. docs.bfl.ai/finetuning: fine-tune
	 * operations must use the single-cluster hosts `api.eu1`/`api.us1`, not the global or multi-cluster
	 * ones, and a fine-tune is found only in the region it was trained in. (A newer guideline page
	 * omits this: UNCONFIRMED whether the global host now finds fine-tunes too, docs/provider-facts.md
	 * BF-04.) Region Global has no single-cluster host; it uses `api.us1`, the host of BFL's own
	 * examples: UNCONFIRMED as the right guess (BF-04), so the credential's Region description asks for
	 * the training region. A credential Base URL replaces these, as it does the Region hosts.
	 */
	finetuneHosts: {
		global: 'https://api.us1.bfl.ai',
		eu: 'https://api.eu1.bfl.ai',
		us: 'https://api.us1.bfl.ai',
	},
	/** Credential test: `{credits}` for the key (free is UNCONFIRMED, likely: docs/provider-facts.md BF-05; it starts no job). */
	creditsPath: '/v1/credits',
} as const;
