/**
 * Whole numbers written as digits: seeds may exceed 2^53, and both the parameter check (a seed
 * typed or computed as text) and the reading of a provider's answer keep every digit of one.
 */

/** Whether a string of digits is beyond Number.MAX_SAFE_INTEGER (2^53−1). */
export function beyondSafeInteger(digits: string): boolean {
	const d = digits.replace(/^0+(?=\d)/, '');
	const max = String(Number.MAX_SAFE_INTEGER);
	return d.length > max.length || (d.length === max.length && d > max);
}
