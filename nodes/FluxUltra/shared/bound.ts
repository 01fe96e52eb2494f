/**
 * Bounds on text that comes from elsewhere (a provider's answer, a model schema, an item's own
 * fields) before it reaches an error message or description, an execution hint or a log. A
 * provider, a proxy or a hostile models API decides how long its texts and lists are; what the node
 * shows must not grow with them: an AI Agent gets the error as the tool's answer, and n8n keeps it
 * in every execution log.
 *
 * The figures: a provider's sentence (an error message, a failure reason) fits in 300 characters,
 * a name, code or status in 60; a list shows its first 10 entries and counts the rest. The node's
 * own wording around them is at most a few hundred characters, so a message stays well under
 * MESSAGE_MAX, which `toNodeError` and the hints apply last, whatever slipped through: message +
 * description ≤ 2,000 characters (about 500 tokens for an agent), a hint ≤ 1,000.
 */

/** A provider's sentence (an error message, a failure reason) as shown. */
export const PROVIDER_TEXT_MAX = 300;
/** A provider's word: a name, a code, a status, a type. */
export const PROVIDER_WORD_MAX = 60;
/** Entries of a provider's list shown before the rest are counted. */
export const PROVIDER_LIST_MAX = 10;
/** The most one message, description or hint the node shows may hold, whatever it quotes. */
export const MESSAGE_MAX = 1000;
/** A provider's job id where a message names it (real ones are UUIDs or shorter). */
export const REQUEST_ID_MAX = 120;

/** The text, cut to `max` characters with "…" where it was cut (never inside a surrogate pair). */
export function boundText(text: unknown, max: number = PROVIDER_TEXT_MAX): string {
	const value = typeof text === 'string' ? text : String(text);
	if (value.length <= max) return value;
	let cut = value.slice(0, Math.max(0, max - 1));
	const last = cut.charCodeAt(cut.length - 1);
	if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
	return `${cut}…`;
}

/**
 * A list as shown: its first `max` entries (each a word, cut to `each` characters; strings quoted
 * when `quote`), then "… and N more" for the rest.
 */
export function boundList(
	items: readonly unknown[],
	options: { max?: number; each?: number; quote?: boolean } = {},
): string {
	const max = options.max ?? PROVIDER_LIST_MAX;
	const each = options.each ?? PROVIDER_WORD_MAX;
	const shown = items.slice(0, max).map((item) => {
		const text = boundText(typeof item === 'string' ? item : String(item), each);
		return options.quote && typeof item === 'string' ? `"${text}"` : text;
	});
	const rest = items.length - shown.length;
	return rest > 0
		? `${shown.join(', ')} … and ${rest.toLocaleString('en-US')} more`
		: shown.join(', ');
}
