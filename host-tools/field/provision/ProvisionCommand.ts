import { IoTClient } from "@aws-sdk/client-iot";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { EXIT, failedWith, type CliCommand, type CommandOutput, type ExitCode } from "../cli/CliCommand.ts";
import { CommandArgs, UsageError } from "../cli/CommandArgs.ts";
import { awsIdentity, AwsProvisionError } from "./AwsIotIdentity.ts";
import type { BoardIdentity } from "./BoardIdentity.ts";
import { installIdentity } from "./BoardProvisioner.ts";
import { ConsoleRefused } from "./ConsoleClient.ts";
import { openConsole, type ConsoleTarget } from "./ConsoleTarget.ts";
import { localIdentity } from "./LocalIdentity.ts";
import { wifiOption } from "./WifiOption.ts";

/** `aqm provision`: exit code 0 installed, 1 AWS or the board refused, 2 bad usage. */
export const PROVISION_COMMAND: CliCommand<CommandOutput> = {
  name: "provision",
  summary: "create a board identity (local CA or AWS IoT Core) and install it on the board",
  usage: `  aqm provision local --thing NAME (--serial PORT | --board DIR) [--state DIR] [--endpoint HOST]
                [--port N] [--wifi SSID]
  aqm provision aws --thing NAME --policy NAME (--serial PORT | --board DIR) [--region REGION]
                [--endpoint HOST] [--existing-thing] [--state DIR] [--wifi SSID]
      Create a board identity, with the local twin's CA in --state (default state) or in AWS IoT
      Core (thing, active certificate and key, policy attached; credentials from the usual AWS
      chain; the key is kept in STATE/things/NAME/aws/), and install it on the board through its
      serial console: a real board on PORT (e.g. /dev/ttyUSB0), or a simulated board's folder DIR
      (e.g. state/boards/NAME). --endpoint: the broker the board connects to (local default
      localhost, port 8883; AWS default the account's iot:Data-ATS endpoint). --wifi also stores
      Wi-Fi credentials, the password taken from the AQM_WIFI_PASSWORD environment variable.
      The board checks everything before storing it; what it refuses changes nothing on it.`,
  usageErrorPrefix: "aqm",
  run: provision,
};

async function provision(argv: readonly string[], io: CommandOutput): Promise<ExitCode> {
  const [where, ...rest] = argv;
  if (where !== "local" && where !== "aws") throw new UsageError("aqm provision needs local or aws");
  const options: Record<string, string> = {};
  let existingThing = false;
  const valued = ["--thing", "--serial", "--board", "--state", "--endpoint", "--port", "--wifi", ...(where === "aws" ? ["--policy", "--region"] : [])];
  const args = new CommandArgs(rest);
  for (const arg of args) {
    if (arg === "--existing-thing" && where === "aws") existingThing = true;
    else if (valued.includes(arg)) options[arg.slice(2)] = args.optionValue(arg);
    else throw new UsageError(`unknown option ${arg} for aqm provision ${where}`);
  }
  const thing = options.thing;
  if (!thing) throw new UsageError("aqm provision needs --thing NAME");
  if (Boolean(options.serial) === Boolean(options.board)) throw new UsageError("aqm provision needs one of --serial PORT or --board DIR");
  if (where === "aws" && !options.policy) throw new UsageError("aqm provision aws needs --policy NAME (the device policy, e.g. from cloud/iot/)");
  const port = options.port === undefined ? undefined : Number(options.port);
  if (port !== undefined && !(Number.isInteger(port) && port >= 1 && port <= 65535)) throw new UsageError("--port needs a TCP port number");
  const wifi = wifiOption(options.wifi);
  const stateDir = options.state ?? "state";
  const say = (line: string): void => io.stdout(`${line}\n`);
  let identity: BoardIdentity;
  try {
    if (where === "local") identity = await localIdentity({ stateDir, thing, endpoint: options.endpoint ?? "localhost", port: port ?? 8883 });
    else {
      const client = new IoTClient(options.region ? { region: options.region } : {});
      const created = await awsIdentity({
        client,
        thing,
        policyName: options.policy!,
        existingThing,
        onStep: (step) => say(`aws: ${step}`),
        ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      });
      identity = port === undefined ? created : { ...created, port };
      // CreateKeysAndCertificate is the only time AWS hands out the key: keep it before the board is touched.
      const dir = path.join(stateDir, "things", thing, "aws");
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      chmodSync(dir, 0o700);
      writeFileSync(path.join(dir, "key.pem"), created.keyPem, { mode: 0o600 });
      writeFileSync(path.join(dir, "cert.pem"), created.certPem);
      writeFileSync(path.join(dir, "ca.pem"), created.caPem);
      say(`aws: certificate ${created.certificateId} active for thing ${thing}; key and certificate kept in ${dir}`);
    }
  } catch (error) {
    return failedWith(error, [AwsProvisionError], io, "aqm provision");
  }
  const target: ConsoleTarget = options.serial ? { serial: options.serial } : { board: options.board! };
  const boardConsole = openConsole(target, () => {});
  try {
    const status = await installIdentity(boardConsole.client, identity, {
      ...(wifi ? { wifi } : {}),
      onStep: (step, index, total) => say(`[${index}/${total}] ${step}`),
    });
    say(
      `provisioned ${thing} for ${identity.endpoint}: CA ${status["tls.ca"]} B, certificate ${status["tls.cert"]} B, key ${status["tls.key"]} B; restart the board to use it`,
    );
    return EXIT.done;
  } catch (error) {
    return failedWith(error, [ConsoleRefused], io, "aqm provision");
  } finally {
    boardConsole.close();
  }
}
