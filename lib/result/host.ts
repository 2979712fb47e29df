/**
 * The host part of a result's manifest: OS, architecture, CPU model, core
 * count, Deno / V8 / TypeScript versions and the git commit of the code
 * when available. Only same-host ratios are trusted, so every result says
 * where it was measured.
 *
 * Asks for the CPU model (`node:os` `cpus()`) only when `--allow-sys=cpus`
 * is granted and runs `git` only when run permission for it is granted;
 * otherwise the field is `"unknown"` / `null`. It never prompts. (Deno 2.9
 * refuses to read `/proc/cpuinfo` without `--allow-all`.)
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeHost } from "./host.ts";
 * const host = await describeHost();
 * assert.equal(host.deno, Deno.version.deno);
 * assert.ok(host.cores >= 1);
 * ```
 *
 * @module
 */

import { cpus } from "node:os";

/** Where a result was measured. */
export interface HostDescription {
  /** Deno version, e.g. `"2.9.6"`. */
  deno: string;
  /** V8 version. */
  v8: string;
  /** TypeScript version bundled with Deno. */
  typescript: string;
  /** `Deno.build.os`, e.g. `"linux"`. */
  os: string;
  /** `Deno.build.arch`, e.g. `"x86_64"`. */
  arch: string;
  /** CPU model name (`os.cpus()[0].model`), or `"unknown"`. */
  cpu: string;
  /** Logical cores (`navigator.hardwareConcurrency`). */
  cores: number;
  /** `git rev-parse HEAD` of the code's checkout, or `null` (no git, no permission, not a checkout). */
  gitCommit: string | null;
}

/** Options of {@linkcode describeHost}. */
export interface DescribeHostOptions {
  /** Directory whose git commit is recorded. Default: the checkout holding this module. */
  gitDir?: string | URL;
}

function cpuModel(): string {
  if (Deno.permissions.querySync({ name: "sys", kind: "cpus" }).state !== "granted") {
    return "unknown";
  }
  return cpus()[0]?.model.trim() || "unknown";
}

async function gitCommit(dir: string | URL): Promise<string | null> {
  if (Deno.permissions.querySync({ name: "run", command: "git" }).state !== "granted") return null;
  const path = dir instanceof URL ? decodeURIComponent(dir.pathname) : dir;
  try {
    const out = await new Deno.Command("git", {
      args: ["-C", path, "rev-parse", "HEAD"],
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).output();
    if (!out.success) return null;
    const sha = new TextDecoder().decode(out.stdout).trim();
    return /^[0-9a-f]{40,64}$/.test(sha) ? sha : null;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
}

/**
 * Describes this host (see {@linkcode HostDescription}). Orchestrator.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeHost } from "./host.ts";
 * const host = await describeHost({ gitDir: "/" }); // "/" is no checkout
 * assert.equal(host.gitCommit, null);
 * assert.equal(host.os, Deno.build.os);
 * ```
 */
export async function describeHost(options: DescribeHostOptions = {}): Promise<HostDescription> {
  return {
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    typescript: Deno.version.typescript,
    os: Deno.build.os,
    arch: Deno.build.arch,
    cpu: cpuModel(),
    cores: navigator.hardwareConcurrency,
    gitCommit: await gitCommit(options.gitDir ?? new URL(".", import.meta.url)),
  };
}
