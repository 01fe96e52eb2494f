import type {
	IAdditionalCredentialOptions,
	ICredentialDataDecryptedObject,
	IExecuteFunctions,
} from 'n8n-workflow';

/**
 * The credential, read once per execution and handed to every signed request. Without it, n8n's
 * httpRequestWithAuthentication loads the credential from its database and decrypts it again for
 * each request: three times per job (submit, status, result), which the scale series of
 * `npm run bench` showed as a few milliseconds of n8n's one thread per request. Keyed by the
 * execution's context object, so nothing outlives the execution or crosses to another one.
 */
const perExecution = new WeakMap<object, Map<string, Promise<ICredentialDataDecryptedObject>>>();

export async function executionCredentials(
	ctx: IExecuteFunctions,
	type: string,
): Promise<ICredentialDataDecryptedObject> {
	let byType = perExecution.get(ctx);
	if (!byType) perExecution.set(ctx, (byType = new Map()));
	let entry = byType.get(type);
	if (!entry) {
		const read = ctx.getCredentials(type);
		entry = read;
		byType.set(type, read);
		// A failed read is not kept: the next request asks n8n again (and reports its error).
		read.catch(() => byType.delete(type));
	}
	return await entry;
}

/** The options that make httpRequestWithAuthentication sign with the credential already read. */
export async function signingOptions(
	ctx: IExecuteFunctions,
	type: string,
): Promise<IAdditionalCredentialOptions> {
	const data = await executionCredentials(ctx, type);
	return { credentialsDecrypted: { id: '', name: type, type, data } };
}
