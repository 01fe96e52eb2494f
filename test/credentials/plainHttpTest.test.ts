import nock from 'nock';
import { describe, expect, it } from 'vitest';

import { BflApi } from '../../credentials/BflApi.credentials';
import { FalApi } from '../../credentials/FalApi.credentials';
import { ReplicateApi } from '../../credentials/ReplicateApi.credentials';
import { RunflowApi } from '../../credentials/RunflowApi.credentials';
import { runCredentialTest } from '../../testkit/harness/n8nCredentialTest';
import type { SentRequest } from '../../testkit/harness/n8nHttp';
import { useNock } from '../setupNock';

/**
 * Issue 27, item 6: a credential's *Test* request (sent by n8n when the credential is saved) must
 * not carry the key over plain http to a public host, which the node itself refuses at run time.
 * Each case runs n8n's own credential-test path (n8n-core's RoutingNode, as CredentialsTester does).
 */

useNock();

const KEY = 'example-dummy-key-0123456789';
const CREDENTIALS = [
	['falApi', new FalApi(), { apiKey: KEY }, 'https://rest.fal.ai'],
	['runflowApi', new RunflowApi(), { apiKey: KEY }, 'https://api.runflow.io'],
	['bflApi', new BflApi(), { apiKey: KEY, region: 'global' }, 'https://api.bfl.ai'],
	['replicateApi', new ReplicateApi(), { apiKey: KEY }, 'https://api.replicate.com'],
] as const;

/** Every request n8n's test path sent, as it left: any that reached a nocked host is recorded too. */
async function testWith(
	credential: (typeof CREDENTIALS)[number][1],
	data: Record<string, string>,
	origins: string[],
) {
	const log: SentRequest[] = [];
	const arrived: string[] = [];
	for (const origin of origins)
		for (const method of ['GET', 'POST'])
			nock(origin)
				.persist()
				.intercept(/.*/, method)
				.query(true)
				.reply(function (uri) {
					arrived.push(`${method} ${origin}${uri} ${JSON.stringify(this.req.headers)}`);
					return [200, { ok: true }];
				});
	let error: unknown;
	await runCredentialTest(credential, data, log).catch((e: unknown) => (error = e));
	return { log, arrived, error };
}

describe.each(CREDENTIALS)('the %s credential test', (_name, credential, data, production) => {
	for (const base of [
		'http://fal-proxy.example.com',
		'http://proxy.example.com:8080/api/',
		'HTTP://proxy.example.com',
		' http://proxy.example.com',
		'http://127.0.0.1@proxy.example.com',
		'http://localhost.proxy.example.com',
		'http://127.0.0.1.nip.io',
		'http://8.8.8.8',
	]) {
		it(`sends no key over plain http to a public host (${JSON.stringify(base)})`, async () => {
			const host = new URL(base.trim()).origin;
			const { arrived, error } = await testWith(credential, { ...data, baseUrl: base }, [host]);
			expect(arrived).toEqual([]);
			expect(String((error as Error).message)).toMatch(
				/Unsupported protocol plain-http-to-a-public-host-is-refused-use-https:/,
			);
		});
	}

	it("with no API Base URL, tests on the provider's own https host", async () => {
		const { arrived, error } = await testWith(credential, { ...data, baseUrl: '' }, [production]);
		expect(error).toBeUndefined();
		expect(arrived).toHaveLength(1);
		expect(arrived[0]).toMatch(/^(GET|POST) https:\/\//);
	});

	it('still tests over https, and over plain http on a loopback or private mock', async () => {
		for (const base of [
			'https://proxy.example.com',
			'http://127.0.0.1:4010',
			'http://localhost:4010/',
			'http://10.0.0.5:8080',
			'http://192.168.1.20',
			'http://bfl-mock:4010',
			'http://[::1]:4010',
		]) {
			const origin = new URL(base).origin;
			const { arrived, error } = await testWith(credential, { ...data, baseUrl: base }, [origin]);
			expect([base, arrived.length, error]).toEqual([base, 1, undefined]);
			expect(arrived[0]).toContain(KEY);
			nock.cleanAll();
		}
	});
});
