/**
 * Baselines for the micro-benchmark suite: native C hand-off / mutex programs
 * (bench/c/*.c, built with the system `cc`) and a Deno Worker postMessage
 * ping-pong. These give the "floor" that the SharedArrayBuffer + Atomics
 * runtime is compared against.
 *
 * Required permissions: `--allow-read=. --allow-write=bench/c/.build --allow-run`
 * (`cc` and the binaries in bench/c/.build/).
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { type Measurement, measurement } from "../lib/result/measurement.ts";

/** Names accepted by {@linkcode runCBaseline}. */
export type CBaselineName =
  | "futex_pingpong"
  | "futex_pingpong_samecore"
  | "futex_pingpong_crosscore"
  | "spin_pingpong"
  | "eventfd_pingpong"
  | "mutex_uncontended"
  | "mutex_contended";

/** C sources in bench/c/ (one binary each, same base name). */
const C_SOURCES = [
  "futex_pingpong",
  "spin_pingpong",
  "eventfd_pingpong",
  "mutex_contended",
] as const;

type CSource = typeof C_SOURCES[number];

/** Header in bench/c/ included by every C source: a change rebuilds all binaries. */
const C_COMMON_HEADER = "common.h";

/** Which binary and which extra argv a baseline name maps to. */
const C_BASELINES: Record<CBaselineName, { bin: CSource; args: (n: number) => string[] }> = {
  futex_pingpong: { bin: "futex_pingpong", args: (n) => [String(n), "1"] },
  futex_pingpong_samecore: {
    bin: "futex_pingpong",
    args: (n) => [String(n), "1", "samecore"],
  },
  futex_pingpong_crosscore: {
    bin: "futex_pingpong",
    args: (n) => [String(n), "1", "crosscore"],
  },
  spin_pingpong: { bin: "spin_pingpong", args: (n) => [String(n), "1"] },
  eventfd_pingpong: { bin: "eventfd_pingpong", args: (n) => [String(n), "1"] },
  mutex_uncontended: {
    bin: "mutex_contended",
    args: (n) => [String(n), "21", "uncontended"],
  },
  mutex_contended: { bin: "mutex_contended", args: (n) => [String(n), "21", "contended"] },
};

const C_DIR = new URL("./c/", import.meta.url);
const BUILD_DIR = new URL("./c/.build/", import.meta.url);

let buildPromise: Promise<boolean> | null = null;
let warned = false;

function warnOnce(msg: string): void {
  if (warned) return;
  warned = true;
  console.error(`[bench/_baselines] ${msg}`);
}

/** Modification time in ms, or null if the file does not exist. */
async function mtimeOf(url: URL): Promise<number | null> {
  try {
    const st = await Deno.stat(url);
    return st.mtime?.getTime() ?? 0;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
}

/** Whether a working `cc` is on PATH. */
async function haveCc(): Promise<boolean> {
  try {
    const out = await new Deno.Command("cc", {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    }).output();
    return out.success;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

async function doBuild(): Promise<boolean> {
  if (Deno.build.os !== "linux") {
    warnOnce(`C baselines need Linux (futex, eventfd); skipping on ${Deno.build.os}.`);
    return false;
  }
  if (!(await haveCc())) {
    warnOnce("no C compiler found (`cc` not on PATH); skipping the C baselines.");
    return false;
  }
  const header = new URL(C_COMMON_HEADER, C_DIR);
  const headerTime = await mtimeOf(header);
  if (headerTime === null) throw new Error(`missing C header ${fileURLToPath(header)}`);
  let madeDir = false;
  for (const name of C_SOURCES) {
    const src = new URL(`${name}.c`, C_DIR);
    const bin = new URL(name, BUILD_DIR);
    const srcTime = await mtimeOf(src);
    if (srcTime === null) throw new Error(`missing C source ${fileURLToPath(src)}`);
    const binTime = await mtimeOf(bin);
    if (binTime !== null && binTime >= srcTime && binTime >= headerTime) continue;
    // Only touch the build directory when something needs building, so that
    // up-to-date binaries can be run without write permission.
    if (!madeDir) {
      await Deno.mkdir(BUILD_DIR, { recursive: true });
      madeDir = true;
    }
    // Compile to a temporary name, then rename: concurrent builders never see
    // a half-written binary.
    const tmp = new URL(`${name}.tmp-${Deno.pid}`, BUILD_DIR);
    const out = await new Deno.Command("cc", {
      args: ["-O2", "-pthread", "-o", fileURLToPath(tmp), fileURLToPath(src)],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) {
      await Deno.remove(tmp).catch(() => {});
      const err = new TextDecoder().decode(out.stderr);
      throw new Error(`cc failed for ${fileURLToPath(src)} (exit ${out.code}):\n${err}`);
    }
    await Deno.rename(tmp, bin);
  }
  return true;
}

/**
 * Compiles bench/c/*.c with the system `cc` (`-O2 -pthread`) into
 * bench/c/.build/, only when a binary is missing or older than its source
 * or than bench/c/common.h (included by every source).
 * The build runs at most once per process (later calls share the result).
 *
 * @returns `true` when the binaries are ready; `false` (after printing a
 * single explanatory message to stderr) when no `cc` is found or the OS is
 * not Linux.
 * @throws {Error} if `cc` exists but a compilation fails.
 */
export function buildCBaselines(): Promise<boolean> {
  if (!buildPromise) {
    buildPromise = doBuild();
    // A failed build (exception) may be retried by a later call.
    buildPromise.catch(() => {
      buildPromise = null;
    });
  }
  return buildPromise;
}

/**
 * Parses the single JSON line printed by a C baseline into a Measurement
 * (ns per operation; the program's other numeric fields become `extra`).
 */
function parseCOutput(text: string, what: string): Measurement {
  const line = text.trim().split("\n").pop() ?? "";
  let obj: Record<string, unknown>;
  try {
    obj = JSON.parse(line);
  } catch {
    throw new Error(`${what}: unparsable output: ${JSON.stringify(text.slice(0, 200))}`);
  }
  const samples = obj.samples;
  if (
    typeof obj.name !== "string" || obj.unit !== "ns" || !Array.isArray(samples) ||
    samples.length === 0 || !samples.every((x) => typeof x === "number")
  ) {
    throw new Error(`${what}: malformed result: ${line.slice(0, 200)}`);
  }
  const extra: Record<string, number> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (k !== "name" && k !== "unit" && k !== "samples" && typeof v === "number") extra[k] = v;
  }
  return measurement(obj.name, samples as number[], extra);
}

/**
 * Runs one C baseline (building it first if needed, see
 * {@linkcode buildCBaselines}).
 *
 * Ping-pong baselines split `roundTrips` into ~100 batches and report the
 * mean ns per round trip of each batch; the mutex baselines do `roundTrips`
 * operations per thread per repetition (21 repetitions) and report ns per
 * operation of each repetition (`extra.mops` = millions of increments/s for
 * `"mutex_contended"`).
 *
 * @param name which baseline to run.
 * @param roundTrips round trips (ping-pong) or operations per thread (mutex);
 * default 100000.
 * @returns the result, or `null` when the C baselines cannot be built here
 * (no `cc` / not Linux).
 * @throws {Error} if the program fails or prints malformed output.
 */
export async function runCBaseline(
  name: CBaselineName,
  roundTrips = 100_000,
): Promise<Measurement | null> {
  const spec = C_BASELINES[name];
  if (!spec) throw new Error(`unknown C baseline ${JSON.stringify(name)}`);
  if (!Number.isInteger(roundTrips) || roundTrips < 1) {
    throw new RangeError(`roundTrips must be a positive integer, got ${roundTrips}`);
  }
  if (!(await buildCBaselines())) return null;
  const bin = new URL(spec.bin, BUILD_DIR);
  const out = await new Deno.Command(bin, {
    args: spec.args(roundTrips),
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  if (!out.success) {
    throw new Error(
      `${spec.bin} ${spec.args(roundTrips).join(" ")} failed (exit ${out.code}): ${
        dec.decode(out.stderr)
      }`,
    );
  }
  const result = parseCOutput(dec.decode(out.stdout), spec.bin);
  if (result.name !== name) {
    throw new Error(`${spec.bin}: expected result for ${name}, got ${result.name}`);
  }
  return result;
}

/** Messages the orchestrator receives from a postMessage ping-pong worker. */
type WorkerReply =
  | { type: "ready" }
  | { type: "done"; samples: number[]; batch: number }
  | { type: "error"; message: string };

/**
 * postMessage ping-pong between two Deno Workers: Worker A and Worker B talk
 * directly through a MessageChannel whose ports are transferred to them; the
 * orchestrator (this thread) only starts them, says "go" and collects the
 * result, so it is not on the message path. `roundTrips` (default 100000) is
 * split into batches of clamp(roundTrips / 100, 1, 1000) round trips after a
 * warm-up of roundTrips / 10; each sample is the mean ns per round trip of one
 * batch. Both workers are terminated before this returns (also on error).
 *
 * @param roundTrips number of timed round trips (default 100000).
 * @returns the result, named `"postmessage_pingpong"`, with `extra.n` and
 * `extra.batch`.
 */
export async function runPostMessagePingPong(roundTrips = 100_000): Promise<Measurement> {
  if (!Number.isInteger(roundTrips) || roundTrips < 1) {
    throw new RangeError(`roundTrips must be a positive integer, got ${roundTrips}`);
  }
  const workerUrl = new URL("./_postmessage_worker.ts", import.meta.url);
  const workers: Worker[] = [];
  try {
    const a = new Worker(workerUrl, { type: "module", name: "postmessage-ping" });
    workers.push(a);
    const b = new Worker(workerUrl, { type: "module", name: "postmessage-pong" });
    workers.push(b);

    // Any worker crash (or error reply) rejects `failure`, which every wait races.
    let fail!: (e: Error) => void;
    const failure = new Promise<never>((_, reject) => (fail = reject));
    failure.catch(() => {}); // only observed through the races below
    for (const w of workers) {
      w.addEventListener("error", (ev: ErrorEvent) => {
        ev.preventDefault();
        fail(new Error(`postMessage worker crashed: ${ev.message}`));
      });
      w.addEventListener("messageerror", () => fail(new Error("postMessage worker: messageerror")));
    }
    const waitFor = <T extends WorkerReply["type"]>(w: Worker, type: T) =>
      Promise.race([
        failure,
        new Promise<Extract<WorkerReply, { type: T }>>((resolve, reject) => {
          const onMsg = (ev: MessageEvent<WorkerReply>) => {
            const msg = ev.data;
            if (msg.type === "error") {
              w.removeEventListener("message", onMsg);
              reject(new Error(`postMessage worker: ${msg.message}`));
            } else if (msg.type === type) {
              w.removeEventListener("message", onMsg);
              resolve(msg as Extract<WorkerReply, { type: T }>);
            }
          };
          w.addEventListener("message", onMsg);
        }),
      ]);

    const { port1, port2 } = new MessageChannel();
    const readyA = waitFor(a, "ready");
    const readyB = waitFor(b, "ready");
    a.postMessage({ type: "init", role: "ping", port: port1, roundTrips }, [port1]);
    b.postMessage({ type: "init", role: "pong", port: port2, roundTrips }, [port2]);
    await Promise.all([readyA, readyB]);

    const done = waitFor(a, "done");
    a.postMessage({ type: "go" });
    const { samples, batch } = await done;
    return measurement("postmessage_pingpong", samples, { n: roundTrips, batch });
  } finally {
    for (const w of workers) w.terminate();
  }
}

/**
 * Raw JavaScript hand-off between two Workers on a SharedArrayBuffer, no
 * aiolab: `Atomics.wait`/`Atomics.notify` (`spin` false) or a busy-wait on
 * the word (`spin` true). The floor a JavaScript runtime can reach; the
 * runtime's round trips are compared with it too. Median ns per round trip.
 */
export async function runAtomicsPingPong(
  roundTrips = 100_000,
  spin = false,
): Promise<Measurement> {
  if (!Number.isInteger(roundTrips) || roundTrips < 1) {
    throw new RangeError(`roundTrips must be a positive integer, got ${roundTrips}`);
  }
  const url = new URL("./_atomics_worker.ts", import.meta.url);
  const sab = new SharedArrayBuffer(256);
  const workers = ["ping", "pong"].map(() => new Worker(url, { type: "module" }));
  try {
    const results = workers.map((w, i) =>
      new Promise<{ samples: number[]; batch?: number }>((resolve, reject) => {
        w.onmessage = (ev) => resolve(ev.data);
        w.onerror = (ev) => {
          ev.preventDefault();
          reject(new Error(`atomics ping-pong worker crashed: ${ev.message}`));
        };
        w.postMessage({ sab, role: i === 0 ? "ping" : "pong", roundTrips, spin });
      })
    );
    const [ping] = await Promise.all(results);
    return measurement(spin ? "js_spin_pingpong" : "js_atomics_pingpong", ping.samples, {
      n: roundTrips,
      batch: ping.batch ?? 0,
    });
  } finally {
    for (const w of workers) w.terminate();
  }
}
