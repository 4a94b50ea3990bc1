// What both sides of the wire test use: the sandbox's well-known credentials and seeded apps
// (crates/wix-emulator: AdminCredentials::sandbox, SEEDED_APP_IDS, the seeded Wix app), and the one OAuth app body
// both sides create. The Rust side (crates/wix-client/examples/wire_flows.rs) repeats these values.
export const API_KEY = "emulator-admin-api-key";
export const SITE_ID = "00000000-0000-4000-8000-000000000001";
export const ACCOUNT_ID = "00000000-0000-4000-8000-0000000000a1";
export const CLIENT_ID = "5eed0001-0000-4000-8000-000000000001";
export const REDIRECT_URI = "oauthdesk://callback";
export const ALLOWED_PAGE = "http://127.0.0.1:5173/callback";
export const WIX_APP = {
  id: "a990a001-0000-4000-8000-000000000001",
  secret: "emu-app-secret-seeded",
  instance: "1a57a001-0000-4000-8000-000000000001",
};

/// Every field OAuth Desk's form sends on create, as the app sends them.
export const full = (name) => ({
  name,
  description: "Made by the wire test",
  allowedRedirectUris: ["https://shop.example.com/callback"],
  allowedRedirectDomains: ["shop.example.com"],
  loginUrl: "https://shop.example.com/login",
  logoutUrl: "https://shop.example.com/logout",
  applicationType: "WEB_APP",
  technology: "REACT",
  wixPagesDomainsMappings: [{ origin: "shop.example.com", destination: "shop.wixsite.com" }],
  redirectUrlWixPages: "https://shop.example.com/wix",
});

/// Every operation the wire test covers: each must be recorded (on both sides, or listed as deliberate).
export const OPERATIONS = [
  "oauthApps.create",
  "oauthApps.get",
  "oauthApps.query",
  "oauthApps.query.sorted",
  "oauthApps.query.byId",
  "oauthApps.query.account",
  "oauthApps.update",
  "oauthApps.generateSecret",
  "oauthApps.getSecret",
  "oauthApps.delete",
  "token.anonymous",
  "token.refresh",
  "login.authUrl",
  "member.register",
  "member.register.captcha",
  "member.login",
  "member.login.captcha",
  "member.directLogin",
  "member.verify",
  "token.authorizationCode",
  "member.sendPasswordReset",
  "member.externalLogin",
  "member.externalLoginWithSession",
  "member.logout",
  "member.logout.noReturn",
  "app.clientCredentials",
  "app.accessCode",
  "app.refresh",
  "app.finishedConfiguration",
];
