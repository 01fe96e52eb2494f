import { runInNewContext } from 'node:vm';

import { describe, expect, it } from 'vitest';

import { BflApi } from '../../credentials/BflApi.credentials';
import { resolveCredentialTemplate } from '../../testkit/harness/context';

describe('BflApi credential', () => {
	const credential = new BflApi();

	it('keeps the key in a password field', () => {
		const key = credential.properties.find((p) => p.name === 'apiKey');
		expect(key?.typeOptions?.password).toBe(true);
		expect(key?.required).toBe(true);
	});

	it('signs requests with the "x-key" header, as BFL expects', () => {
		const auth = credential.authenticate as {
			type: string;
			properties: { headers: Record<string, string> };
		};
		expect(auth.type).toBe('generic');
		expect(Object.keys(auth.properties.headers)).toEqual(['x-key']);
		expect(
			resolveCredentialTemplate(auth.properties.headers['x-key'], { apiKey: 'bfl-dummy' }),
		).toBe('bfl-dummy');
	});

	it('offers the global, EU and US regions, global by default', () => {
		const region = credential.properties.find((p) => p.name === 'region');
		expect(region?.default).toBe('global');
		expect(region?.options?.map((o) => (o as { value: string }).value)).toEqual([
			'global',
			'eu',
			'us',
		]);
	});

	it("tests the key with GET /v1/credits on the region's host (or the base URL), which starts no job", () => {
		const request = credential.test.request;
		expect(request.method).toBe('GET');
		expect(request.url).toBe('/v1/credits');
		expect(JSON.stringify(request)).not.toMatch(/flux|get_result/);
		// The base URL expression as n8n evaluates it, for each region.
		const body = String(request.baseURL)
			.replace(/^=\{\{/, '')
			.replace(/\}\}$/, '');
		const evaluate = ($credentials: Record<string, string>) =>
			runInNewContext(body, { $credentials }) as string;
		expect(evaluate({ region: 'global', baseUrl: '' })).toBe('https://api.bfl.ai');
		expect(evaluate({ region: 'eu', baseUrl: '' })).toBe('https://api.eu.bfl.ai');
		expect(evaluate({ region: 'us', baseUrl: '' })).toBe('https://api.us.bfl.ai');
		expect(evaluate({ region: 'eu', baseUrl: 'http://127.0.0.1:8080/' })).toBe(
			'http://127.0.0.1:8080',
		);
	});
});
