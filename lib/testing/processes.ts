/**
 * Process checks for tests that start real processes (the lab's runs, the
 * command line): the descendants of a process, whether a pid is still
 * running, and how many Worker threads a Deno process has (Deno names the
 * OS thread of each Worker `worker-N`). They read `ps` (Linux procps),
 * so a test can assert that no process or Worker outlives a run, by pid.
 *
 * Test support only: not re-exported from any `mod.ts`. Needs
 * `--allow-run` (ps).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { descendants, isRunning } from "./processes.ts";
 * assert.ok(await isRunning(Deno.pid));
 * const child = new Deno.Command("sleep", { args: ["30"] }).spawn();
 * assert.ok((await descendants(Deno.pid)).some((p) => p.pid === child.pid));
 * child.kill("SIGKILL");
 * await child.status;
 * assert.equal(await isRunning(child.pid), false);
 * ```
 *
 * @module
 */

/** One process. */
export interface ProcessInfo {
  /** Its pid. */
  pid: number;
  /** Its parent's pid. */
  ppid: number;
  /** Its command line. */
  args: string;
}

async function ps(args: string[]): Promise<string> {
  const out = await new Deno.Command("ps", { args, stdout: "piped", stderr: "null" }).output();
  return new TextDecoder().decode(out.stdout);
}

/**
 * Every running descendant of `root` (children, their children, ...), in
 * no particular order; `ps` itself excluded. Any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { descendants } from "./processes.ts";
 * assert.deepEqual(await descendants(Deno.pid), []);
 * ```
 */
export async function descendants(root: number): Promise<ProcessInfo[]> {
  const all: ProcessInfo[] = [];
  for (const line of (await ps(["-e", "-o", "pid=,ppid=,stat=,args="])).split("\n")) {
    const m = /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(line);
    if (m === null || m[3].startsWith("Z")) continue;
    all.push({ pid: Number(m[1]), ppid: Number(m[2]), args: m[4] });
  }
  const out: ProcessInfo[] = [];
  const parents = new Set([root]);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of all) {
      if (parents.has(p.ppid) && !parents.has(p.pid)) {
        parents.add(p.pid);
        if (!/(^|\/)ps -e -o pid=,ppid=,stat=,args=$/.test(p.args)) out.push(p);
        grew = true;
      }
    }
  }
  return out;
}

/**
 * Whether process `pid` exists and has not exited (a zombie, exited but not
 * yet reaped, counts as not running). Any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isRunning } from "./processes.ts";
 * assert.equal(await isRunning(Deno.pid), true);
 * ```
 */
export async function isRunning(pid: number): Promise<boolean> {
  const stat = (await ps(["-o", "stat=", "-p", String(pid)])).trim();
  return stat !== "" && !stat.startsWith("Z");
}

/**
 * The Worker threads of Deno process `pid` now (threads named `worker-N`),
 * 0 when it is gone. Reads `ps -T` (Linux procps). Any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { workerThreads } from "./processes.ts";
 * const before = await workerThreads(Deno.pid);
 * const w = new Worker("data:text/javascript,setInterval(() => {}, 1000)", { type: "module" });
 * let now = before;
 * for (let i = 0; i < 500 && now === before; i++) {
 *   await new Promise((r) => setTimeout(r, 10));
 *   now = await workerThreads(Deno.pid);
 * }
 * assert.equal(now, before + 1);
 * w.terminate();
 * ```
 */
export async function workerThreads(pid: number): Promise<number> {
  const names = (await ps(["-T", "-o", "comm=", "-p", String(pid)])).split("\n");
  return names.filter((n) => n.trim().startsWith("worker-")).length;
}
