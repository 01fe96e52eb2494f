/**
 * Runs `task` for indexes 0…count-1 with at most `limit` of them holding a slot at once, starting
 * them in index order. A task may hand its slot back before it ends (`release`): a job frees its
 * place at the provider once its result is read, while its images still download, so the next job
 * starts without waiting for them. Each result lands at its own index, so callers keep input order
 * whatever finishes first. Once `stop()` returns true, no new task starts; running ones finish.
 */
export async function runPool<T>(
	count: number,
	limit: number,
	task: (index: number, release: () => void) => Promise<T>,
	stop: () => boolean = () => false,
): Promise<Array<T | undefined>> {
	const results: Array<T | undefined> = new Array<T | undefined>(count);
	const running: Array<Promise<void>> = [];
	let free = Math.max(1, limit);
	let wake: (() => void) | undefined;
	for (let index = 0; index < count; index++) {
		while (free === 0) await new Promise<void>((resolve) => (wake = resolve));
		if (stop()) break;
		free--;
		let held = true;
		const release = () => {
			if (!held) return;
			held = false;
			free++;
			const w = wake;
			wake = undefined;
			w?.();
		};
		running.push(
			task(index, release).then(
				(result) => {
					results[index] = result;
					release();
				},
				(error: unknown) => {
					release();
					throw error;
				},
			),
		);
	}
	await Promise.all(running);
	return results;
}
