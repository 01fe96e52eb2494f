/**
 * What each image item says about its file's provenance (`provenance` in the item's JSON): what the
 * file carries as it is delivered, and whether the node changed it.
 */
export interface ProvenanceReport {
	/**
	 * Whether the file carries a C2PA manifest store (Content Credentials): JPEG APP11 JUMBF, PNG
	 * `caBX`, WebP `C2PA` chunk. Null for file types the node does not read (GIF, AVIF).
	 */
	c2pa: boolean | null;
	/** The active manifest's claim generator (name/version), when its claim could be read. */
	claimGenerator?: string;
	/** The organisation of the certificate that signed the active manifest, as C2PA tools show it. */
	issuer?: string;
	/** The IPTC DigitalSourceType the delivered file's XMP states, or null when it states none. */
	digitalSourceType: string | null;
	/** Whether the node wrote its AI label (an XMP packet) into the file. */
	labelled: boolean;
	/**
	 * Why the file was delivered exactly as the provider made it: always when it carries Content
	 * Credentials, and when a label was asked for but not written.
	 */
	leftAsIs?: string;
}

/** The reasons, in the user's terms. */
export const LEFT_AS_IS = {
	credentials:
		'It carries Content Credentials (C2PA): the node never changes such a file, as any change would break their signature.',
	format: 'The node writes its AI label into JPEG and PNG files only.',
	unreadable: 'Its structure could not be read, so the node did not change it.',
	incomplete: 'It ended before its image data, so the node did not change it.',
	tooMuchMetadata:
		'It holds more than 1 MB of metadata before its image data, so the node did not change it.',
	notRead: 'The download could not be read as it arrived, so the node did not change it.',
} as const;
