/**
 * fal.ai's hosts and the credential test's request, for both the node (FAL in fal.constants.ts) and
 * the credential (credentials/FalApi.credentials.ts), which imports this file alone: it imports
 * nothing. Sources: docs/provider-facts.md.
 */
export const FAL_API = {
	/** Queue API host: submit, status, result, cancel. */
	queueBase: 'https://queue.fal.run',
	/** REST host: storage uploads and the credential test. */
	restBase: 'https://rest.fal.ai',
	/**
	 * Storage upload (what fal's own client does): initiate, then PUT the bytes to the returned URL.
	 * The credential test asks for such a slot: it needs a valid key, costs nothing, starts no job.
	 */
	uploadInitiate: { path: '/storage/upload/initiate', storageType: 'fal-cdn-v3' },
} as const;
