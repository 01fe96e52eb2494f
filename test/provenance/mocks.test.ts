import nock from 'nock';
import { afterAll, beforeAll, expect, it } from 'vitest';

import { createHarness } from '../../testkit/harness/context';
import { startMockBfl } from '../../testkit/mocks/bflServer';
import { CREDENTIALS_MARKER, mockSigner } from '../../testkit/mocks/credentials';
import { startMockFal } from '../../testkit/mocks/falServer';
import { startMockReplicate } from '../../testkit/mocks/replicateServer';
import { startMockRunflow } from '../../testkit/mocks/runflowServer';
import { readCredentials } from '../../testkit/provenance/c2pa';
import { sha256 } from '../../testkit/provenance/files';

/**
 * The four loopback mock providers serve images with Content Credentials when a job's prompt asks
 * ([c2pa]) and without otherwise; the node, over real sockets, reports each and passes the signed
 * file on unchanged (its SHA-256 is that of a fresh download of the same link), valid for the SDK.
 */

const servers = {
	fal: () => startMockFal({ latencyMs: 200, scale: 0.02 }),
	bfl: () => startMockBfl({ latencyMs: 200, scale: 0.02 }),
	replicate: () => startMockReplicate({ latencyMs: 200, scale: 0.02 }),
	runflow: () => startMockRunflow({ latencyMs: 200, scale: 0.02 }),
};
const credentialName = {
	fal: 'falApi',
	bfl: 'bflApi',
	replicate: 'replicateApi',
	runflow: 'runflowApi',
} as const;

type Mock = Awaited<ReturnType<(typeof servers)['fal']>>;
const mocks: Partial<Record<keyof typeof servers, Mock>> = {};

beforeAll(async () => {
	nock.enableNetConnect('127.0.0.1');
	for (const [id, start] of Object.entries(servers))
		mocks[id as keyof typeof servers] = (await start()) as Mock;
});
afterAll(async () => {
	for (const mock of Object.values(mocks)) await mock.close();
});

for (const provider of Object.keys(servers) as Array<keyof typeof servers>) {
	it(`${provider} mock: an image with Content Credentials when the prompt asks, one without otherwise`, async () => {
		const mock = mocks[provider]!;
		const run = async (prompt: string) => {
			const [out] = await createHarness({
				params: {
					provider,
					operation: 'generate',
					prompt,
					imageSource: 'none',
					aspectRatio: '1:1',
					numImages: 1,
					outputFormat: 'png',
					options: { aiLabel: true },
				},
				credentials: {
					[credentialName[provider]]: {
						apiKey: 'dummy-example-key',
						region: 'eu',
						baseUrl: mock.url,
					},
				},
			}).run();
			return out[0];
		};
		const plain = await run('a mug');
		expect(plain.json.provenance).toMatchObject({ c2pa: false, labelled: true });

		const credentialed = await run(`${CREDENTIALS_MARKER} a mug`);
		const bytes = Buffer.from(credentialed.binary!.data.data, 'base64');
		expect(credentialed.json.provenance).toMatchObject({
			c2pa: true,
			claimGenerator: 'FLUX Ultra mock provider/1.0',
			issuer: 'FLUX Ultra mock provider (test certificate)',
			labelled: false,
		});
		const again = Buffer.from(await (await fetch(String(credentialed.json.url))).arrayBuffer());
		expect(sha256(bytes)).toBe(sha256(again));
		expect((await readCredentials(bytes, 'image/png', mockSigner()))?.state).toBe('Trusted');
	});
}
