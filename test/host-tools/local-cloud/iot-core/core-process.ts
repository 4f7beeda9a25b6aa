// A local IoT Core in a process of its own, on a state folder given as the first argument, so a
// test can SIGKILL it as a crash would. Prints {"port":N} once it listens. Its Firehose buffers for
// a minute, so whatever it acknowledged is still only in memory (and in its accepted-message log).
import path from "node:path";
import { acceptedLogFile } from "../../../../host-tools/local-cloud/iot-core/AcceptedLog.ts";
import { LocalCa } from "../../../../host-tools/local-cloud/iot-core/LocalCa.ts";
import { LocalIotCore } from "../../../../host-tools/local-cloud/iot-core/LocalIotCore.ts";
import { ThingRegistry } from "../../../../host-tools/local-cloud/iot-core/ThingRegistry.ts";

const stateDir = process.argv[2]!;
const ca = await LocalCa.openOrCreate(stateDir);
const server = await ca.issueServerCertificate({ hostnames: ["localhost"], ips: ["127.0.0.1"] });
const core = new LocalIotCore({
  port: 0,
  caPem: ca.certPem,
  certPem: server.certPem,
  keyPem: server.keyPem,
  registry: ThingRegistry.open(stateDir),
  lake: { dir: path.join(stateDir, "lake"), bufferMs: 60_000, acceptedLog: acceptedLogFile(stateDir) },
});
const { port } = await core.start();
process.stdout.write(`${JSON.stringify({ port })}\n`);
