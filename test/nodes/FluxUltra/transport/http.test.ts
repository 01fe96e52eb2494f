import nock from 'nock';
import { describe, expect, it } from 'vitest';

import { FluxError, type ProviderErrorContext } from '../../../../nodes/FluxUltra/transport/errors';
import { send, type HttpCall } from '../../../../nodes/FluxUltra/transport/http';
import {
	backoffMs,
	DEFAULT_RETRY,
	retryAfterMs,
} from '../../../../nodes/FluxUltra/transport/retryPolicy';
import { redact } from '../../../../nodes/FluxUltra/transport/redact';
import { falProvider } from '../../../../nodes/FluxUltra/providers/fal/fal.provider';
import { useVirtualClock } from '../../../../testkit/harness/clock';
import { createHarness, DUMMY_FAL_KEY } from '../../../../testkit/harness/context';
import { GENERATE_PARAMS } from '../../../../testkit/harness/falNock';
import { useNock } from '../../../setupNock';

useNock();

const API = 'https://api.example.com';
const provider: ProviderErrorContext = {
	providerName: 'Example',
	credentialName: 'Example API',
	parseError: (_s, body) => ({ message: (body as { message?: string })?.message }),
};

/** A connection error as Node raises it (nock needs a real Error to emit it). */
function netError(code: string): Error {
	return Object.assign(new Error(`${code} (simulated)`), { code });
}

function call(purpose: HttpCall['purpose'], method: HttpCall['method'] = 'GET'): HttpCall {
	return { method, url: `${API}/thing`, purpose, credentialType: 'falApi' };
}

async function attempt(c: HttpCall) {
	const harness = createHarness({ params: GENERATE_PARAMS });
	const result = await send(harness.ctx, provider, c).then(
		(response) => ({ response, error: undefined }),
		(error: FluxError) => ({ response: undefined, error }),
	);
	return { ...result, requests: harness.requests };
}

describe('send: retries', () => {
	it('retries 502, 503 and 504 on a status poll, with growing waits', async () => {
		const clock = useVirtualClock();
		nock(API)
			.get('/thing')
			.reply(502)
			.get('/thing')
			.reply(503)
			.get('/thing')
			.reply(504)
			.get('/thing')
			.reply(200, { ok: true });

		const { response, requests } = await attempt(call('status'));

		expect(response?.status).toBe(200);
		expect(response?.attempts).toBe(4);
		expect(requests).toHaveLength(4);
		expect(clock.sleeps).toHaveLength(3);
		expect(clock.sleeps[0]).toBeGreaterThanOrEqual(375);
		expect(clock.sleeps[2]).toBeGreaterThan(clock.sleeps[0]);
	});

	it('honours Retry-After on 429, in seconds and as a date', async () => {
		const clock = useVirtualClock();
		const later = new Date(1_700_000_000_000 + 7_000).toUTCString();
		nock(API)
			.get('/thing')
			.reply(429, {}, { 'retry-after': '3' })
			.get('/thing')
			.reply(429, {}, { 'retry-after': later })
			.get('/thing')
			.reply(200, {});

		const { response } = await attempt(call('status'));

		expect(response?.status).toBe(200);
		expect(clock.sleeps[0]).toBe(3000);
		expect(clock.sleeps[1]).toBeGreaterThan(3000);
		expect(clock.sleeps[1]).toBeLessThanOrEqual(4000);
	});

	it('gives up after the attempt cap with a rate-limit message', async () => {
		useVirtualClock();
		nock(API).get('/thing').times(DEFAULT_RETRY.maxAttempts).reply(429, { message: 'slow down' });

		const { error, requests } = await attempt(call('status'));

		expect(requests).toHaveLength(DEFAULT_RETRY.maxAttempts);
		expect(error?.kind).toBe('rate_limit');
		expect(error?.message).toBe(
			`Example is rate limiting requests (HTTP 429) after ${DEFAULT_RETRY.maxAttempts} attempts`,
		);
	});

	it('retries a connection reset on a status poll', async () => {
		useVirtualClock();
		nock(API).get('/thing').replyWithError(netError('ECONNRESET')).get('/thing').reply(200, {});

		const { response } = await attempt(call('status'));

		expect(response?.attempts).toBe(2);
	});

	it.each(['status', 'result', 'cancel', 'download', 'upload'] as const)(
		'retries a one-off HTTP 500 on a %s request, like 502–504',
		async (purpose) => {
			const clock = useVirtualClock();
			nock(API)
				.get('/thing')
				.reply(500, { message: 'boom' })
				.get('/thing')
				.reply(500)
				.get('/thing')
				.reply(200, { ok: true });

			const { response, requests } = await attempt({
				...call(purpose),
				credentialType: purpose === 'download' ? undefined : 'falApi',
			});

			expect(response?.status).toBe(200);
			expect(requests).toHaveLength(3);
			expect(clock.sleeps[0]).toBeGreaterThanOrEqual(375); // the same backoff as 502–504
		},
	);

	it('never resends a submit answered with HTTP 500: the job may exist', async () => {
		useVirtualClock();
		nock(API).post('/thing').reply(500, { message: 'boom' });

		const { error, requests } = await attempt(call('submit', 'POST'));

		expect(requests).toHaveLength(1);
		expect(error?.kind).toBe('maybe_submitted');
	});

	it('gives up on a read that keeps answering 500, naming the provider failure', async () => {
		useVirtualClock();
		nock(API)
			.get('/thing')
			.times(DEFAULT_RETRY.maxAttempts)
			.reply(500, { message: 'still broken' });

		const { error, requests } = await attempt(call('status'));

		expect(requests).toHaveLength(DEFAULT_RETRY.maxAttempts);
		expect(error?.kind).toBe('unavailable');
		expect(error?.message).toContain(`after ${DEFAULT_RETRY.maxAttempts} attempts`);
	});

	it.each([400, 401, 402, 403, 404, 422])('never retries HTTP %i', async (status) => {
		useVirtualClock();
		nock(API).get('/thing').reply(status, { message: 'no' });

		const { error, requests } = await attempt(call('status'));

		expect(requests).toHaveLength(1);
		expect(error?.httpCode).toBe(status);
	});

	it('lets the provider veto a retry (fal: 504 with x-fal-request-timeout-type: user)', async () => {
		useVirtualClock();
		nock(API).get('/thing').reply(504, {}, { 'x-fal-request-timeout-type': 'user' });
		const harness = createHarness({ params: GENERATE_PARAMS });

		const error = await send(harness.ctx, falProvider.errors, call('status')).catch(
			(e: FluxError) => e,
		);

		expect(harness.requests).toHaveLength(1);
		expect(error).toBeInstanceOf(FluxError);
	});
});

describe('send: a job-creating request is never sent twice by accident', () => {
	it('retries a submit refused with 429 (the job was not created)', async () => {
		useVirtualClock();
		nock(API).post('/thing').reply(429).post('/thing').reply(200, { request_id: 'r' });

		const { response, requests } = await attempt(call('submit', 'POST'));

		expect(response?.status).toBe(200);
		expect(requests).toHaveLength(2);
	});

	it('retries a submit whose connection was refused (it never left)', async () => {
		useVirtualClock();
		nock(API).post('/thing').replyWithError(netError('ECONNREFUSED')).post('/thing').reply(200, {});

		const { response } = await attempt(call('submit', 'POST'));

		expect(response?.attempts).toBe(2);
	});

	it.each([
		['a 502', () => nock(API).post('/thing').reply(502)],
		['a 503', () => nock(API).post('/thing').reply(503)],
		['a reset connection', () => nock(API).post('/thing').replyWithError(netError('ECONNRESET'))],
	])('does not resend a submit after %s, and says the job may exist', async (_, reply) => {
		useVirtualClock();
		reply();

		const { error, requests } = await attempt(call('submit', 'POST'));

		expect(requests).toHaveLength(1);
		expect(error?.kind).toBe('maybe_submitted');
		expect(error?.message).toMatch(
			/^The job may have been created at Example, but the answer was lost/,
		);
		expect(error?.description).toContain('request history');
	});
});

describe('send: helpers', () => {
	it('reads Retry-After in seconds or as an HTTP date', () => {
		expect(retryAfterMs({ 'retry-after': '2.5' }, 0)).toBe(2500);
		expect(retryAfterMs({ 'retry-after': new Date(10_000).toUTCString() }, 4000)).toBe(6000);
		expect(retryAfterMs({}, 0)).toBeUndefined();
	});

	it('backs off exponentially within ±25%, capped', () => {
		for (let attempt = 1; attempt <= 8; attempt++) {
			const nominal = Math.min(
				DEFAULT_RETRY.maxDelayMs,
				DEFAULT_RETRY.baseDelayMs * 2 ** (attempt - 1),
			);
			const delay = backoffMs(DEFAULT_RETRY, attempt);
			expect(delay).toBeGreaterThanOrEqual(nominal * 0.75);
			expect(delay).toBeLessThanOrEqual(nominal * 1.25);
		}
	});

	it('masks credentials in text', () => {
		expect(redact(`Authorization: Key ${DUMMY_FAL_KEY} failed`)).toBe(
			'Authorization: Key [redacted] failed',
		);
		expect(redact('{"api_key":"dummy-secret-value"}')).toBe('{"api_key":"[redacted]"}');
		expect(redact('Bearer example_token_123')).toBe('Bearer [redacted]');
		expect(redact('x-key: dummyExampleKeyWithoutDigitsButLong')).toBe('x-key: [redacted]');
	});

	it('leaves ordinary words after "key", "token" or "bearer" alone', () => {
		for (const text of [
			'Invalid key provided',
			'No API key provided for this request',
			'Token expired, please sign in again',
			'The bearer account is suspended',
			'Basic plan limits reached',
		]) {
			expect(redact(text)).toBe(text);
		}
	});
});
