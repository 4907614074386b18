// Types of free-port.mjs (a plain .mjs so scripts run with node alone can use it).
export declare function freePort(): Promise<number>;
