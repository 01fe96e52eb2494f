import { displayNameForApiField } from '../../parameters/table';
import { plainText as plain, type ParsedProviderError } from '../../transport/errors';
import { FAL } from './fal.constants';

interface FalDetail {
	loc?: unknown;
	msg?: unknown;
	type?: unknown;
}

function fieldFromLoc(loc: unknown): string | undefined {
	if (!Array.isArray(loc) || loc.length < 2 || loc[0] !== 'body') return undefined;
	const name = String(loc[1]);
	return displayNameForApiField(name) ?? name;
}

/**
 * Reads fal's error bodies: model errors `{detail: [{loc, msg, type}]}` (usually 422), request
 * errors `{detail: "…", error_type}`, and the `X-Fal-Error-Type` header.
 */
export function parseFalError(
	_status: number,
	body: unknown,
	headers: Record<string, string>,
): ParsedProviderError {
	const headerType = headers['x-fal-error-type'];
	if (!body || typeof body !== 'object') {
		return { message: plain(body), type: headerType, moderated: isModeration(headerType) };
	}
	const record = body as Record<string, unknown>;
	const detail = record.detail;
	if (Array.isArray(detail) && detail.length > 0) {
		const first = detail[0] as FalDetail;
		const type = typeof first.type === 'string' ? first.type : headerType;
		const more =
			detail.length > 1
				? ` (and ${detail.length - 1} more problem${detail.length > 2 ? 's' : ''})`
				: '';
		const msg = plain(first.msg);
		return {
			message: msg ? `${msg}${more}` : undefined,
			type,
			field: fieldFromLoc(first.loc),
			moderated: isModeration(type),
		};
	}
	const type = typeof record.error_type === 'string' ? record.error_type : headerType;
	// A cancel answers `{status: "ALREADY_COMPLETED"}` or `{status: "NOT_FOUND"}`.
	const message =
		plain(detail) ?? plain(record.error) ?? plain(record.message) ?? plain(record.status);
	return { message, type, moderated: isModeration(type) };
}

export function isModeration(type: string | undefined): boolean {
	return !!type && (FAL.moderationTypes as readonly string[]).includes(type);
}
