/**
 * Runflow's API host and the credential test's path, for both the node (RUNFLOW in
 * runflow.constants.ts) and the credential (credentials/RunflowApi.credentials.ts), which imports
 * this file alone: it imports nothing. Sources: docs/provider-facts.md.
 */
export const RUNFLOW_API = {
	apiBase: 'https://api.runflow.io',
	/** Credential test: the key's own user (RF-07: "A `200` with your account payload confirms the key works"); starts no run. */
	authCheckPath: '/v1/auth/me',
} as const;
