/**
 * The scale series as a picture: wall time / ideal and the n8n process tree's peak RSS against N,
 * drawn as SVG here and turned into a PNG by headless Chromium through puppeteer-core: CHROMIUM_PATH,
 * else a chromium on PATH. Without one the PNG is skipped (and said so); Chromium is installed from
 * Debian's packages (scripts/install-chromium.sh, apt-get) only when BENCH_INSTALL_CHROMIUM=1.
 *
 * The run's files (bench-scale.json, .svg, .png) go to BENCH_OUTPUT, else ./bench-output; into docs/
 * (tracked, what the README shows) only with BENCH_UPDATE_DOCS=1.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants, mkdirSync, writeFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

import puppeteer from 'puppeteer-core';

import type { ScaleRow } from './scale';

const root = resolve(__dirname, '..', '..');
const W = 960;
const H = 420;

interface Panel {
	title: string;
	x0: number;
	yLabel: string;
	series: Array<{ name: string; color: string; values: number[] }>;
	/** A target drawn as a dashed line. */
	target?: { value: number; label: string };
	yMin: number;
	yMax: number;
	/** Spacing of the horizontal grid lines. */
	step: number;
}

function escape(text: string): string {
	return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function panelSvg(panel: Panel, sizes: number[]): string {
	const left = panel.x0 + 70;
	const right = panel.x0 + W / 2 - 20;
	const top = 60;
	const bottom = H - 70;
	// N on a log scale, with a little room at both ends.
	const logs = sizes.map((n) => Math.log10(n));
	const lo = Math.min(...logs) - 0.15;
	const hi = Math.max(...logs) + 0.15;
	const x = (n: number) => left + ((Math.log10(n) - lo) / (hi - lo || 1)) * (right - left);
	const y = (v: number) =>
		bottom - ((v - panel.yMin) / (panel.yMax - panel.yMin || 1)) * (bottom - top);
	const parts: string[] = [];
	parts.push(
		`<text x="${(left + right) / 2}" y="30" text-anchor="middle" font-size="17" font-weight="bold">${escape(panel.title)}</text>`,
	);
	parts.push(
		`<line x1="${left}" y1="${bottom}" x2="${right}" y2="${bottom}" stroke="#333"/><line x1="${left}" y1="${top}" x2="${left}" y2="${bottom}" stroke="#333"/>`,
	);
	for (let v = panel.yMin; v <= panel.yMax + 1e-9; v += panel.step) {
		parts.push(`<line x1="${left}" y1="${y(v)}" x2="${right}" y2="${y(v)}" stroke="#ddd"/>`);
		parts.push(
			`<text x="${left - 8}" y="${y(v) + 5}" text-anchor="end" font-size="13">${+v.toFixed(2)}</text>`,
		);
	}
	for (const n of sizes) {
		parts.push(
			`<text x="${x(n)}" y="${bottom + 22}" text-anchor="middle" font-size="13">${n}</text>`,
		);
	}
	parts.push(
		`<text x="${(left + right) / 2}" y="${bottom + 45}" text-anchor="middle" font-size="14">items N (log scale)</text>`,
	);
	parts.push(
		`<text transform="translate(${panel.x0 + 20} ${(top + bottom) / 2}) rotate(-90)" text-anchor="middle" font-size="14">${escape(panel.yLabel)}</text>`,
	);
	if (panel.target) {
		parts.push(
			`<line x1="${left}" y1="${y(panel.target.value)}" x2="${right}" y2="${y(panel.target.value)}" stroke="#c0392b" stroke-dasharray="6 4"/>`,
		);
		parts.push(
			`<text x="${right - 4}" y="${y(panel.target.value) - 6}" text-anchor="end" font-size="13" fill="#c0392b">${escape(panel.target.label)}</text>`,
		);
	}
	panel.series.forEach((s, k) => {
		const points = sizes.map((n, i) => `${x(n)},${y(s.values[i])}`).join(' ');
		parts.push(`<polyline points="${points}" fill="none" stroke="${s.color}" stroke-width="2.5"/>`);
		sizes.forEach((n, i) => {
			parts.push(`<circle cx="${x(n)}" cy="${y(s.values[i])}" r="4.5" fill="${s.color}"/>`);
			parts.push(
				`<text x="${x(n) + 7}" y="${y(s.values[i]) - 8}" font-size="12" fill="${s.color}">${s.values[i]}</text>`,
			);
		});
		parts.push(
			`<rect x="${left + 12}" y="${top + 6 + k * 20}" width="14" height="4" fill="${s.color}"/>`,
		);
		parts.push(
			`<text x="${left + 32}" y="${top + 12 + k * 20}" font-size="13">${escape(s.name)}</text>`,
		);
	});
	return parts.join('\n');
}

export function scalePlotSvg(rows: ScaleRow[], caption: string): string {
	const sizes = rows.map((r) => r.N);
	const ratios = rows.map((r) => r['wall/ideal']);
	const peaks = rows.map((r) => r['RSS peak MB']);
	const starts = rows.map((r) => r['RSS at start MB']);
	const ratioPanel: Panel = {
		title: 'Wall time / ideal ceil(N/c)·L',
		x0: 0,
		yLabel: 'wall / ideal',
		series: [{ name: 'this node in n8n 2.x', color: '#2c6fbb', values: ratios }],
		target: { value: 1.05, label: 'target 1.05' },
		yMin: 1,
		yMax: Math.max(1.2, Math.ceil(Math.max(...ratios) * 10) / 10),
		step: 0.1,
	};
	const lowest = Math.min(...starts);
	const limit = peaks[0] + 50;
	const rssPanel: Panel = {
		title: 'Peak RSS of the n8n process tree',
		x0: W / 2,
		yLabel: 'MB',
		series: [
			{ name: 'peak', color: '#8e44ad', values: peaks },
			{ name: 'when the first job was sent', color: '#7f8c8d', values: starts },
		],
		target: { value: limit, label: `N=${sizes[0]} peak + 50 MB` },
		yMin: Math.floor((lowest - 50) / 50) * 50,
		yMax: Math.ceil((Math.max(...peaks, limit) + 50) / 50) * 50,
		step: 50,
	};
	return [
		`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H + 30}" font-family="DejaVu Sans, Liberation Sans, sans-serif">`,
		`<rect width="100%" height="100%" fill="white"/>`,
		panelSvg(ratioPanel, sizes),
		panelSvg(rssPanel, sizes),
		`<text x="${W / 2}" y="${H + 12}" text-anchor="middle" font-size="12" fill="#555">${escape(caption)}</text>`,
		'</svg>',
	].join('\n');
}

/** Where a run's plot and data go (see the top of this file). */
export function benchOutputDir(env: NodeJS.ProcessEnv = process.env): string {
	if (env.BENCH_UPDATE_DOCS === '1') return join(root, 'docs');
	return resolve(env.BENCH_OUTPUT?.trim() || 'bench-output');
}

/** CHROMIUM_PATH, else chromium on PATH; installed (apt-get) only when BENCH_INSTALL_CHROMIUM=1. */
function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
	if (env.CHROMIUM_PATH) return env.CHROMIUM_PATH;
	for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
		for (const name of ['chromium', 'chromium-browser']) {
			try {
				accessSync(join(dir, name), constants.X_OK);
				return join(dir, name);
			} catch {
				// not here
			}
		}
	}
	if (env.BENCH_INSTALL_CHROMIUM !== '1') return undefined;
	const out = execFileSync('bash', [join(root, 'scripts', 'install-chromium.sh')], {
		encoding: 'utf8',
		stdio: ['ignore', 'pipe', 'inherit'],
	});
	return out.trim().split('\n').pop()!;
}

/** Writes the run as `<name>.json`, `<name>.svg` and, with a Chromium, `<name>.png`; says where. */
export async function writeScaleRun(
	rows: ScaleRow[],
	caption: string,
	name = 'bench-scale',
): Promise<{ dir: string; json: string; svg: string; png?: string; notes: string[] }> {
	const dir = benchOutputDir();
	mkdirSync(dir, { recursive: true });
	const json = join(dir, `${name}.json`);
	const svgPath = join(dir, `${name}.svg`);
	writeFileSync(json, `${JSON.stringify({ caption, rows }, null, '\t')}\n`);
	const svg = scalePlotSvg(rows, caption);
	writeFileSync(svgPath, svg);
	const notes: string[] = [];
	if (dir === join(root, 'docs'))
		notes.push(
			'BENCH_UPDATE_DOCS=1: docs/ updated; put the table above into the README (test/benchScaleDocs.test.ts checks they agree).',
		);
	const executablePath = findChromium();
	if (!executablePath) {
		notes.push(
			'No Chromium on PATH: PNG skipped. Set CHROMIUM_PATH, run `bash scripts/install-chromium.sh` (apt-get, Debian), or BENCH_INSTALL_CHROMIUM=1 to let the bench do that.',
		);
		return { dir, json, svg: svgPath, notes };
	}
	const png = join(dir, `${name}.png`);
	const browser = await puppeteer.launch({
		executablePath,
		headless: true,
		args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--hide-scrollbars'],
		defaultViewport: { width: W, height: H + 30, deviceScaleFactor: 1 },
	});
	try {
		const page = await browser.newPage();
		await page.setContent(`<html><body style="margin:0">${svg}</body></html>`);
		await page.screenshot({
			path: png as `${string}.png`,
			clip: { x: 0, y: 0, width: W, height: H + 30 },
		});
	} finally {
		await browser.close();
	}
	return { dir, json, svg: svgPath, png, notes };
}
