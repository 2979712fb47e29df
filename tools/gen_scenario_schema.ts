/**
 * Writes `scenarios/scenario.schema.json`, the JSON Schema of scenario
 * files, from the zod schema in `lib/scenario/schema.ts`. Run it with
 * `deno task schema` after changing the schema; `lib/scenario/schema_test.ts`
 * fails while the committed file is stale.
 *
 * @module
 */

import { scenarioJsonSchema } from "../lib/scenario/schema.ts";

/** Where the schema goes, relative to the repository root. */
export const SCHEMA_FILE = "scenarios/scenario.schema.json";

if (import.meta.main) {
  await Deno.writeTextFile(SCHEMA_FILE, scenarioJsonSchema());
  console.log(`wrote ${SCHEMA_FILE}`);
}
