/**
 * Replicate's API host and the credential test's path, for both the node (REPLICATE in
 * replicate.constants.ts) and the credential (credentials/ReplicateApi.credentials.ts), which imports
 * this file alone: it imports nothing. Sources: docs/provider-facts.md.
 */
export const REPLICATE_API = {
	apiBase: 'https://api.replicate.com',
	/** Credential test: the key's own account, free, no prediction. */
	accountPath: '/v1/account',
} as const;
