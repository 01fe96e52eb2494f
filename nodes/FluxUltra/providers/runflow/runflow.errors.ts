import { displayNameForApiField } from '../../parameters/table';
import { plainText as plain, type ParsedProviderError } from '../../transport/errors';
import { RUNFLOW } from './runflow.constants';

/** `input.num_images`, `body.input.num_images` or `["body","input","num_images"]` → "Number of Images". */
function fieldName(path: unknown): string | undefined {
	const parts = Array.isArray(path)
		? path.map(String)
		: typeof path === 'string'
			? path.split('.')
			: [];
	const name = parts.filter((p) => p !== 'body' && p !== 'input').pop();
	if (!name) return undefined;
	return displayNameForApiField(name) ?? name;
}

export function isModerationCode(...texts: unknown[]): boolean {
	return texts.some((t) => typeof t === 'string' && RUNFLOW.moderationPattern.test(t));
}

/**
 * Reads Runflow's error envelope `{code, message, errors}` (field details in `errors[]` on 422);
 * tolerates the nested `{error: {code, message}}` form its SDK also accepts.
 */
export function parseRunflowError(_status: number, body: unknown): ParsedProviderError {
	if (!body || typeof body !== 'object') return { message: plain(body) };
	const record = body as Record<string, unknown>;
	const nested =
		record.error && typeof record.error === 'object'
			? (record.error as Record<string, unknown>)
			: undefined;
	const code =
		typeof (nested?.code ?? record.code) === 'string'
			? String(nested?.code ?? record.code)
			: undefined;
	let message = plain(nested?.message) ?? plain(record.message) ?? plain(record.detail);
	let field: string | undefined;
	if (Array.isArray(record.errors) && record.errors.length > 0) {
		const first = (record.errors[0] ?? {}) as Record<string, unknown>;
		field = fieldName(first.field ?? first.loc ?? first.path);
		const detail = plain(first.message ?? first.msg);
		const more = record.errors.length > 1 ? ` (and ${record.errors.length - 1} more)` : '';
		if (detail) message = `${detail}${more}`;
	}
	return {
		message,
		type: code,
		field,
		moderated: isModerationCode(code),
		credit: !!code && (RUNFLOW.creditCodes as readonly string[]).includes(code),
	};
}
