import { describe, expect, it } from "vitest";
import { isAppError, showError } from "./errors";

describe("showError", () => {
  it("shows a typed error with its title and keeps the field for input errors", () => {
    const shown = showError({ code: "invalidInput", field: "name", message: "Name must be 2 to 256 characters." });
    expect(shown).toEqual({ title: "Check your input", field: "name", message: "Name must be 2 to 256 characters." });
  });

  it("shows a keyring error without a field", () => {
    const shown = showError({ code: "keyring", message: "no OS keyring is available; start one" });
    expect(shown.title).toBe("OS keyring problem");
    expect(shown.field).toBeUndefined();
  });

  it("falls back to an internal error for anything untyped", () => {
    expect(showError(new Error("boom"))).toEqual({ title: "Something went wrong", message: "boom" });
    expect(showError("plain")).toEqual({ title: "Something went wrong", message: "plain" });
  });

  it("does not mistake an unknown code for an AppError", () => {
    expect(isAppError({ code: "nope", message: "x" })).toBe(false);
    expect(isAppError(null)).toBe(false);
  });
});
