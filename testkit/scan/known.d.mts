import type { KnownViolation } from './rules.mjs';

export const KNOWN_VIOLATIONS: KnownViolation[];
