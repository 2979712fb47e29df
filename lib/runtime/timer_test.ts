import assert from "node:assert/strict";
import { Clocks, ClockType, ManualTimeSource, Scale } from "./clock.ts";
import { soonestTimeout, Timer, TimerListGroup } from "./timer.ts";

function setup(start = 0) {
  const mono = new ManualTimeSource(start);
  const wall = new ManualTimeSource(start);
  const clocks = new Clocks({ monotonic: mono, wall });
  const kicks = { n: 0 };
  const group = new TimerListGroup(clocks, () => kicks.n++);
  return { mono, wall, clocks, group, kicks };
}

Deno.test("scales: mod uses expire * scale ns, modNs ignores scale", () => {
  const { group } = setup();
  const ns = group.newTimer(ClockType.REALTIME, Scale.NS, () => {});
  const us = group.newTimer(ClockType.REALTIME, Scale.US, () => {});
  const ms = group.newTimer(ClockType.REALTIME, Scale.MS, () => {});
  ns.mod(7);
  us.mod(7);
  ms.mod(7);
  assert.equal(ns.expireTimeNs(), 7);
  assert.equal(us.expireTimeNs(), 7_000);
  assert.equal(ms.expireTimeNs(), 7_000_000);
  ms.modNs(123);
  assert.equal(ms.expireTimeNs(), 123);
  assert.equal(ms.scale, Scale.MS);
  assert.equal(ms.type, ClockType.REALTIME);
});

Deno.test("scales: timers fire when their scaled expiry is reached", () => {
  const { mono, group } = setup();
  const fired: string[] = [];
  group.newTimer(ClockType.REALTIME, Scale.MS, () => fired.push("ms")).mod(1);
  group.newTimer(ClockType.REALTIME, Scale.US, () => fired.push("us")).mod(2);
  group.newTimer(ClockType.REALTIME, Scale.NS, () => fired.push("ns")).mod(3);
  mono.set(2);
  assert.equal(group.run(), false);
  mono.set(3);
  assert.equal(group.run(), true);
  assert.deepEqual(fired, ["ns"]);
  mono.set(2_000);
  group.run();
  assert.deepEqual(fired, ["ns", "us"]);
  mono.set(999_999);
  assert.equal(group.run(), false);
  mono.set(1_000_000);
  group.run();
  assert.deepEqual(fired, ["ns", "us", "ms"]);
});

Deno.test("negative expiry clamps to 0; NaN and +Infinity are rejected", () => {
  const { group } = setup(100);
  const t = group.newTimer(ClockType.REALTIME, Scale.MS, () => {});
  t.mod(-5);
  assert.equal(t.expireTimeNs(), 0);
  t.modNs(-1);
  assert.equal(t.expireTimeNs(), 0);
  assert.equal(group.deadlineNs(), 0);
  assert.throws(() => t.modNs(NaN), RangeError);
  assert.throws(() => t.mod(Infinity), RangeError);
  assert.equal(t.expireTimeNs(), 0); // unchanged by rejected calls
});

Deno.test("equal expiries fire in arming order (FIFO on ties)", () => {
  const { mono, group } = setup();
  const order: number[] = [];
  const timers = [0, 1, 2, 3, 4].map((i) =>
    group.newTimer(ClockType.REALTIME, Scale.NS, (o) => order.push(o as number), i)
  );
  timers[3].mod(10);
  timers[1].mod(10);
  timers[4].mod(5);
  timers[0].mod(10);
  timers[2].mod(20);
  // re-arming a tied timer moves it behind the others
  timers[3].mod(10);
  mono.set(20);
  assert.equal(group.run(), true);
  assert.deepEqual(order, [4, 1, 0, 3, 2]);
});

Deno.test("lists run in clock order: REALTIME, VIRTUAL, HOST, VIRTUAL_RT", () => {
  const { mono, wall, clocks, group } = setup();
  clocks.enable(ClockType.VIRTUAL, true);
  const order: string[] = [];
  // armed in reverse order, each on its own clock
  group.newTimer(ClockType.VIRTUAL_RT, Scale.NS, () => order.push("vrt")).mod(1);
  group.newTimer(ClockType.HOST, Scale.NS, () => order.push("host")).mod(1);
  group.newTimer(ClockType.VIRTUAL, Scale.NS, () => order.push("virtual")).mod(1);
  group.newTimer(ClockType.REALTIME, Scale.NS, () => order.push("realtime")).mod(5);
  mono.set(5);
  wall.set(5);
  assert.equal(group.run(), true);
  assert.deepEqual(order, ["realtime", "virtual", "host", "vrt"]);
});

Deno.test("VIRTUAL disabled by default: no firing, deadline -1; fires after enable", () => {
  const { mono, clocks, group } = setup(1_000);
  let fired = 0;
  const t = group.newTimer(ClockType.VIRTUAL, Scale.NS, () => fired++);
  const rt = group.newTimer(ClockType.VIRTUAL_RT, Scale.NS, () => fired++);
  t.mod(1_000); // == frozen virtual now
  rt.mod(0);
  assert.equal(group.deadlineNs(), -1);
  mono.advance(10_000);
  assert.equal(group.run(), false);
  assert.equal(fired, 0);
  assert.equal(t.pending(), true);
  assert.equal(group.armed, 2);
  clocks.enable(ClockType.VIRTUAL, true);
  assert.equal(group.deadlineNs(), 0);
  assert.equal(group.run(), true);
  assert.equal(fired, 2);
  assert.equal(t.pending(), false);
});

Deno.test("virtual time frozen while disabled delays VIRTUAL timers by the stop", () => {
  const { mono, clocks, group } = setup(0);
  clocks.enable(ClockType.VIRTUAL, true);
  let fired = 0;
  const t = group.newTimer(ClockType.VIRTUAL, Scale.NS, () => fired++);
  t.mod(100);
  mono.advance(40);
  assert.equal(group.deadlineNs(), 60);
  clocks.enable(ClockType.VIRTUAL, false);
  assert.equal(group.deadlineNs(), -1);
  mono.advance(1_000); // stopped: virtual stays at 40
  assert.equal(group.run(), false);
  clocks.enable(ClockType.VIRTUAL, true);
  assert.equal(clocks.now(ClockType.VIRTUAL), 40);
  assert.equal(group.deadlineNs(), 60);
  mono.advance(59);
  assert.equal(group.run(), false);
  mono.advance(1);
  assert.equal(group.run(), true);
  assert.equal(fired, 1);
});

Deno.test("del, pending and expireTimeNs", () => {
  const { mono, group } = setup();
  let fired = 0;
  const t = group.newTimer(ClockType.REALTIME, Scale.US, () => fired++);
  assert.equal(t.pending(), false);
  assert.equal(t.expireTimeNs(), -1);
  t.mod(3);
  assert.equal(t.pending(), true);
  assert.equal(t.expireTimeNs(), 3_000);
  assert.equal(group.armed, 1);
  t.del();
  assert.equal(t.pending(), false);
  assert.equal(t.expireTimeNs(), -1);
  assert.equal(group.armed, 0);
  t.del(); // no-op on a stopped timer
  assert.equal(group.armed, 0);
  mono.set(10_000);
  assert.equal(group.run(), false);
  assert.equal(fired, 0);
  assert.equal(group.deadlineNs(), -1);
});

Deno.test("del of a non-head timer among ties removes exactly that timer", () => {
  const { mono, group } = setup();
  const order: number[] = [];
  const ts = [0, 1, 2, 3].map((i) =>
    group.newTimer(ClockType.REALTIME, Scale.NS, () => order.push(i))
  );
  for (const t of ts) t.mod(5);
  ts[2].del();
  ts[0].del();
  assert.equal(group.armed, 2);
  mono.set(5);
  group.run();
  assert.deepEqual(order, [1, 3]);
});

Deno.test("mod of an armed timer moves it (later and earlier)", () => {
  const { mono, group } = setup();
  const order: string[] = [];
  const a = group.newTimer(ClockType.REALTIME, Scale.NS, () => order.push("a"));
  const b = group.newTimer(ClockType.REALTIME, Scale.NS, () => order.push("b"));
  a.mod(10);
  b.mod(20);
  a.mod(30); // later
  assert.equal(a.expireTimeNs(), 30);
  assert.equal(group.armed, 2);
  mono.set(25);
  group.run();
  assert.deepEqual(order, ["b"]);
  b.mod(40);
  b.mod(26); // earlier than a again
  mono.set(100);
  group.run();
  assert.deepEqual(order, ["b", "b", "a"]);
  assert.equal(group.fired, 3);
});

Deno.test("modAnticipate only moves earlier, or arms a stopped timer", () => {
  const { group } = setup();
  const t = group.newTimer(ClockType.REALTIME, Scale.US, () => {});
  t.modAnticipate(50); // stopped -> armed
  assert.equal(t.expireTimeNs(), 50_000);
  t.modAnticipate(60); // later -> ignored
  assert.equal(t.expireTimeNs(), 50_000);
  t.modAnticipate(50); // equal -> ignored
  assert.equal(t.expireTimeNs(), 50_000);
  t.modAnticipate(20);
  assert.equal(t.expireTimeNs(), 20_000);
  t.modAnticipateNs(20_001);
  assert.equal(t.expireTimeNs(), 20_000);
  t.modAnticipateNs(15);
  assert.equal(t.expireTimeNs(), 15);
  t.modAnticipateNs(-3); // earlier, clamps to 0
  assert.equal(t.expireTimeNs(), 0);
  assert.equal(group.armed, 1);
});

Deno.test("onDeadlineChanged runs exactly when a timer becomes the head", () => {
  const { group, kicks } = setup();
  const a = group.newTimer(ClockType.REALTIME, Scale.NS, () => {});
  const b = group.newTimer(ClockType.REALTIME, Scale.NS, () => {});
  const c = group.newTimer(ClockType.HOST, Scale.NS, () => {});
  a.mod(100); // empty list -> head
  assert.equal(kicks.n, 1);
  b.mod(200); // behind a
  assert.equal(kicks.n, 1);
  b.mod(100); // tie: goes after a, not head
  assert.equal(kicks.n, 1);
  b.mod(50); // new head
  assert.equal(kicks.n, 2);
  c.mod(1_000); // head of the HOST list
  assert.equal(kicks.n, 3);
  b.mod(40); // was head, stays head: still notifies (remove then insert)
  assert.equal(kicks.n, 4);
  b.mod(500); // no longer head: a is
  assert.equal(kicks.n, 4);
  a.del(); // del never notifies
  b.del();
  assert.equal(kicks.n, 4);
  a.modAnticipate(900); // arms into the empty list -> head
  assert.equal(kicks.n, 5);
  a.modAnticipate(950); // ignored
  assert.equal(kicks.n, 5);
});

Deno.test("re-armed in callback to <= sampled now runs again; into the future does not", () => {
  const { mono, group } = setup(100);
  let again = 0;
  let future = 0;
  const t1: Timer = group.newTimer(ClockType.REALTIME, Scale.NS, () => {
    again++;
    assert.equal(t1.pending(), false); // disarmed before the callback
    if (again < 3) t1.mod(100); // == sampled now
  });
  const t2: Timer = group.newTimer(ClockType.REALTIME, Scale.NS, () => {
    future++;
    t2.modNs(mono.nowNs() + 1); // into the future
  });
  t1.mod(50);
  t2.mod(60);
  assert.equal(group.run(), true);
  assert.equal(again, 3);
  assert.equal(future, 1);
  assert.equal(t2.expireTimeNs(), 101);
  assert.equal(group.fired, 4);
  assert.equal(group.run(), false);
  mono.advance(1);
  assert.equal(group.run(), true);
  assert.equal(future, 2);
});

Deno.test("now is sampled once per list: time advancing inside a callback is not seen", () => {
  const { mono, group } = setup(0);
  const order: string[] = [];
  group.newTimer(ClockType.REALTIME, Scale.NS, () => {
    order.push("a");
    mono.advance(100);
  }).mod(0);
  group.newTimer(ClockType.REALTIME, Scale.NS, () => order.push("b")).mod(50);
  assert.equal(group.run(), true);
  assert.deepEqual(order, ["a"]);
  assert.equal(group.run(), true);
  assert.deepEqual(order, ["a", "b"]);
});

Deno.test("run returns false when nothing expired", () => {
  const { mono, group } = setup(10);
  assert.equal(group.run(), false); // no timers at all
  let fired = 0;
  group.newTimer(ClockType.REALTIME, Scale.NS, () => fired++).mod(11);
  assert.equal(group.run(), false);
  assert.equal(fired, 0);
  assert.equal(group.fired, 0);
  mono.advance(1);
  assert.equal(group.run(), true);
  assert.equal(fired, 1);
  assert.equal(group.run(), false); // fired once per arming
  assert.equal(fired, 1);
});

Deno.test("deadlineNs: -1 when none, 0 when expired, else soonest remaining", () => {
  const { mono, wall, clocks, group } = setup(1_000);
  assert.equal(group.deadlineNs(), -1);
  const r = group.newTimer(ClockType.REALTIME, Scale.NS, () => {});
  const h = group.newTimer(ClockType.HOST, Scale.NS, () => {});
  const v = group.newTimer(ClockType.VIRTUAL, Scale.NS, () => {});
  r.mod(1_500);
  assert.equal(group.deadlineNs(), 500);
  h.mod(1_200);
  assert.equal(group.deadlineNs(), 200);
  v.mod(1_001); // VIRTUAL disabled: ignored
  assert.equal(group.deadlineNs(), 200);
  clocks.enable(ClockType.VIRTUAL, true);
  assert.equal(group.deadlineNs(), 1);
  v.del();
  wall.set(1_300); // HOST expired
  assert.equal(group.deadlineNs(), 0);
  h.del();
  mono.set(1_499);
  assert.equal(group.deadlineNs(), 1);
  mono.set(2_000);
  assert.equal(group.deadlineNs(), 0);
  r.del();
  assert.equal(group.deadlineNs(), -1);
});

Deno.test("deinit of a pending timer throws; after deinit mod throws", () => {
  const { group } = setup();
  const t = group.newTimer(ClockType.REALTIME, Scale.NS, () => {});
  t.mod(5);
  assert.throws(() => t.deinit(), /pending/);
  assert.equal(t.pending(), true);
  t.del();
  t.deinit();
  assert.throws(() => t.mod(1), /deinit/);
  assert.equal(t.pending(), false);
  assert.equal(group.armed, 0);
});

Deno.test("a throwing callback propagates unchanged; current is null afterwards", () => {
  const { group } = setup(10);
  const boom = new Error("boom");
  const seen: (Timer | null)[] = [];
  let laterRan = 0;
  const bad = group.newTimer(ClockType.REALTIME, Scale.NS, () => {
    seen.push(group.current);
    throw boom;
  });
  const later = group.newTimer(ClockType.REALTIME, Scale.NS, () => {
    seen.push(group.current);
    laterRan++;
  });
  bad.mod(1);
  later.mod(2);
  assert.equal(group.current, null);
  assert.throws(() => group.run(), (e) => e === boom);
  assert.equal(group.current, null);
  assert.deepEqual(seen, [bad]);
  assert.equal(bad.pending(), false); // stays disarmed
  assert.equal(later.pending(), true); // not run in the failed pass
  assert.equal(group.run(), true);
  assert.equal(laterRan, 1);
  assert.deepEqual(seen, [bad, later]);
  assert.equal(group.current, null);
});

Deno.test("current is restored around a nested run from inside a callback", () => {
  const { group } = setup(10);
  const seen: (string | null)[] = [];
  const inner = group.newTimer(
    ClockType.HOST,
    Scale.NS,
    () => seen.push(group.current?.name ?? null),
    undefined,
    "inner",
  );
  const outer = group.newTimer(ClockType.REALTIME, Scale.NS, function outerCb() {
    inner.mod(0);
    group.run(); // nested aio_poll
    seen.push(group.current?.name ?? null);
  });
  outer.mod(0);
  group.run();
  assert.deepEqual(seen, ["inner", "outerCb"]);
  assert.equal(group.current, null);
});

Deno.test("timer name defaults to cb.name, else 'timer'; opaque is passed", () => {
  const { mono, group } = setup();
  function flush() {}
  assert.equal(group.newTimer(ClockType.REALTIME, Scale.NS, flush).name, "flush");
  assert.equal(group.newTimer(ClockType.REALTIME, Scale.NS, flush, null, "x").name, "x");
  const anon = group.newTimer(ClockType.REALTIME, Scale.NS, [(_o: unknown) => {}][0]);
  assert.equal(anon.name, "timer");
  let got: unknown;
  const payload = { k: 1 };
  new Timer(group, ClockType.REALTIME, Scale.NS, (o) => got = o, payload).mod(0);
  mono.set(0);
  group.run();
  assert.equal(got, payload);
});

Deno.test("invalid clock type or scale is rejected", () => {
  const { group } = setup();
  assert.throws(() => group.newTimer(4 as ClockType, Scale.NS, () => {}), RangeError);
  assert.throws(() => group.newTimer(ClockType.REALTIME, 10 as Scale, () => {}), RangeError);
});

Deno.test("armed and fired counters", () => {
  const { mono, group } = setup();
  const ts = [1, 2, 3].map((i) => {
    const t = group.newTimer(ClockType.REALTIME, Scale.NS, () => {});
    t.mod(i);
    return t;
  });
  assert.equal(group.armed, 3);
  ts[0].mod(4); // re-arm does not double count
  assert.equal(group.armed, 3);
  mono.set(3);
  group.run();
  assert.equal(group.fired, 2);
  assert.equal(group.armed, 1);
});

Deno.test("many timers with random expiries fire in sorted, FIFO-stable order", () => {
  const { mono, group } = setup();
  let seed = 12345;
  const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 50;
  const fired: [number, number][] = [];
  const exp: number[] = [];
  const timers = Array.from(
    { length: 300 },
    (_, i) => group.newTimer(ClockType.REALTIME, Scale.NS, () => fired.push([exp[i], i])),
  );
  const armOrder: number[] = [];
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < timers.length; i++) {
      if (rand() % 3 === 0) {
        exp[i] = rand();
        timers[i].mod(exp[i]);
        const k = armOrder.indexOf(i);
        if (k >= 0) armOrder.splice(k, 1);
        armOrder.push(i);
      }
    }
  }
  const expected = armOrder.map((i) => [exp[i], i] as [number, number])
    .sort((a, b) => a[0] - b[0] || armOrder.indexOf(a[1]) - armOrder.indexOf(b[1]));
  assert.ok(expected.length > 50);
  mono.set(100);
  group.run();
  assert.deepEqual(fired, expected);
  assert.equal(group.armed, 0);
});

Deno.test("soonestTimeout: -1 is infinite, otherwise the minimum", () => {
  assert.equal(soonestTimeout(-1, -1), -1);
  assert.equal(soonestTimeout(-1, 5), 5);
  assert.equal(soonestTimeout(5, -1), 5);
  assert.equal(soonestTimeout(3, 5), 3);
  assert.equal(soonestTimeout(5, 3), 3);
  assert.equal(soonestTimeout(0, -1), 0);
  assert.equal(soonestTimeout(-1, 0), 0);
  assert.equal(soonestTimeout(0, 7), 0);
});
