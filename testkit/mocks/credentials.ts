import { signImage, testSigner, type TestSigner } from '../provenance/c2pa';

/**
 * Content Credentials on mock images: a job whose prompt holds CREDENTIALS_MARKER gets its images
 * served with a C2PA manifest, signed by the C2PA SDK (c2pa-wasm) with this process's test
 * certificate, as Black Forest Labs signs what its API makes. Other jobs' images carry none.
 */
export const CREDENTIALS_MARKER = '[c2pa]';

let signer: TestSigner | undefined;

/** The mocks' test signer (its authority is the trust anchor to validate their images with). */
export function mockSigner(): TestSigner {
	return (signer ??= testSigner('FLUX Ultra mock provider (test certificate)'));
}

const signed = new WeakMap<Buffer, Promise<Buffer>>();

/** The image as a mock serves it: signed once when the job's prompt asks for credentials. */
export async function servedImage(
	bytes: Buffer,
	mimeType: string,
	prompt: unknown,
): Promise<Buffer> {
	if (typeof prompt !== 'string' || !prompt.includes(CREDENTIALS_MARKER)) return bytes;
	let result = signed.get(bytes);
	if (!result) {
		result = signImage(bytes, mimeType, mockSigner());
		signed.set(bytes, result);
	}
	return await result;
}
