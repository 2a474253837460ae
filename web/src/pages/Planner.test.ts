import { describe, expect, it } from "vitest";
import { slotKeyboardCoordinates } from "./Planner";

const rect = (left: number, top: number, width = 100, height = 80) =>
  ({ left, top, width, height, right: left + width, bottom: top + height }) as DOMRect;

function press(code: string, overId: string | null, rects: Record<string, DOMRect>, collisionRect = rect(0, 0, 90, 120)) {
  const event = { code, preventDefault() {} } as KeyboardEvent;
  const droppableRects = new Map(Object.entries(rects));
  return slotKeyboardCoordinates(event, {
    active: "meal",
    currentCoordinates: { x: collisionRect.left, y: collisionRect.top },
    context: { droppableRects, collisionRect, over: overId ? { id: overId } : null },
  } as never);
}

describe("keyboard moves in the planner grid", () => {
  // Rows are not aligned: Tuesday's dinner sits higher than Monday's (Monday's breakfast is taller).
  const rects = {
    "2026-11-23|dinner": rect(0, 300, 100, 140),
    "2026-11-23|snack": rect(0, 450),
    "2026-11-24|dinner": rect(110, 200),
    "2026-11-24|snack": rect(110, 290),
  };

  it("right goes to the same meal on the next day, however the rows line up", () => {
    const to = press("ArrowRight", "2026-11-23|dinner", rects)!;
    // The item's centre lands on Tuesday dinner's centre.
    expect(to.x + 45).toBe(110 + 50);
    expect(to.y + 60).toBe(200 + 40);
  });

  it("down goes to the next meal of the same day; past the edge it stays", () => {
    const to = press("ArrowDown", "2026-11-23|dinner", rects)!;
    expect(to.y + 60).toBe(450 + 40);
    expect(press("ArrowRight", "2026-11-24|dinner", rects)).toBeUndefined();
  });

  it("skips days the phone's day switcher hides (they have no box)", () => {
    const hidden = { ...rects, "2026-11-24|dinner": rect(0, 0, 0, 0), "2026-11-24|snack": rect(0, 0, 0, 0) };
    expect(press("ArrowRight", "2026-11-23|dinner", hidden)).toBeUndefined();
    const to = press("ArrowDown", null, hidden, rect(0, -200, 90, 120))!;
    expect(to.y + 60).toBe(300 + 70); // Monday dinner, not a hidden slot at the origin
  });

  it("ignores other keys", () => {
    expect(press("KeyA", "2026-11-23|dinner", rects)).toBeUndefined();
  });
});
