import { existsSync, readFileSync } from 'node:fs';

import type { ICredentialType } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';

import { PROVIDERS } from '../../nodes/FluxUltra/providers/registry';

/** What a provider's credential must agree on with the provider (see CONTRIBUTING.md, "Adding a provider"). */
describe.each(PROVIDERS.map((p) => [p.id, p] as const))('the %s credential', (_id, provider) => {
	const className = provider.credentialType[0].toUpperCase() + provider.credentialType.slice(1);
	const file = `credentials/${className}.credentials.ts`;

	it(`is ${file}, named as the provider's credentialType, and shown with the name its errors use`, async () => {
		const module = (await import(`../../${file}`)) as Record<string, new () => ICredentialType>;
		const credential = new module[className]();
		expect(credential.name).toBe(provider.credentialType);
		expect(credential.displayName).toBe(provider.errors.credentialName);
		const icon = credential.icon as { light: string; dark: string };
		for (const path of [icon.light, icon.dark])
			expect(existsSync(`credentials/${path.replace(/^file:/, '')}`), path).toBe(true);
	});

	it('is listed in package.json n8n.credentials', () => {
		const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
			n8n: { credentials: string[] };
		};
		expect(pkg.n8n.credentials).toContain(`dist/credentials/${className}.credentials.js`);
	});
});
