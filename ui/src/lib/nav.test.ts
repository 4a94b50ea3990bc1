import { describe, expect, it } from "vitest";
import { sectionById, sections } from "./nav";

describe("sections", () => {
  it("lists the five sections in sidebar order", () => {
    expect(sections.map((s) => s.label)).toEqual(["Projects", "OAuth apps", "Members", "Wix app OAuth", "Settings"]);
  });

  it("falls back to Projects for an unknown id", () => {
    expect(sectionById("nope").id).toBe("projects");
    expect(sectionById("settings").label).toBe("Settings");
  });
});
