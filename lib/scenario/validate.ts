/**
 * Validation: a scenario as written (from a TypeScript module or a JSON
 * file) becomes a {@link ResolvedScenario}, or a {@link ScenarioError}
 * naming the file, the path, what was expected and what was found, with a
 * "did you mean" for a misspelt key or value. Every run of its sweep is
 * checked too (see `expand.ts`), so a scenario that validates runs. Pure;
 * any thread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateScenario } from "./validate.ts";
 * import { ScenarioError } from "./scenario_error.ts";
 * assert.throws(
 *   () => validateScenario({ name: "x", devices: [{ id: "d", queueDepht: 4 }], placements: { a: {} } }, "x.json"),
 *   (e: unknown) => e instanceof ScenarioError && /Did you mean "queueDepth"\?/.test(e.message),
 * );
 * ```
 *
 * @module
 */

import type { z } from "zod";
import { describeValue, formatPath, type PathSegment, suggest, valueAt } from "./_describe.ts";
import { expandScenario } from "./expand.ts";
import { KNOWN_KEYS_PREFIX, type LeafIssueParams, scenarioSchema } from "./schema.ts";
import { ScenarioError } from "./scenario_error.ts";
import type { ResolvedScenario } from "./types.ts";

/** Options of {@link validateScenario}. */
export interface ValidateOptions {
  /** Most runs a sweep may expand into. Default 1000. */
  maxRuns?: number;
}

/**
 * Validates a scenario and resolves it (defaults, units). Throws
 * {@link ScenarioError} for the first problem found: unknown keys first,
 * then the others in document order, then the cross-field checks.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateScenario } from "./validate.ts";
 * const s = validateScenario({ name: "x", duration: "2s", devices: [{ id: "d" }], placements: { a: {} } });
 * assert.equal(s.duration, 2e9);
 * assert.equal(s.devices[0].queueDepth, 1);
 * ```
 */
export function validateScenario(
  input: unknown,
  file = "<inline>",
  options: ValidateOptions = {},
): ResolvedScenario {
  const r = scenarioSchema.safeParse(input);
  if (!r.success) throw issueToError(input, file, r.error.issues);
  expandScenario(r.data, { file, maxRuns: options.maxRuns });
  return r.data;
}

function issueToError(input: unknown, file: string, issues: z.core.$ZodIssue[]): ScenarioError {
  const issue = issues.find((i) => i.code === "unrecognized_keys") ?? issues[0];
  const path = issue.path as PathSegment[];
  const at = (p: PathSegment[]) => formatPath(p);
  const value = valueAt(input, path);
  const found = value === undefined && path.length > 0 && !hasKey(input, path)
    ? "nothing (the key is missing)"
    : describeValue(value);
  const didYouMean = (word: unknown, known: readonly unknown[]) => {
    if (typeof word !== "string") return "";
    const s = suggest(word, known.filter((k): k is string => typeof k === "string"));
    return s === undefined ? "" : `Did you mean "${s}"?`;
  };
  switch (issue.code) {
    case "unrecognized_keys": {
      const known = issue.message.startsWith(KNOWN_KEYS_PREFIX)
        ? issue.message.slice(KNOWN_KEYS_PREFIX.length).split(",")
        : [];
      const key = issue.keys[0];
      return new ScenarioError({
        file,
        path: at([...path, key]),
        expected: `one of the keys ${known.join(", ")}`,
        found: `the unknown key "${key}"`,
        hint: didYouMean(key, known),
      });
    }
    case "invalid_key": {
      const inner = issue.issues[0]?.message ?? issue.message;
      return new ScenarioError({
        file,
        path: at(path.slice(0, -1)),
        expected: `keys that are ${inner}`,
        found: `the key ${JSON.stringify(path[path.length - 1])}`,
      });
    }
    case "invalid_union":
      return new ScenarioError({
        file,
        path: at(path),
        expected: issue.message,
        found,
        hint: "options" in issue && Array.isArray(issue.options)
          ? didYouMean(value, issue.options)
          : "",
      });
    case "invalid_value":
      return new ScenarioError({
        file,
        path: at(path),
        expected: issue.message,
        found,
        hint: didYouMean(value, issue.values),
      });
    case "custom": {
      const params = issue.params as LeafIssueParams | undefined;
      return new ScenarioError({
        file,
        path: at(path),
        expected: params?.expected ?? issue.message,
        found,
        hint: params?.hint ?? "",
      });
    }
    default:
      return new ScenarioError({ file, path: at(path), expected: issue.message, found });
  }
}

function hasKey(root: unknown, path: PathSegment[]): boolean {
  const parent = valueAt(root, path.slice(0, -1));
  return parent !== null && typeof parent === "object" &&
    Object.hasOwn(parent, path[path.length - 1]);
}
