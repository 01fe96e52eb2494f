import { describe, expect, it } from 'vitest';

import { FalApi } from '../../credentials/FalApi.credentials';
import { resolveCredentialTemplate } from '../../testkit/harness/context';

describe('FalApi credential', () => {
	const credential = new FalApi();

	it('keeps the key in a password field', () => {
		const key = credential.properties.find((p) => p.name === 'apiKey');
		expect(key?.typeOptions?.password).toBe(true);
		expect(key?.required).toBe(true);
	});

	it('signs requests with "Authorization: Key <key>", as fal.ai expects', () => {
		const auth = credential.authenticate as {
			type: string;
			properties: { headers: Record<string, string> };
		};
		expect(auth.type).toBe('generic');
		expect(
			resolveCredentialTemplate(auth.properties.headers.Authorization, { apiKey: 'dummy-key' }),
		).toBe('Key dummy-key');
	});

	it('tests the key against the storage API, never against a model endpoint that bills', () => {
		const request = credential.test.request;
		expect(request.method).toBe('POST');
		expect(request.url).toBe('/storage/upload/initiate');
		expect(String(request.baseURL)).toContain('https://rest.fal.ai');
		expect(JSON.stringify(request)).not.toMatch(/queue\.fal\.run|fal\.run|flux/);
	});
});
