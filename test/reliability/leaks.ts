import { inspect } from 'node:util';

/**
 * Searches everything a user or an operator could see for the API keys: output JSON, error items,
 * thrown errors (their message, description, JSON form and what `util.inspect` prints, which is
 * what a log line of the error object shows), and the node's log calls. Returns one line per hit.
 */
export function findSecrets(
	secrets: string[],
	seen: { outputs?: unknown[]; errors?: unknown[]; logs?: unknown[] },
): string[] {
	const hits: string[] = [];
	const forms = secrets.flatMap((s) => [
		s,
		encodeURIComponent(s),
		Buffer.from(s).toString('base64'),
	]);
	const check = (where: string, text: string) => {
		for (const form of forms) if (text.includes(form)) hits.push(`${where}: ${text.slice(0, 120)}`);
	};
	(seen.outputs ?? []).forEach((o, i) => check(`output ${i}`, JSON.stringify(o)));
	(seen.logs ?? []).forEach((l, i) => check(`log ${i}`, inspect(l, { depth: 8 })));
	(seen.errors ?? []).forEach((e, i) => {
		check(`error ${i} (inspect)`, inspect(e, { depth: 8, showHidden: true }));
		check(`error ${i} (JSON)`, JSON.stringify(e, Object.getOwnPropertyNames(e ?? {})));
		check(`error ${i} (JSON, default)`, JSON.stringify(e) ?? '');
	});
	return hits;
}
