// Prints the gzipped size of the JavaScript index.html loads up front (entry + modulepreloads)
// and fails the build when it exceeds the budget.
import { readFileSync, readdirSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join } from "node:path";

const BUDGET_KB = 200;
const dist = new URL("../dist/", import.meta.url).pathname;
const html = readFileSync(join(dist, "index.html"), "utf8");
const initial = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]);
const gz = (f) => gzipSync(readFileSync(join(dist, f))).length;
const initialBytes = initial.reduce((n, f) => n + gz(f), 0);
const all = readdirSync(join(dist, "assets")).filter((f) => f.endsWith(".js"));
const allBytes = all.reduce((n, f) => n + gz(join("assets", f)), 0);
const kb = (b) => (b / 1024).toFixed(1);
console.log(`bundle: initial JS ${kb(initialBytes)} KB gzipped (${initial.length} files; budget ${BUDGET_KB} KB); all JS ${kb(allBytes)} KB gzipped in ${all.length} files`);
if (initialBytes > BUDGET_KB * 1024) {
  console.error(`bundle: initial JS is over the ${BUDGET_KB} KB budget`);
  process.exit(1);
}
