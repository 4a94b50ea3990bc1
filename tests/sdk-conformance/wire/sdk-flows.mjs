// The official packages' side of the wire test: each operation OAuth Desk performs, made through @wix/sdk and
// @wix/auth-management exactly as an app would call them. `op(name, fn)` labels the requests `fn` sends; whatever
// is sent between operations (visitor tokens for setup, hosted pages, emulator settings) is labelled setup.
import { ApiKeyStrategy, AppStrategy, createClient, OAuthStrategy } from "@wix/sdk";
import { oAuthApps } from "@wix/auth-management";
import { ALLOWED_PAGE, API_KEY, ACCOUNT_ID, CLIENT_ID, REDIRECT_URI, SITE_ID, WIX_APP, full } from "./fixtures.mjs";

export async function runSdk({ proxy, admin, op }) {
  // Send the SDK's https://www.wixapis.com (and edge.wixapis.com) calls to the proxy.
  const realFetch = globalThis.fetch;
  globalThis.fetch = (input, init) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    return realFetch(url.replace(/^https:\/\/(www|edge)\.wixapis\.com/, proxy.url), init);
  };
  try {
    await adminFlows(op);
    await memberFlows({ proxy, admin, op });
    await appFlows({ proxy, admin, op });
  } finally {
    globalThis.fetch = realFetch;
  }
}

async function adminFlows(op) {
  const site = createClient({ modules: { oAuthApps }, auth: ApiKeyStrategy({ apiKey: API_KEY, siteId: SITE_ID }) });
  const account = createClient({
    modules: { oAuthApps },
    auth: ApiKeyStrategy({ apiKey: API_KEY, accountId: ACCOUNT_ID }),
  });
  const created = await op("oauthApps.create", () => site.oAuthApps.createOAuthApp(full("Wire SDK")));
  const id = created._id;
  await op("oauthApps.get", () => site.oAuthApps.getOAuthApp(id));
  await op("oauthApps.query", () => site.oAuthApps.queryOAuthApps().limit(50).find());
  await op("oauthApps.query.sorted", () =>
    site.oAuthApps.queryOAuthApps().descending("_createdDate").limit(20).skip(20).find(),
  );
  await op("oauthApps.query.byId", () => site.oAuthApps.queryOAuthApps().eq("_id", id).find());
  await op("oauthApps.query.account", () => account.oAuthApps.queryOAuthApps().limit(1).find());
  await op("oauthApps.update", () =>
    site.oAuthApps.updateOAuthApp(id, { name: "Wire SDK 2", loginUrl: "https://shop.example.com/login" }, [
      "name",
      "loginUrl",
    ]),
  );
  await op("oauthApps.generateSecret", () => site.oAuthApps.generateOAuthAppSecret(id));
  await op("oauthApps.getSecret", () => site.oAuthApps.getOAuthAppSecret(id));
  await op("oauthApps.delete", () => site.oAuthApps.deleteOAuthApp(id));
}

const unique = (name) => `${name}-${Date.now()}-${Math.random().toString(36).slice(2, 7)}@example.com`;

/// Play the hosted login page's form (as a browser would) and answer the callback URL it redirects to.
async function playLogin(authUrl, email) {
  const form = new URLSearchParams(new URL(authUrl).searchParams);
  form.set("action", "register");
  form.set("email", email);
  form.set("password", "pa55word");
  const back = await fetch(new URL("/oauth2/authorize", authUrl), { method: "POST", body: form, redirect: "manual" });
  return back.headers.get("location");
}

async function memberFlows({ admin, op }) {
  const wix = createClient({ auth: OAuthStrategy({ clientId: CLIENT_ID }) });
  const visitor = await op("token.anonymous", () => wix.auth.generateVisitorTokens());
  await op("token.refresh", () => wix.auth.renewToken(visitor.refreshToken));
  wix.auth.setTokens(visitor);

  await op("login.authUrl", () => wix.auth.getAuthUrl(wix.auth.generateOAuthData(REDIRECT_URI)));

  const email = unique("wire-sdk");
  const registered = await op("member.register", () => wix.auth.register({ email, password: "pa55word" }));
  await op("member.register.captcha", () =>
    wix.auth.register({ email: unique("wire-cap"), password: "pa55word", captchaTokens: { recaptchaToken: "t" } }),
  );
  await op("member.login", () => wix.auth.login({ email, password: "pa55word" }));
  await op("member.login.captcha", () =>
    wix.auth.login({
      email,
      password: "pa55word",
      captchaTokens: { recaptchaToken: "t", invisibleRecaptchaToken: "i" },
    }),
  );
  // The SDK's session token → tokens runs in an iframe (`web_message`); in Node only its redirect session is
  // made, then it stops (the emulator refuses a web_message session without an http(s) redirect URI).
  await op("member.directLogin", () =>
    wix.auth.getMemberTokensForDirectLogin(registered.data.sessionToken).catch(() => undefined),
  );

  await admin("PATCH", "settings", { requireEmailVerification: true });
  const pending = await wix.auth.register({ email: unique("wire-verify"), password: "pa55word" });
  const { emails } = await admin("GET", "outbox");
  await op("member.verify", () => wix.auth.processVerification({ verificationCode: emails.at(-1).code }, pending));
  await admin("PATCH", "settings", { requireEmailVerification: false });

  const oauthData = wix.auth.generateOAuthData(REDIRECT_URI);
  const { authUrl } = await wix.auth.getAuthUrl(oauthData, { responseMode: "query" });
  const { code, state } = wix.auth.parseFromUrl(await playLogin(authUrl, unique("wire-page")), "query");
  const member = await op("token.authorizationCode", () => wix.auth.getMemberTokens(code, state, oauthData));

  await op("member.sendPasswordReset", () => wix.auth.sendPasswordResetEmail(email, ALLOWED_PAGE));

  const { members } = await admin("GET", "members");
  const memberId = members.find((m) => m.email === email).id;
  await op("member.externalLogin", () => wix.auth.getMemberTokensForExternalLogin(memberId, API_KEY));
  await op("member.externalLoginWithSession", () =>
    wix.auth.getMemberTokensForExternalLoginWithSession(unique("wire-signon"), API_KEY),
  );

  wix.auth.setTokens(member);
  await op("member.logout", () => wix.auth.logout(ALLOWED_PAGE));
  wix.auth.setTokens(member);
  await op("member.logout.noReturn", () => wix.auth.logout());
}

async function appFlows({ proxy, admin, op }) {
  const basic = AppStrategy({ appId: WIX_APP.id, appSecret: WIX_APP.secret, instanceId: WIX_APP.instance });
  await op("app.clientCredentials", () => basic.getAuthHeaders());

  const redirectUrl = "http://127.0.0.1:9/redirect";
  await admin("PATCH", `wix-apps/${WIX_APP.id}`, { appUrl: "http://127.0.0.1:9/app", redirectUrl });
  const added = await fetch(`${proxy.url}/installer/add-app/${WIX_APP.id}`, { redirect: "manual" });
  const token = new URL(added.headers.get("location")).searchParams.get("token");
  const advanced = AppStrategy({ appId: WIX_APP.id, appSecret: WIX_APP.secret });
  const installer = advanced
    .getInstallUrl({ redirectUrl, token, state: "wire" })
    .replace("https://www.wix.com", proxy.url);
  const form = new URLSearchParams(new URL(installer).searchParams);
  form.set("decision", "agree");
  const consented = await fetch(`${proxy.url}/installer/install`, { method: "POST", body: form, redirect: "manual" });
  const callback = consented.headers.get("location");
  await op("app.accessCode", () => advanced.handleOAuthCallback(callback, { state: "wire" }));
  await op("app.refresh", () => advanced.getAuthHeaders());
}
