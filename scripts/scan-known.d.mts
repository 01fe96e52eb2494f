import type { KnownViolation } from './scan-rules.mjs';

export const KNOWN_VIOLATIONS: KnownViolation[];
