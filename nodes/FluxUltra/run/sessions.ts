import type { IExecuteFunctions } from 'n8n-workflow';

import type { FluxProvider, ProviderSession } from '../providers/types';
import { Failover } from './failover';

/**
 * Opening the run's provider sessions (each reads its credential; no request), and one mask for
 * every key in what is shown.
 */

/** A Generate run's sessions: the provider's, or why it could not open, and the failover around it. */
export interface OpenRun {
	session?: ProviderSession;
	openFailure?: unknown;
	/** The fallback's session, when it opened now (for its run-time checks). */
	openedFallback?: ProviderSession;
	failover: Failover;
	/** Masks either key: the first provider's, and the fallback's once opened. */
	scrub: (text: string) => string;
}

/**
 * Opens the provider's session when any item is to run (`needed`). What the providers say at run
 * time about their models (Runflow's models API) is asked before any job: the first provider's,
 * and the fallback's. The fallback's session is opened now for that (its credential read, no
 * request; only a provider with run-time checks then asks its API once); one whose credential
 * cannot be read is opened again when an item first needs it.
 */
export async function openRun(
	ctx: IExecuteFunctions,
	provider: FluxProvider,
	fallback: FluxProvider | undefined,
	needed: boolean,
): Promise<OpenRun> {
	let session: ProviderSession | undefined;
	let openFailure: unknown;
	if (needed) {
		try {
			session = await provider.open(ctx);
		} catch (error) {
			openFailure = error;
		}
	}
	const openedFallback =
		session && fallback ? await fallback.open(ctx).catch(() => undefined) : undefined;
	const failover = new Failover(ctx, provider, fallback, openedFallback);
	const scrub = (text: string) => failover.scrub(session ? session.scrub(text) : text);
	return { session, openFailure, openedFallback, failover, scrub };
}

/** A provider's session for Get Result, or why there is none. */
export interface Opened {
	session?: ProviderSession;
	failure?: unknown;
}

/**
 * Get Result's sessions: one per provider its items name, each opened once, a failure kept for
 * the items it concerns; `scrub` masks every key, whichever provider a message is about.
 */
export async function openEach(
	ctx: IExecuteFunctions,
	providers: Iterable<FluxProvider>,
): Promise<{ opened: Map<FluxProvider, Opened>; scrub: (text: string) => string }> {
	const opened = new Map<FluxProvider, Opened>();
	for (const p of new Set(providers)) {
		try {
			opened.set(p, { session: await p.open(ctx) });
		} catch (failure) {
			opened.set(p, { failure });
		}
	}
	const scrub = (text: string) =>
		[...opened.values()].reduce((clean, o) => (o.session ? o.session.scrub(clean) : clean), text);
	return { opened, scrub };
}
