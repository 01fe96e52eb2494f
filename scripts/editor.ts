/** The n8n editor from the outside: wait for it, and create the owner account a fresh instance asks for. */

export const DEV_OWNER = {
	email: 'dev@example.com',
	firstName: 'Flux',
	lastName: 'Developer',
	password: process.env.N8N_DEV_PASSWORD ?? 'Flux-example-dummy-1',
};

export async function waitForEditor(url: string, timeoutMs = 180_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		const ok = await fetch(`${url}/healthz`).then(
			(r) => r.ok,
			() => false,
		);
		if (ok) return;
		await new Promise((r) => setTimeout(r, 500));
	}
	throw new Error(`n8n did not answer on ${url} within ${timeoutMs / 1000} s`);
}

/**
 * Sets up the owner on a fresh instance and returns the login. n8n answers /healthz before its REST
 * routes are up, so this retries until the setup is accepted or n8n says an owner exists.
 */
export async function setUpOwner(
	url: string,
	timeoutMs = 120_000,
): Promise<{ email: string; password: string }> {
	const deadline = Date.now() + timeoutMs;
	let last = '';
	while (Date.now() < deadline) {
		const response = await fetch(`${url}/rest/owner/setup`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify(DEV_OWNER),
		}).catch(() => undefined);
		const text = (await response?.text().catch(() => '')) ?? '';
		if (response?.ok || /already set ?up/i.test(text))
			return { email: DEV_OWNER.email, password: DEV_OWNER.password };
		last = `${response?.status ?? 'no answer'} ${text.slice(0, 200)}`;
		await new Promise((r) => setTimeout(r, 1000));
	}
	throw new Error(`could not set up the n8n owner: ${last}`);
}
