import { plainText as plain, type ParsedProviderError } from '../../transport/errors';
import { displayNameForWire } from '../common/fields';
import { REPLICATE, REPLICATE_FIELDS } from './replicate.constants';

/** `input.aspect_ratio` → "Aspect Ratio", by Replicate's own names (`image_prompt` → "Image URL"). */
function fieldName(path: unknown): string | undefined {
	if (typeof path !== 'string' || path === '') return undefined;
	const name = path
		.split('.')
		.filter((p) => p !== 'input' && p !== 'body')
		.pop();
	if (!name) return undefined;
	return displayNameForWire(REPLICATE_FIELDS, name) ?? name;
}

export function isModerationText(...texts: unknown[]): boolean {
	return texts.some((t) => typeof t === 'string' && REPLICATE.moderationPattern.test(t));
}

/**
 * Reads Replicate's error bodies: problem details `{title, detail, status}`, with
 * `invalid_fields: [{type, field, description}]` on a 422 (the field list's shape is UNCONFIRMED;
 * a plain `detail` is read when it is absent).
 */
export function parseReplicateError(_status: number, body: unknown): ParsedProviderError {
	if (!body || typeof body !== 'object') return { message: plain(body) };
	const record = body as Record<string, unknown>;
	let message = plain(record.detail) ?? plain(record.title) ?? plain(record.error);
	let field: string | undefined;
	if (Array.isArray(record.invalid_fields) && record.invalid_fields.length > 0) {
		const first = (record.invalid_fields[0] ?? {}) as Record<string, unknown>;
		field = fieldName(first.field);
		const detail = plain(first.description);
		const more =
			record.invalid_fields.length > 1 ? ` (and ${record.invalid_fields.length - 1} more)` : '';
		if (detail) message = `${detail}${more}`;
	}
	return { message, type: plain(record.title), field };
}
