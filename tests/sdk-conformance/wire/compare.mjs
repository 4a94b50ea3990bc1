// What is compared between the SDK's request and ours for one operation, and how.
//
// Each request becomes a flat list of features: method, path (IDs as {id}), query keys, the form of
// `authorization`, whether `wix-site-id` / `wix-account-id` are there, and the body's shape: every key path with
// its JSON type, except that enum-like keys show their value and PKCE-like keys their length. No other value is
// ever rendered, so nothing secret reaches the output.

/// Keys whose values are enum-like: compared by value.
const ENUM_KEYS = new Set([
  "grantType",
  "grant_type",
  "responseMode",
  "responseType",
  "codeChallengeMethod",
  "prompt",
  "scope",
  "applicationType",
  "technology",
  "order",
  "fieldName",
  "mask",
  "eventName",
]);

/// Keys whose length is part of the protocol (the SDK's PKCE values are 43 characters).
const LENGTH_KEYS = new Set(["state", "codeChallenge", "codeVerifier"]);

/// Paths a browser loads (hosted pages), and the emulator's own admin routes: never compared.
export function isPage(path) {
  return (
    path.startsWith("/_emulator/") ||
    path === "/oauth2/authorize" ||
    path === "/oauth2/logout" ||
    path.startsWith("/installer/") ||
    path.startsWith("/reset-password/")
  );
}

const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function template(path) {
  return path
    .split("/")
    .map((segment) => (ID.test(segment) ? "{id}" : segment))
    .join("/");
}

/// The form of an `authorization` value, never the value.
export function authForm(value, apiKey) {
  if (value === undefined || value === "") return "(none)";
  if (value.includes(",")) return value.split(",").map((part) => authForm(part.trim(), apiKey)).join(",");
  if (value.startsWith("Bearer ")) return `Bearer ${authForm(value.slice(7), apiKey)}`;
  if (value === apiKey) return "<API key>";
  if (value.split(".").length === 3) return "<access token>";
  return "<opaque token>";
}

function bodyFeatures(text, type, out) {
  if (!text) {
    out.set("body", "(none)");
    return;
  }
  if (!String(type ?? "").includes("json")) {
    const keys = [...new URLSearchParams(text).keys()].sort();
    out.set("body", `form: ${keys.join(",")}`);
    return;
  }
  let value;
  try {
    value = JSON.parse(text);
  } catch {
    out.set("body", "(not JSON)");
    return;
  }
  const walk = (v, path, key) => {
    if (Array.isArray(v)) {
      out.set(path, "array");
      v.forEach((item) => walk(item, `${path}[]`, key));
    } else if (v !== null && typeof v === "object") {
      out.set(path, "object");
      for (const [k, inner] of Object.entries(v)) walk(inner, `${path}.${k}`, k);
    } else if (typeof v === "string" && ENUM_KEYS.has(key)) {
      out.set(path, JSON.stringify(v));
    } else if (typeof v === "string" && LENGTH_KEYS.has(key)) {
      out.set(path, `string(${v.length})`);
    } else {
      out.set(path, v === null ? "null" : typeof v);
    }
  };
  walk(value, "body", "");
}

/// The features of one recorded request.
export function features(record, apiKey) {
  const out = new Map();
  out.set("method", record.method);
  out.set("path", template(record.path));
  out.set("query", record.query.length ? [...new Set(record.query)].sort().join("&") : "(none)");
  out.set("authorization", authForm(record.headers.authorization, apiKey));
  out.set("wix-site-id", record.headers["wix-site-id"] === undefined ? "absent" : "present");
  out.set("wix-account-id", record.headers["wix-account-id"] === undefined ? "absent" : "present");
  bodyFeatures(record.body, record.headers["content-type"], out);
  return out;
}

function summary(record) {
  return `${record.method} ${template(record.path)}`;
}

/// Every difference between the SDK's requests and ours for each operation: `{op, where, sdk, ours}`.
export function differences(records, apiKey) {
  const byOp = new Map();
  for (const record of records) {
    if (record.side === "setup" || isPage(record.path)) continue;
    if (!byOp.has(record.op)) byOp.set(record.op, { sdk: [], ours: [] });
    byOp.get(record.op)[record.side].push(record);
  }
  const found = [];
  for (const [op, { sdk, ours }] of byOp) {
    const diffs = [];
    for (let i = 0; i < Math.max(sdk.length, ours.length); i++) {
      const [a, b] = [sdk[i], ours[i]];
      if (!a || !b) {
        diffs.push({
          op,
          where: `#${i}`,
          sdk: a ? summary(a) : "(no request)",
          ours: b ? summary(b) : "(no request)",
        });
        continue;
      }
      const [fa, fb] = [features(a, apiKey), features(b, apiKey)];
      for (const key of new Set([...fa.keys(), ...fb.keys()])) {
        const [va, vb] = [fa.get(key) ?? "(absent)", fb.get(key) ?? "(absent)"];
        if (va !== vb) diffs.push({ op, where: `#${i} ${key}`, sdk: va, ours: vb });
      }
    }
    found.push({ op, requests: Math.max(sdk.length, ours.length), diffs });
  }
  return found;
}

const same = (a, b) => a.op === b.op && a.where === b.where && a.sdk === b.sdk && a.ours === b.ours;

/// Sort each operation's differences into deliberate (in the reviewed list) and unexplained; list the reviewed
/// entries no longer seen (stale).
export function judge(found, deliberate) {
  const used = new Set();
  let matched = 0;
  let explained = 0;
  const unexplained = [];
  const lines = [];
  for (const { op, requests, diffs } of found) {
    if (diffs.length === 0) {
      matched++;
      lines.push(`  ok    ${op} (${requests} request${requests === 1 ? "" : "s"})`);
      continue;
    }
    const open = [];
    for (const diff of diffs) {
      const index = deliberate.findIndex((d) => same(d, diff));
      if (index >= 0) {
        used.add(index);
        explained++;
      } else {
        open.push(diff);
      }
    }
    unexplained.push(...open);
    lines.push(
      `  ${open.length ? "FAIL" : "known"} ${op}: ${diffs.length - open.length} deliberate, ${open.length} unexplained`,
    );
    for (const diff of diffs) {
      const known = deliberate.find((d) => same(d, diff));
      lines.push(
        `        ${known ? "·" : "✗"} ${diff.where}: SDK ${diff.sdk} | ours ${diff.ours}${known ? ` — ${known.reason}` : ""}`,
      );
    }
  }
  const stale = deliberate.filter((_, i) => !used.has(i));
  return { matched, explained, unexplained, stale, lines };
}
