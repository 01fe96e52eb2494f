import { describe, expect, it } from 'vitest';

import { runPool } from '../../../../nodes/FluxUltra/shared/pool';
import { useVirtualClock } from '../../../../testkit/harness/clock';
import { createHarness } from '../../../../testkit/harness/context';
import { GENERATE_PARAMS } from '../../../../testkit/harness/falNock';
import { FaultInjector, faultyFal, imageFor } from '../../../../testkit/harness/faultyProviders';
import { useNock } from '../../../setupNock';

useNock();

describe('runPool', () => {
	it('never runs more than the limit at once, starts in index order and keeps results in place', async () => {
		let running = 0;
		let peak = 0;
		const started: number[] = [];
		const results = await runPool(10, 3, async (i) => {
			started.push(i);
			running++;
			peak = Math.max(peak, running);
			await new Promise((r) => setTimeout(r, (10 - i) * 2));
			running--;
			return i * 10;
		});
		expect(peak).toBe(3);
		expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
		expect(results).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
	});

	it('starts the next task as soon as one hands its slot back, though it is still running', async () => {
		const events: string[] = [];
		await runPool(3, 1, async (i, release) => {
			events.push(`start ${i}`);
			await new Promise((r) => setTimeout(r, 5));
			release(); // the provider is done; the downloads go on
			await new Promise((r) => setTimeout(r, 20));
			events.push(`end ${i}`);
		});
		expect(events.slice(0, 3)).toEqual(['start 0', 'start 1', 'start 2']);
	});

	it('starts nothing new once told to stop; what runs finishes', async () => {
		let stop = false;
		const results = await runPool(
			8,
			2,
			async (i) => {
				if (i === 2) stop = true;
				await new Promise((r) => setTimeout(r, 5));
				return i;
			},
			() => stop,
		);
		expect(results.filter((r) => r !== undefined)).toEqual([0, 1, 2]);
	});
});

describe('Max Parallel Jobs', () => {
	it('runs up to the limit of jobs at the provider at once, and the output keeps input order', async () => {
		useVirtualClock();
		const fake = faultyFal(new FaultInjector(0, 1));
		const items = Array.from({ length: 9 }, (_, i) => ({ json: { prompt: `parallel ${i}` } }));
		const harness = createHarness({
			params: {
				...GENERATE_PARAMS,
				prompt: (i: number) => items[i].json.prompt,
				outputFormat: 'png',
				options: { maxParallelJobs: 3 },
			},
			items,
		});

		const [out] = await harness.run();

		expect(fake.inFlight.peak).toBe(3);
		expect(fake.creations.size).toBe(9);
		expect(out.map((item) => item.pairedItem)).toEqual(items.map((_, i) => ({ item: i })));
		out.forEach((item, i) =>
			expect(
				Buffer.from(item.binary!.data.data, 'base64').equals(imageFor(`parallel ${i}`, 0)),
			).toBe(true),
		);
	});
});

describe('Max Parallel Jobs without Continue On Fail', () => {
	it('starts no new job after a failure, and fails with the first failing item', async () => {
		useVirtualClock();
		const fake = faultyFal(new FaultInjector(0, 1));
		// Item 1 is refused by the provider.
		const items = Array.from({ length: 8 }, (_, i) => ({
			json: { prompt: i === 1 ? 'please reject' : `stop ${i}` },
		}));
		const harness = createHarness({
			params: {
				...GENERATE_PARAMS,
				prompt: (i: number) => items[i].json.prompt,
				options: { maxParallelJobs: 2 },
			},
			items,
		});

		const error = await harness.fail();

		expect(error.message).toBe('fal.ai rejected the field "Prompt": rejected on request [item 1]');
		// Item 1 was refused at once, while item 0 was still running: item 0 finished, nothing else started.
		expect([...fake.creations.keys()]).toEqual(['stop 0']);
	});
});
