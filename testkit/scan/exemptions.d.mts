import type { Exemption } from './rules.mjs';

export const EXEMPTIONS: Exemption[];
