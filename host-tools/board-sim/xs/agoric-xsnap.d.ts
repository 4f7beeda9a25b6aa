/** The part of @agoric/xsnap's API the XS harness uses; the package ships JavaScript with JSDoc only. */
declare module "@agoric/xsnap" {
  export interface XsnapRunResult {
    reply: Uint8Array;
    meterUsage?: { compute?: number; currentHeapCount?: number; allocate?: number };
  }
  export interface XsnapWorker {
    evaluate(code: string): Promise<XsnapRunResult>;
    issueCommand(message: Uint8Array): Promise<XsnapRunResult>;
    close(): Promise<void>;
    terminate(): Promise<void>;
  }
  export function xsnap(options: {
    os: string;
    spawn: typeof import("node:child_process").spawn;
    fs: Record<string, unknown>;
    name?: string;
    meteringLimit?: number;
    stdout?: "ignore" | "inherit" | "pipe";
    stderr?: "ignore" | "inherit" | "pipe";
    handleCommand?: (message: Uint8Array) => Promise<Uint8Array>;
  }): Promise<XsnapWorker>;
}
declare module "@endo/init";
