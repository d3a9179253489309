// What `npm run generate` writes and `npm run check-generated` compares, in one place.
//
// The served document renders its examples (and the code samples built from them) from seed
// data in a throwaway sandbox at start-up, so their ids and times change on every run. They
// are left out of the committed openapi.json and of the types: both change only when the API
// does.
import openapiTS, { astToString } from "openapi-typescript";

const VOLATILE = new Set(["example", "examples", "x-codeSamples"]);
// Keywords whose value maps names (of properties, paths, components...) to objects: a property
// called `examples` is kept.
const NAME_MAPS = new Set(["properties", "patternProperties", "paths", "schemas", "responses",
  "headers", "parameters", "links", "content", "securitySchemes", "requestBodies", "callbacks",
  "$defs", "encoding", "webhooks"]);

function strip(value, namesOnly) {
  if (Array.isArray(value)) return value.map((item) => strip(item, false));
  if (value === null || typeof value !== "object") return value;
  const out = {};
  for (const [key, inner] of Object.entries(value)) {
    if (!namesOnly && VOLATILE.has(key)) continue;
    out[key] = strip(inner, !namesOnly && NAME_MAPS.has(key));
  }
  return out;
}

/** The document without its example values, as the committed openapi.json holds it. */
export function canonicalText(document) {
  return JSON.stringify(strip(document, false), null, 2) + "\n";
}

/** The TypeScript types of a document, given as its canonical JSON text. */
export async function schemaSource(canonicalJson) {
  const ast = await openapiTS(canonicalJson, { silent: true });
  return astToString(ast);
}

export async function readDocument(path) {
  const { readFile } = await import("node:fs/promises");
  let text;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new Error(`cannot read the OpenAPI document ${path}: ${error.message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${path} is not JSON (${error.message}): expected the output of 'asteri openapi'`);
  }
}

/** Where two texts first differ, for the message of a failed check. */
export function firstDifference(expected, actual) {
  const a = expected.split("\n");
  const b = actual.split("\n");
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return `line ${i + 1}: committed ${JSON.stringify(a[i] ?? "(end)")}, generated ${JSON.stringify(b[i] ?? "(end)")}`;
  }
  return "no difference";
}
