// node check_descriptions.js SCHEMA: fails (exit 1) naming every property, pattern property,
// $defs entry, allOf member or if/then subschema of the schema that has no "description".
"use strict";
const schema = JSON.parse(require("fs").readFileSync(process.argv[2], "utf8"));
const missing = [];
function visit(node, where) {
  if (!node || typeof node !== "object" || Array.isArray(node)) return;
  for (const group of ["properties", "patternProperties", "$defs"]) {
    for (const [name, sub] of Object.entries(node[group] || {})) {
      if (typeof sub !== "object" || typeof sub.description !== "string" || !sub.description) {
        missing.push(`${where}/${group}/${name}`);
      }
      visit(sub, `${where}/${group}/${name}`);
    }
  }
  for (const key of ["items", "if", "then", "else"]) {
    if (node[key]) visit(node[key], `${where}/${key}`);
  }
  (node.allOf || []).forEach((sub, i) => {
    if (typeof sub.description !== "string" || !sub.description) missing.push(`${where}/allOf/${i}`);
    visit(sub, `${where}/allOf/${i}`);
  });
}
visit(schema, "#");
if (missing.length) {
  console.log(`no description: ${missing.join(", ")}`);
  process.exit(1);
}
console.log("every property has a description");
