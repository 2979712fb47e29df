/**
 * `defineScenario`: the default export of every TypeScript scenario. It is
 * typed on {@link ScenarioInput}, so editors complete field names and check
 * units (`"50us"`, `"4KiB"`, `"20000/s"`) while the scenario is written; it
 * returns its argument unchanged, tagged so the loader can tell a scenario
 * from any other default export.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defineScenario, isDefinedScenario } from "./define_scenario.ts";
 * const s = defineScenario({ name: "x", devices: [{ id: "disk0" }], placements: { main: {} } });
 * assert.ok(isDefinedScenario(s));
 * assert.equal(JSON.stringify(s), '{"name":"x","devices":[{"id":"disk0"}],"placements":{"main":{}}}');
 * ```
 *
 * @module
 */

import type { ScenarioInput } from "./types.ts";

/** The tag `defineScenario` puts on its argument (a non-enumerable property). */
export const SCENARIO_TAG: unique symbol = Symbol.for("aiolab.scenario");

/** A scenario made by {@link defineScenario}. */
export type DefinedScenario = ScenarioInput & { readonly [SCENARIO_TAG]: true };

/**
 * Declares a scenario. Returns `scenario` itself (not copied, not
 * validated: validation happens when it is loaded, so the error can name
 * the file), with a non-enumerable tag.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defineScenario } from "./define_scenario.ts";
 * const input = { name: "x", devices: [{ id: "disk0", queueDepth: [1, 4] }], placements: { main: {} } };
 * assert.equal(defineScenario(input), input);
 * ```
 */
export function defineScenario(scenario: ScenarioInput): DefinedScenario {
  if (scenario !== null && typeof scenario === "object" && !Object.hasOwn(scenario, SCENARIO_TAG)) {
    Object.defineProperty(scenario, SCENARIO_TAG, { value: true, enumerable: false });
  }
  return scenario as DefinedScenario;
}

/**
 * Whether a value was made by {@link defineScenario}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isDefinedScenario } from "./define_scenario.ts";
 * assert.equal(isDefinedScenario({ name: "x" }), false);
 * ```
 */
export function isDefinedScenario(value: unknown): value is DefinedScenario {
  return value !== null && typeof value === "object" &&
    (value as Record<symbol, unknown>)[SCENARIO_TAG] === true;
}
