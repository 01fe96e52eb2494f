import { describe, expect, it } from 'vitest';

import { Pacer } from '../../../../../nodes/FluxUltra/providers/common/polling';

describe('Pacer', () => {
	it('uses the provider pace until a job of this execution has finished', () => {
		const pacer = new Pacer(60);
		expect(pacer.estimate()).toBeUndefined();
		expect(pacer.delay(0, 250)).toBe(250);
	});

	it('then asks first just before the expected finish, and closely around it', () => {
		const pacer = new Pacer(60, 2000);
		pacer.record(2030, 1970); // finished between two requests: 2000 ms
		expect(pacer.estimate()).toBe(2000);
		expect(pacer.delay(0, 250)).toBe(1970); // sleep almost to the finish in one go
		expect(pacer.delay(1970, 250)).toBe(60);
		expect(pacer.delay(2500, 250)).toBe(60);
		expect(pacer.delay(2700, 1500)).toBe(1500); // well past it: back to the provider pace
	});

	it('never waits longer than the cap, so a failed job is noticed', () => {
		const pacer = new Pacer(60, 2000);
		pacer.record(60_000, 59_000);
		expect(pacer.delay(0, 250)).toBe(2000);
	});

	it('follows the median of recent jobs, not an outlier', () => {
		const pacer = new Pacer();
		for (const d of [2000, 2010, 1990, 9000]) pacer.record(d, d);
		expect(pacer.estimate()).toBe(2010);
	});
});
