/**
 * A cost figure out of a provider's answer: a number, or a decimal string (Runflow types its run
 * `cost` as a string). Missing, empty, zero, negative or unreadable is no figure: a run created but
 * not yet run may carry a zero, and the list price is the better answer then.
 */
export function reportedCostUsd(value: unknown): number | undefined {
	const n =
		typeof value === 'number'
			? value
			: typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value)
				? Number(value)
				: NaN;
	return Number.isFinite(n) && n > 0 ? n : undefined;
}
