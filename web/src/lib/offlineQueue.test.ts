import { beforeEach, describe, expect, it } from "vitest";
import { enqueue, flush, pending } from "./offlineQueue";

beforeEach(() => localStorage.clear());

describe("offline check-off queue", () => {
  it("keeps the last state per item and replays in order", async () => {
    enqueue({ listId: "l", itemId: "a", checked: true });
    enqueue({ listId: "l", itemId: "b", checked: true });
    enqueue({ listId: "l", itemId: "a", checked: false });
    expect(pending()).toEqual([
      { listId: "l", itemId: "b", checked: true },
      { listId: "l", itemId: "a", checked: false },
    ]);
    const seen: string[] = [];
    expect(await flush(async (c) => { seen.push(`${c.itemId}:${c.checked}`); return true; })).toBe(2);
    expect(seen).toEqual(["b:true", "a:false"]);
    expect(pending()).toEqual([]);
  });

  it("keeps what still fails", async () => {
    enqueue({ listId: "l", itemId: "a", checked: true });
    enqueue({ listId: "l", itemId: "b", checked: true });
    await flush(async (c) => c.itemId === "a");
    expect(pending()).toEqual([{ listId: "l", itemId: "b", checked: true }]);
    await flush(async () => { throw new Error("offline"); });
    expect(pending()).toHaveLength(1);
  });
});
