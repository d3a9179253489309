// npm run generate [-- path/to/openapi.json]
// Writes openapi.json (the given document, canonical) and src/schema.ts (its types).
// Without a path it regenerates the types from the committed openapi.json.
// Get a fresh document with `asteri openapi > /tmp/openapi.json` (or from a running server:
// curl http://127.0.0.1:3000/api/public/v1/openapi.json).
import { writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { canonicalText, readDocument, schemaSource } from "./generated.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const source = process.argv[2] ?? `${root}openapi.json`;
const json = canonicalText(await readDocument(source));
await writeFile(`${root}openapi.json`, json);
await writeFile(`${root}src/schema.ts`, await schemaSource(json));
console.log(`generated openapi.json and src/schema.ts from ${source}`);
