/**
 * Runs `worker` over indexes 0..count-1 with at most `limit` running at once. Results keep input
 * order. When `shouldStop()` turns true, no new work starts; work already running is awaited, so
 * nothing in flight is abandoned (a create that is in flight may already have been charged).
 */
export async function runPool<T>(
	count: number,
	limit: number,
	worker: (index: number) => Promise<T>,
	shouldStop: () => boolean = () => false,
): Promise<Array<T | undefined>> {
	const results: Array<T | undefined> = new Array(count);
	let next = 0;
	const lanes = Math.max(1, Math.min(Math.floor(limit) || 1, count));
	async function lane(): Promise<void> {
		while (next < count && !shouldStop()) {
			const index = next++;
			results[index] = await worker(index);
		}
	}
	await Promise.all(Array.from({ length: lanes }, lane));
	return results;
}
