import { describe, expect, it } from "vitest";
import { fieldErrors, errorMessage } from "../api/client";
import { formatQuantity, scale, withRecipeNames } from "./format";
import { addDays, mondayOf, weekDays } from "./week";

describe("formatQuantity", () => {
  it("prints kitchen fractions", () => {
    expect(formatQuantity(0.5)).toBe("½");
    expect(formatQuantity(1.25)).toBe("1¼");
    expect(formatQuantity(2)).toBe("2");
    expect(formatQuantity(12.4)).toBe("12");
    expect(formatQuantity(null)).toBe("");
    expect(formatQuantity(7.5, "g")).toBe("7.5");
    expect(formatQuantity(412.4, "ml")).toBe("412");
  });
  it("scales for servings", () => {
    expect(scale(200, 1.5)).toBe(300);
    expect(scale(null, 2)).toBeNull();
  });
});

describe("withRecipeNames", () => {
  it("puts recipe names where the planner's notes have ids", () => {
    const names = new Map([["3f2a6c1e-8b1d-4c55-9a0e-1234567890ab", "Thai Basil Chicken"]]);
    expect(withRecipeNames("Locked recipe 3F2A6C1E-8b1d-4c55-9a0e-1234567890ab repeats within 7 days; kept as locked", names))
      .toBe("Locked recipe “Thai Basil Chicken” repeats within 7 days; kept as locked");
    expect(withRecipeNames("Locked recipe 00000000-0000-4000-8000-000000000000 has no nutrition data", names))
      .toBe("Locked recipe has no nutrition data");
    expect(withRecipeNames("Two locked meals for Monday dinner; kept the first, ignored 3f2a6c1e-8b1d-4c55-9a0e-1234567890ab", names))
      .toBe("Two locked meals for Monday dinner; kept the first, ignored “Thai Basil Chicken”");
    expect(withRecipeNames("Mon: 12% over the calorie target", names)).toBe("Mon: 12% over the calorie target");
  });
});

describe("weeks", () => {
  it("finds the Monday of a week, in local time", () => {
    expect(mondayOf(new Date(2026, 10, 26))).toBe("2026-11-23"); // a Thursday
    expect(mondayOf(new Date(2026, 10, 29))).toBe("2026-11-23"); // the Sunday
    expect(mondayOf(new Date(2026, 10, 23))).toBe("2026-11-23");
  });
  it("lists seven days across a month end", () => {
    const days = weekDays("2026-11-30");
    expect(days).toHaveLength(7);
    expect(days[1]).toBe("2026-12-01");
    expect(addDays("2026-12-31", 1)).toBe("2027-01-01");
  });
});

describe("API errors", () => {
  it("maps the error envelope's details to fields", () => {
    const body = { error: { code: "VALIDATION_ERROR", message: "Invalid input", details: { "body.email": "not an email", password: "too short" } } };
    expect(fieldErrors(body)).toEqual({ email: "not an email", password: "too short" });
    expect(errorMessage(body)).toBe("Invalid input");
    expect(errorMessage(undefined, "offline")).toBe("offline");
  });
});
