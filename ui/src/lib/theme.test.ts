import { describe, expect, it } from "vitest";
import { themeOf } from "./theme";

describe("themeOf", () => {
  it("follows the desktop portal when it has a preference", () => {
    expect(themeOf("dark", false)).toBe("dark");
    expect(themeOf("light", true)).toBe("light");
  });
  it("falls back to the webview's prefers-color-scheme without one", () => {
    expect(themeOf(null, true)).toBe("dark");
    expect(themeOf(null, false)).toBe("light");
  });
});
