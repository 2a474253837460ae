import { useCallback, useEffect, useState, type ReactNode } from "react";
import {
  closestCenter, DndContext, KeyboardSensor, MouseSensor, pointerWithin, TouchSensor, useDraggable, useDroppable, useSensor, useSensors,
  type Announcements, type ClientRect, type CollisionDetection, type DragEndEvent, type KeyboardCoordinateGetter, type UniqueIdentifier,
} from "@dnd-kit/core";

// Days the phone's day switcher hides have no box; they are not drop targets.
const visible = (rect: ClientRect | null | undefined): rect is ClientRect => !!rect && rect.width > 0 && rect.height > 0;

// The pointer decides the slot when there is one (mouse, touch); the keyboard sensor has no
// pointer, and its arrow keys centre the item on a slot, so the closest centre wins.
const collision: CollisionDetection = (args) => {
  const shown = { ...args, droppableContainers: args.droppableContainers.filter((c) => visible(args.droppableRects.get(c.id))) };
  return args.pointerCoordinates ? pointerWithin(shown) : closestCenter(shown);
};
import { api, errorMessage, type Schemas } from "../api/client";
import { useUser } from "../auth";
import { ErrorBox, Loading, Meter, SelectField } from "../components/ui";
import { Link } from "../router";
import {
  addDays, addMeal, dayLabel, ensureWeek, isoDate, loadWeek, MEAL_TYPES, mondayOf, parseDate, weekDays, type MealType, type Plan,
} from "../lib/week";
import { AiPanel } from "../components/AiPanel";

type Meal = Schemas["PlannedMealRead"];
type Brief = { id: string; name: string; slug: string };
export type DragData = { kind: "meal"; meal: Meal } | { kind: "recipe"; recipe: Brief };

const slotId = (date: string, mealType: string) => `${date}|${mealType}`;

/** Arrow keys jump from slot to slot (the nearest one in that direction), not by pixels. */
export const slotKeyboardCoordinates: KeyboardCoordinateGetter = (event, { context: { droppableRects, collisionRect, over } }) => {
  const dir = ({ ArrowRight: [1, 0], ArrowLeft: [-1, 0], ArrowDown: [0, 1], ArrowUp: [0, -1] } as Record<string, [number, number]>)[event.code];
  if (!dir || !collisionRect) return undefined;
  event.preventDefault();
  // Over a slot: step to the next day (left/right) or the next meal (up/down) in the grid.
  if (over) {
    const [date, mealType] = String(over.id).split("|");
    const m = MEAL_TYPES.indexOf(mealType as MealType);
    const target = dir[0] ? slotId(addDays(date, dir[0]), mealType) : slotId(date, MEAL_TYPES[m + dir[1]] ?? mealType);
    const rect = droppableRects.get(target);
    if (!visible(rect)) return undefined;
    return { x: rect.left + rect.width / 2 - collisionRect.width / 2, y: rect.top + rect.height / 2 - collisionRect.height / 2 };
  }
  // Not over one yet (picked up from the sidebar): the nearest slot in that direction.
  const from = collisionRect;
  const cx = from.left + from.width / 2;
  const cy = from.top + from.height / 2;
  let best: { x: number; y: number } | undefined;
  let bestScore = Infinity;
  droppableRects.forEach((rect) => {
    if (!visible(rect)) return;
    const x = rect.left + rect.width / 2;
    const y = rect.top + rect.height / 2;
    const along = (x - cx) * dir[0] + (y - cy) * dir[1];
    if (along <= 4) return;
    const across = Math.abs((x - cx) * dir[1]) + Math.abs((y - cy) * dir[0]);
    const score = along + 3 * across;
    if (score < bestScore) {
      bestScore = score;
      best = { x: x - collisionRect.width / 2, y: y - collisionRect.height / 2 };
    }
  });
  return best;
};

function slotName(id: UniqueIdentifier | undefined): string {
  if (!id) return "";
  const [date, mealType] = String(id).split("|");
  return `${dayLabel(date, "long")} ${mealType}`;
}

function dragLabel(data: unknown): string {
  const d = data as DragData | undefined;
  return d ? (d.kind === "meal" ? d.meal.recipe.name : d.recipe.name) : "meal";
}

const announcements: Announcements = {
  onDragStart: ({ active }) => `Picked up ${dragLabel(active.data.current)}. Arrow keys move between slots, space drops, escape cancels.`,
  onDragOver: ({ active, over }) => (over ? `${dragLabel(active.data.current)} is over ${slotName(over.id)}.` : `${dragLabel(active.data.current)} is not over a slot.`),
  onDragEnd: ({ active, over }) => (over ? `Dropped ${dragLabel(active.data.current)} on ${slotName(over.id)}.` : `Dropped ${dragLabel(active.data.current)}; nothing changed.`),
  onDragCancel: ({ active }) => `Cancelled moving ${dragLabel(active.data.current)}.`,
};

function Draggable({ id, data, label, children }: { id: string; data: DragData; label: string; children: ReactNode }) {
  const { attributes, listeners, setNodeRef, isDragging, transform } = useDraggable({ id, data });
  return (
    <div ref={setNodeRef} className={`draggable${isDragging ? " dragging" : ""}`} style={transform ? { transform: `translate3d(${transform.x}px, ${transform.y}px, 0)` } : undefined}>
      <button type="button" className="handle" aria-label={`Drag ${label}`} {...listeners} {...attributes}>
        <span aria-hidden="true">⠿</span>
      </button>
      {children}
    </div>
  );
}

function Slot({ date, mealType, children }: { date: string; mealType: string; children: ReactNode }) {
  const { setNodeRef, isOver } = useDroppable({ id: slotId(date, mealType) });
  return (
    <div ref={setNodeRef} className={`slot${isOver ? " over" : ""}`} data-slot={slotId(date, mealType)} aria-label={`${dayLabel(date, "long")} ${mealType}`} role="group">
      <span className="slot-label">{mealType}</span>
      {children}
    </div>
  );
}

export function slotOptions(days: string[]) {
  return days.flatMap((d) => MEAL_TYPES.map((m) => ({ value: slotId(d, m), label: `${dayLabel(d)} · ${m}` })));
}

export default function Planner() {
  const user = useUser();
  const [weekStart, setWeekStart] = useState(() => mondayOf(new Date()));
  const [plan, setPlan] = useState<Plan | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState("");
  const [status, setStatus] = useState("");
  const [favorites, setFavorites] = useState<Brief[]>([]);
  const [unlocked, setUnlocked] = useState<Set<string>>(new Set());
  // On a phone one day shows at a time (the switcher picks it), today's first.
  const today = isoDate(new Date());
  const todayIndex = (new Date().getDay() + 6) % 7;
  const [shownDay, setShownDay] = useState(todayIndex);
  const days = weekDays(weekStart);

  const refresh = useCallback(async () => {
    try {
      setPlan(await loadWeek(user.id, weekStart));
      setError("");
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setLoading(false);
    }
  }, [user.id, weekStart]);

  useEffect(() => {
    setLoading(true);
    refresh();
  }, [refresh]);

  useEffect(() => {
    api.GET("/api/v1/users/{userId}/favorites", { params: { path: { userId: user.id }, query: { limit: 20 } } }).then(({ data }) => {
      if (data) setFavorites(data.data.map((r) => ({ id: r.id, name: r.name, slug: r.slug })));
    });
  }, [user.id]);

  // A mouse drags after 4 px. A finger has to rest on the handle for a moment first, so a swipe
  // that starts on a handle still scrolls the page.
  const sensors = useSensors(
    useSensor(MouseSensor, { activationConstraint: { distance: 4 } }),
    useSensor(TouchSensor, { activationConstraint: { delay: 200, tolerance: 8 } }),
    useSensor(KeyboardSensor, { coordinateGetter: slotKeyboardCoordinates }),
  );

  async function place(data: DragData, target: string) {
    const [date, mealType] = target.split("|") as [string, MealType];
    try {
      if (data.kind === "meal") {
        if (slotId(data.meal.date, data.meal.mealType) === target) return;
        await addMeal(user.id, date, mealType, data.meal.recipe.id, data.meal.servings);
        await api.DELETE("/api/v1/meal-plans/{planId}/meals", { params: { path: { planId: plan!.id }, query: { mealId: data.meal.id } } });
        setStatus(`Moved ${data.meal.recipe.name} to ${dayLabel(date, "long")} ${mealType}.`);
      } else {
        await addMeal(user.id, date, mealType, data.recipe.id);
        setStatus(`Added ${data.recipe.name} to ${dayLabel(date, "long")} ${mealType}.`);
      }
    } catch (e) {
      setStatus((e as Error).message);
    }
    await refresh();
  }

  function onDragEnd(event: DragEndEvent) {
    const data = event.active.data.current as DragData | undefined;
    if (data && event.over) place(data, String(event.over.id));
  }

  async function removeMeal(meal: Meal) {
    if (!plan) return;
    setPlan({ ...plan, meals: plan.meals.filter((m) => m.id !== meal.id) }); // optimistic
    const { error: err } = await api.DELETE("/api/v1/meal-plans/{planId}/meals", { params: { path: { planId: plan.id }, query: { mealId: meal.id } } });
    setStatus(err ? errorMessage(err) : `Removed ${meal.recipe.name}.`);
    await refresh();
  }

  async function copyDay(from: string, to: string) {
    const target = plan ?? (await ensureWeek(user.id, weekStart));
    const { error: err } = await api.POST("/api/v1/meal-plans/{planId}/copy-day", {
      params: { path: { planId: target.id } },
      body: { fromDate: from, toDate: to, overwrite: true },
    });
    setStatus(err ? errorMessage(err) : `Copied ${dayLabel(from, "long")} to ${dayLabel(to, "long")}.`);
    await refresh();
  }

  const target = user.preferences.dailyCalorieTarget ?? 2000;
  const macros = user.preferences.macroTargets ?? { proteinPct: 30, carbsPct: 40, fatPct: 30 };
  const options = slotOptions(days);

  return (
    <section>
      <div className="page-head">
        <h1>Week of {dayLabel(weekStart, "long")}</h1>
        <div className="row week-nav">
          <button type="button" onClick={() => setWeekStart(addDays(weekStart, -7))}>← Previous week</button>
          <button type="button" onClick={() => { setWeekStart(mondayOf(new Date())); setShownDay(todayIndex); }}>This week</button>
          <button type="button" onClick={() => setWeekStart(addDays(weekStart, 7))}>Next week →</button>
        </div>
      </div>
      <p className="sr-only" role="status" aria-live="polite">{status}</p>
      {status && <p className="ok" aria-hidden="true">{status}</p>}
      {error && <ErrorBox message={error} onRetry={refresh} />}
      {loading ? (
        <Loading label="Loading your week…" />
      ) : (
        <DndContext sensors={sensors} collisionDetection={collision} onDragEnd={onDragEnd} accessibility={{ announcements, screenReaderInstructions: { draggable: "Press space to pick up a meal, arrow keys to move it, space to drop, escape to cancel. Or use the Move menu next to it." } }}>
          {(!plan || plan.meals.length === 0) && (
            <p className="state empty">Nothing planned for this week yet. Drag a favorite or a suggestion into a slot (or use its “Add to…” menu), add recipes from their pages, or press “Plan my week” to fill it for you.</p>
          )}
          <div className="planner">
            <div className="week-wrap">
              <DaySwitcher days={days} today={today} shown={shownDay} onShow={setShownDay} plan={plan} />
              <div className="week" aria-label="Week plan">
                {days.map((date, i) => {
                  const day = plan?.days.find((d) => d.date === date);
                  const per = day?.perPerson;
                  return (
                    <section key={date} className={`day${i === shownDay ? " shown" : ""}${date === today ? " today" : ""}`} aria-labelledby={`h-${date}`}>
                      <h2 id={`h-${date}`} className="day-head">{dayLabel(date)}</h2>
                      {MEAL_TYPES.map((mt) => {
                        const meals = plan?.meals.filter((m) => m.date === date && m.mealType === mt) ?? [];
                        return (
                          <Slot key={mt} date={date} mealType={mt}>
                            {meals.map((meal) => (
                              <Draggable key={meal.id} id={`meal-${meal.id}`} data={{ kind: "meal", meal }} label={meal.recipe.name}>
                                <div className="meal">
                                  <Link href={`/recipes/${meal.recipe.slug}`}>{meal.recipe.name}</Link>
                                  <span className="muted small">{Math.round(meal.nutrition.calories ?? 0)} kcal</span>
                                  <div className="meal-actions">
                                    <label className="sr-only" htmlFor={`mv-${meal.id}`}>Move {meal.recipe.name} to</label>
                                    <select id={`mv-${meal.id}`} className="move" value="" onChange={(e) => e.target.value && place({ kind: "meal", meal }, e.target.value)}>
                                      <option value="">Move…</option>
                                      {options.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
                                    </select>
                                    <button
                                      type="button"
                                      className="icon"
                                      aria-pressed={!unlocked.has(meal.id)}
                                      title="Kept meals stay when you plan the week"
                                      onClick={() => setUnlocked((u) => { const n = new Set(u); if (n.has(meal.id)) n.delete(meal.id); else n.add(meal.id); return n; })}
                                    >
                                      Keep<span className="sr-only"> {meal.recipe.name}</span>
                                    </button>
                                    <button type="button" className="icon" aria-label={`Remove ${meal.recipe.name}`} onClick={() => removeMeal(meal)}>✕</button>
                                  </div>
                                </div>
                              </Draggable>
                            ))}
                          </Slot>
                        );
                      })}
                      <div className="day-bars">
                        <Meter label="kcal" value={per?.calories ?? 0} target={target} unit="" />
                        <Meter label="Protein" value={per?.proteinG ?? 0} target={(target * macros.proteinPct) / 400} unit="g" />
                        <Meter label="Carbs" value={per?.carbsG ?? 0} target={(target * macros.carbsPct) / 400} unit="g" />
                        <Meter label="Fat" value={per?.fatG ?? 0} target={(target * macros.fatPct) / 900} unit="g" />
                      </div>
                      <CopyDay from={date} days={days} onCopy={copyDay} />
                    </section>
                  );
                })}
              </div>
            </div>
            <aside className="side">
              <section className="card" aria-labelledby="fav-h">
                <h2 id="fav-h" className="h3">Your favorites</h2>
                {favorites.length === 0 ? (
                  <p className="muted small">No favorites yet. <Link href="/recipes">Find recipes</Link> and star them to drag them in here.</p>
                ) : (
                  <ul className="plain">
                    {favorites.map((r) => (
                      <li key={r.id}>
                        <Draggable id={`fav-${r.id}`} data={{ kind: "recipe", recipe: r }} label={r.name}>
                          <div className="meal">
                            <span>{r.name}</span>
                            <label className="sr-only" htmlFor={`add-${r.id}`}>Add {r.name} to</label>
                            <select id={`add-${r.id}`} className="move" value="" onChange={(e) => e.target.value && place({ kind: "recipe", recipe: r }, e.target.value)}>
                              <option value="">Add to…</option>
                              {options.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
                            </select>
                          </div>
                        </Draggable>
                      </li>
                    ))}
                  </ul>
                )}
              </section>
              <AiPanel user={user} weekStart={weekStart} plan={plan} onChanged={refresh} slotOptions={options} place={place} unlocked={unlocked} />
            </aside>
          </div>
        </DndContext>
      )}
    </section>
  );
}

/** Phone only (CSS hides it on wider screens, where the whole week fits). */
function DaySwitcher({ days, today, shown, onShow, plan }: { days: string[]; today: string; shown: number; onShow: (i: number) => void; plan: Plan | null }) {
  return (
    <div className="day-switch" role="group" aria-label="Day to show">
      {days.map((date, i) => {
        const d = parseDate(date);
        const count = plan?.meals.filter((m) => m.date === date).length ?? 0;
        return (
          <button key={date} type="button" aria-pressed={i === shown} aria-current={date === today ? "date" : undefined} onClick={() => onShow(i)}>
            <span>{d.toLocaleDateString("en-GB", { weekday: "short" })}</span> <span className="num">{d.getDate()}</span>
            <span className="sr-only">, {count === 1 ? "1 meal" : `${count} meals`}</span>
            <span className="dots" aria-hidden="true">{"•".repeat(Math.min(count, 4))}</span>
          </button>
        );
      })}
    </div>
  );
}

function CopyDay({ from, days, onCopy }: { from: string; days: string[]; onCopy: (from: string, to: string) => void }) {
  const [to, setTo] = useState("");
  return (
    <div className="copy-day">
      <SelectField label={`Copy ${dayLabel(from)} to`} value={to} onChange={(e) => setTo(e.target.value)}>
        <option value="">Choose a day</option>
        {days.filter((d) => d !== from).map((d) => <option key={d} value={d}>{dayLabel(d)}</option>)}
      </SelectField>
      <button type="button" disabled={!to} onClick={() => { onCopy(from, to); setTo(""); }}>Copy</button>
    </div>
  );
}
