import { describe, expect, it } from "vitest";
import { changedFields, emptyFields, envSnippet, labelOf, searchByName, technologies } from "./oauthApps";
import type { OAuthAppRow } from "./bindings";

describe("changedFields", () => {
  it("names only the fields that differ, lists compared by value", () => {
    const a = emptyFields();
    const b = { ...emptyFields(), name: "Shop", allowedRedirectUris: ["https://x.dev/cb"] };
    expect(changedFields(a, b)).toEqual(["name", "allowedRedirectUris"]);
    expect(changedFields(b, { ...b, allowedRedirectUris: ["https://x.dev/cb"] })).toEqual([]);
  });
});

describe("searchByName", () => {
  const row = (name: string): OAuthAppRow => ({
    id: name,
    name,
    applicationType: "WEB_APP",
    technology: "REACT",
    createdDate: "",
    redirectUriCount: 0,
    secretSaved: false,
  });
  it("matches case-insensitively and returns all rows for an empty query", () => {
    const rows = [row("Storefront"), row("Mobile app"), row("Store admin")];
    expect(searchByName(rows, "STORE").map((r) => r.name)).toEqual(["Storefront", "Store admin"]);
    expect(searchByName(rows, "  ")).toHaveLength(3);
  });
});

describe("envSnippet", () => {
  it("uses each template's variable name and leaves the secret out unless given", () => {
    expect(envSnippet("nextjs", "abc")).toBe("NEXT_PUBLIC_WIX_CLIENT_ID=abc\n");
    expect(envSnippet("astro", "abc", "s3cr3t")).toBe("WIX_CLIENT_ID=abc\nWIX_CLIENT_SECRET=s3cr3t\n");
  });
});

describe("labelOf", () => {
  it("labels known values and passes unknown ones through", () => {
    expect(labelOf(technologies, "REACT_NATIVE")).toBe("React Native");
    expect(labelOf(technologies, "SOLID")).toBe("SOLID");
    expect(labelOf(technologies, "")).toBe("—");
  });
});
