import type { ICredentialType, INodeProperties } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';

import { BflApi } from '../../credentials/BflApi.credentials';
import { FalApi } from '../../credentials/FalApi.credentials';
import { ReplicateApi } from '../../credentials/ReplicateApi.credentials';
import { RunflowApi } from '../../credentials/RunflowApi.credentials';

/**
 * Issue 31, point 6: the credential dialog says where the key is. n8n shows a field's `hint` under
 * it (its `description` only as a tooltip), so the key field's hint links the provider's own page
 * for creating a key, and API Base URL's says to leave it empty unless a proxy or a mock is used.
 * The pages, as each provider's documentation names them (docs/provider-facts.md, "Where the keys are").
 */
const KEY_PAGES: Array<[string, ICredentialType, string]> = [
	['fal.ai', new FalApi(), 'https://fal.ai/dashboard/keys'],
	['Runflow', new RunflowApi(), 'https://app.runflow.io/settings/api-keys'],
	['Black Forest Labs', new BflApi(), 'https://dashboard.bfl.ai/'],
	['Replicate', new ReplicateApi(), 'https://replicate.com/account/api-tokens'],
];

const field = (credential: ICredentialType, name: string) =>
	credential.properties.find((p) => p.name === name) as INodeProperties;

describe.each(KEY_PAGES)('the %s credential dialog', (_name, credential, page) => {
	it('links the page where a key is created, under the key field', () => {
		const hint = field(credential, 'apiKey').hint ?? '';
		expect(hint).toContain(`<a href="${page}" target="_blank">`);
		expect(hint).toMatch(/^(Create|Get|Copy)\b/);
	});

	it('says to leave API Base URL empty unless a proxy or a mock is used', () => {
		const hint = field(credential, 'baseUrl').hint ?? '';
		expect(hint).toMatch(/^Leave empty\b/);
		expect(hint).toMatch(/proxy/);
		expect(hint).toMatch(/mock/);
	});
});
