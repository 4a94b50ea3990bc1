import { describe, expect, it } from "vitest";
import { countdown, loginMessage } from "./members";

describe("countdown", () => {
  it("reads hours, minutes and seconds, then expired", () => {
    expect(countdown(4 * 3600 * 1000)).toBe("in 4 h 0 min");
    expect(countdown(245_000)).toBe("in 4 min 05 s");
    expect(countdown(12_400)).toBe("in 12 s");
    expect(countdown(0)).toBe("expired");
  });
});

describe("loginMessage", () => {
  it("turns the SDK's error codes into advice, and keeps Wix's message otherwise", () => {
    expect(loginMessage({ kind: "failed", code: "invalidPassword", message: "x" })).toBe("Wrong password.");
    expect(loginMessage({ kind: "failed", code: null, message: "Wix said no" })).toBe("Wix said no");
    expect(loginMessage({ kind: "verifyEmail" })).toMatch(/verification code/);
  });
  it("says why a login continues in the browser", () => {
    const login = { flowId: "f", authUrl: "https://example.com", redirectUri: "oauthdesk://callback", deadlineSeconds: 300 };
    expect(loginMessage({ kind: "continueInBrowser", login, reason: "Wix answered with a page (200)" })).toMatch(
      /Wix answered with a page \(200\).*opened in your browser/,
    );
  });
});
