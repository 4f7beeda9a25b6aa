import { telemetryTopic } from "../../../firmware/session/MqttTopics.ts";
import type { BoardIdentity } from "../provision/BoardIdentity.ts";
import { parseFields, sendIdentity, type WifiSettings } from "../provision/BoardProvisioner.ts";
import { ConsoleClient } from "../provision/ConsoleClient.ts";
import { expect, HilAssertion, type HilScenario } from "./HilScenario.ts";
import { BOOT_MS, powerOn, STEP_MS } from "./ScenarioSteps.ts";

/** The base64 lines of a PEM block: what a leak of the key would show, whole or line by line. */
function pemBody(pem: string): string[] {
  return pem
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("-----"));
}

/**
 * Sends the identity as `aqm provision` does, leaving every check to the board, and names the step
 * it stopped at: the board's refusal alone does not say which of the three PEM blocks it was in.
 */
async function provision(client: ConsoleClient, identity: BoardIdentity, wifi: WifiSettings | undefined): Promise<void> {
  let step = "";
  try {
    await sendIdentity(client, identity, { ...(wifi ? { wifi } : {}), onStep: (name) => (step = name) });
  } catch (error) {
    throw new HilAssertion(`provisioning over the serial console failed at "${step}": ${error instanceof Error ? error.message : String(error)}`);
  }
}

export const PROVISIONING: HilScenario = {
  name: "provisioning",
  summary:
    "a factory-reset board starts unprovisioned (BT110) and stays off the broker; given Wi-Fi, thing, endpoint and a new identity from the local CA over its serial console, it restarts, connects under that thing name and publishes, and the key never shows on the serial port",
  needs: ["wifi-credentials"],
  async run(context) {
    const { dut, serial, mqtt } = context;
    const start = serial.mark;
    const client = new ConsoleClient(context.console);
    try {
      // A board loses its identity as a technician takes it away: factory reset over the console, restart.
      await powerOn(context);
      await client.handshake();
      await client.command("factory-reset confirm");
      const bare = serial.mark;
      await dut.powerOn("stored");
      await serial.waitFor("BT110", { after: bare, timeoutMs: BOOT_MS, fields: { ca: "false", cert: "false", key: "false" } });
      await serial.waitFor("LD500", { after: bare, timeoutMs: STEP_MS, fields: { state: "not-provisioned" } });
      const silent = mqtt.mark;
      await client.handshake();
      const before = parseFields(await client.command("status"));
      expect(
        before.thing === "-" && before["tls.cert"] === "0" && before["tls.key"] === "0",
        `no thing, certificate or key stored after the factory reset: thing=${before.thing} tls.cert=${before["tls.cert"]} tls.key=${before["tls.key"]}`,
      );

      const identity = await context.issueIdentity(dut.thing);
      await provision(client, identity, dut.wifi);
      // The key's log line comes before the console's reply to it on the same port, so it is here by now.
      expect(
        serial.events(bare).some((e) => e.code === "CN904" && e.fields.slot === "key" && e.fields.with_cert === "true"),
        "CN904: the key stored together with its certificate",
      );
      const tried = serial.events(bare).filter((e) => e.code === "MQ400").length;
      expect(tried === 0, `the unprovisioned board stays off the broker, but it logged MQ400 ${tried} times`);
      const heard = mqtt.messages.slice(silent).filter((m) => m.thing === identity.thing).length;
      expect(heard === 0, `the IoT Core heard nothing from the unprovisioned board, but got ${heard} messages`);

      // Settings are read at boot: the board is restarted, as aqm provision tells the technician to.
      const { mark, boot } = await powerOn(context, "stored");
      await serial.waitFor("MQ401", { after: mark, timeoutMs: STEP_MS, fields: { thing: identity.thing } });
      const published = (): Record<string, unknown>[] => mqtt.telemetry(identity.thing).filter((r) => r.boot === boot);
      await mqtt.until(() => published().length >= 1, `a reading of boot ${boot} on ${telemetryTopic(identity.thing)}`, STEP_MS);
      expect(
        published().every((r) => r.thing === identity.thing),
        `readings name thing ${identity.thing}`,
      );

      const key = pemBody(identity.keyPem);
      const leaks = serial.lines.slice(start).filter((line) => key.some((part) => line.includes(part))).length;
      expect(leaks === 0, `the private key showed on the serial port, in ${leaks} lines`);
    } finally {
      client.close();
    }
  },
};
