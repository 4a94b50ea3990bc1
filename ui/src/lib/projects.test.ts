import { describe, expect, it } from "vitest";
import { describeTarget, toNewProject } from "./projects";

describe("toNewProject", () => {
  it("builds a site project and trims what was pasted", () => {
    expect(toNewProject({ name: " Shop ", apiKey: " IST.abc ", scope: "site", scopeId: " 1a2b " })).toEqual({
      name: "Shop",
      apiKey: "IST.abc",
      target: { type: "site", siteId: "1a2b" },
    });
  });

  it("builds an account project", () => {
    expect(toNewProject({ name: "A", apiKey: "k", scope: "account", scopeId: "x" }).target).toEqual({
      type: "account",
      accountId: "x",
    });
  });
});

describe("describeTarget", () => {
  it("says what each kind of project addresses", () => {
    expect(describeTarget({ type: "sandbox" })).toBe("Local Wix emulator, built in");
    expect(describeTarget({ type: "site", siteId: "s1" })).toBe("Site s1");
    expect(describeTarget({ type: "account", accountId: "a1" })).toBe("Account a1");
  });
});
