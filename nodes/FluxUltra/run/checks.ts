import type { JobRequest } from '../parameters/validation';
import { unsupportedReason, withWayOut } from '../providers/common/describe';
import { fieldsFor, refusedField } from '../providers/common/fields';
import type { FluxProvider, ProviderSession } from '../providers/types';
import { ParameterError } from '../transport/errors';
import type { Prepared } from './batch';
import { asFallbackNote, checkServed, servingNote } from './served';

/**
 * Whether the run's providers can take an item, checked before anything is paid for: the provider
 * and, when one is set, the Fallback Provider too, so an item that might move there cannot fail
 * there on a field. First what each provider declares (its operations and field maps), for every
 * item as it is read; then, once the sessions are open, what a provider finds out at run time
 * (Runflow's models API: `ProviderSession.checkRequest`).
 */

/**
 * A fine-tune exists only at the provider it was trained at: no other provider could run its ID, so
 * Generate with Fine-Tune takes no Fallback Provider.
 */
const FALLBACK_FIELD = 'Fallback Provider';
const FINETUNE_NO_FALLBACK =
	'a fine-tune runs only at the provider it was trained at, so no other provider can take over a Generate with Fine-Tune item. Set "Fallback Provider" to None.';

/**
 * What the provider and the fallback declare: the operation is one they run, and every field is
 * one they take. Throws a ParameterError naming the field; makes no request.
 */
export function checkDeclared(
	request: JobRequest,
	provider: FluxProvider,
	fallback: FluxProvider | undefined,
): void {
	if (fallback && request.operation === 'finetune')
		throw new ParameterError(FALLBACK_FIELD, FINETUNE_NO_FALLBACK, fallback.displayName);
	// A model other than Ultra is checked against the providers' lines for it, not Ultra's fields.
	if (request.model)
		return checkServed(request, fallback ? [provider, fallback] : [provider], fallback);
	for (const p of fallback ? [provider, fallback] : [provider]) {
		const asFallback = p === fallback ? asFallbackNote(p) : '';
		const unsupported = unsupportedReason(p, request.operation);
		if (unsupported)
			throw new ParameterError('Operation', `${unsupported}${asFallback}`, request.operation);
		const refused = refusedField(p.displayName, fieldsFor(p, request.operation), request);
		if (refused)
			throw new ParameterError(refused.field, `${refused.problem}${asFallback}`, refused.received);
	}
}

/**
 * What the open sessions find out at run time, for every item that passed so far: an item a check
 * refuses becomes a failure in place (its value cleared). Returns whether any session checks at
 * all, so the caller stops at the first bad item only then.
 */
export async function checkAtRunTime(
	prepared: Array<Prepared<JobRequest>>,
	provider: FluxProvider,
	session: ProviderSession | undefined,
	fallback: FluxProvider | undefined,
	openedFallback: ProviderSession | undefined,
): Promise<boolean> {
	const checks = [
		{ check: session?.checkRequest?.bind(session), asFallback: '', provider },
		{
			check: openedFallback?.checkRequest?.bind(openedFallback),
			asFallback: fallback ? asFallbackNote(fallback) : '',
			provider: fallback,
		},
	].filter((c) => c.check);
	if (checks.length === 0) return false;
	for (const entry of prepared) {
		for (const { check, asFallback, provider: checked } of checks) {
			if (!entry.value) break;
			const { operation } = entry.value;
			try {
				await check!(entry.value);
			} catch (failure) {
				// An operation the provider found it cannot run says where it can, as the editor does;
				// a model it did not find (Runflow's look-up) names the providers that serve it.
				const model = entry.value.model;
				const problem = (f: ParameterError) =>
					f.field === 'Operation' && !asFallback && checked
						? withWayOut(checked, operation, f.problem)
						: f.field === 'Model' && model
							? `${f.problem}${asFallback}. ${servingNote(model, checked)}`
							: `${f.problem}${asFallback}`;
				entry.failure =
					failure instanceof ParameterError &&
					(asFallback || failure.field === 'Operation' || failure.field === 'Model')
						? new ParameterError(failure.field, problem(failure), failure.received)
						: failure;
				entry.value = undefined;
			}
		}
	}
	return true;
}
