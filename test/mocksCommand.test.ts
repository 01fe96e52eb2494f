import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createHarness } from '../testkit/harness/context';

/**
 * Issue 31, point 9: one documented command starts the mock providers for your own n8n and prints
 * the API Base URL to paste. This runs the command's script in its own process, as `npm run mocks`
 * does, reads the URLs it prints, and uses them as a user would: the node, through a credential
 * whose API Base URL is the printed one, and each credential's key check.
 */
describe('npm run mocks', () => {
	let child: ChildProcess;
	let output = '';
	const urls: Record<string, string> = {};

	beforeAll(async () => {
		nock.enableNetConnect('127.0.0.1');
		child = spawn(
			process.execPath,
			[join('node_modules', 'tsx', 'dist', 'cli.mjs'), join('scripts', 'mocks.ts')],
			{
				env: { ...process.env, MOCKS_PORT: '0', MOCKS_LATENCY_MS: '100' },
				stdio: ['ignore', 'pipe', 'pipe'],
			},
		);
		child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
		await new Promise<void>((resolve, reject) => {
			child.stdout!.on('data', (chunk: Buffer) => {
				output += chunk.toString();
				if (output.includes('Ctrl+C')) resolve();
			});
			child.on('exit', (code) => reject(new Error(`exited ${String(code)}: ${output}`)));
		});
		for (const match of output.matchAll(/^\s+(.+?)\s+API Base URL: (\S+)$/gm))
			urls[match[1]] = match[2];
	}, 60_000);
	afterAll(() => {
		if (child.exitCode === null) child.kill('SIGKILL');
	});

	it('is a script of package.json', () => {
		const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
			scripts: Record<string, string>;
		};
		expect(pkg.scripts.mocks).toMatch(/tsx .*scripts\/mocks\.ts/);
	});

	it('prints one API Base URL per provider credential, on 127.0.0.1', () => {
		expect(Object.keys(urls)).toEqual([
			'fal.ai API',
			'Runflow API',
			'Black Forest Labs API',
			'Replicate API',
		]);
		for (const url of Object.values(urls)) expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
		expect(output).toMatch(/any API key/);
	});

	it('the printed fal.ai URL, pasted into the credential, makes an image with the node', async () => {
		const [out] = await createHarness({
			params: {
				provider: 'fal',
				operation: 'generate',
				prompt: 'a lighthouse at dusk',
				imageSource: 'none',
				numImages: 1,
				outputFormat: 'jpeg',
			},
			credentials: { falApi: { apiKey: 'dummy', baseUrl: urls['fal.ai API'] } },
		}).run();
		expect(out).toHaveLength(1);
		expect(out[0].json).toMatchObject({ provider: 'fal', contentType: 'image/jpeg' });
		expect(out[0].binary?.data).toBeDefined();
	});

	it('each other printed URL answers its credential’s key check', async () => {
		const check = async (url: string, headers: Record<string, string>) =>
			(await fetch(url, { headers })).status;
		expect(
			await check(`${urls['Runflow API']}/v1/auth/me`, { authorization: 'Bearer rf_live_dummy' }),
		).toBe(200);
		expect(await check(`${urls['Black Forest Labs API']}/v1/credits`, { 'x-key': 'dummy' })).toBe(
			200,
		);
		expect(
			await check(`${urls['Replicate API']}/v1/account`, { authorization: 'Bearer r8_dummy' }),
		).toBe(200);
	});

	it('stops on Ctrl+C (SIGINT), with exit code 0', async () => {
		const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
		child.kill('SIGINT');
		expect(await exited).toBe(0);
	});
});
