import { createServer, type IncomingMessage } from 'node:http';

import nock from 'nock';
import type { INodeExecutionData } from 'n8n-workflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createHarness } from '../../testkit/harness/context';
import { startMockBfl } from '../../testkit/mocks/bflServer';
import { startMockFal } from '../../testkit/mocks/falServer';
import {
	listenLoopback,
	readBody,
	skippableClock,
	type WebhookDelivery,
} from '../../testkit/mocks/loopback';
import { startMockReplicate } from '../../testkit/mocks/replicateServer';
import { startMockRunflow } from '../../testkit/mocks/runflowServer';

/**
 * Submit now, collect later, over real loopback sockets against each mock provider: Wait for
 * Completion off creates the jobs and answers at once; the provider calls the Completion Webhook
 * URL when a job ends; Get Result then emits the images exactly as a waiting run does.
 */

interface Driver {
	id: string;
	start(): Promise<{ url: string; webhooks: WebhookDelivery[]; close(): Promise<void> }>;
	credentials(url: string): Record<string, Record<string, string>>;
	/** Job creations and status reads the mock has answered so far. */
	creates(mock: unknown): number;
	reads(mock: unknown): number;
	/** Jobs one item with Number of Images 2 makes. */
	jobsPerItem: number;
}

const LATENCY = 600;
/** The mocks' job clock: frozen while a test asserts that jobs still run, skipped ahead instead of sleeping. */
const jobTime = skippableClock();
const counts = (mock: unknown) => (mock as { counts: Record<string, number> }).counts;

const DRIVERS: Driver[] = [
	{
		id: 'fal',
		start: () => startMockFal({ latencyMs: LATENCY, scale: 0.05, now: jobTime.now }),
		credentials: (url) => ({ falApi: { apiKey: 'dummy-fal-key', baseUrl: url } }),
		creates: (m) => counts(m).submit,
		reads: (m) => counts(m).status + counts(m).result,
		jobsPerItem: 1,
	},
	{
		id: 'runflow',
		start: () => startMockRunflow({ latencyMs: LATENCY, scale: 0.05, now: jobTime.now }),
		credentials: (url) => ({ runflowApi: { apiKey: 'rf_live_dummy_example', baseUrl: url } }),
		creates: (m) => counts(m).create,
		reads: (m) => counts(m).poll,
		jobsPerItem: 1,
	},
	{
		id: 'bfl',
		start: () => startMockBfl({ latencyMs: LATENCY, scale: 0.05, now: jobTime.now }),
		credentials: (url) => ({
			bflApi: { apiKey: 'bfl-dummy-example', region: 'global', baseUrl: url },
		}),
		creates: (m) => counts(m).submit,
		reads: (m) => counts(m).poll,
		jobsPerItem: 2,
	},
	{
		id: 'replicate',
		start: () => startMockReplicate({ latencyMs: LATENCY, scale: 0.05, now: jobTime.now }),
		credentials: (url) => ({ replicateApi: { apiKey: 'r8_dummy_example', baseUrl: url } }),
		creates: (m) => counts(m).create,
		reads: (m) => counts(m).poll,
		jobsPerItem: 2,
	},
];

/** A stand-in for n8n's resume URL: records every POST it gets. */
async function startReceiver() {
	const calls: Array<{ path: string; body: unknown }> = [];
	const server = createServer((req: IncomingMessage, res) => {
		void readBody(req).then((body) => {
			calls.push({
				path: req.url ?? '',
				body: JSON.parse(body.toString('utf8') || 'null') as unknown,
			});
			res.writeHead(200, { 'content-type': 'application/json' });
			res.end('{}');
		});
	});
	const loopback = await listenLoopback(server);
	return { url: `${loopback.url}/webhook-waiting/exec-1`, calls, close: loopback.close };
}

async function until(check: () => boolean, timeoutMs = 10_000) {
	const deadline = Date.now() + timeoutMs;
	while (!check()) {
		if (Date.now() > deadline) throw new Error('timed out');
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
}

/** Get Result's fields as n8n resolves their default expressions against each incoming item. */
function getResultParams(provider: string, items: INodeExecutionData[]) {
	return {
		provider,
		operation: 'getResult',
		requestId: (i: number) => items[i].json.requestId,
		jobLinks: (i: number) => items[i].json.links,
		options: {},
	};
}

/** An image item's JSON without what differs from job to job. */
function stable(json: Record<string, unknown>) {
	const { requestId, seed, url, fileName, fileSize, ...rest } = json;
	return {
		...rest,
		keys: Object.keys(json).sort(),
		fileName: typeof fileName === 'string' && fileName.includes(String(requestId)),
		url: typeof url,
		seed: typeof seed,
		fileSize: typeof fileSize,
	};
}

describe.each(DRIVERS)('submit now, collect later on the mock $id', (driver) => {
	let mock: Awaited<ReturnType<Driver['start']>>;
	let receiver: Awaited<ReturnType<typeof startReceiver>>;
	beforeAll(async () => {
		nock.enableNetConnect('127.0.0.1');
		mock = await driver.start();
		receiver = await startReceiver();
	});
	afterAll(async () => {
		await mock.close();
		await receiver.close();
	});

	const generate = (extra: Record<string, unknown> = {}) => ({
		provider: driver.id,
		operation: 'generate',
		prompt: (i: number) => `brief ${i}`,
		imageSource: 'none',
		aspectRatio: '3:2',
		numImages: 2,
		outputFormat: 'jpeg',
		options: {},
		...extra,
	});
	const inputs = [{ json: { brief: 0 } }, { json: { brief: 1 } }];

	it('Wait for Completion off: one item per job at once, no status read; the webhook is called when each job ends; Get Result emits what a waiting run emits', async () => {
		// The jobs stay running (the mocks' clock stands still) until the test moves it on.
		jobTime.freeze();
		const createsBefore = driver.creates(mock);
		const readsBefore = driver.reads(mock);
		const hooksBefore = mock.webhooks.length;
		const [submitted] = await createHarness({
			params: generate({ waitForCompletion: false, options: { webhookUrl: receiver.url } }),
			items: inputs,
			credentials: driver.credentials(mock.url),
		}).run();

		const jobs = 2 * driver.jobsPerItem;
		expect(submitted).toHaveLength(jobs);
		expect(driver.creates(mock) - createsBefore).toBe(jobs);
		expect(driver.reads(mock) - readsBefore).toBe(0);
		submitted.forEach((item, n) => {
			const itemIndex = Math.floor(n / driver.jobsPerItem);
			expect(item.pairedItem).toEqual({ item: itemIndex });
			expect(item.binary).toBeUndefined();
			expect(item.json).toMatchObject({
				provider: driver.id,
				operation: 'generate',
				status: 'submitted',
				item: itemIndex,
				imageCount: 2,
				prompt: `brief ${itemIndex}`,
				aspectRatio: '3:2',
			});
			expect(item.json.imageIndex).toBe(driver.jobsPerItem === 2 ? n % 2 : 0);
			expect(typeof item.json.requestId).toBe('string');
			// Plain JSON: it survives a Wait node, queue mode and a saved execution as it is.
			expect(JSON.parse(JSON.stringify(item.json))).toEqual(item.json);
			for (const link of Object.values(item.json.links as Record<string, string>))
				expect(link.startsWith(mock.url)).toBe(true);
		});
		// The provider got the webhook URL in its own field: the mock calls it.
		expect(mock.webhooks.slice(hooksBefore).map((w) => w.url)).toEqual(
			Array(jobs).fill(receiver.url),
		);

		// Too early: the jobs still run, and Get Result says so, ready to be fed back in.
		const [early] = await createHarness({
			params: getResultParams(driver.id, submitted),
			items: submitted,
			credentials: driver.credentials(mock.url),
		}).run();
		expect(early).toHaveLength(jobs);
		early.forEach((item, n) => {
			expect(item.pairedItem).toEqual({ item: n });
			expect(item.json).toEqual({
				...submitted[n].json,
				status: 'running',
				providerStatus: expect.any(String),
			});
		});

		await until(
			() =>
				receiver.calls.length >= jobs &&
				mock.webhooks.slice(hooksBefore).every((w) => w.status === 200),
		);
		jobTime.skip(LATENCY); // the jobs have run: their webhooks came
		const [images] = await createHarness({
			params: getResultParams(driver.id, submitted),
			items: submitted,
			credentials: driver.credentials(mock.url),
		}).run();
		expect(driver.creates(mock) - createsBefore).toBe(jobs);

		const [waited] = await createHarness({
			params: generate(),
			items: inputs,
			credentials: driver.credentials(mock.url),
		}).run();
		expect(images).toHaveLength(4);
		expect(images.map((item) => stable(item.json))).toEqual(
			waited.map((item) => stable(item.json)),
		);
		for (const [n, item] of images.entries()) {
			expect(item.pairedItem).toEqual({ item: driver.jobsPerItem === 2 ? n : Math.floor(n / 2) });
			expect(item.json.requestId).toBe(
				submitted[driver.jobsPerItem === 2 ? n : Math.floor(n / 2)].json.requestId,
			);
			// Byte-exact: the file the provider serves at the image's link.
			const bytes = Buffer.from(await (await fetch(String(item.json.url))).arrayBuffer());
			expect(Buffer.from(item.binary!.data.data, 'base64').equals(bytes)).toBe(true);
			expect(item.binary!.data.fileName).toBe(
				`flux-${String(item.json.requestId)}-${Number(item.json.imageIndex) + 1}.jpg`,
			);
		}
	});

	it('Get Result with a typed-in request ID and no links builds the links from the ID', async () => {
		const [submitted] = await createHarness({
			params: generate({ numImages: 1, waitForCompletion: false }),
			credentials: driver.credentials(mock.url),
		}).run();
		jobTime.skip(LATENCY + 50); // past the mock's latency: the job has run
		const [out] = await createHarness({
			params: {
				provider: driver.id,
				operation: 'getResult',
				requestId: submitted[0].json.requestId,
				jobLinks: '',
				options: {},
			},
			credentials: driver.credentials(mock.url),
		}).run();
		expect(out).toHaveLength(1);
		expect(out[0].json).toMatchObject({
			provider: driver.id,
			requestId: submitted[0].json.requestId,
			contentType: 'image/jpeg',
			imageIndex: 0,
		});
		expect(out[0].binary?.data).toBeDefined();
	});
});
