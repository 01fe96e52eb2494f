/**
 * Runs `task` for indexes 0…count-1 with at most `limit` running at once, starting them in index
 * order. Each result lands at its own index, so callers keep input order whatever finishes first.
 * Once `stop()` returns true, no new task starts; the ones running are awaited.
 */
export async function runPool<T>(
	count: number,
	limit: number,
	task: (index: number) => Promise<T>,
	stop: () => boolean = () => false,
): Promise<Array<T | undefined>> {
	const results: Array<T | undefined> = new Array<T | undefined>(count);
	let next = 0;
	const lane = async () => {
		while (next < count && !stop()) {
			const index = next++;
			results[index] = await task(index);
		}
	};
	await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, count)) }, lane));
	return results;
}
