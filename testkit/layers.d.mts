export const LAYERS: string[];
export function checkLayers(dir?: string): { files: number; imports: number; violations: string[] };
export const PROVIDER_COMMON: string;
