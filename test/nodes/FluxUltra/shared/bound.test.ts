import { describe, expect, it } from 'vitest';

import { boundList, boundText, PROVIDER_TEXT_MAX } from '../../../../nodes/FluxUltra/shared/bound';

describe('boundText', () => {
	it('keeps a short text as it is and cuts a long one to the bound, marked with "…"', () => {
		expect(boundText('a short reason')).toBe('a short reason');
		const cut = boundText('x'.repeat(1_000_000));
		expect(cut).toHaveLength(PROVIDER_TEXT_MAX);
		expect(cut.endsWith('…')).toBe(true);
	});

	it('never cuts inside a surrogate pair', () => {
		const cut = boundText(`${'a'.repeat(8)}😀😀`, 10);
		expect(cut).toBe(`${'a'.repeat(8)}…`);
		expect(() => encodeURIComponent(cut)).not.toThrow();
	});
});

describe('boundList', () => {
	it('shows the first ten entries, each cut short, and counts the rest', () => {
		const names = ['x'.repeat(1000), ...Array.from({ length: 59_999 }, (_, i) => `n${i}`)];
		const text = boundList(names);
		expect(text).toMatch(/^x{59}…, n0, n1, .*, n8 … and 59,990 more$/);
		expect(text.length).toBeLessThan(200);
	});

	it('quotes strings, not numbers or booleans, when asked', () => {
		expect(boundList(['16:9', 3, true], { quote: true })).toBe('"16:9", 3, true');
		expect(boundList([])).toBe('');
	});
});
