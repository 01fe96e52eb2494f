import type { INodeProperties } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';

import { FluxUltra } from '../../../../../nodes/FluxUltra/FluxUltra.node';
import {
	listOf,
	unsupportedReason,
} from '../../../../../nodes/FluxUltra/providers/common/describe';
import { PROVIDERS } from '../../../../../nodes/FluxUltra/providers/registry';
import { OPERATIONS } from '../../../../../nodes/FluxUltra/parameters/table';

/** The editor's provider-specific sentences come from what each provider declares (providers/common/describe.ts). */
const properties: INodeProperties[] = [];
const walk = (ps: INodeProperties[]) =>
	ps.forEach((p) => {
		properties.push(p);
		if (p.type === 'collection') walk(p.options as INodeProperties[]);
	});
walk(new FluxUltra().description.properties);
const descriptionOf = (name: string) => {
	const found = properties.filter((p) => p.name === name).map((p) => p.description ?? '');
	expect(found.length, name).toBeGreaterThan(0);
	return found[0];
};
const named = (list: typeof PROVIDERS) => listOf(list.map((p) => p.displayName));

describe('field descriptions assembled from the providers', () => {
	it('Timeout: cancelled where the provider can cancel, may still bill where it cannot', () => {
		const text = descriptionOf('timeout');
		expect(text).toContain(
			`The job is then cancelled at ${named(PROVIDERS.filter((p) => p.canCancel))}.`,
		);
		expect(text).toContain(
			`${named(PROVIDERS.filter((p) => !p.canCancel))} offer no cancel, so a job there may still finish and be billed.`,
		);
	});

	it('Number of Images and Max Parallel Jobs: one job per image on the providers that make one image per request', () => {
		const perRequest = named(PROVIDERS.filter((p) => p.imagesPerRequest !== undefined));
		expect(descriptionOf('numImages')).toContain(`${perRequest} make one image per request`);
		expect(descriptionOf('maxParallelJobs')).toContain(`One per image on ${perRequest}.`);
	});

	it('Sync Mode: only the providers whose field map sends it', () => {
		expect(descriptionOf('syncMode')).toContain(
			`Only ${named(PROVIDERS.filter((p) => p.fields.sync_mode.status !== 'refused'))} has a sync mode`,
		);
	});

	it("every provider's own notes are in the field they are for", () => {
		for (const p of PROVIDERS) {
			for (const [field, note] of Object.entries(p.editorNotes ?? {}))
				expect(descriptionOf(field), `${p.id} ${field}`).toContain(note);
		}
		// Each provider says how it takes the Completion Webhook URL.
		for (const p of PROVIDERS) expect(p.editorNotes?.webhookUrl, p.id).toBeTruthy();
	});

	it('an unsupported operation names, as the way out, exactly the providers that run it', () => {
		for (const p of PROVIDERS) {
			for (const operation of OPERATIONS) {
				const reason = unsupportedReason(p, operation);
				if (!p.unsupported(operation)) {
					expect(reason).toBeUndefined();
					continue;
				}
				const able = PROVIDERS.filter((o) => o !== p && !o.unsupported(operation));
				for (const o of PROVIDERS) {
					if (o === p) continue;
					expect(reason?.includes(`"${o.displayName}"`), `${p.id} ${operation}: ${o.id}`).toBe(
						able.includes(o),
					);
				}
			}
		}
	});
});
