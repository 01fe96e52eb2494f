import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { PROVIDERS } from '../../../../nodes/FluxUltra/providers/registry';
import { FluxError } from '../../../../nodes/FluxUltra/transport/errors';
import {
	provesStop,
	safeToRunElsewhere,
	STOP_CONFIRM,
} from '../../../../nodes/FluxUltra/transport/verdict';

const root = join(__dirname, '..', '..', '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

/**
 * Issue 27: the pay-twice rule table says, per provider and per status, what proves that a job
 * stopped, with the source of each fact; everything else is unsafe.
 */
describe('the STOP PROOF table (transport/verdict.ts)', () => {
	const verdict = read('nodes/FluxUltra/transport/verdict.ts');
	const facts = read('docs/provider-facts.md');

	for (const provider of PROVIDERS) {
		describe(provider.displayName, () => {
			const { stopped, notProof = {} } = provider.stopProof;

			it('declares its row, each proof with a source recorded in docs/provider-facts.md', () => {
				for (const [state, source] of Object.entries({ ...stopped, ...notProof })) {
					const ids = source.match(/\b(?:FA|RF|BF|RP)-\d\d\b/g) ?? [];
					expect(ids.length, `${state}: ${source}`).toBeGreaterThan(0);
					for (const id of ids) expect(facts, `${id} (${state})`).toContain(`| ${id} |`);
				}
			});

			it('every word that proves a stop is in the table in verdict.ts, and none is also "no proof"', () => {
				for (const state of Object.keys(stopped)) {
					if (state === 'cancelled') continue; // the two-l spelling, listed with canceled
					expect(verdict, state).toContain(state.replace(/ with error$/, ''));
					expect(notProof).not.toHaveProperty(state);
				}
			});

			it('any other word proves nothing, inherited names included', () => {
				for (const word of [
					'',
					'processing',
					'IN_PROGRESS',
					'constructor',
					'toString',
					'__proto__',
				])
					if (!Object.prototype.hasOwnProperty.call(stopped, word))
						expect(provesStop(provider.stopProof, word)).toBe(false);
			});
		});
	}

	it('reads after a cancel only where the provider says a read can prove more, and briefly', () => {
		const readers = PROVIDERS.filter((p) => p.stopProof.readAfterCancel).map((p) => p.id);
		expect(readers).toEqual(PROVIDERS.some((p) => p.id === 'replicate') ? ['replicate'] : []);
		expect(STOP_CONFIRM.budgetMs).toBeLessThanOrEqual(10_000);
	});
});

describe('safeToRunElsewhere: only proof moves an item', () => {
	it.each([
		[
			'job_failed with the stop proven',
			new FluxError('job_failed', 'x', { jobStopped: true }),
			true,
		],
		['job_failed without proof (Runflow canceled)', new FluxError('job_failed', 'x'), false],
		['timeout with the stop proven', new FluxError('timeout', 'x', { jobStopped: true }), true],
		['timeout without proof', new FluxError('timeout', 'x'), false],
		['moderation, stopped', new FluxError('moderation', 'x', { jobStopped: true }), false],
		['no job, throttled', new FluxError('rate_limit', 'x', { noJob: true }), true],
		['a bad answer', new FluxError('bad_response', 'x', { jobStopped: true }), false],
		['not a FluxError', new Error('x'), false],
	])('%s → %s', (_name, error, safe) => {
		expect(safeToRunElsewhere(error)).toBe(safe);
	});
});
