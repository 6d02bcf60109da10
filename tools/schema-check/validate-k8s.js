#!/usr/bin/env node
// Validates Kubernetes manifests offline against the API schemas, so that a wrong field type, a
// misspelt field or an unknown kind fails CI rather than `helm install`.
//
//   node validate-k8s.js FILE...     each FILE a YAML stream of manifests ("-" for stdin)
//
// Prints one line per object, `ok Kind/name` or `FAIL Kind/name (FILE #n): /path problem`, and
// exits 1 when any object fails. The schemas are those of kubernetes-models (the Kubernetes
// OpenAPI of 1.30 and later) and @kubernetes-models/prometheus-operator (ServiceMonitor,
// PrometheusRule, ...); an apiVersion/kind that neither package knows is a failure, never a skip.
"use strict";

const fs = require("fs");
const yaml = require("js-yaml");

// The model module of an apiVersion: the core group (v1), a built-in group (apps/v1, ...), or
// prometheus-operator's monitoring.coreos.com. null when no package has it.
function modelModule(apiVersion) {
  const m = /^(?:([a-z0-9.-]+)\/)?(v[0-9]+(?:(?:alpha|beta)[0-9]+)?)$/.exec(apiVersion);
  if (!m) return null;
  const [, group, version] = m;
  const id =
    group === "monitoring.coreos.com"
      ? `@kubernetes-models/prometheus-operator/${group}/${version}`
      : `kubernetes-models/${group ? `${group}/` : ""}${version}`;
  try {
    return require(id);
  } catch (err) {
    if (err.code === "MODULE_NOT_FOUND" || err.code === "ERR_PACKAGE_PATH_NOT_EXPORTED") return null;
    throw err;
  }
}

// The model class of a top-level kind (its static apiVersion and kind match), or null. The
// modules also export nested types (DeploymentSpec, ...), which have no kind of their own.
function modelClass(apiVersion, kind) {
  const models = modelModule(apiVersion);
  const cls = models && Object.prototype.hasOwnProperty.call(models, kind) ? models[kind] : null;
  return cls && cls.apiVersion === apiVersion && cls.kind === kind ? cls : null;
}

const isPlainObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);

// The compiled schema validators do not reject fields the schema lacks (Kubernetes' OpenAPI has
// no additionalProperties: false), but the API server and helm's client-side validation do. So
// the object is validated through proxies that record what the validator reads: it reads every
// property its schema declares (`data.x === undefined` for absent ones) and enumerates the keys
// of maps (labels, data). A key of an object it looked into, yet never read and never
// enumerated, is an unknown field. Objects it does not look into (free-form, e.g.
// x-kubernetes-preserve-unknown-fields) are left alone.
function tracked(value, path, records) {
  if (value === null || typeof value !== "object") return value;
  const record = { path, value, looked: false, enumerated: false, read: new Set() };
  records.push(record);
  const children = new Map();
  const child = (target, key) => {
    if (!children.has(key)) {
      const sub = Array.isArray(target) ? `${path}/${key}` : `${path}/${key.replace(/~/g, "~0").replace(/\//g, "~1")}`;
      children.set(key, tracked(target[key], sub, records));
    }
    return children.get(key);
  };
  return new Proxy(value, {
    get(target, key, receiver) {
      if (typeof key !== "string") return Reflect.get(target, key, receiver);
      record.looked = true;
      record.read.add(key);
      return Object.prototype.hasOwnProperty.call(target, key) ? child(target, key) : Reflect.get(target, key, receiver);
    },
    has(target, key) {
      if (typeof key === "string") {
        record.looked = true;
        record.read.add(key);
      }
      return Reflect.has(target, key);
    },
    ownKeys(target) {
      record.looked = true;
      record.enumerated = true;
      return Reflect.ownKeys(target);
    },
  });
}

function unknownFields(records) {
  const out = [];
  for (const r of records) {
    if (!isPlainObject(r.value) || !r.looked || r.enumerated) continue;
    for (const key of Object.keys(r.value)) {
      if (!r.read.has(key)) out.push(`${r.path}/${key} is not a field of the schema`);
    }
  }
  return out;
}

// The problems of one object, as "path message" lines; empty when it is valid.
function problemsOf(doc) {
  if (!isPlainObject(doc)) return ["/ is not an object"];
  const { apiVersion, kind } = doc;
  if (typeof apiVersion !== "string" || typeof kind !== "string") return ["/ has no apiVersion or kind"];
  const cls = modelClass(apiVersion, kind);
  if (!cls) {
    return [`/ unknown kind ${kind} in ${apiVersion}: no schema in kubernetes-models or @kubernetes-models/prometheus-operator`];
  }
  const records = [];
  let problems = [];
  try {
    // The model's validate() runs the compiled schema on `this`: here the tracked object.
    cls.prototype.validate.call(tracked(doc, "", records));
  } catch (err) {
    if (!Array.isArray(err.errors)) throw err;
    problems = err.errors.map((e) => {
      const allowed = e.params && e.params.allowedValues ? ` (${e.params.allowedValues.join(", ")})` : "";
      return `${e.instancePath || "/"} ${e.message}${allowed}`;
    });
  }
  return problems.concat(unknownFields(records));
}

function main(files) {
  if (files.length === 0) {
    console.error("usage: validate-k8s.js FILE... (YAML streams of manifests; - for stdin)");
    return 2;
  }
  let failed = 0;
  let checked = 0;
  for (const file of files) {
    const text = fs.readFileSync(file === "-" ? 0 : file, "utf8");
    let docs;
    try {
      docs = yaml.loadAll(text);
    } catch (err) {
      console.log(`FAIL ${file}: not YAML: ${err.message}`);
      failed++;
      continue;
    }
    docs.forEach((doc, i) => {
      if (doc === null || doc === undefined) return; // an empty document between ---
      checked++;
      const name = `${(doc && doc.kind) || "?"}/${(doc && doc.metadata && doc.metadata.name) || "?"}`;
      const problems = problemsOf(doc);
      if (problems.length === 0) {
        console.log(`ok   ${name}`);
        return;
      }
      failed++;
      console.log(`FAIL ${name} (${file} #${i + 1}, ${doc.apiVersion}):`);
      for (const p of problems) console.log(`       ${p}`);
    });
  }
  if (checked === 0) console.log("FAIL no Kubernetes object in the input");
  console.log(`${checked - failed} valid, ${failed} invalid`);
  return failed === 0 && checked > 0 ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
