import { plainText as plain, type ParsedProviderError } from '../../transport/errors';
import { firstFastApiProblem } from '../common/fastApi';
import { displayNameForWire } from '../common/fields';
import { BFL_FIELDS } from './bfl.constants';

/**
 * Reads BFL's error bodies: FastAPI's `{detail: [{loc, msg, type}]}` (422), `{detail: "…"}`, and the
 * throttling body `{error, message, retry_after}` BFL's own examples show (illustrative only).
 * BFL says 402 is "insufficient credits"; the status alone decides that.
 */
export function parseBflError(_status: number, body: unknown): ParsedProviderError {
	if (!body || typeof body !== 'object') return { message: plain(body) };
	const record = body as Record<string, unknown>;
	const detail = record.detail;
	if (Array.isArray(detail) && detail.length > 0) {
		// `prompt_upsampling` → "Enhance Prompt": BFL's own names.
		return firstFastApiProblem(detail, (name) => displayNameForWire(BFL_FIELDS, name) ?? name);
	}
	const message = plain(detail) ?? plain(record.message) ?? plain(record.error);
	return { message, type: typeof record.error === 'string' ? record.error : undefined };
}
