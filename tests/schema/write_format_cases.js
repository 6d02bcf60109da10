// node write_format_cases.js CASES_JSON OUT_DIR
// Writes one RCA document per value of tests/schema/format_cases.json into OUT_DIR
// (case-0001.json, ...) and prints "FILE<TAB>POINTER<TAB>VALUE" per document, for reports.
"use strict";
const fs = require("fs");
const path = require("path");

const [casesFile, outDir] = process.argv.slice(2);
const { base, cases } = JSON.parse(fs.readFileSync(casesFile, "utf8"));
const PLACEHOLDER = "\u0000raw\u0000";

// Sets `value` at a JSON pointer, creating the last key; parents must exist in `base`.
function setAt(doc, pointer, value) {
  const keys = pointer.split("/").slice(1).map((k) => k.replace(/~1/g, "/").replace(/~0/g, "~"));
  const last = keys.pop();
  let parent = doc;
  for (const key of keys) parent = parent[key];
  parent[last] = value;
}

let n = 0;
for (const { pointer, values } of cases) {
  for (const value of values) {
    const doc = JSON.parse(JSON.stringify(base));
    let raw = null;
    let shown;
    if (value && typeof value === "object" && "$raw" in value) {
      raw = value.$raw;
      setAt(doc, pointer, PLACEHOLDER);
      shown = raw;
    } else if (value && typeof value === "object" && "$repeat" in value) {
      setAt(doc, pointer, value.$repeat.repeat(value.times));
      shown = `${JSON.stringify(value.$repeat)} x ${value.times}`;
    } else {
      setAt(doc, pointer, value);
      shown = JSON.stringify(value);
    }
    let text = JSON.stringify(doc, null, 1);
    if (raw !== null) text = text.replace(JSON.stringify(PLACEHOLDER), raw);
    const file = path.join(outDir, `case-${String(++n).padStart(4, "0")}.json`);
    fs.writeFileSync(file, text + "\n");
    console.log(`${file}\t${pointer}\t${shown}`);
  }
}
