// Test support of lib/report's tests: an RFC 4180 CSV reader, written from
// the RFC's grammar independently of csv.ts, to read the export back; and
// the loader of the real fixture result.

import { loadResult, type ResultDocument } from "../../result/document.ts";

/** Parses RFC 4180 text (CRLF records, optional quotes, doubled quotes inside) into records. */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = "";
  let i = 0;
  let quoted = false;
  let atFieldStart = true;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
      } else if (c === '"') {
        quoted = false;
        i++;
        if (i < text.length && text[i] !== "," && text[i] !== "\r") {
          throw new SyntaxError(`a quoted field ends at ${i} but is followed by ${text[i]}`);
        }
      } else {
        field += c;
        i++;
      }
      continue;
    }
    if (c === '"' && atFieldStart) {
      quoted = true;
      atFieldStart = false;
      i++;
    } else if (c === ",") {
      record.push(field);
      field = "";
      atFieldStart = true;
      i++;
    } else if (c === "\r" && text[i + 1] === "\n") {
      record.push(field);
      records.push(record);
      record = [];
      field = "";
      atFieldStart = true;
      i += 2;
    } else if (c === '"' || c === "\n" || c === "\r") {
      throw new SyntaxError(`bare ${JSON.stringify(c)} in an unquoted field at ${i}`);
    } else {
      field += c;
      atFieldStart = false;
      i++;
    }
  }
  if (quoted) throw new SyntaxError("unterminated quoted field");
  if (field !== "" || record.length > 0) throw new SyntaxError("the last record has no CRLF");
  return records;
}

/** The fixture: a real default-suite result (2 placements x 2 repetitions). */
export async function defaultResult(): Promise<ResultDocument> {
  const url = new URL("./default_result.json", import.meta.url);
  return loadResult(await Deno.readTextFile(url), "lib/report/testdata/default_result.json");
}
