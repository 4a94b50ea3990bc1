// The official @wix/sdk's side of `cargo run --release -p wix-client --example bench_vs_sdk`: the same flows, timed,
// against the emulator at argv[2]. Prints one JSON line: {"visitorRefresh": ops/s, "memberLogin": ops/s}.
import { createClient, OAuthStrategy } from "@wix/sdk";

const [base, seconds = "3", concurrency = "16"] = process.argv.slice(2);
const CLIENT_ID = "5eed0001-0000-4000-8000-000000000001";
const REDIRECT_URI = "oauthdesk://callback";
const realFetch = globalThis.fetch;
globalThis.fetch = (input, init) =>
  realFetch((typeof input === "string" ? input : input.url).replace(/^https:\/\/www\.wixapis\.com\/?/, base), init);

async function visitorRefresh() {
  const wix = createClient({ auth: OAuthStrategy({ clientId: CLIENT_ID }) });
  const tokens = await wix.auth.generateVisitorTokens();
  await wix.auth.renewToken(tokens.refreshToken);
}

let n = 0;
async function memberLogin() {
  const wix = createClient({ auth: OAuthStrategy({ clientId: CLIENT_ID }) });
  const email = `bench-js-${process.pid}-${n++}@example.com`;
  await wix.auth.register({ email, password: "pa55word" });
  const login = await wix.auth.login({ email, password: "pa55word" });
  const oauthData = wix.auth.generateOAuthData(REDIRECT_URI);
  const { authUrl } = await wix.auth.getAuthUrl(oauthData, {
    prompt: "none",
    responseMode: "query",
    sessionToken: login.data.sessionToken,
  });
  const redirect = await realFetch(authUrl, { redirect: "manual" });
  const { code, state } = wix.auth.parseFromUrl(redirect.headers.get("location"), "query");
  await wix.auth.getMemberTokens(code, state, oauthData);
}

async function rate(flow) {
  const until = Date.now() + Number(seconds) * 1000;
  let done = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Number(concurrency) }, async () => {
      while (Date.now() < until) {
        await flow();
        done++;
      }
    }),
  );
  return done / ((performance.now() - started) / 1000);
}

console.log(JSON.stringify({ visitorRefresh: await rate(visitorRefresh), memberLogin: await rate(memberLogin) }));
