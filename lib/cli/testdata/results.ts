// Test support of lib/cli's tests: real result files in a temporary folder,
// made from the real default-suite fixture (lib/report/testdata).

/** The real default-suite result (2 placements x 2 repetitions), as text. */
export const FIXTURE = new URL("../../report/testdata/default_result.json", import.meta.url);

/** A temporary folder with result files made from the fixture; remove it with `dispose`. */
export interface ResultFiles {
  /** The folder. */
  dir: string;
  /** The fixture as is: `<dir>/a/result.json`. */
  same: string;
  /** The fixture without its noise floor (so the 2% threshold applies): `<dir>/a/nofloor.json`. */
  noFloor: string;
  /**
   * The fixture with its placements' names swapped and no noise floor:
   * `<dir>/b/result.json`. Against `noFloor`, "iothread" now has main's p99
   * (1.73x, interval [1.19, 2.26]): a regression.
   */
  swapped: string;
  /** Removes the folder. */
  dispose(): Promise<void>;
}

/** Writes the result files of {@link ResultFiles}. */
export async function resultFiles(): Promise<ResultFiles> {
  const dir = await Deno.makeTempDir({ prefix: "aiolab-results-" });
  await Deno.mkdir(`${dir}/a`);
  await Deno.mkdir(`${dir}/b`);
  const text = await Deno.readTextFile(FIXTURE);
  const same = `${dir}/a/result.json`;
  await Deno.writeTextFile(same, text);
  const noFloor = JSON.parse(text);
  noFloor.manifest.noiseFloor = null;
  await Deno.writeTextFile(`${dir}/a/nofloor.json`, JSON.stringify(noFloor));
  const swapped = JSON.parse(text);
  const other: Record<string, string> = { main: "iothread", iothread: "main" };
  for (const r of swapped.runs) r.placement = other[r.placement];
  for (const s of swapped.summary) s.placement = other[s.placement];
  swapped.manifest.noiseFloor = null;
  await Deno.writeTextFile(`${dir}/b/result.json`, JSON.stringify(swapped));
  return {
    dir,
    same,
    noFloor: `${dir}/a/nofloor.json`,
    swapped: `${dir}/b/result.json`,
    dispose: () => Deno.remove(dir, { recursive: true }),
  };
}
