export const LAYERS: string[];
export function checkLayers(dir?: string): { files: number; imports: number; violations: string[] };
