/**
 * The AI label the node writes when asked: one XMP packet with IPTC's properties for AI-made images
 * (IPTC Photo Metadata Standard 2025.1, `Iptc4xmpExt` namespace), as a JPEG APP1 segment or a PNG
 * `iTXt` chunk; and reading an IPTC DigitalSourceType back from a packet a file already has.
 */

/** IPTC NewsCodes term for an image made by a trained model (digitalsourcetype vocabulary). */
export const TRAINED_ALGORITHMIC_MEDIA =
	'http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia';

export const IPTC_EXT_NS = 'http://iptc.org/std/Iptc4xmpExt/2008-02-29/';

/** What a JPEG APP1 segment starts with when it holds XMP (XMP Specification Part 3, 1.1.3). */
export const JPEG_XMP_HEADER = Buffer.from('http://ns.adobe.com/xap/1.0/\0', 'latin1');
/** An APP1 segment continuing a packet too large for one segment (Extended XMP). */
export const JPEG_XMP_EXTENSION_HEADER = Buffer.from(
	'http://ns.adobe.com/xmp/extension/\0',
	'latin1',
);
/** The keyword of a PNG iTXt chunk that holds XMP. */
export const PNG_XMP_KEYWORD = 'XML:com.adobe.xmp';

/** What the label says. */
export interface AiLabel {
	/** The model, e.g. "FLUX 1.1 [pro] ultra via fal.ai". */
	system: string;
	/** Its version, e.g. "1.1 [pro] ultra". */
	version: string;
	/** The prompt, only when the user asked for it to be written. */
	prompt?: string;
}

/**
 * Text as XML character data: &, < and > escaped (and quotes, harmlessly), and every character XML
 * 1.0 does not allow at all dropped (C0 controls except tab, line feed and carriage return; U+FFFE,
 * U+FFFF; unpaired surrogates). Prompts are anyone's text: nothing in one can close an element.
 */
export function xmlText(text: string): string {
	let out = '';
	for (const char of text) {
		const code = char.codePointAt(0)!;
		if (
			(code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) ||
			code === 0xfffe ||
			code === 0xffff ||
			(code >= 0xd800 && code <= 0xdfff)
		)
			continue;
		out +=
			char === '&'
				? '&amp;'
				: char === '<'
					? '&lt;'
					: char === '>'
						? '&gt;'
						: char === '"'
							? '&quot;'
							: char === "'"
								? '&apos;'
								: char;
	}
	return out;
}

/**
 * Most bytes of packet a JPEG APP1 segment holds (65,535 less the length field and the XMP header).
 * The packet stays within it, so one segment always carries it (no Extended XMP).
 */
export const XMP_PACKET_MAX = 65535 - 2 - JPEG_XMP_HEADER.length;

/** The XMP packet: DigitalSourceType, AISystemUsed, AISystemVersionUsed, and the prompt if given. */
export function xmpPacket(label: AiLabel): Buffer {
	const build = (prompt: string | undefined) => {
		const properties = [
			`<Iptc4xmpExt:DigitalSourceType>${TRAINED_ALGORITHMIC_MEDIA}</Iptc4xmpExt:DigitalSourceType>`,
			`<Iptc4xmpExt:AISystemUsed>${xmlText(label.system)}</Iptc4xmpExt:AISystemUsed>`,
			`<Iptc4xmpExt:AISystemVersionUsed>${xmlText(label.version)}</Iptc4xmpExt:AISystemVersionUsed>`,
			...(prompt !== undefined
				? [`<Iptc4xmpExt:AIPromptInformation>${prompt}</Iptc4xmpExt:AIPromptInformation>`]
				: []),
		];
		return Buffer.from(
			[
				'<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>',
				'<x:xmpmeta xmlns:x="adobe:ns:meta/">',
				' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">',
				`  <rdf:Description rdf:about="" xmlns:Iptc4xmpExt="${IPTC_EXT_NS}">`,
				...properties.map((p) => `   ${p}`),
				'  </rdf:Description>',
				' </rdf:RDF>',
				'</x:xmpmeta>',
				'<?xpacket end="w"?>',
			].join('\n'),
			'utf8',
		);
	};
	if (label.prompt === undefined) return build(undefined);
	// A prompt (at most 10,000 characters) fits unless it is mostly characters that escape long;
	// then it is cut, at a character, until the packet fits one segment. No character escapes to
	// more than 6 bytes (&quot;), so each round cuts at least the excess.
	let chars = Array.from(label.prompt);
	let packet = build(xmlText(label.prompt));
	while (packet.length > XMP_PACKET_MAX && chars.length) {
		const over = packet.length - XMP_PACKET_MAX;
		chars = chars.slice(0, Math.max(0, chars.length - Math.max(1, Math.ceil(over / 6))));
		packet = build(`${xmlText(chars.join(''))}…`);
	}
	return packet;
}

/** The XMP packet as a JPEG APP1 segment (marker included). */
export function jpegXmpSegment(packet: Buffer): Buffer {
	const head = Buffer.alloc(4);
	head[0] = 0xff;
	head[1] = 0xe1;
	head.writeUInt16BE(2 + JPEG_XMP_HEADER.length + packet.length, 2);
	return Buffer.concat([head, JPEG_XMP_HEADER, packet]);
}

const CRC_TABLE = (() => {
	const table = new Uint32Array(256);
	for (let n = 0; n < 256; n++) {
		let c = n;
		for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
		table[n] = c >>> 0;
	}
	return table;
})();

/** CRC-32 as PNG computes it over a chunk's type and data. */
export function crc32(bytes: Buffer): number {
	let c = 0xffffffff;
	for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
	return (c ^ 0xffffffff) >>> 0;
}

/** The XMP packet as a PNG iTXt chunk: keyword, uncompressed, no language, with its CRC. */
export function pngXmpChunk(packet: Buffer): Buffer {
	const typed = Buffer.concat([
		Buffer.from('iTXt', 'latin1'),
		Buffer.from(PNG_XMP_KEYWORD, 'latin1'),
		// keyword end, compression flag, compression method, language end, translated keyword end
		Buffer.from([0, 0, 0, 0, 0]),
		packet,
	]);
	const length = Buffer.alloc(4);
	length.writeUInt32BE(typed.length - 4);
	const crc = Buffer.alloc(4);
	crc.writeUInt32BE(crc32(typed));
	return Buffer.concat([length, typed, crc]);
}

/** Longest XMP text searched for a DigitalSourceType (a packet is rarely over a few KB). */
export const XMP_READ_MAX = 256 * 1024;

const DST_PATTERNS = [
	// <Iptc4xmpExt:DigitalSourceType>uri</…>
	/<([\w.-]+:)?DigitalSourceType(?:\s[^>]*)?>\s*([^<\s][^<]*?)\s*<\//,
	// <Iptc4xmpExt:DigitalSourceType rdf:resource="uri"/>
	/<([\w.-]+:)?DigitalSourceType\s[^>]*?rdf:resource\s*=\s*["']([^"']+)["']/,
	// Iptc4xmpExt:DigitalSourceType="uri" (an attribute of rdf:Description)
	/\s([\w.-]+:)DigitalSourceType\s*=\s*["']([^"']+)["']/,
];

/** The IPTC DigitalSourceType an XMP packet states, or undefined when it states none. */
export function digitalSourceTypeIn(xmp: Buffer): string | undefined {
	const text = xmp.subarray(0, XMP_READ_MAX).toString('utf8');
	for (const pattern of DST_PATTERNS) {
		const match = pattern.exec(text);
		if (match) return unescapeXml(match[2]).slice(0, 200);
	}
	return undefined;
}

function unescapeXml(text: string): string {
	return text
		.replace(/&lt;/g, '<')
		.replace(/&gt;/g, '>')
		.replace(/&quot;/g, '"')
		.replace(/&apos;/g, "'")
		.replace(/&amp;/g, '&')
		.trim();
}
