/**
 * How `npm run demo` follows an example workflow through `n8n execute`: where an execution stopped
 * waiting for a webhook, the rest of the workflow as a workflow of its own, and the images the FLUX
 * nodes put out. Pure functions over the workflow JSON and the execution's run data.
 */
import { modelById, ULTRA_MODEL } from '../nodes/FluxUltra/parameters/models';
import type { NodeRun } from './n8n';

export type Workflow = {
	name?: string;
	nodes: Array<
		{ name: string; type: string; parameters: Record<string, unknown> } & Record<string, unknown>
	>;
	connections: Record<
		string,
		{ main: Array<Array<{ node: string; type: string; index: number }> | null> }
	>;
} & Record<string, unknown>;

export const FLUX = 'n8n-nodes-flux-ultra.fluxUltra';

const successors = (workflow: Workflow, name: string) =>
	(workflow.connections[name]?.main ?? []).flatMap((out) => (out ?? []).map((c) => c.node));

/**
 * Where an execution stopped waiting for a webhook: the Wait node ("On Webhook Call") it reached
 * whose next node did not run, and the node that fed it. Undefined when the execution went through.
 */
export function waitingAt(workflow: Workflow, runs: Record<string, NodeRun>) {
	const feederOf = (wait: string) =>
		Object.keys(workflow.connections).find((from) => successors(workflow, from).includes(wait));
	// The Wait node reached: it ran, or (whichever way n8n records a waiting node) the node feeding it did.
	const wait = workflow.nodes.find((n) => {
		if (n.type !== 'n8n-nodes-base.wait' || n.parameters.resume !== 'webhook') return false;
		const feeder = feederOf(n.name);
		return (
			(runs[n.name] || (feeder && runs[feeder])) &&
			!successors(workflow, n.name).some((next) => runs[next])
		);
	});
	if (!wait) return undefined;
	return { wait: wait.name, feeder: feederOf(wait.name), next: successors(workflow, wait.name)[0] };
}

/**
 * The rest of a workflow after its Wait node, as a workflow of its own: a Manual Trigger, then the
 * Wait node's successor as a Code node returning the items the Wait node received, then every node
 * downstream of it, unchanged (Get Result, the "still running?" loop).
 */
export function remainder(
	workflow: Workflow,
	next: string,
	items: NodeRun['items'],
	id: string,
): Workflow {
	const keep = new Set<string>();
	const queue = [next];
	while (queue.length) {
		const name = queue.shift()!;
		if (keep.has(name)) continue;
		keep.add(name);
		queue.push(...successors(workflow, name));
	}
	const trigger = {
		id: '5d0e7c1a-3b2f-4e6d-9a8c-1f2e3d4c5b6a',
		name: 'Start collecting',
		type: 'n8n-nodes-base.manualTrigger',
		typeVersion: 1,
		position: [0, 400],
		parameters: {},
	};
	const jobs = items.map((item) => ({ json: item.json, pairedItem: 0 }));
	const nodes = workflow.nodes
		.filter((n) => keep.has(n.name))
		.map((n) =>
			n.name === next
				? {
						...n,
						type: 'n8n-nodes-base.code',
						typeVersion: 2,
						parameters: {
							jsCode: `// The jobs the first execution submitted (what the Wait node received).\nreturn ${JSON.stringify(jobs, null, 2)};`,
						},
					}
				: n,
		);
	const connections = Object.fromEntries(
		Object.entries(workflow.connections).filter(([from]) => keep.has(from)),
	);
	connections[trigger.name] = { main: [[{ node: next, type: 'main', index: 0 }]] };
	return {
		...workflow,
		id,
		name: `${workflow.name ?? 'workflow'} (collected by the demo)`,
		nodes: [trigger, ...nodes],
		connections,
	};
}

/** The images the FLUX nodes of a run put out, every run of each node. */
export function fluxImages(workflow: Workflow, runs: Record<string, NodeRun>) {
	const flux = new Set(workflow.nodes.filter((n) => n.type === FLUX).map((n) => n.name));
	return Object.entries(runs)
		.filter(([name]) => flux.has(name))
		.flatMap(([node, run]) =>
			run.runs
				.flat()
				.filter((item) => item.binary?.data && item.json.provider !== undefined)
				.map((item) => ({ node, item })),
		);
}

/**
 * The demo's provenance workflow (issue 30): two briefs through one FLUX node with Write AI Label
 * on, on the fal.ai mock. The second brief's prompt carries the mocks' `[c2pa]` marker, so its image
 * comes with Content Credentials (test-signed); the first comes without and gets the AI label.
 */
export function provenanceWorkflow(id: string, credentialsMarker: string): Workflow {
	return {
		id,
		name: 'Provenance: one image labelled by the node, one with Content Credentials left as it is',
		nodes: [
			{
				id: '7c1d2e3f-0a1b-4c2d-8e3f-4a5b6c7d0001',
				name: 'Start',
				type: 'n8n-nodes-base.manualTrigger',
				typeVersion: 1,
				position: [0, 0],
				parameters: {},
			},
			{
				id: '7c1d2e3f-0a1b-4c2d-8e3f-4a5b6c7d0002',
				name: 'Briefs',
				type: 'n8n-nodes-base.code',
				typeVersion: 2,
				position: [220, 0],
				parameters: {
					jsCode: `return [\n  { json: { prompt: 'Studio product photo of a matte ceramic mug, soft morning light' } },\n  { json: { prompt: '${credentialsMarker} Studio product photo of a matte ceramic mug, soft morning light' } },\n];`,
				},
			},
			{
				id: '7c1d2e3f-0a1b-4c2d-8e3f-4a5b6c7d0003',
				name: 'Generate with AI label',
				type: FLUX,
				typeVersion: 2,
				position: [440, 0],
				parameters: {
					provider: 'fal',
					operation: 'generate',
					prompt: '={{ $json.prompt }}',
					options: {
						aspectRatio: '1:1',
						outputFormat: 'jpeg',
						aiLabel: true,
						fileName: 'provenance-{item}',
					},
				},
				credentials: { falApi: { id: 'falApiExample01', name: 'fal.ai account' } },
			},
		],
		connections: {
			Start: { main: [[{ node: 'Briefs', type: 'main', index: 0 }]] },
			Briefs: { main: [[{ node: 'Generate with AI label', type: 'main', index: 0 }]] },
		},
		settings: { executionOrder: 'v1' },
		pinData: {},
	};
}

/**
 * The demo's models workflow (issue 29): FLUX 3 Image combining three reference images, then
 * FLUX.2 [pro] with one, on the fal.ai mock. Ultra makes the brand kit first: a logo and a set
 * (their links go in as URL references, which fal.ai fetches), then the product shot, whose file
 * goes in as a binary reference. FLUX 3 Image puts the three together (Resolution 1k: a 4k file is
 * the bench's); FLUX.2 [pro] turns its image into a 9:16 story. The mock images draw each job's
 * references as thumbnails.
 */
export const MODELS_DEMO = {
	flux3: 'FLUX 3 Image: product, logo and set',
	flux2: 'FLUX.2 [pro]: the visual as a story',
} as const;

export function modelsWorkflow(id: string): Workflow {
	const fal = { falApi: { id: 'falApiExample01', name: 'fal.ai account' } };
	const node = (n: number, name: string, x: number, parameters: Record<string, unknown>) => ({
		id: `8d2e3f4a-1b2c-4d3e-9f4a-5b6c7d8e00${String(n).padStart(2, '0')}`,
		name,
		type: FLUX,
		typeVersion: 2,
		position: [x, 0],
		parameters: { provider: 'fal', operation: 'generate', ...parameters },
		credentials: fal,
	});
	const ultra = (n: number, name: string, x: number, prompt: string, fileName: string) =>
		node(n, name, x, { prompt, options: { aspectRatio: '1:1', outputFormat: 'png', fileName } });
	const chain = [
		'Start',
		'Logo',
		'Set',
		'Product shot',
		MODELS_DEMO.flux3,
		MODELS_DEMO.flux2,
	] as const;
	return {
		id,
		name: 'Models: FLUX 3 Image with three reference images, then FLUX.2 [pro] with one',
		nodes: [
			{
				id: '8d2e3f4a-1b2c-4d3e-9f4a-5b6c7d8e0001',
				name: 'Start',
				type: 'n8n-nodes-base.manualTrigger',
				typeVersion: 1,
				position: [0, 0],
				parameters: {},
			},
			ultra(
				2,
				'Logo',
				220,
				'Flat vector logo of a coffee bean inside a circle, brand mark',
				'logo',
			),
			ultra(3, 'Set', 440, 'Empty walnut table by a window, soft morning light, no props', 'set'),
			ultra(4, 'Product shot', 660, 'Matte white ceramic coffee mug, studio shot', 'product'),
			node(5, MODELS_DEMO.flux3, 880, {
				model: 'flux-3-image',
				prompt:
					'The mug from image 1 with the logo from image 2 printed on it, on the table of image 3',
				options: {
					referenceImages: {
						image: [
							{ source: 'binary', binaryPropertyName: 'data' },
							{ source: 'url', url: "={{ $('Logo').item.json.url }}" },
							{ source: 'url', url: "={{ $('Set').item.json.url }}" },
						],
					},
					aspectRatio: '4:3',
					resolution: '1k',
					fileName: 'flux3-campaign',
				},
			}),
			node(6, MODELS_DEMO.flux2, 1100, {
				model: 'flux-2-pro',
				prompt: 'The scene of image 1 as a vertical story, more space above the mug for a headline',
				options: {
					referenceImages: { image: [{ source: 'binary', binaryPropertyName: 'data' }] },
					aspectRatio: '9:16',
					megapixels: '1',
					fileName: 'flux2-story',
				},
			}),
		],
		connections: Object.fromEntries(
			chain
				.slice(0, -1)
				.map((from, i) => [from, { main: [[{ node: chain[i + 1], type: 'main', index: 0 }]] }]),
		),
		settings: { executionOrder: 'v1' },
		pinData: {},
	};
}

/**
 * One line per image of the models workflow: the node, the model its item names, the size and the
 * file, at most `width` columns.
 */
export function modelLine(node: string, json: Record<string, unknown>, width = 96): string {
	const model = modelById(json.model)?.displayName ?? String(json.model ?? 'FLUX 1.1 [pro] Ultra');
	return fit(
		`${String(json.fileName)}: ${model}, ${String(json.width)}×${String(json.height)} (${node})`,
		width,
	);
}

/** One line per image of what its file carries, as the node's item says (`provenance`). */
export function provenanceLine(json: Record<string, unknown>): string {
	const p = (json.provenance ?? {}) as Record<string, unknown>;
	if (p.c2pa === true)
		return `Content Credentials (C2PA), claim generator ${String(p.claimGenerator ?? 'unread')}, signed by ${String(p.issuer ?? 'unread')}: left as delivered`;
	if (p.labelled === true)
		return `no Content Credentials; labelled by the node: IPTC DigitalSourceType ${String(p.digitalSourceType).split('/').pop()}`;
	return `no Content Credentials, not labelled${p.leftAsIs ? ` (${String(p.leftAsIs)})` : ''}`;
}

/**
 * The brief the demo's mock fal.ai is out of credit for (issue 31): it appears in the two failover
 * examples only, so each shows its failover: the Fallback Provider takes the brief (its item has
 * `failover`), and the chained example's Runflow node takes it through the error output.
 */
export const DEMO_OUT_OF_CREDIT_BRIEF = 'weekend farmers market';

/** The demo's fal.ai mock option: the account is out of credit for that brief alone. */
export const demoOutOfCredit = (input: Record<string, unknown>) =>
	String(input.prompt ?? '').includes(DEMO_OUT_OF_CREDIT_BRIEF);

/**
 * What the demo says about the completion webhooks the mock fal.ai sends while `n8n execute` runs
 * no web server: that they go unanswered by design, without the resume URL's signature, which made
 * the line read like a failure.
 */
export function webhookNote(hookUrls: string[]): string | undefined {
	if (hookUrls.length === 0) return undefined;
	const calls = hookUrls.length === 1 ? 'a completion call' : `${hookUrls.length} completion calls`;
	return `  (as fal.ai would, the mock sent ${calls} to n8n's resume URL; unheard here, as expected)`;
}

/** One image the demo wrote, as its summary lists it. */
export interface DemoImage {
	workflow: string;
	node: string;
	provider: string;
	failover?: { from?: unknown; reason?: unknown };
	/** The item's `model`, where it has one (the models beyond Ultra). */
	model?: unknown;
	file: string;
	width: unknown;
	height: unknown;
	bytes: number;
}

const PROVIDER_NAMES: Record<string, string> = {
	fal: 'fal.ai',
	runflow: 'Runflow',
	bfl: 'Black Forest Labs',
	replicate: 'Replicate',
};

const fit = (text: string, width: number) =>
	text.length <= width ? text : `${text.slice(0, width - 1)}…`;

/**
 * The demo's closing summary: the images per example workflow, one line each (provider, size, file,
 * node), and under an image the Fallback Provider made, its `failover`. Every line fits `width`
 * columns (a 100-column terminal; console.table's seven columns did not).
 */
export function demoSummary(images: DemoImage[], outDir: string, width = 100): string[] {
	const lines = [
		fit(`${images.length} images in ${outDir}, each named <workflow>--<file>:`, width),
	];
	const workflows = [...new Set(images.map((i) => i.workflow))];
	for (const workflow of workflows) {
		const mine = images.filter((i) => i.workflow === workflow);
		lines.push(fit(`  ${workflow} (${mine.length} image${mine.length === 1 ? '' : 's'})`, width));
		for (const image of mine) {
			const provider = PROVIDER_NAMES[image.provider] ?? image.provider;
			const size = `${String(image.width)}×${String(image.height)}`;
			const mb = `${(image.bytes / 1e6).toFixed(1)} MB`;
			lines.push(
				fit(
					`    ${provider.padEnd(17)} ${size.padEnd(9)} ${mb.padStart(7)}  ${image.file}  (${image.node})`,
					width,
				),
			);
			if (typeof image.model === 'string' && image.model !== ULTRA_MODEL)
				lines.push(
					fit(`      ↳ model: ${modelById(image.model)?.displayName ?? image.model}`, width),
				);
			if (image.failover)
				lines.push(
					fit(
						`      ↳ failover: from ${String(image.failover.from)}: ${String(image.failover.reason)}`,
						width,
					),
				);
		}
	}
	return lines;
}
