// A worker thread starts without the main thread's TypeScript loader: register tsx, then run the fleet's share.
import { register } from "tsx/esm/api";

register();
await import("./FleetWorker.ts");
