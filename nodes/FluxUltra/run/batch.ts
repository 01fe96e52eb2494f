import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { outputOf, toNodeError, type Outcome } from './outcomes';
import { runPool } from '../shared/pool';

/** One item read and checked before any request: what to run, or why it cannot run. */
export interface Prepared<T> {
	value?: T;
	failure?: unknown;
}

/**
 * Reads and checks every item, one after another, before anything is sent; a throw becomes that
 * item's failure.
 */
export async function prepareAll<T>(
	count: number,
	prepare: (itemIndex: number) => T | Promise<T>,
): Promise<Array<Prepared<T>>> {
	const prepared: Array<Prepared<T>> = [];
	for (let i = 0; i < count; i++) {
		try {
			prepared.push({ value: await prepare(i) });
		} catch (failure) {
			prepared.push({ failure });
		}
	}
	return prepared;
}

/**
 * Without Continue On Fail, one bad item stops the node before anything is paid for: the first
 * item that failed its checks fails the node.
 */
export function stopAtFirstBad(
	ctx: IExecuteFunctions,
	prepared: Array<{ failure?: unknown }>,
	continueOnFail: boolean,
	scrub?: (text: string) => string,
): void {
	if (continueOnFail) return;
	const firstBad = prepared.findIndex((p) => p.failure !== undefined);
	if (firstBad >= 0) throw toNodeError(ctx, prepared[firstBad].failure, firstBad, scrub);
}

/** One unit of work of a batch: an item's job (or one of its jobs), or the failure in its place. */
export interface BatchJob {
	/** The input item it answers. */
	item: number;
	/**
	 * Runs it; `release` frees its parallel slot early (the provider is done, downloads go on);
	 * `failing` says the job will fail whatever comes next (before a cancel that takes a while), so
	 * the batch starts no new job from then on.
	 */
	run?: (release: () => void, failing: () => void) => Promise<INodeExecutionData[]>;
	/** Why it cannot run (a refused item, a credential that could not be read). */
	failure?: unknown;
}

/**
 * Runs a batch's jobs side by side, at most `limit` at once; every outcome lands at its own index,
 * so the output keeps the input order. Without Continue On Fail the first failure starts no further
 * job — from the moment it is known (a job's `failing`, or its end) — while running ones finish
 * (they are paid for), and fails the node with an error that names every paid job's request ID
 * (outcomes.ts); with it, a failed job becomes an error item in place. `scrub` masks keys in what
 * is shown; it is read after the jobs ran (a fallback's key is known only once its session opened).
 */
export async function runBatch(
	ctx: IExecuteFunctions,
	jobs: BatchJob[],
	limit: number,
	continueOnFail: boolean,
	scrub?: (text: string) => string,
): Promise<INodeExecutionData[]> {
	let stopped = false;
	const outcomes = await runPool(
		jobs.length,
		limit,
		async (j, release): Promise<Outcome> => {
			const { run, failure } = jobs[j];
			if (!run) return { failure };
			const failing = () => {
				if (!continueOnFail) stopped = true;
			};
			try {
				return { items: await run(release, failing) };
			} catch (error) {
				if (!continueOnFail) stopped = true;
				return { failure: error };
			}
		},
		() => stopped,
	);
	return outputOf(ctx, outcomes, (j) => jobs[j].item, continueOnFail, scrub);
}
