import { useState } from "react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { RecipeSearchBox } from "./Autocomplete";
import { listAsText } from "../pages/Shopping";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("RecipeSearchBox", () => {
  it("is a combobox: suggestions by arrow keys, Enter picks the active one", async () => {
    vi.stubGlobal("fetch", vi.fn(async (req: Request) => {
      expect(new URL(req.url).searchParams.get("q")).toBe("chiken");
      return new Response(JSON.stringify([
        { id: "1", slug: "thai-chicken", name: "Thai Chicken" },
        { id: "2", slug: "chicken-soup", name: "Chicken Soup" },
      ]), { headers: { "Content-Type": "application/json" } });
    }));
    const onPick = vi.fn();
    function Harness() {
      const [value, setValue] = useState("");
      return <RecipeSearchBox value={value} onChange={setValue} onSubmit={() => undefined} onPick={onPick} />;
    }
    render(<Harness />);
    const box = screen.getByRole("combobox", { name: "Search recipes" });
    fireEvent.change(box, { target: { value: "chiken" } });
    await waitFor(() => expect(screen.getAllByRole("option")).toHaveLength(2));
    expect(box.getAttribute("aria-expanded")).toBe("true");
    fireEvent.keyDown(box, { key: "ArrowDown" });
    fireEvent.keyDown(box, { key: "ArrowDown" });
    expect(box.getAttribute("aria-activedescendant")).toBe(screen.getByRole("option", { name: "Chicken Soup" }).id);
    fireEvent.keyDown(box, { key: "Enter" });
    expect(onPick).toHaveBeenCalledWith({ id: "2", slug: "chicken-soup", name: "Chicken Soup" });
  });
});

describe("listAsText", () => {
  it("prints aisles and checkboxes", () => {
    const text = listAsText({ name: "Week of 2026-11-23", groups: [
      { category: "produce", items: [{ display: "2 lemons", checked: true }, { display: "1 onion" }] },
      { category: "dairy", items: [{ display: "200 g feta" }] },
    ] });
    expect(text).toBe("Week of 2026-11-23\n\nproduce:\n[x] 2 lemons\n[ ] 1 onion\n\ndairy:\n[ ] 200 g feta");
  });
});
