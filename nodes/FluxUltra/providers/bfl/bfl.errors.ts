import { plainText as plain, type ParsedProviderError } from '../../transport/errors';
import { displayNameForWire } from '../fields';
import { BFL_FIELDS } from './bfl.constants';

/** `["body", "aspect_ratio"]` → "Aspect Ratio", by BFL's own names (`prompt_upsampling` → "Enhance Prompt"). */
function fieldFromLoc(loc: unknown): string | undefined {
	if (!Array.isArray(loc) || loc.length < 2 || loc[0] !== 'body') return undefined;
	const name = String(loc[1]);
	return displayNameForWire(BFL_FIELDS, name) ?? name;
}

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
		const first = (detail[0] ?? {}) as Record<string, unknown>;
		const more =
			detail.length > 1
				? ` (and ${detail.length - 1} more problem${detail.length > 2 ? 's' : ''})`
				: '';
		const msg = plain(first.msg);
		return {
			message: msg ? `${msg}${more}` : undefined,
			type: typeof first.type === 'string' ? first.type : undefined,
			field: fieldFromLoc(first.loc),
		};
	}
	const message = plain(detail) ?? plain(record.message) ?? plain(record.error);
	return { message, type: typeof record.error === 'string' ? record.error : undefined };
}
