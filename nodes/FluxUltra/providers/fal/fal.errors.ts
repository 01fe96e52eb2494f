import { displayNameForApiField } from '../../parameters/table';
import { plainText as plain, type ParsedProviderError } from '../../transport/errors';
import { firstFastApiProblem } from '../common/fastApi';
import { FAL } from './fal.constants';

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
		const problem = firstFastApiProblem(detail, (name) => displayNameForApiField(name) ?? name);
		const type = problem.type ?? headerType;
		return { ...problem, type, moderated: isModeration(type) };
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
