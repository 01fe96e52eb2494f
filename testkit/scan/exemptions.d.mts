import type { Exemption } from './scan-rules.mjs';

export const EXEMPTIONS: Exemption[];
