// Test support of lib/cli's tests: runs the aiolab command line as a real subprocess.

/** The repository root (the subprocess's working directory). */
export const ROOT: string = new URL("../../../", import.meta.url).pathname;

/** The `--allow-ffi=` of `deno task aiolab` (libc only, for the timer slack), read from deno.json. */
const FFI_FLAG: string = (() => {
  const config = JSON.parse(Deno.readTextFileSync(new URL("../../../deno.json", import.meta.url)));
  const flag = /--allow-ffi=\S+/.exec(config.tasks.aiolab)?.[0];
  if (flag === undefined) throw new Error("deno.json: the aiolab task has no --allow-ffi=");
  return flag;
})();

/** Permissions of the subprocess: those of `deno task aiolab`, with /tmp added for test files. */
export const CLI_FLAGS: readonly string[] = [
  "--no-prompt",
  "--allow-read=.,/tmp",
  "--allow-write=results/,/tmp",
  "--allow-run",
  "--allow-sys=cpus",
  FFI_FLAG,
];

/** What the subprocess did. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `deno run <CLI_FLAGS> lib/cli/main.ts ...args` in the repository root. */
export async function aiolab(...args: string[]): Promise<CliResult> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...CLI_FLAGS, "lib/cli/main.ts", ...args],
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

/** Asserts-friendly check: one paragraph (a single line), no stack frame, no colour codes. */
export function isOneParagraph(text: string): boolean {
  const body = text.endsWith("\n") ? text.slice(0, -1) : text;
  return body.length > 0 && !body.includes("\n") && !/\s+at \S+ \(/.test(body) &&
    !body.includes("\x1b[");
}
