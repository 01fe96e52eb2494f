import { describe, expect, it } from 'vitest';

import { RunflowApi } from '../../credentials/RunflowApi.credentials';
import { resolveCredentialTemplate } from '../../testkit/harness/context';

describe('RunflowApi credential', () => {
	const credential = new RunflowApi();

	it('keeps the key in a password field', () => {
		const key = credential.properties.find((p) => p.name === 'apiKey');
		expect(key?.typeOptions?.password).toBe(true);
		expect(key?.required).toBe(true);
	});

	it('signs requests with "Authorization: Bearer <key>", as Runflow expects', () => {
		const auth = credential.authenticate as {
			type: string;
			properties: { headers: Record<string, string> };
		};
		expect(auth.type).toBe('generic');
		expect(
			resolveCredentialTemplate(auth.properties.headers.Authorization, { apiKey: 'rf_live_dummy' }),
		).toBe('Bearer rf_live_dummy');
	});

	it('tests the key with GET /v1/auth/me, which is free and starts no run', () => {
		const request = credential.test.request;
		expect(request.method).toBe('GET');
		expect(request.url).toBe('/v1/auth/me');
		expect(String(request.baseURL)).toContain('https://api.runflow.io');
		expect(JSON.stringify(request)).not.toMatch(/runs|models|flux/);
	});
});
