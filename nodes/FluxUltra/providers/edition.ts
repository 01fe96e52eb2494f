import { bflProvider } from './bfl/bfl.provider';
import { falProvider } from './fal/fal.provider';
import { replicateProvider } from './replicate/replicate.provider';
import { runflowProvider } from './runflow/runflow.provider';
import type { FluxProvider } from './types';

/**
 * The providers this package serves, in the order the Provider field lists them: all of them in the
 * full package. `npm run pack:editions` (scripts/editions.mjs) builds each one-provider edition from
 * a copy of the tree where this file imports that provider alone and the others' folders are gone;
 * nothing reads it at run time but the import.
 */
export const EDITION_PROVIDERS: readonly FluxProvider[] = [
	falProvider,
	runflowProvider,
	bflProvider,
	replicateProvider,
];
