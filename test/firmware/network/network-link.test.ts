import assert from "node:assert/strict";
import { test } from "node:test";
import { NetworkLink, type NetworkChange, type NetworkLinkOptions } from "../../../firmware/network/NetworkLink";

/** A scripted Wi-Fi and SNTP: the test says what each join and query hears, and when. */
function rig(overrides: Partial<NetworkLinkOptions> = {}) {
  const changes: NetworkChange[] = [];
  const joins: { onMessage: (message: string) => void; closed: boolean }[] = [];
  const queries: { host: string; onAnswer: (message: number, seconds?: number) => void }[] = [];
  const timers: { callback: () => void; interval: number; cleared: boolean }[] = [];
  let clock = 5_000;
  let setTo: number | undefined;
  const link = new NetworkLink({
    credentials: { ssid: "lab", password: "secret" },
    sntpHosts: ["a.example", "b.example"],
    wifi: (_credentials, onMessage) => {
      const join = { onMessage, closed: false };
      joins.push(join);
      return { close: () => void (join.closed = true) };
    },
    sntp: (host, onAnswer) => void queries.push({ host, onAnswer }),
    setTime: (seconds) => {
      setTo = seconds;
      clock = seconds * 1000;
    },
    now: () => clock,
    timer: {
      set: (callback, interval) => {
        const timer = { callback, interval, cleared: false };
        timers.push(timer);
        return timer;
      },
      clear: (timer) => {
        if (timer) (timer as { cleared: boolean }).cleared = true;
      },
    },
    onChange: (change) => changes.push(change),
    ...overrides,
  });
  const fire = () => {
    const timer = timers.filter((t) => !t.cleared).at(-1)!;
    timer.cleared = true;
    timer.callback();
  };
  return { link, changes, joins, queries, timers, fire, setTo: () => setTo };
}

test("joins Wi-Fi, then asks SNTP; the clock is set and the step reported before the link is ready", () => {
  const { link, changes, joins, queries, setTo } = rig();
  link.start();
  assert.deepEqual(changes.at(-1), { state: "joining-wifi", detail: "lab" });
  joins[0]!.onMessage("connect");
  joins[0]!.onMessage("gotIP");
  assert.deepEqual(changes.at(-1), { state: "waiting-for-time", host: "a.example" });
  queries[0]!.onAnswer(1, 1_795_305_600);
  assert.equal(setTo(), 1_795_305_600);
  assert.deepEqual(changes.at(-1), { state: "ready", host: "a.example", clockStepMs: 1_795_305_600_000 - 5_000 });
  assert.equal(link.timeKnown, true);
});

test("no stored credentials: no-settings, and nothing is tried", () => {
  const { link, changes, joins } = rig({ credentials: undefined });
  link.start();
  assert.deepEqual(changes, [{ state: "no-settings", detail: "no Wi-Fi credentials stored" }]);
  assert.equal(joins.length, 0);
});

test("a refused join retries after 5 s, doubling to a 2 min cap; a join that works resets the wait", () => {
  const { link, changes, joins, fire } = rig();
  link.start();
  const waits: number[] = [];
  for (let i = 0; i < 7; i++) {
    joins.at(-1)!.onMessage("disconnect");
    waits.push(changes.at(-1)!.retryInMs!);
    assert.equal(joins.at(-1)!.closed, true, "the failed station is closed before the next try");
    fire();
  }
  assert.deepEqual(waits, [5_000, 10_000, 20_000, 40_000, 80_000, 120_000, 120_000]);
  joins.at(-1)!.onMessage("gotIP");
  joins.at(-1)!.onMessage("disconnect");
  assert.equal(changes.at(-1)!.retryInMs, 5_000);
});

test("a time server that does not answer is retried after 30 s with the next host; a stale answer is ignored", () => {
  const { link, changes, joins, queries, fire, setTo } = rig();
  link.start();
  joins[0]!.onMessage("gotIP");
  queries[0]!.onAnswer(-1);
  assert.deepEqual(changes.at(-1), { state: "waiting-for-time", host: "a.example", detail: "no answer", retryInMs: 30_000 });
  fire();
  assert.equal(queries[1]!.host, "b.example");
  queries[0]!.onAnswer(1, 42);
  assert.equal(setTo(), undefined, "the first query's late answer is not used");
  queries[1]!.onAnswer(1, 1_795_305_600);
  assert.equal(changes.at(-1)!.state, "ready");
});

test("a lost link goes back to joining; once the time is known, a rejoin is ready without asking SNTP again", () => {
  const { link, changes, joins, queries, fire } = rig();
  link.start();
  joins[0]!.onMessage("gotIP");
  queries[0]!.onAnswer(1, 1_795_305_600);
  joins[0]!.onMessage("lostIP");
  joins[0]!.onMessage("disconnect");
  assert.deepEqual(changes.at(-1), { state: "joining-wifi", detail: "lost the IP address", retryInMs: 5_000 });
  fire();
  joins[1]!.onMessage("gotIP");
  assert.deepEqual(changes.at(-1), { state: "ready", detail: "Wi-Fi joined" });
  assert.equal(queries.length, 1);
});
