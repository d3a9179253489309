// npm run check-generated -- path/to/openapi.json
// Fails when the committed openapi.json or src/schema.ts is not what `npm run generate` makes
// of the given document (the one the server serves now).
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { canonicalText, firstDifference, readDocument, schemaSource } from "./generated.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const source = process.argv[2];
if (!source) {
  console.error("usage: node scripts/check-generated.mjs path/to/openapi.json");
  process.exit(2);
}

let given;
try {
  given = canonicalText(await readDocument(source));
} catch (error) {
  console.error(error.message);
  process.exit(2);
}
const temp = await mkdtemp(join(tmpdir(), "asteri-sdk-"));
try {
  const fresh = join(temp, "schema.ts");
  await writeFile(fresh, await schemaSource(given));
  const problems = [];
  const committedDocument = await readFile(`${root}openapi.json`, "utf8");
  if (given !== committedDocument) {
    problems.push(`sdk/typescript/openapi.json differs from ${source} (examples aside), ${firstDifference(committedDocument, given)}`);
  }
  const committedTypes = await readFile(`${root}src/schema.ts`, "utf8");
  const freshTypes = await readFile(fresh, "utf8");
  if (freshTypes !== committedTypes) {
    problems.push(`sdk/typescript/src/schema.ts differs from the types generated from ${source}, ${firstDifference(committedTypes, freshTypes)}`);
  }
  if (problems.length > 0) {
    for (const problem of problems) console.error(`- ${problem}`);
    console.error(`the committed client is stale: run npm run generate -- ${source}`);
    process.exit(1);
  }
  console.log(`openapi.json and src/schema.ts match ${source}`);
} finally {
  await rm(temp, { recursive: true, force: true });
}
