import type { ModelDeclaration, PriceRule } from '../nodes/FluxUltra/parameters/models';
import type { ModelParamSpec } from '../nodes/FluxUltra/parameters/models/types';
import type { FluxProvider } from '../nodes/FluxUltra/providers/types';

/**
 * docs/models.md's generated part: every model's fields, references, price rule and providers, and
 * each provider line's endpoint, field names and UNCONFIRMED facts — built from the declarations
 * only (parameters/models/, `<provider>.models.ts`), so a model declared in its file appears here.
 */

function range(row: ModelParamSpec): string {
	switch (row.kind) {
		case 'options':
			return row.values.map((v) => `\`${v.value}\``).join(', ');
		case 'integer':
		case 'number':
			return `${row.min}–${row.max}`;
		case 'boolean':
			return 'true / false';
		case 'string':
			return `text, ≤ ${row.maxLength} characters`;
	}
}

export function priceText(rule: PriceRule): string {
	switch (rule.kind) {
		case 'providerList':
			return "each provider's per-image list price";
		case 'perImage':
			return `$${rule.usd} per image`;
		case 'perResolutionClass':
			return `per image by \`${rule.field}\`: ${Object.entries(rule.usd)
				.map(([k, v]) => `${k} $${v}`)
				.join(', ')}`;
		case 'perMegapixel':
			return `$${rule.firstUsd} first output MP + $${rule.extraUsd} per further output MP + $${rule.inputUsd} per input MP${rule.roundUp ? ' (started MP count whole)' : ''}`;
	}
}

export function modelsTable(
	models: readonly ModelDeclaration[],
	providers: readonly FluxProvider[],
): string {
	const lines: string[] = [];
	for (const model of models) {
		const serving = providers.filter(
			(p) => model.price.kind === 'providerList' || p.models?.[model.id],
		);
		lines.push(`### ${model.displayName} (\`${model.id}\`)`, '');
		lines.push(model.description, '');
		lines.push(
			`- Providers: ${serving.length ? serving.map((p) => p.displayName).join(', ') : 'none yet'}`,
		);
		lines.push(
			`- Reference images: ${model.references ? `up to ${model.references.max}${model.references.minSide ? `, each ≥ ${model.references.minSide}×${model.references.minSide} px` : ''}${model.references.maxMegapixels ? `, ≤ ${model.references.maxMegapixels} MP` : ''} (${model.references.source})` : 'none'}`,
		);
		lines.push(`- Seed: ${model.seed ? 'yes' : 'none (items say `seed: null`)'}`);
		lines.push(`- Price rule: ${priceText(model.price)}`);
		if (model.price.kind !== 'providerList') {
			lines.push('', '| Field | API name | Values | Default |', '|---|---|---|---|');
			for (const row of model.params)
				lines.push(
					`| ${row.displayName} | \`${row.apiName}\` | ${range(row)} | ${row.default === undefined || row.default === '' ? '—' : `\`${String(row.default)}\``} |`,
				);
			if (model.references)
				lines.push(`| Reference Images | — | binary fields and URLs, in order | — |`);
		}
		for (const p of serving) {
			const line = p.models?.[model.id];
			if (!line) continue;
			const fields = Object.entries(line.fields)
				.map(([name, f]) =>
					'wire' in f
						? `\`${name}\`→\`${f.wire}\`${f.unconfirmed ? ` (UNCONFIRMED ${f.unconfirmed}: sent only when set)` : ''}`
						: 'refused' in f
							? `\`${name}\` refused unless \`${String(f.accepts)}\``
							: `\`${name}\` (derived)`,
				)
				.join(', ');
			lines.push(
				'',
				`**${p.displayName}**: \`${line.endpoint}\`${line.withReferences ? ` (with references: \`${line.withReferences}\`)` : ''}; ${fields}; references ${line.references ? `\`${line.references.wire}\` (${line.references.style}, ≤ ${line.references.max}${line.references.maxMegapixels ? `, ≤ ${line.references.maxMegapixels} MP each` : ''})` : 'none'}; webhook ${'wire' in line.webhook ? `\`${line.webhook.wire}\`` : 'query' in line.webhook ? `query \`${line.webhook.query}\`` : 'beside' in line.webhook ? `\`${line.webhook.beside}\` beside the input` : 'refused'}${line.price ? `; price: ${priceText(line.price)}` : ''}${line.priceWithReferences ? `; with references: ${priceText(line.priceWithReferences)}` : ''}.`,
			);
			for (const [id, what] of Object.entries(line.unconfirmed))
				lines.push(`- UNCONFIRMED ${id}: ${what}`);
		}
		if (Object.keys(model.unconfirmed).length) {
			lines.push('', 'Model facts still UNCONFIRMED:');
			for (const [id, what] of Object.entries(model.unconfirmed)) lines.push(`- ${id}: ${what}`);
		}
		lines.push('');
	}
	return lines.join('\n').trimEnd();
}
