// Compiles a chart spec with vega-lite and renders it with vega, server-side
// (no DOM, no permissions), collecting every warning either of them logs,
// and counts the marks the rendered scene holds: what the chart tests
// assert on.

import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";

/** What compiling and rendering one spec gave. */
export interface Rendered {
  /** The compiled vega spec. */
  vega: vega.Spec;
  /** Warnings (and errors) vega-lite and vega logged. */
  warnings: string[];
  /** The rendered SVG. */
  svg: string;
  /** Items of each mark type in the rendered scene (`{ line: 2, rule: 3 }`); groups not counted. */
  marks: Record<string, number>;
  /** The datasets of the view by name (vega's `view.data(name)`), for the named ones asked for. */
  data: (name: string) => unknown[];
}

function collector(sink: string[]): vega.LoggerInterface {
  let level = vega.Warn;
  const logger: vega.LoggerInterface = {
    level(l?: number) {
      if (l === undefined) return level as unknown as vega.LoggerInterface;
      level = l;
      return logger;
    },
    error(...args: readonly unknown[]) {
      sink.push(`error: ${args.map(String).join(" ")}`);
      return logger;
    },
    warn(...args: readonly unknown[]) {
      sink.push(`warn: ${args.map(String).join(" ")}`);
      return logger;
    },
    info() {
      return logger;
    },
    debug() {
      return logger;
    },
  } as vega.LoggerInterface;
  return logger;
}

interface SceneItem {
  marktype?: string;
  role?: string;
  items?: SceneItem[];
}

function countMarks(node: SceneItem, out: Record<string, number>): void {
  if (node.marktype !== undefined && node.marktype !== "group" && node.role === "mark") {
    const n = (node.items ?? []).length;
    // A line or area mark draws one path from all its items.
    const drawn = node.marktype === "line" || node.marktype === "area" ? (n > 0 ? 1 : 0) : n;
    out[node.marktype] = (out[node.marktype] ?? 0) + drawn;
  }
  for (const child of node.items ?? []) countMarks(child, out);
}

/**
 * The one warning vega logs for `width: "container"` when it renders
 * without a page: it cannot listen to a window's resize (a browser has one).
 */
export const NO_WINDOW_WARNING = "warn: Can not resolve event source: window";

/**
 * Compiles `spec` with vega-lite, renders it with vega, and reports what
 * came out; {@link NO_WINDOW_WARNING} is left out of the warnings.
 */
export async function renderChart(spec: Record<string, unknown>): Promise<Rendered> {
  const warnings: string[] = [];
  const compiled = compile(structuredClone(spec) as unknown as TopLevelSpec, {
    logger: collector(warnings),
  });
  const view = new vega.View(vega.parse(compiled.spec), {
    renderer: "none",
    logger: collector(warnings),
    logLevel: vega.Warn,
  });
  await view.runAsync();
  const svg = await view.toSVG();
  const marks: Record<string, number> = {};
  countMarks((view.scenegraph() as unknown as { root: SceneItem }).root, marks);
  const data = (name: string) => view.data(name) as unknown[];
  return {
    vega: compiled.spec,
    warnings: warnings.filter((w) => w !== NO_WINDOW_WARNING),
    svg,
    marks,
    data,
  };
}

/** The inline data of a spec (its top-level `data.values`). */
export function valuesOf<T = Record<string, unknown>>(spec: Record<string, unknown>): T[] {
  return (spec.data as { values: T[] }).values;
}

/** The distinct values of `field` in a spec's inline data, in first-seen order. */
export function distinct(spec: Record<string, unknown>, field: string): unknown[] {
  return [...new Set(valuesOf(spec).map((v) => v[field]))];
}
