// A small end-to-end harness: a real server on a free port with a fresh SQLite data dir,
// Debian's Chromium through playwright-core, axe-core on every page, screenshots, timings.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
export const RESULTS = join(here, "..", "test-results");
const AXE = readFileSync(join(here, "..", "node_modules", "axe-core", "axe.min.js"), "utf8");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const PYTHON = process.env.PYTHON || join(here, "..", "..", ".venv", "bin", "python");
export const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];
export const DESKTOP = { viewport: { width: 1366, height: 900 } };
export const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

export async function startServer() {
  const dataDir = mkdtempSync(join(tmpdir(), "mealplanner-e2e-"));
  const port = await freePort();
  const env = {
    ...process.env,
    MEALPLANNER_DATA_DIR: dataDir,
    MEALPLANNER_DATABASE_URL: `sqlite:///${join(dataDir, "e2e.db")}`,
    MEALPLANNER_REDIS_URL: "",
    MEALPLANNER_ENV: "development",
    MEALPLANNER_PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    MEALPLANNER_WEB_DIST: join(here, "..", "dist"),
    // Cheap password hashing keeps sign-ups fast; the API's own tests cover the real cost.
    MEALPLANNER_PASSWORD_HASH_MEMORY_KIB: "1024",
    MEALPLANNER_PASSWORD_HASH_TIME_COST: "1",
  };
  for (const key of Object.keys(env)) if (env[key] === "") delete env[key];
  const t0 = Date.now();
  const migrate = spawnSync(PYTHON, ["-m", "mealplanner.cli", "migrate"], { env, encoding: "utf8" });
  if (migrate.status !== 0) throw new Error(`migrate failed: ${migrate.stderr}`);
  const seed = spawnSync(PYTHON, ["-m", "mealplanner.cli", "seed"], { env, encoding: "utf8" });
  if (seed.status !== 0) throw new Error(`seed failed: ${seed.stderr}\n${seed.stdout}`);
  const log = [];
  const proc = spawn(PYTHON, ["-m", "mealplanner.cli", "serve", "--port", String(port)], { env, stdio: ["ignore", "pipe", "pipe"] });
  proc.stdout.on("data", (d) => log.push(String(d)));
  proc.stderr.on("data", (d) => log.push(String(d)));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${base}/health`)).ok) break;
    } catch { /* not up yet */ }
    if (proc.exitCode !== null) throw new Error(`server exited: ${log.join("")}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  console.log(`server: ${base} (migrate + seed + start in ${Date.now() - t0} ms)`);
  return {
    base, env, dataDir, log,
    run(args, input) {
      return spawnSync(PYTHON, ["-m", "mealplanner.cli", ...args], { env, input, encoding: "utf8" });
    },
    async stop() {
      proc.kill("SIGTERM");
      await new Promise((r) => (proc.exitCode !== null ? r() : proc.once("exit", r)));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function launch() {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

/** Collects console errors and CSP violations of a page. */
export function watch(page, problems) {
  page.on("console", (msg) => {
    const text = msg.text();
    if (/Content[- ]Security[- ]Policy/i.test(text)) problems.push(`CSP: ${text}`);
    else if (msg.type() === "error" && !/Failed to load resource|ERR_INTERNET_DISCONNECTED|status of 40[134]/.test(text)) problems.push(`console: ${text}`);
  });
  page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
}

export const axeResults = [];
/** axe-core on the current page; fails on serious or critical violations. */
export async function checkA11y(page, name) {
  // page.evaluate runs through the DevTools protocol, so the page's CSP (no inline scripts)
  // stays in force while axe is injected.
  await page.evaluate(AXE);
  const result = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) }));
  });
  const bad = result.filter((v) => v.impact === "serious" || v.impact === "critical");
  axeResults.push({ page: name, violations: result.length, seriousOrCritical: bad.length, ids: result.map((v) => `${v.id}:${v.impact}`) });
  if (bad.length) throw new Error(`axe on ${name}: ${JSON.stringify(bad, null, 1)}`);
}

export async function shot(page, name, fullPage = true) {
  mkdirSync(RESULTS, { recursive: true });
  await page.screenshot({ path: join(RESULTS, `${name}.png`), fullPage });
}

export const results = [];
export const current = { page: null };
export async function step(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    results.push({ name, ok: true, ms: Date.now() - t0 });
    console.log(`  ✓ ${name} (${Date.now() - t0} ms)`);
  } catch (err) {
    results.push({ name, ok: false, ms: Date.now() - t0, error: String(err?.stack || err) });
    await current.page?.screenshot({ path: join(RESULTS, "failure.png"), fullPage: true }).catch(() => undefined);
    console.log(`  ✗ ${name}\n    ${String(err?.message || err).split("\n").join("\n    ")}`);
    throw err;
  }
}

export function writeReport(extra) {
  mkdirSync(RESULTS, { recursive: true });
  const report = { results, axe: axeResults, ...extra };
  writeFileSync(join(RESULTS, "report.json"), JSON.stringify(report, null, 2));
  return report;
}
