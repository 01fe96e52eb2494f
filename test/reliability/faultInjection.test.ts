import type { INodeExecutionData } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';

import { useVirtualClock } from '../../testkit/harness/clock';
import {
	createHarness,
	DUMMY_FAL_KEY,
	DUMMY_RUNFLOW_KEY,
	type Harness,
} from '../../testkit/harness/context';
import { GENERATE_PARAMS } from '../../testkit/harness/falNock';
import {
	FaultInjector,
	faultyFal,
	faultyRunflow,
	imageFor,
	type FakeProvider,
} from '../../testkit/harness/faultyProviders';
import { RUNFLOW_GENERATE_PARAMS } from '../../testkit/harness/runflowNock';
import { makePng } from '../../testkit/mocks/images';
import { useNock } from '../setupNock';
import { findSecrets } from './leaks';
import { errorOf } from '../../testkit/harness/errorItems';

useNock();

const JOBS_PER_PROVIDER = Number(process.env.FAULT_JOBS ?? 100);
/** Drawn per request; the streak cap turns a few draws back into successes, so the share of faulted requests lands just above 25%. */
const FAULT_RATE = Number(process.env.FAULT_RATE ?? 0.3);
/**
 * FAULT_SEED=<n> tries another draw. Jobs run two at a time (the default Max Parallel Jobs), so
 * which request meets which fault also depends on timing: a seed replays the mix, not the order.
 */
const SEED = Number(process.env.FAULT_SEED ?? 20261121);

/** An input image above fal's inline limit, so fal uploads it too. */
const photo = Buffer.concat([makePng(16, 16, 11), Buffer.alloc(300 * 1024)]);

function itemsFor(provider: string) {
	return Array.from({ length: JOBS_PER_PROVIDER }, (_, i) => ({
		json: { prompt: `${provider} job ${i}` },
		// Every fourth item brings its own image, so uploads meet the faults as well.
		...(i % 4 === 3
			? {
					binary: {
						photo: {
							data: photo.toString('base64'),
							mimeType: 'image/png',
							fileName: `in-${i}.png`,
						},
					},
				}
			: {}),
	}));
}

const imagesOf = (i: number) => 1 + (i % 2);

describe('fault injection: 25% of requests throttled, failing, reset or slow', () => {
	it(`${2 * JOBS_PER_PROVIDER} jobs over both providers: every item delivered, paired, and no job paid twice`, async ({
		task,
	}) => {
		const clock = useVirtualClock();
		const faults = new FaultInjector(FAULT_RATE, SEED);
		const fakes: Record<string, FakeProvider> = {
			fal: faultyFal(faults),
			runflow: faultyRunflow(faults),
		};
		const runs: Array<{ provider: string; out: INodeExecutionData[]; harness: Harness }> = [];
		const started = Date.now();

		for (const [provider, base] of [
			['fal', GENERATE_PARAMS],
			['runflow', RUNFLOW_GENERATE_PARAMS],
		] as const) {
			const items = itemsFor(provider);
			const harness = createHarness({
				params: {
					...base,
					prompt: (i: number) => items[i].json.prompt,
					numImages: imagesOf,
					outputFormat: 'png',
					imageSource: (i: number) => (items[i].binary ? 'binary' : 'none'),
					binaryPropertyName: 'photo',
				},
				items,
				continueOnFail: true,
			});
			const [out] = await harness.run();
			runs.push({ provider, out, harness });
		}
		const wall = Date.now() - started;

		let images = 0;
		let duplicates = 0;
		for (const { provider, out } of runs) {
			const fake = fakes[provider];
			const errors = out.filter((item) => item.json.error);
			expect(
				errors.map((e) => `${errorOf(e).kind}: ${errorOf(e).message} ${errorOf(e).description}`),
				`${provider}: error items`,
			).toEqual([]);
			// Every item's images, in input order, each paired with its item, byte for byte.
			const expected = Array.from({ length: JOBS_PER_PROVIDER }, (_, i) =>
				Array.from({ length: imagesOf(i) }, (_, n) => ({ i, n })),
			).flat();
			expect(out).toHaveLength(expected.length);
			out.forEach((item, k) => {
				const { i, n } = expected[k];
				expect(item.pairedItem).toEqual({ item: i });
				expect(item.json.provider).toBe(provider);
				expect(
					Buffer.from(item.binary!.data.data, 'base64').equals(imageFor(`${provider} job ${i}`, n)),
				).toBe(true);
			});
			images += out.length;
			// One job created per item: a retried submit never created a second one.
			expect(fake.creations.size).toBe(JOBS_PER_PROVIDER);
			duplicates += [...fake.creations.values()].filter((count) => count > 1).length;
			// Uploaded input images arrived whole and are the ones the jobs used.
			for (const job of fake.jobs.values()) {
				if (job.imageUrl?.startsWith('data:')) continue;
				if (job.imageUrl)
					expect(fake.uploads.get(job.imageUrl)?.equals(photo), job.imageUrl).toBe(true);
			}
		}
		expect(duplicates).toBe(0);
		expect(faults.total / faults.requests).toBeGreaterThanOrEqual(0.25);

		const leaks = findSecrets([DUMMY_FAL_KEY, DUMMY_RUNFLOW_KEY], {
			outputs: runs.flatMap((r) => r.out.map((item) => item.json)),
			logs: runs.flatMap((r) => r.harness.logs),
		});
		expect(leaks).toEqual([]);
		const requests = runs.flatMap((r) => r.harness.requests);
		const unsigned = requests.filter(
			(r) => !/^https:\/\/(queue\.fal\.run|rest\.fal\.ai|api\.runflow\.io)\//.test(r.url),
		);
		expect(unsigned.filter((r) => r.headers.authorization !== undefined)).toEqual([]);

		const kinds = Object.entries(faults.injected)
			.filter(([, n]) => n > 0)
			.map(([kind, n]) => `${kind} ${n}`)
			.join(', ');
		task.meta.figures = [
			`jobs ${2 * JOBS_PER_PROVIDER} (fal.ai ${JOBS_PER_PROVIDER}, Runflow ${JOBS_PER_PROVIDER}; ${JOBS_PER_PROVIDER / 2} with an uploaded input image), images delivered ${images}/${images}, error items 0`,
			`requests ${faults.requests}, faults injected ${faults.total} (${((100 * faults.total) / faults.requests).toFixed(1)}%): ${kinds}; seed ${SEED}`,
			`jobs created at the fakes ${[...Object.values(fakes)].reduce((a, f) => a + f.creations.size, 0)}, duplicate submits ${duplicates}`,
			`key found in outputs or logs ${leaks.length}; requests to storage/CDN ${unsigned.length}, with Authorization 0`,
			`wall ${wall} ms real, ${Math.round(clock.elapsed() / 1000)} s virtual (backoff and polling)`,
		].join('\n');
	});

	it('a job-creating request whose answer is lost is never sent again: one job, one error item saying so', async ({
		task,
	}) => {
		useVirtualClock();
		const jobs = 40;
		const faults = new FaultInjector(0.25, SEED, 3, true);
		const fakes = { fal: faultyFal(faults), runflow: faultyRunflow(faults) };
		let lost = 0;
		let delivered = 0;
		for (const [provider, base] of [
			['fal', GENERATE_PARAMS],
			['runflow', RUNFLOW_GENERATE_PARAMS],
		] as const) {
			const harness = createHarness({
				params: { ...base, prompt: (i: number) => `${provider} lost ${i}` },
				items: Array.from({ length: jobs }, () => ({ json: {} })),
				continueOnFail: true,
			});
			const [out] = await harness.run();
			expect(out.map((item) => item.pairedItem)).toEqual(
				Array.from({ length: jobs }, (_, i) => ({ item: i })),
			);
			for (const item of out) {
				if (item.json.error) {
					lost++;
					expect(errorOf(item).kind).toBe('maybe_submitted');
					expect(errorOf(item).message).toMatch(
						/^The job may have been created at (fal\.ai|Runflow), but the answer was lost \((HTTP 503|ECONNRESET)\)/,
					);
					expect(errorOf(item).description).toMatch(/created at about \d{4}-\d\d-\d\dT/);
				} else delivered++;
			}
			const fake = fakes[provider];
			// Every item's job exists exactly once, whether its answer arrived or not.
			expect(fake.creations.size).toBe(jobs);
			expect([...fake.creations.values()].every((count) => count === 1)).toBe(true);
		}
		expect(lost).toBe(faults.injected['lost-503'] + faults.injected['lost-reset']);
		expect(lost).toBeGreaterThan(0);
		task.meta.figures = `jobs ${2 * jobs}, answers lost after creation ${lost} (503 ${faults.injected['lost-503']}, reset ${faults.injected['lost-reset']}) → ${lost} "may have been created" error items, ${delivered} delivered, jobs created ${2 * jobs}, duplicate submits 0`;
	});
});
