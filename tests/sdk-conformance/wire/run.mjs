// Wire conformance: the official SDK's requests and OAuth Desk's client's, for the same operations, through one
// recording proxy in front of the emulator, compared operation by operation. Every difference must be in the
// reviewed list (deliberate.json, each with its reason); anything else fails, as does a listed difference no longer
// seen, or an operation one side did not make.
//
//   WIX_EMULATOR_BIN=target/debug/wix-emulator WIRE_CLIENT_BIN=target/debug/examples/wire_flows node wire/run.mjs
//
// Prints one line per operation, then `wire: N operations match, M deliberate differences, K unexplained`.
// `WIRE_SHOW=1` also prints every compared request's features, for review.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { differences, features, isPage, judge } from "./compare.mjs";
import { API_KEY, OPERATIONS } from "./fixtures.mjs";
import { startProxy } from "./proxy.mjs";
import { runSdk } from "./sdk-flows.mjs";

const here = fileURLToPath(new URL(".", import.meta.url));
const root = `${here}/../../..`;
const emulatorBin = process.env.WIX_EMULATOR_BIN ?? `${root}/target/debug/wix-emulator`;
const clientBin = process.env.WIRE_CLIENT_BIN ?? `${root}/target/debug/examples/wire_flows`;
const deliberate = JSON.parse(readFileSync(`${here}/deliberate.json`, "utf8")).differences;

const adminToken = `wire-${crypto.randomUUID()}`;
const emulator = spawn(emulatorBin, ["--port", "0", "--admin-token", adminToken], {
  stdio: ["ignore", "pipe", "inherit"],
});
let proxy;
let failed = true;
try {
  const base = await new Promise((resolve, reject) => {
    emulator.once("error", reject);
    emulator.once("exit", (code) => reject(new Error(`the emulator exited (${code})`)));
    createInterface({ input: emulator.stdout }).once("line", (line) => resolve(line.trim()));
  });
  proxy = await startProxy(base);
  const admin = async (method, path, body) => {
    const response = await fetch(`${proxy.url}/_emulator/v1/${path}`, {
      method,
      headers: { "content-type": "application/json", authorization: `Bearer ${adminToken}` },
      body: body && JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`emulator ${method} ${path}: ${response.status}`);
    return response.json();
  };
  const op = async (name, fn) => {
    if (!OPERATIONS.includes(name)) throw new Error(`${name} is not in OPERATIONS`);
    proxy.setLabel("sdk", name);
    try {
      return await fn();
    } finally {
      proxy.setLabel("setup", "setup");
    }
  };

  await runSdk({ proxy, admin, op });
  await admin("POST", "reset");

  const ours = spawn(clientBin, ["--base", proxy.url, "--admin-token", adminToken], {
    stdio: ["ignore", "inherit", "inherit"],
  });
  const code = await new Promise((resolve, reject) => {
    ours.once("error", reject);
    ours.once("exit", resolve);
  });
  if (code !== 0) throw new Error(`our client's flows (${clientBin}) failed with ${code}`);

  const recorded = new Set(proxy.records.filter((r) => r.side !== "setup").map((r) => r.op));
  const unknown = [...recorded].filter((o) => !OPERATIONS.includes(o));
  const missing = OPERATIONS.filter((o) => !recorded.has(o));
  if (process.env.WIRE_SHOW) {
    // For review: each side's features per operation (values only for enum-like keys; nothing secret).
    for (const r of proxy.records.filter((r) => r.side !== "setup" && !isPage(r.path))) {
      const f = [...features(r, API_KEY)].map(([k, v]) => `${k}=${v}`).join("  ");
      console.log(`${r.side.padEnd(4)} ${r.op}: ${f}`);
    }
  }
  const found = differences(proxy.records, API_KEY);
  const verdict = judge(found, deliberate);
  console.log(verdict.lines.join("\n"));
  for (const o of unknown) console.log(`  FAIL  ${o}: recorded, but not in OPERATIONS`);
  for (const o of missing) console.log(`  FAIL  ${o}: neither side made it`);
  for (const d of verdict.stale) {
    console.log(`  FAIL  deliberate difference no longer seen: ${d.op} ${d.where}: SDK ${d.sdk} | ours ${d.ours}`);
  }
  const unexplained = verdict.unexplained.length + unknown.length + missing.length + verdict.stale.length;
  console.log(
    `wire: ${verdict.matched} operations match, ${verdict.explained} deliberate differences, ${unexplained} unexplained`,
  );
  failed = unexplained > 0;
} catch (e) {
  console.error(`wire: ${e.stack ?? e}`);
} finally {
  await proxy?.close();
  emulator.kill();
}
process.exit(failed ? 1 : 0);
