// Types of build-server.mjs for the TypeScript that imports it (bench/bundle.ts).
import type { BuildOptions } from 'esbuild';

export declare const SERVER_BUNDLE: string;
export declare function serverBuildOptions(outfile: string): BuildOptions;
export declare function buildServer(outfile?: string): Promise<string>;
export declare function serverBundleStale(): boolean;
