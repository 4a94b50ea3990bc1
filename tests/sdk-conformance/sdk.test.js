// The official @wix/sdk, @wix/auth-management and (underneath) @wix/identity + @wix/redirects against the local emulator. The SDK's own requests (paths,
// methods, headers, bodies) hit the emulator; any mismatch in what it sends or expects back fails here.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { ApiKeyStrategy, AppStrategy, createClient, OAuthStrategy } from "@wix/sdk";
import { oAuthApps } from "@wix/auth-management";

const here = fileURLToPath(new URL(".", import.meta.url));
const binary = process.env.WIX_EMULATOR_BIN ?? `${here}/../../target/debug/wix-emulator`;
// The sandbox's well-known admin credentials (crates/wix-emulator, AdminCredentials::sandbox).
const API_KEY = "emulator-admin-api-key";
const SITE_ID = "00000000-0000-4000-8000-000000000001";

// The emulator's admin routes need a token; this run fixes its own.
const ADMIN_TOKEN = `sdk-${crypto.randomUUID()}`;
let emulator;
let base;
const seen = [];

before(async () => {
  emulator = spawn(binary, ["--port", "0", "--admin-token", ADMIN_TOKEN], { stdio: ["ignore", "pipe", "inherit"] });
  base = await new Promise((resolve, reject) => {
    emulator.once("error", reject);
    createInterface({ input: emulator.stdout }).once("line", (line) => resolve(line.trim().replace(/\/$/, "")));
  });
  // Send the SDK's https://www.wixapis.com calls to the emulator, and remember what it sent.
  const realFetch = globalThis.fetch;
  globalThis.fetch = (input, init) => {
    const url = typeof input === "string" ? input : input.url;
    const rewritten = url.replace(/^https:\/\/www\.wixapis\.com/, base);
    seen.push({ method: init?.method ?? input.method ?? "GET", url: rewritten.replace(base, ""), body: init?.body });
    return realFetch(rewritten, init);
  };
});

after(() => emulator?.kill());

const client = () =>
  createClient({ modules: { oAuthApps }, auth: ApiKeyStrategy({ apiKey: API_KEY, siteId: SITE_ID }) });

test("create returns the app with its secret; get and query never do", async () => {
  const wix = client();
  const created = await wix.oAuthApps.createOAuthApp({
    name: "SDK storefront",
    applicationType: "WEB_APP",
    technology: "REACT",
    allowedRedirectUris: ["https://shop.example.com/callback"],
  });
  assert.match(created._id, /^[0-9a-f-]{36}$/);
  assert.ok(created._createdDate instanceof Date, "createdDate comes back as a timestamp the SDK converts");
  assert.match(created.secret, /^emu-secret-/);
  const got = await wix.oAuthApps.getOAuthApp(created._id);
  assert.equal(got.name, "SDK storefront");
  assert.equal(got.secret, undefined);
  const { items } = await wix.oAuthApps.queryOAuthApps().eq("_id", created._id).find();
  assert.deepEqual(items.map((a) => a.name), ["SDK storefront"]);
  const { oAuthAppSecret } = await wix.oAuthApps.getOAuthAppSecret(created._id);
  assert.equal(oAuthAppSecret, created.secret);
});

test("generateOAuthAppSecret works once: a new secret, the old one replaced, allowSecretGeneration false", async () => {
  const wix = client();
  const app = await wix.oAuthApps.createOAuthApp({ name: "SDK regen" });
  assert.equal(app.allowSecretGeneration, true);
  const { oAuthAppSecret } = await wix.oAuthApps.generateOAuthAppSecret(app._id);
  assert.match(oAuthAppSecret, /^emu-secret-/);
  assert.notEqual(oAuthAppSecret, app.secret);
  assert.equal((await wix.oAuthApps.getOAuthAppSecret(app._id)).oAuthAppSecret, oAuthAppSecret);
  assert.equal((await wix.oAuthApps.getOAuthApp(app._id)).allowSecretGeneration, false);
  await assert.rejects(wix.oAuthApps.generateOAuthAppSecret(app._id), (e) => {
    assert.equal(e.details?.applicationError?.code, "SECRET_ALREADY_GENERATED");
    return true;
  });
});

test("query sorts, pages and reports paging metadata", async () => {
  const wix = client();
  const page = await wix.oAuthApps.queryOAuthApps().ascending("name").limit(2).skip(1).find();
  assert.equal(page.items.length, 2);
  const names = page.items.map((a) => a.name);
  assert.deepEqual([...names].sort(), names);
  assert.ok(page.totalCount >= 4);
  const newest = await wix.oAuthApps.queryOAuthApps().descending("_createdDate").limit(1).find();
  assert.equal(newest.items.length, 1);
});

test("update sends a field mask and only those fields change", async () => {
  const wix = client();
  const app = await wix.oAuthApps.createOAuthApp({ name: "Masked", description: "keep me" });
  const updated = await wix.oAuthApps.updateOAuthApp(app._id, { name: "Masked 2", description: "not sent" }, ["name"]);
  assert.equal(updated.name, "Masked 2");
  assert.equal(updated.description, "keep me");
  const patch = seen.findLast((r) => r.method === "PATCH");
  assert.equal(patch.url, `/oauth-app/v1/oauth-apps/${app._id}`);
});

test("delete removes the app; a later get is a 404 the SDK reports", async () => {
  const wix = client();
  const app = await wix.oAuthApps.createOAuthApp({ name: "Doomed" });
  await wix.oAuthApps.deleteOAuthApp(app._id);
  await assert.rejects(wix.oAuthApps.getOAuthApp(app._id), (e) => {
    assert.match(String(e.message ?? e), /not found|404/i);
    return true;
  });
});

test("a wrong API key is refused", async () => {
  const wix = createClient({ modules: { oAuthApps }, auth: ApiKeyStrategy({ apiKey: "wrong", siteId: SITE_ID }) });
  await assert.rejects(wix.oAuthApps.queryOAuthApps().find(), (e) => {
    assert.match(String(e.message ?? e), /401|UNAUTHENTICATED|Invalid API key/i);
    return true;
  });
});

// A seeded OAuth app of the sandbox (crates/wix-emulator, SEEDED_APP_IDS[0]).
const SEEDED_CLIENT_ID = "5eed0001-0000-4000-8000-000000000001";

test("OAuthStrategy: visitor tokens, then renewal with the refresh token", async () => {
  const wix = createClient({ auth: OAuthStrategy({ clientId: SEEDED_CLIENT_ID }) });
  const tokens = await wix.auth.generateVisitorTokens();
  assert.ok(tokens.accessToken.value.split(".").length === 3);
  assert.equal(tokens.refreshToken.role, "visitor");
  const inFourHours = Math.floor(Date.now() / 1000) + 4 * 3600;
  assert.ok(Math.abs(tokens.accessToken.expiresAt - inFourHours) < 60, "expiresAt = now + expires_in");
  const renewed = await wix.auth.renewToken(tokens.refreshToken);
  assert.notEqual(renewed.accessToken.value, tokens.accessToken.value);
  assert.equal(renewed.refreshToken.value, tokens.refreshToken.value);
  const body = JSON.parse(seen.findLast((r) => r.url === "/oauth2/token").body);
  assert.deepEqual(Object.keys(body).sort(), ["clientId", "grantType", "refreshToken"]);
});

test("OAuthStrategy: a deleted client ID cannot mint visitor tokens", async () => {
  const admin = client();
  const app = await admin.oAuthApps.createOAuthApp({ name: "Short-lived" });
  const wix = createClient({ auth: OAuthStrategy({ clientId: app._id }) });
  await wix.auth.generateVisitorTokens();
  await admin.oAuthApps.deleteOAuthApp(app._id);
  const fresh = createClient({ auth: OAuthStrategy({ clientId: app._id }) });
  await assert.rejects(fresh.auth.generateVisitorTokens(), /Failed to fetch tokens/);
});

// ---- Member sign-in: @wix/identity and @wix/redirects underneath OAuthStrategy ----

const REDIRECT_URI = "oauthdesk://callback"; // registered on SEEDED_CLIENT_ID
const ALLOWED_PAGE = "http://127.0.0.1:5173/callback"; // also registered on it
const emulatorApi = (method, path, body) =>
  fetch(`${base}/_emulator/v1/${path}`, {
    method,
    headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN_TOKEN}` },
    body: body && JSON.stringify(body),
  }).then((r) => r.json());
const unique = (name) => `${name}-${Date.now()}-${Math.random().toString(36).slice(2, 7)}@example.com`;

/** Load an auth URL like a browser would, one hop, and return where it redirects. */
async function redirectOf(url) {
  const response = await fetch(url, { redirect: "manual" });
  assert.ok(response.status >= 300 && response.status < 400, `a redirect, not ${response.status}`);
  return response.headers.get("location");
}

test("OAuthStrategy: register, login, then the session token becomes member tokens (prompt=none)", async () => {
  const wix = createClient({ auth: OAuthStrategy({ clientId: SEEDED_CLIENT_ID }) });
  const email = unique("sdk");
  const registered = await wix.auth.register({ email, password: "pa55word", profile: { nickname: "SDK" } });
  assert.equal(registered.loginState, "SUCCESS");
  const again = await wix.auth.register({ email, password: "pa55word" });
  assert.equal(again.errorCode, "emailAlreadyExists");
  const wrong = await wix.auth.login({ email, password: "nope-nope" });
  assert.equal(wrong.errorCode, "invalidPassword");
  const unknown = await wix.auth.login({ email: unique("ghost"), password: "pa55word" });
  assert.equal(unknown.errorCode, "invalidEmail");
  const badEmail = await wix.auth.register({ email: "not-an-email", password: "pa55word" });
  assert.equal(badEmail.errorCode, "invalidEmail");

  const login = await wix.auth.login({ email, password: "pa55word" });
  assert.equal(login.loginState, "SUCCESS");
  const oauthData = wix.auth.generateOAuthData(REDIRECT_URI);
  const { authUrl } = await wix.auth.getAuthUrl(oauthData, {
    prompt: "none",
    responseMode: "query",
    sessionToken: login.data.sessionToken,
  });
  const { code, state, error } = wix.auth.parseFromUrl(await redirectOf(authUrl), "query");
  assert.equal(error, undefined);
  const tokens = await wix.auth.getMemberTokens(code, state, oauthData);
  wix.auth.setTokens(tokens);
  assert.equal(wix.auth.loggedIn(), true);
  const renewed = await wix.auth.renewToken(tokens.refreshToken);
  assert.ok(renewed.accessToken.value);
  await assert.rejects(wix.auth.getMemberTokens(code, state, oauthData), /Failed to fetch tokens/, "codes are single use");

  // The page after logout must be one the OAuth app allows (Wix checks it; so does the emulator).
  const { logoutUrl } = await wix.auth.logout(ALLOWED_PAGE);
  assert.equal(wix.auth.loggedIn(), false);
  assert.equal(await redirectOf(logoutUrl), ALLOWED_PAGE);
});

test("OAuthStrategy: the hosted login page (fragment mode) returns a code the SDK exchanges", async () => {
  const wix = createClient({ auth: OAuthStrategy({ clientId: SEEDED_CLIENT_ID }) });
  const oauthData = wix.auth.generateOAuthData(REDIRECT_URI);
  const { authUrl } = await wix.auth.getAuthUrl(oauthData);
  const page = await fetch(authUrl);
  assert.match(await page.text(), /name="password"/);
  const form = new URLSearchParams(new URL(authUrl).searchParams);
  form.set("action", "register");
  form.set("email", unique("page"));
  form.set("password", "pa55word");
  const back = await fetch(`${base}/oauth2/authorize`, { method: "POST", body: form, redirect: "manual" });
  const location = back.headers.get("location");
  assert.ok(location.startsWith(`${REDIRECT_URI}#`), location);
  const { code, state } = wix.auth.parseFromUrl(location);
  const tokens = await wix.auth.getMemberTokens(code, state, oauthData);
  assert.equal(tokens.refreshToken.role, "member");
});

test("OAuthStrategy: email verification, owner approval and captcha states", async () => {
  await emulatorApi("PATCH", "settings", { requireEmailVerification: true });
  try {
    const wix = createClient({ auth: OAuthStrategy({ clientId: SEEDED_CLIENT_ID }) });
    const email = unique("verify");
    const registered = await wix.auth.register({ email, password: "pa55word" });
    assert.equal(registered.loginState, "EMAIL_VERIFICATION_REQUIRED");
    const { emails } = await emulatorApi("GET", "outbox");
    const sent = emails.findLast((e) => e.to === email);
    const verified = await wix.auth.processVerification({ verificationCode: sent.code });
    assert.equal(verified.loginState, "SUCCESS");
    assert.ok(verified.data.sessionToken);
  } finally {
    await emulatorApi("PATCH", "settings", { requireEmailVerification: false });
  }
  await emulatorApi("PATCH", "settings", { requireOwnerApproval: true, requireCaptcha: true });
  try {
    const wix = createClient({ auth: OAuthStrategy({ clientId: SEEDED_CLIENT_ID }) });
    const missing = await wix.auth.register({ email: unique("robot"), password: "pa55word" });
    assert.equal(missing.errorCode, "missingCaptchaToken");
    const forged = await wix.auth.register({
      email: unique("robot"),
      password: "pa55word",
      captchaTokens: { recaptchaToken: "forged" },
    });
    assert.equal(forged.errorCode, "invalidCaptchaToken");
    const pending = await wix.auth.register({
      email: unique("pending"),
      password: "pa55word",
      captchaTokens: { recaptchaToken: "emulator-captcha-ok" },
    });
    assert.equal(pending.loginState, "OWNER_APPROVAL_REQUIRED");
  } finally {
    await emulatorApi("PATCH", "settings", { requireOwnerApproval: false, requireCaptcha: false });
  }
});

test("OAuthStrategy: password reset email and external login", async () => {
  const wix = createClient({ auth: OAuthStrategy({ clientId: SEEDED_CLIENT_ID }) });
  const email = unique("reset");
  await wix.auth.register({ email, password: "pa55word" });
  await wix.auth.sendPasswordResetEmail(email, "https://shop.example.com/login");
  const { emails } = await emulatorApi("GET", "outbox");
  assert.match(emails.findLast((e) => e.to === email).link, /reset-password/);
  const body = JSON.parse(seen.findLast((r) => r.url === "/_api/iam/recovery/v1/send-email").body);
  assert.deepEqual(body.redirect, { url: "https://shop.example.com/login", clientId: SEEDED_CLIENT_ID });

  const { members } = await emulatorApi("GET", "members");
  const member = members.find((m) => m.email === email);
  const external = createClient({ auth: OAuthStrategy({ clientId: SEEDED_CLIENT_ID }) });
  external.auth.setTokens(await external.auth.generateVisitorTokens());
  const tokens = await external.auth.getMemberTokensForExternalLogin(member.id, API_KEY);
  assert.equal(tokens.refreshToken.role, "member");
  await assert.rejects(external.auth.getMemberTokensForExternalLogin(member.id, "wrong-key"));

  // With session: sign-on by email (the member is created when new), then the session token's grant.
  const withSession = createClient({ auth: OAuthStrategy({ clientId: SEEDED_CLIENT_ID }) });
  const signedOn = await withSession.auth.getMemberTokensForExternalLoginWithSession(unique("signon"), API_KEY, {
    verifyEmail: true,
  });
  assert.equal(signedOn.refreshToken.role, "member");
  const tokenBody = JSON.parse(seen.findLast((r) => r.url === "/oauth2/token").body);
  assert.deepEqual(Object.keys(tokenBody).sort(), ["grant_type", "member_id", "session_token"]);
  await assert.rejects(withSession.auth.getMemberTokensForExternalLoginWithSession(unique("signon"), "wrong-key"));
});

test("OAuthStrategy: when prompt=none answers with a page, running its form gives the code", async () => {
  await emulatorApi("PATCH", "settings", { authorizeWithPage: true });
  try {
    const wix = createClient({ auth: OAuthStrategy({ clientId: SEEDED_CLIENT_ID }) });
    const login = await wix.auth.register({ email: unique("page"), password: "pa55word" });
    const oauthData = wix.auth.generateOAuthData(REDIRECT_URI);
    const { authUrl } = await wix.auth.getAuthUrl(oauthData, {
      prompt: "none",
      responseMode: "query",
      sessionToken: login.data.sessionToken,
    });
    const page = await fetch(authUrl, { redirect: "manual" });
    assert.equal(page.status, 200, "a page, not a redirect");
    assert.match(await page.text(), /data-testid="authorize-page-form"/);
    const form = new URLSearchParams(new URL(authUrl).searchParams);
    form.set("action", "session");
    const back = await fetch(`${base}/oauth2/authorize`, { method: "POST", body: form, redirect: "manual" });
    const { code, state } = wix.auth.parseFromUrl(back.headers.get("location"), "query");
    const tokens = await wix.auth.getMemberTokens(code, state, oauthData);
    assert.equal(tokens.refreshToken.role, "member");
  } finally {
    await emulatorApi("PATCH", "settings", { authorizeWithPage: false });
  }
});

// ---- Wix app OAuth: the SDK's AppStrategy (basic and advanced) ----

const WIX_APP_ID = "a990a001-0000-4000-8000-000000000001"; // the emulator's seeded Wix app
const WIX_APP_SECRET = "emu-app-secret-seeded";
const WIX_INSTANCE_ID = "1a57a001-0000-4000-8000-000000000001";

test("AppStrategy: basic OAuth (client credentials) gives an access token for an instance", async () => {
  const auth = AppStrategy({ appId: WIX_APP_ID, appSecret: WIX_APP_SECRET, instanceId: WIX_INSTANCE_ID });
  const { headers } = await auth.getAuthHeaders();
  assert.match(headers.Authorization, /^EMU\.app\./);
  const body = JSON.parse(seen.findLast((r) => r.url === "/oauth2/token").body);
  assert.deepEqual(Object.keys(body).sort(), ["client_id", "client_secret", "grant_type", "instance_id"]);
  const wrong = AppStrategy({ appId: WIX_APP_ID, appSecret: "wrong-secret", instanceId: WIX_INSTANCE_ID });
  await assert.rejects(wrong.getAuthHeaders(), /Unexpected status code/);
});

test("AppStrategy: advanced OAuth — install URL, callback, code exchange, refresh", async () => {
  const redirectUrl = "http://127.0.0.1:9/redirect";
  await emulatorApi("PATCH", `wix-apps/${WIX_APP_ID}`, { appUrl: "http://127.0.0.1:9/app", redirectUrl });
  const added = await fetch(`${base}/installer/add-app/${WIX_APP_ID}`, { redirect: "manual" });
  const token = new URL(added.headers.get("location")).searchParams.get("token");
  const auth = AppStrategy({ appId: WIX_APP_ID, appSecret: WIX_APP_SECRET });
  const installUrl = auth.getInstallUrl({ redirectUrl, token, state: "sdk-state" });
  assert.ok(installUrl.startsWith("https://www.wix.com/installer/install?"));
  const installer = installUrl.replace("https://www.wix.com", base);
  assert.equal((await fetch(installer)).status, 200);
  const form = new URLSearchParams(new URL(installer).searchParams);
  form.set("decision", "agree");
  const consented = await fetch(`${base}/installer/install`, { method: "POST", body: form, redirect: "manual" });
  const callback = consented.headers.get("location");
  const { instanceId, accessToken, refreshToken } = await auth.handleOAuthCallback(callback, { state: "sdk-state" });
  assert.match(instanceId, /^[0-9a-f-]{36}$/);
  assert.ok(accessToken && refreshToken);
  const { headers } = await auth.getAuthHeaders();
  assert.match(headers.Authorization, /^EMU\.app\./);
  assert.equal(seen.findLast((r) => r.url === "/oauth/access").method, "POST");
  await assert.rejects(auth.handleOAuthCallback(callback, { state: "other-state" }), /Invalid OAuth callback URL/);
});
