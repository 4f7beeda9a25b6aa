import assert from "node:assert/strict";
import { before, test } from "node:test";
import type { SelfTestOutcome } from "../../../firmware/console/SelfTestRun";
import { consoleRig, installPem } from "./consoleRig.ts";
import { ecIdentity, localIdentity, pem, rsaIdentity, type TestIdentity } from "./identities.ts";

let board: TestIdentity;
let other: TestIdentity;
let rsa: Awaited<ReturnType<typeof rsaIdentity>>;
let otherRsa: Awaited<ReturnType<typeof rsaIdentity>>;

before(async () => {
  [board, other, rsa, otherRsa] = await Promise.all([
    localIdentity("aqm-console-001"),
    localIdentity("aqm-console-001"),
    rsaIdentity("aqm-rsa-001"),
    rsaIdentity("aqm-rsa-002"),
  ]);
});

const hex = (bytes: Uint8Array | string | number | boolean | undefined): string =>
  bytes instanceof Uint8Array ? Buffer.from(bytes).toString("hex") : String(bytes);

test("help, version and status answer one line each, parseable as OK <what> key=value", () => {
  const rig = consoleRig();
  assert.equal(rig.command("help"), "OK help commands=help,version,status,wifi,thing,endpoint,tls,selftest,outbox,update,factory-reset");
  assert.equal(rig.command("version"), "OK version firmware=0.1.0 console=1");
  assert.equal(rig.command("status"), "OK status thing=- endpoint=- port=- wifi.ssid=- wifi.password=none tls.ca=0 tls.cert=0 tls.key=0");
  assert.equal(rig.command("  status  "), rig.replies()[2], "spaces around a command do not matter");
});

test("CR, LF and CR LF all end a line, and blank lines get no reply", () => {
  const rig = consoleRig();
  rig.send("version\r\nversion\rversion\n\n\r\n");
  assert.equal(rig.replies().length, 3);
});

test("wifi stores SSID and password (quoted when they hold spaces); the password is never printed, only whether one is set", () => {
  const rig = consoleRig();
  const password = 'p4ss "word" \\ 9';
  const reply = rig.command(`wifi "aqm lab 2" "p4ss \\"word\\" \\\\ 9"`);
  assert.equal(reply, 'OK wifi stored ssid="aqm lab 2" password=set restart=required');
  assert.equal(rig.stored("wifi", "ssid"), "aqm lab 2");
  assert.equal(rig.stored("wifi", "password"), password);
  assert.match(rig.command("status"), / wifi.ssid="aqm lab 2" wifi.password=set /);
  assert.ok(
    rig.lines.some((line) => / INFO console CN901 .* ssid="aqm lab 2"$/.test(line)),
    "logged, with the SSID",
  );
  assert.ok(
    rig.lines.every((line) => !line.includes("p4ss")),
    "the password appears nowhere in what the board printed",
  );
  assert.equal(rig.command('wifi open-cafe ""'), "OK wifi stored ssid=open-cafe password=none restart=required");
});

test("thing and endpoint are stored in preferences domain aqm; an endpoint without a port clears the stored port", () => {
  const rig = consoleRig();
  assert.equal(rig.command("thing aqm-board_07:a"), "OK thing stored thing=aqm-board_07:a restart=required");
  assert.equal(
    rig.command("endpoint a1b2c3-ats.iot.eu-west-1.amazonaws.com 8883"),
    "OK endpoint stored endpoint=a1b2c3-ats.iot.eu-west-1.amazonaws.com port=8883 restart=required",
  );
  assert.equal(rig.stored("aqm", "port"), 8883);
  assert.equal(rig.command("endpoint 192.168.1.20"), "OK endpoint stored endpoint=192.168.1.20 restart=required");
  assert.equal(rig.stored("aqm", "endpoint"), "192.168.1.20");
  assert.equal(rig.stored("aqm", "port"), undefined);
  assert.match(rig.command("status"), /^OK status thing=aqm-board_07:a endpoint=192.168.1.20 port=- /);
});

test("the CA, the client certificate and its key go in as PEM and are stored as DER in domain tls; the certificate waits for its key", () => {
  const rig = consoleRig();
  const ca = installPem(rig, "ca", board.caPem);
  assert.equal(ca[0], 'OK tls ca ready send="-----BEGIN CERTIFICATE-----"');
  assert.ok(
    ca.slice(1, -1).every((reply) => /^OK pem bytes=\d+$/.test(reply)),
    "one OK per PEM line: the sender's flow control",
  );
  assert.equal(ca.at(-1), `OK tls ca stored bytes=${board.caDer.length} subject="aqm test CA" restart=required`);
  assert.equal(installPem(rig, "cert", board.certPem).at(-1), `OK tls cert held bytes=${board.certDer.length} subject=aqm-console-001 next="tls key"`);
  assert.equal(rig.stored("tls", "cert"), undefined, "not stored without its key");
  assert.match(rig.command("status"), / tls.waiting=key$/);
  assert.equal(installPem(rig, "key", board.keyPem).at(-1), `OK tls key stored bytes=${board.keyDer.length} cert=stored restart=required`);
  assert.equal(hex(rig.stored("tls", "ca")), hex(board.caDer));
  assert.equal(hex(rig.stored("tls", "cert")), hex(board.certDer));
  assert.equal(hex(rig.stored("tls", "key")), hex(board.keyDer));
  assert.equal(
    rig.command("status"),
    `OK status thing=- endpoint=- port=- wifi.ssid=- wifi.password=none tls.ca=${board.caDer.length} tls.cert=${board.certDer.length} tls.key=${board.keyDer.length}`,
  );
  const keyLines = board.keyPem.split("\n").filter((line) => line && !line.startsWith("-----"));
  assert.ok(
    rig.lines.every((line) => keyLines.every((keyLine) => !line.includes(keyLine))),
    "no part of the key is ever printed",
  );
  assert.ok(rig.lines.some((line) => / CN904 .* slot=key bytes=\d+ with_cert=true$/.test(line)));
});

test("a PEM block split across many small UART chunks arrives whole", () => {
  const rig = consoleRig();
  const block = (text: string): string => `${text.trim()}\n`;
  const stream = `tls ca\r\n${block(board.caPem).replace(/\r?\n/g, "\r\n")}tls cert\n${block(board.certPem)}tls key\n${block(board.keyPem)}`;
  // Chunks of 1 to 7 bytes, as a USB serial adapter may hand them over.
  for (let at = 0, size = 1; at < stream.length; at += size, size = (size % 7) + 1) rig.send(stream.slice(at, at + size));
  assert.deepEqual(
    rig.replies().filter((reply) => !reply.startsWith("OK pem")),
    [
      'OK tls ca ready send="-----BEGIN CERTIFICATE-----"',
      `OK tls ca stored bytes=${board.caDer.length} subject="aqm test CA" restart=required`,
      'OK tls cert ready send="-----BEGIN CERTIFICATE-----"',
      `OK tls cert held bytes=${board.certDer.length} subject=aqm-console-001 next="tls key"`,
      'OK tls key ready send="-----BEGIN PRIVATE KEY-----"',
      `OK tls key stored bytes=${board.keyDer.length} cert=stored restart=required`,
    ],
  );
  assert.equal(hex(rig.stored("tls", "key")), hex(board.keyDer));
  assert.equal(hex(rig.stored("tls", "cert")), hex(board.certDer));
});

test("an RSA certificate and key (as AWS IoT issues them) are checked and stored", () => {
  const rig = consoleRig();
  installPem(rig, "cert", rsa.certPem);
  assert.equal(installPem(rig, "key", rsa.keyPem).at(-1), `OK tls key stored bytes=${rsa.keyDer.length} cert=stored restart=required`);
  assert.equal(hex(rig.stored("tls", "key")), hex(rsa.keyDer));
});

test("an EC key or a certificate with an EC key is refused with the reason: the board's TLS signs with RSA only", async () => {
  const ec = await ecIdentity("aqm-console-ec");
  const rig = consoleRig();
  assert.match(
    installPem(rig, "cert", ec.certPem).at(-1)!,
    /^ERR key-type the certificate's key is not RSA: the board's TLS \(Moddable SDK\) signs with RSA keys only .*; nothing was stored$/,
  );
  installPem(rig, "cert", board.certPem);
  assert.match(
    installPem(rig, "key", ec.keyPem).at(-1)!,
    /^ERR key-type the key is EC: the board's TLS \(Moddable SDK\) signs with RSA keys only .*RSA 2048.*; nothing was stored$/,
  );
  assert.equal(rig.stored("tls", "key"), undefined);
});

test("a new certificate the stored key fits is stored at once; one it does not fit waits, and the old pair stays meanwhile", () => {
  const rig = consoleRig();
  installPem(rig, "cert", board.certPem);
  installPem(rig, "key", board.keyPem);
  assert.match(installPem(rig, "cert", board.certPem).at(-1)!, /^OK tls cert stored /);
  assert.match(installPem(rig, "cert", other.certPem).at(-1)!, /^OK tls cert held /);
  assert.equal(hex(rig.stored("tls", "cert")), hex(board.certDer), "the stored pair is untouched until the new key arrives");
  assert.equal(hex(rig.stored("tls", "key")), hex(board.keyDer));
});

/** Bad input: one clear ERR line, and the preferences exactly as before. */
function refused(
  setup: (rig: ReturnType<typeof consoleRig>) => void,
  act: (rig: ReturnType<typeof consoleRig>) => void,
  expected: RegExp,
): ReturnType<typeof consoleRig> {
  const rig = consoleRig();
  setup(rig);
  const before = rig.snapshot();
  const count = rig.replies().length;
  act(rig);
  const error = rig
    .replies()
    .slice(count)
    .find((reply) => reply.startsWith("ERR "));
  assert.match(error ?? "(no ERR reply)", expected);
  assert.equal(rig.snapshot(), before, "nothing was stored or changed");
  assert.ok(
    rig.lines.some((line) => / WARN console CN910 /.test(line)),
    "the refusal is on the log",
  );
  return rig;
}

const provisioned = (rig: ReturnType<typeof consoleRig>): void => {
  rig.command('wifi aqm-lab "sim-lab-passphrase"');
  rig.command("thing aqm-console-001");
  installPem(rig, "ca", board.caPem);
  installPem(rig, "cert", board.certPem);
  installPem(rig, "key", board.keyPem);
};

test("an unknown command is refused without echoing it (it might be a password or a key line)", () => {
  const rig = refused(provisioned, (r) => r.send("sim-lab-passphrase\n"), /^ERR unknown-command not a command \(18 characters\); send help for the list$/);
  assert.ok(rig.lines.filter((line) => line.includes("sim-lab-passphrase")).length === 0);
});

test("a truncated line (no end of line, then silence) is dropped after 10 s with ERR truncated", () => {
  const rig = refused(
    provisioned,
    (r) => {
      r.send("thing aqm-ne");
      r.bench.advance(9_999);
      assert.equal(r.replies().filter((reply) => reply.startsWith("ERR")).length, 0, "not before the idle time");
      r.bench.advance(1);
    },
    /^ERR truncated the line stopped without an end of line \(nothing for 10 s\)$/,
  );
  assert.equal(rig.command("version"), "OK version firmware=0.1.0 console=1", "the next line is read afresh");
  assert.equal(rig.stored("aqm", "thing"), "aqm-console-001");
});

test("a PEM block cut off before its END line is dropped after 10 s of silence; nothing is stored", () => {
  refused(
    provisioned,
    (r) => {
      const lines = other.keyPem.trim().split("\n");
      installPem(r, "cert", other.certPem);
      r.send(`tls key\n${lines.slice(0, 3).join("\n")}\n`);
      r.bench.advance(10_000);
    },
    /^ERR truncated the PEM block stopped before its END line \(nothing for 10 s\); nothing was stored$/,
  );
});

test("an over-long line is refused once, when its end arrives; the next line works", () => {
  const rig = refused(provisioned, (r) => r.send(`thing ${"x".repeat(400)}\n`), /^ERR line-too-long line is longer than 300 characters$/);
  assert.equal(rig.replies().filter((reply) => reply.startsWith("ERR")).length, 1);
  assert.equal(rig.command("version"), "OK version firmware=0.1.0 console=1");
});

test("a byte that is not printable ASCII is refused", () => {
  refused(
    provisioned,
    (r) => r.send(Uint8Array.from([...Buffer.from("thing caf"), 0xc3, 0xa9, 0x0a])),
    /^ERR bad-character byte 0xc3 at column 10 is not printable ASCII$/,
  );
});

test("Ctrl-C drops a half-typed line", () => {
  refused(provisioned, (r) => r.send("thing other\x03"), /^ERR cancelled line cancelled with Ctrl-C$/);
});

test("malformed PEM is refused and nothing is stored: armour, base64, truncated base64, wrong kind of key, not DER", () => {
  const caLines = board.caPem.trim().split("\n");
  const body = caLines.slice(1, -1);
  const cases: [string, string, RegExp][] = [
    [
      "ca",
      `-----BEGIN CERTIFICATE----\n${body.join("\n")}\n-----END CERTIFICATE-----`,
      /^ERR pem-armour expected -----BEGIN CERTIFICATE-----; nothing was stored$/,
    ],
    [
      "ca",
      `-----BEGIN PRIVATE KEY-----\n${body.join("\n")}\n-----END PRIVATE KEY-----`,
      /^ERR pem-armour expected a CERTIFICATE block, got PRIVATE KEY; nothing was stored$/,
    ],
    ["ca", `${caLines[0]}\n${body.join("\n")}\n-----END X509 CRL-----`, /^ERR pem-armour expected -----END CERTIFICATE-----; nothing was stored$/],
    [
      "ca",
      `${caLines[0]}\n${body[0]!.slice(0, 10)}*${body[0]!.slice(11)}\n${body.slice(1).join("\n")}\n${caLines.at(-1)}`,
      /^ERR pem-base64 character 11 is not base64; nothing was stored$/,
    ],
    [
      "ca",
      `${caLines[0]}\n${body.join("\n").slice(0, -3)}\n${caLines.at(-1)}`,
      /^ERR pem-base64 the base64 text stops part-way through a group of four characters \(truncated\?\); nothing was stored$/,
    ],
    ["ca", `${caLines[0]}\n${body.slice(0, -2).join("\n")}\n${caLines.at(-1)}`, /^ERR der not a valid X.509 certificate: .*; nothing was stored$/],
    [
      "ca",
      pem("CERTIFICATE", Uint8Array.from([...board.caDer, 0x00, 0x00])),
      /^ERR der not a valid X.509 certificate: Certificate: 2 unexpected bytes at byte \d+; nothing was stored$/,
    ],
    ["cert", pem("CERTIFICATE", board.keyDer), /^ERR der not a valid X.509 certificate: .*; nothing was stored$/],
    ["key", rsa.pkcs1Pem, /^ERR pem-armour this is a PKCS#1 key; convert it to PKCS#8 \(openssl pkcs8 -topk8 -nocrypt\); nothing was stored$/],
    ["key", pem("PRIVATE KEY", board.certDer), /^ERR der not a valid PKCS#8 private key: .*; nothing was stored$/],
    ["ca", `${caLines[0]}\nProc-Type: 4,ENCRYPTED\n${body.join("\n")}\n${caLines.at(-1)}`, /^ERR pem-armour PEM headers are not accepted; nothing was stored$/],
    [
      "ca",
      `${caLines[0]}\n${body.join("\n")}\n${caLines[0]}`,
      /^ERR pem-armour a BEGIN line inside the block \(the END line is missing\); nothing was stored$/,
    ],
    ["ca", pem("CERTIFICATE", new Uint8Array(4001).fill(0x30)), /^ERR too-large decodes to more than 4000 bytes; nothing was stored$/],
  ];
  for (const [slot, text, expected] of cases) refused(provisioned, (r) => installPem(r, slot as "ca" | "cert" | "key", text), expected);
});

test("a key that does not match the certificate is refused; the certificate waiting for it stays unstored", () => {
  refused(
    (r) => installPem(r, "cert", board.certPem),
    (r) => installPem(r, "key", other.keyPem),
    /^ERR key-mismatch the key does not belong to the certificate; nothing was stored$/,
  );
  refused(provisioned, (r) => installPem(r, "key", other.keyPem), /^ERR key-mismatch the key does not belong to the certificate; nothing was stored$/);
  refused(
    (r) => installPem(r, "cert", rsa.certPem),
    (r) => installPem(r, "key", otherRsa.keyPem),
    /^ERR key-mismatch the key does not belong to the certificate; nothing was stored$/,
  );
  refused(
    (r) => installPem(r, "cert", rsa.certPem),
    (r) => installPem(r, "key", board.keyPem),
    /^ERR key-mismatch the key does not belong to the certificate; nothing was stored$/,
  );
  refused(
    () => {},
    (r) => installPem(r, "key", board.keyPem),
    /^ERR no-certificate install the client certificate \(tls cert\) before its key; nothing was stored$/,
  );
});

test("settings that fail their check are refused with the reason and change nothing; the password is never quoted back", () => {
  refused(
    provisioned,
    (r) => r.send('wifi aqm-lab "short7!"\n'),
    /^ERR invalid-value the password must be empty \(open network\) or 8 to 63 characters, got 7; nothing was changed$/,
  );
  refused(
    provisioned,
    (r) => r.send(`wifi ${"s".repeat(33)} longenough\n`),
    /^ERR invalid-value the SSID must be 1 to 32 characters, got 33; nothing was changed$/,
  );
  refused(provisioned, (r) => r.send("wifi only-an-ssid\n"), /^ERR usage wifi <ssid> <password> /);
  refused(provisioned, (r) => r.send('wifi aqm-lab "unterminated\n'), /^ERR usage a quoted word is not closed \(line truncated\?\)$/);
  refused(provisioned, (r) => r.send("thing bad/name\n"), /^ERR invalid-value a thing name is 1 to 128 letters, digits, ':', '_' or '-'; nothing was changed$/);
  refused(provisioned, (r) => r.send("endpoint -bad-.example.com\n"), /^ERR invalid-value the endpoint must be a host name/);
  refused(provisioned, (r) => r.send("endpoint 10.0.0.300\n"), /^ERR invalid-value the endpoint must be a host name/);
  refused(provisioned, (r) => r.send("endpoint broker.local 70000\n"), /^ERR invalid-value the port must be a number from 1 to 65535; nothing was changed$/);
  refused(provisioned, (r) => r.send("tls certificate\n"), /^ERR usage tls ca\|cert\|key, then the PEM block$/);
  refused(provisioned, (r) => r.send("status now\n"), /^ERR usage status$/);
  refused(provisioned, (r) => r.send("factory-reset\n"), /^ERR confirm send "factory-reset confirm" to erase /);
  const rig = consoleRig();
  rig.send('wifi aqm-lab "short7!"\n');
  assert.ok(rig.lines.every((line) => !line.includes("short7!")));
});

test("selftest runs every sensor in turn and reports each; other commands wait; a sensor that never answers times out", () => {
  const answers: ((outcome: SelfTestOutcome) => void)[] = [];
  const ran: string[] = [];
  const sensors = [
    { name: "sht4x", run: (report: (o: SelfTestOutcome) => void) => (ran.push("sht4x"), report({ ok: true })) },
    { name: "pms5003", run: (report: (o: SelfTestOutcome) => void) => (ran.push("pms5003"), answers.push(report)) },
    { name: "ads1115-0x48", run: (report: (o: SelfTestOutcome) => void) => (ran.push("ads1115-0x48"), report({ ok: false, fault: "nack" })) },
    { name: "ads1115-0x49", run: () => void ran.push("ads1115-0x49") },
  ];
  const rig = consoleRig({ sensors });
  rig.send("selftest\n");
  assert.deepEqual(ran, ["sht4x", "pms5003"], "one at a time: the PMS5003 has not answered yet");
  assert.equal(rig.command("status"), "ERR busy a sensor self-test is running; send the command again when it has answered");
  answers[0]!({ ok: true });
  answers[0]!({ ok: false, fault: "late" });
  rig.bench.advance(40_000);
  assert.equal(rig.last(), "ERR selftest-failed 2 of 4 sensors failed sht4x=ok pms5003=ok ads1115-0x48=fault:nack ads1115-0x49=timeout");
  assert.ok(rig.lines.some((line) => / WARN console CN908 .*ads1115-0x49=timeout$/.test(line)));
  const passing = consoleRig({ sensors: [{ name: "sht4x", run: (report) => report({ ok: true }) }] });
  assert.equal(passing.command("selftest"), "OK selftest passed sht4x=ok");
  assert.equal(consoleRig().command("selftest"), "ERR unavailable no sensor self-tests are wired on this board");
});

test("outbox shows, reads and clears the unsent readings through its interface", () => {
  let records = [Buffer.from('{"seq":1,"pm2_5_ugm3":12.5}'), Buffer.from('{"note":"a \\"quoted\\" word"}')];
  const outbox = {
    get pending() {
      return records.length;
    },
    dropped: 2,
    fill: 0.0123,
    record: (index: number) => records[index],
    clear: () => {
      const count = records.length;
      records = [];
      return count;
    },
  };
  const rig = consoleRig({ outbox });
  assert.equal(rig.command("outbox"), "OK outbox pending=2 dropped=2 fill=0.012");
  assert.equal(rig.command("outbox read 0"), 'OK outbox record index=0 of=2 bytes=27 payload="{\\"seq\\":1,\\"pm2_5_ugm3\\":12.5}"');
  assert.equal(rig.command("outbox read 2"), "ERR not-found no reading at index 2; 2 waiting");
  assert.equal(rig.command("outbox read -1"), "ERR usage outbox | outbox read <index> | outbox clear");
  assert.match(rig.command("status"), / outbox.pending=2 outbox.fill=0.012$/);
  assert.equal(rig.command("outbox clear"), "OK outbox cleared records=2");
  assert.equal(records.length, 0);
  assert.ok(rig.lines.some((line) => / WARN console CN905 .* records=2$/.test(line)));
  assert.equal(consoleRig().command("outbox"), "ERR unavailable the store of unsent readings is not wired on this board");
});

test("factory-reset confirm erases identity, Wi-Fi, thing, endpoint, cloud settings and unsent readings; keeps the boot counter and calibration", () => {
  let cleared = 0;
  const outbox = { pending: 4, dropped: 0, fill: 0.1, record: () => undefined, clear: () => ((cleared = 4), 4) };
  const rig = consoleRig({ outbox });
  provisioned(rig);
  rig.command("endpoint broker.local 8883");
  rig.preferences.set("aqm", "boot", 7);
  rig.preferences.set("aqm", "calibration", "{}");
  rig.preferences.set("aqm", "settings", "{}");
  assert.equal(rig.command("factory-reset confirm"), "OK factory-reset done settings=9 readings=4 restart=required");
  assert.equal(cleared, 4);
  assert.equal(rig.snapshot(), JSON.stringify({ aqm: { boot: 7, calibration: "{}" } }));
  assert.equal(
    rig.command("status"),
    "OK status thing=- endpoint=- port=- wifi.ssid=- wifi.password=none tls.ca=0 tls.cert=0 tls.key=0 outbox.pending=4 outbox.fill=0.1",
  );
});
