import { plainText } from '../../transport/errors';

/**
 * The first problem of a FastAPI validation answer, `{detail: [{loc, msg, type}]}`, as the node
 * words it: its message (saying how many more problems there are), its type, and the field it names
 * (`["body", "<wire name>"]`, shown by `fieldName`). Providers served by FastAPI answer 422 so.
 */
export function firstFastApiProblem(
	detail: readonly unknown[],
	fieldName: (wireName: string) => string,
): { message: string | undefined; type: string | undefined; field: string | undefined } {
	const first = (detail[0] ?? {}) as { loc?: unknown; msg?: unknown; type?: unknown };
	const more =
		detail.length > 1
			? ` (and ${detail.length - 1} more problem${detail.length > 2 ? 's' : ''})`
			: '';
	const msg = plainText(first.msg);
	const loc = first.loc;
	const inBody = Array.isArray(loc) && loc.length >= 2 && loc[0] === 'body';
	return {
		message: msg ? `${msg}${more}` : undefined,
		type: typeof first.type === 'string' ? first.type : undefined,
		field: inBody ? fieldName(String(loc[1])) : undefined,
	};
}
