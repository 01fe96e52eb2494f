/** Reading provider answers: a parsed JSON body is `unknown` until these say what it holds. */
export type Json = Record<string, unknown>;

/** The value as an object, or undefined when it is anything else (an array, null, a scalar). */
export const asRecord = (v: unknown): Json | undefined =>
	v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;

/** The value as a non-empty string, or undefined. */
export const asString = (v: unknown): string | undefined =>
	typeof v === 'string' && v !== '' ? v : undefined;

/** The value as a finite number, or undefined. */
export const asNumber = (v: unknown): number | undefined =>
	typeof v === 'number' && Number.isFinite(v) ? v : undefined;

/** A key's value only when the object holds it itself (never an inherited `__proto__` or method). */
export const ownValue = (record: Json | undefined, key: string): unknown =>
	record && Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
