import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import * as policy from '../../../../nodes/FluxUltra/transport/retryPolicy';
import {
	answerRetryable,
	CANCEL_RETRY,
	DEFAULT_RETRY,
	DOWNLOAD_ATTEMPTS,
	failureRetryable,
	ONE_TRY,
	type Purpose,
} from '../../../../nodes/FluxUltra/transport/retryPolicy';

const READS: Purpose[] = ['status', 'result', 'cancel', 'upload', 'download'];
const source = readFileSync('nodes/FluxUltra/transport/retryPolicy.ts', 'utf8');
/** The table at the top of retryPolicy.ts: the comment before the first declaration. */
const table = source.slice(source.indexOf('/**'), source.indexOf('export type Purpose'));

describe('the retry policy (transport/retryPolicy.ts)', () => {
	it('retries a read after 429, 500, 502, 503 and 504, and after no other status', () => {
		for (const purpose of READS) {
			const retried = [400, 401, 404, 409, 422, 429, 500, 501, 502, 503, 504, 505].filter(
				(status) => answerRetryable(purpose, status, false),
			);
			expect(retried, purpose).toEqual([429, 500, 502, 503, 504]);
		}
	});

	it('retries a submit only when verdict.ts proved it never arrived, whatever the status', () => {
		for (const status of [429, 500, 502, 503, 504]) {
			expect(answerRetryable('submit', status, false), String(status)).toBe(false);
			expect(answerRetryable('submit', status, true), String(status)).toBe(true);
		}
		expect(failureRetryable('submit', 'ECONNRESET', false)).toBe(false);
		expect(failureRetryable('submit', 'ETIMEDOUT', false)).toBe(false);
		expect(failureRetryable('submit', 'ECONNREFUSED', true)).toBe(true);
	});

	it('retries a read after a transient connection failure, never after an unknown one', () => {
		for (const purpose of READS) {
			expect(failureRetryable(purpose, 'ECONNRESET', false), purpose).toBe(true);
			expect(failureRetryable(purpose, 'ETIMEDOUT', false), purpose).toBe(true);
			expect(failureRetryable(purpose, 'ECONNREFUSED', true), purpose).toBe(true);
			expect(failureRetryable(purpose, 'ERR_SOMETHING_ELSE', false), purpose).toBe(false);
		}
	});

	it('says in its table the attempts the constants give, and names only constants it exports', () => {
		expect(table).toContain(`attempts  ${DEFAULT_RETRY.maxAttempts} (DEFAULT_RETRY`);
		expect(table).toContain(`attempts  ${CANCEL_RETRY.maxAttempts} (CANCEL_RETRY`);
		expect(table).toContain(`${DOWNLOAD_ATTEMPTS} fetches from the start (DOWNLOAD_ATTEMPTS`);
		expect(table).toMatch(new RegExp(`ONE_TRY[^]*attempts  ${ONE_TRY.maxAttempts}\\n`));
		// The policy's own constants (…_MS, …_RETRY, …_ATTEMPTS, ONE_TRY), not error codes.
		const named = [...new Set(table.match(/\b[A-Z][A-Z0-9_]*_(?:MS|RETRY|ATTEMPTS|TRY)\b/g))];
		expect(named.length).toBeGreaterThan(6);
		for (const name of named) expect(policy, name).toHaveProperty(name);
	});

	it('says in its table how long each request may take, as the constants have it', () => {
		const seconds = (ms: number) => `${ms / 1000} s (`;
		expect(table).toContain(`${seconds(policy.REQUEST_TIMEOUT_MS)}REQUEST_TIMEOUT_MS)`);
		expect(table).toContain(`${seconds(policy.CANCEL_TIMEOUT_MS)}CANCEL_TIMEOUT_MS)`);
		expect(table).toContain(`${seconds(policy.UPLOAD_TIMEOUT_MS)}UPLOAD_TIMEOUT_MS)`);
		expect(table).toContain(`${seconds(policy.DOWNLOAD_TIMEOUT_MS)}DOWNLOAD_TIMEOUT_MS)`);
		expect(table).toContain(
			`${policy.DOWNLOAD_IDLE_MS / 1000} s without a byte (DOWNLOAD_IDLE_MS)`,
		);
	});
});
