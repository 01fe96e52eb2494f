import { ParameterError } from '../transport/errors';

/**
 * The one size rule for an input image, whatever the path it comes by (a binary field, an Image URL
 * the node downloads, a `data:` URI) and whatever the provider it goes to (fal.ai storage, Runflow
 * assets, BFL inline base64, Replicate inline or Files API): at most "Max Image Size (MB)", and at
 * most the limit of every provider the item may run on (its Fallback Provider's too) where that is
 * smaller. Checked before any request (the pre-flight), and again on the bytes the job sends.
 */

/** A provider's own limit on an input image, with where it comes from (docs/provider-facts.md). */
export interface ProviderInputLimit {
	maxBytes: number;
	/** What the limit is, in a user's words, e.g. "Runflow's upload limit". */
	what: string;
}

/** The providers an item may run on, as far as the size rule needs them. */
export interface SizedProvider {
	displayName: string;
	inputImageLimit?: ProviderInputLimit;
}

/** The size an input image may have, and the rule that sets it. */
export interface InputSizeLimit {
	maxBytes: number;
	/** Who set it: Max Image Size (the user can raise it), or the provider named. */
	setBy: { option: true } | { provider: string; what: string };
}

const MAX_IMAGE_SIZE = '"Max Image Size (MB)"';

/** Bytes as the node writes sizes: MB with at most one decimal. */
export function megabytes(bytes: number): string {
	return `${Math.round((bytes / 1048576) * 10) / 10} MB`;
}

/** The limit for an item: Max Image Size, or the smallest provider limit below it. */
export function inputSizeLimit(
	maxImageBytes: number,
	providers: readonly SizedProvider[],
): InputSizeLimit {
	let limit: InputSizeLimit = { maxBytes: maxImageBytes, setBy: { option: true } };
	for (const provider of providers) {
		const own = provider.inputImageLimit;
		if (own && own.maxBytes < limit.maxBytes)
			limit = {
				maxBytes: own.maxBytes,
				setBy: { provider: provider.displayName, what: own.what },
			};
	}
	return limit;
}

/**
 * Refuses an input image over the limit, naming the field (the item is added where the error is
 * shown). `subject` says what was measured, e.g. `the file in "data"`, `the data URI`; `bytes` is
 * its size, read or declared (n8n's binary metadata) before the file is read.
 */
export function checkInputSize(
	field: string,
	subject: string,
	bytes: number,
	limit: InputSizeLimit,
	received: unknown,
): void {
	if (bytes <= limit.maxBytes) return;
	const over =
		'option' in limit.setBy
			? `more than ${MAX_IMAGE_SIZE} allows (${megabytes(limit.maxBytes)}). Give a smaller image, or raise ${MAX_IMAGE_SIZE} in Options`
			: `more than ${limit.setBy.provider} takes (${megabytes(limit.maxBytes)}, ${limit.setBy.what}). Give a smaller image, or give it as an https:// link`;
	throw new ParameterError(field, `${subject} is ${megabytes(bytes)}, ${over}`, received);
}
