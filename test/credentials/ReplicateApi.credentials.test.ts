import { describe, expect, it } from 'vitest';

import { ReplicateApi } from '../../credentials/ReplicateApi.credentials';
import { resolveCredentialTemplate } from '../../testkit/harness/context';

describe('ReplicateApi credential', () => {
	const credential = new ReplicateApi();

	it('keeps the token in a password field', () => {
		const key = credential.properties.find((p) => p.name === 'apiKey');
		expect(key?.typeOptions?.password).toBe(true);
		expect(key?.required).toBe(true);
	});

	it('signs requests with "Authorization: Bearer <token>", as Replicate expects', () => {
		const auth = credential.authenticate as {
			type: string;
			properties: { headers: Record<string, string> };
		};
		expect(auth.type).toBe('generic');
		expect(
			resolveCredentialTemplate(auth.properties.headers.Authorization, { apiKey: 'r8_dummy' }),
		).toBe('Bearer r8_dummy');
	});

	it('tests the token with GET /v1/account, which is free and starts no prediction', () => {
		const request = credential.test.request;
		expect(request.method).toBe('GET');
		expect(request.url).toBe('/v1/account');
		expect(String(request.baseURL)).toContain('https://api.replicate.com');
		expect(JSON.stringify(request)).not.toMatch(/predictions|models|flux/);
	});
});
