import assert from "node:assert/strict";
import { aiolab, isOneParagraph } from "./testdata/run_cli.ts";
import { parseDurationFlag } from "./program.ts";

Deno.test("program: duration flags take the scenarios' units", () => {
  assert.equal(parseDurationFlag("5s"), 5e9);
  assert.equal(parseDurationFlag("250ms"), 250e6);
  assert.equal(parseDurationFlag("50us"), 50e3);
  assert.throws(() => parseDurationFlag("5sec"), /expected a duration with a unit/);
});

const BAD_FLAGS: [string[], RegExp][] = [
  [["run", "--frob"], /^aiolab: unknown option '--frob'\n$/],
  [
    ["run", "--duraton", "1s"],
    /^aiolab: unknown option '--duraton' \(Did you mean --duration\?\)\n$/,
  ],
  [
    ["run", "--duration", "5sec"],
    /^aiolab: option '-d, --duration <time>' argument '5sec' is invalid\. expected a duration with a unit, such as "5s", "250ms", "50us" or "100ns": "sec" is not a duration unit/,
  ],
  [
    ["run", "--duration", "5"],
    /argument '5' is invalid\. .*"5" has no unit; write "5ms", "5us" or another unit\.\n$/,
  ],
  [
    ["run", "--duration", "0s"],
    /argument '0s' is invalid\. expected a duration above 0, such as "5s"\.\n$/,
  ],
  [["run", "--warmup", "1h"], /^aiolab: option '-w, --warmup <time>' argument '1h' is invalid/],
  [
    ["run", "--repeat", "two"],
    /argument 'two' is invalid\. expected a repetition count, a whole number from 1 to 1000\.\n$/,
  ],
  [["run", "--seed", "-1"], /^aiolab: /],
  [
    ["run", "--placement", "main,,io"],
    /expected placement names separated by commas, such as main,iothread\.\n$/,
  ],
  [["run", "--duration"], /^aiolab: option '-d, --duration <time>' argument missing\n$/],
  [["report", "x.json", "--format"], /^aiolab: option '-f, --format <format>' argument missing\n$/],
  [["compare"], /^aiolab: missing required argument 'result'\n$/],
  [["run", "--threshold"], /^aiolab: option '-t, --threshold <expr>' argument missing\n$/],
  [["frob"], /^aiolab: unknown command 'frob'\n$/],
  [["lst"], /^aiolab: unknown command 'lst' \(Did you mean list\?\)\n$/],
  [["validate"], /^aiolab: missing required argument 'file'\n$/],
  [
    ["show", "default", "extra"],
    /^aiolab: too many arguments for 'show'\. Expected 1 argument but got 2: default, extra\.\n$/,
  ],
];

Deno.test("program: a bad flag or command is one paragraph on stderr, exit 2, nothing run", async () => {
  for (const [args, expected] of BAD_FLAGS) {
    const r = await aiolab(...args);
    assert.equal(r.code, 2, args.join(" "));
    assert.equal(r.stdout, "", args.join(" "));
    assert.match(r.stderr, expected, args.join(" "));
    assert.ok(isOneParagraph(r.stderr), `${args.join(" ")}: ${r.stderr}`);
  }
});
