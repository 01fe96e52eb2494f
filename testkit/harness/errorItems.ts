/** What an error item says under `json.error` (see errorItem in run/outcomes.ts). */
export interface ErrorJson {
	message?: string;
	description?: string;
	kind?: string;
	requestId?: string;
	imageUrl?: string;
	field?: string;
	httpCode?: number;
	failover?: { from: string; reason: string };
	/** The "safe to run elsewhere" verdict (transport/verdict.ts). */
	safeToRunElsewhere?: boolean;
}

/** The error details of an item; empty for an image item (or an error item of the wrong shape). */
export function errorOf(item: { json: Record<string, unknown> }): ErrorJson {
	const error = item.json.error;
	return error && typeof error === 'object' && !Array.isArray(error) ? (error as ErrorJson) : {};
}
