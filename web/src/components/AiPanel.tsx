import { useCallback, useEffect, useState, type FormEvent } from "react";
import { useDraggable } from "@dnd-kit/core";
import { api, errorMessage, type Schemas, type User } from "../api/client";
import { Field } from "./ui";
import { withRecipeNames } from "../lib/format";
import { MEAL_TYPES, type MealType, type Plan } from "../lib/week";
import type { DragData } from "../pages/Planner";

type Suggestion = Schemas["Suggestion"];
type Balance = Schemas["BalanceRead"];

const PLAN_STATUS: Record<string, string> = {
  optimal: "on target",
  feasible: "close to target",
  "infeasible-relaxed": "some targets could not be met",
};

function SuggestionCard({ s, slotOptions, place }: { s: Suggestion; slotOptions: { value: string; label: string }[]; place: (d: DragData, t: string) => Promise<void> }) {
  const data: DragData = { kind: "recipe", recipe: { id: s.recipe.id, name: s.recipe.name, slug: s.recipe.slug } };
  const { attributes, listeners, setNodeRef, isDragging, transform } = useDraggable({ id: `sug-${s.recipeId}`, data });
  return (
    <li ref={setNodeRef} className={`draggable suggestion${isDragging ? " dragging" : ""}`} style={transform ? { transform: `translate3d(${transform.x}px, ${transform.y}px, 0)` } : undefined}>
      <button type="button" className="handle" aria-label={`Drag ${s.recipe.name}`} {...listeners} {...attributes}>
        <span aria-hidden="true">⠿</span>
      </button>
      <div className="meal">
        <strong>{s.recipe.name}</strong>
        <span className="small">{s.reason}</span>
        <label className="sr-only" htmlFor={`sug-add-${s.recipeId}`}>Add {s.recipe.name} to</label>
        <select id={`sug-add-${s.recipeId}`} className="move" value="" onChange={(e) => e.target.value && place(data, e.target.value)}>
          <option value="">Add to…</option>
          {slotOptions.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
        </select>
      </div>
    </li>
  );
}

export function AiPanel({ user, weekStart, plan, onChanged, slotOptions, place, unlocked }: {
  user: User;
  weekStart: string;
  plan: Plan | null;
  onChanged: () => Promise<void> | void;
  slotOptions: { value: string; label: string }[];
  place: (data: DragData, target: string) => Promise<void>;
  unlocked: Set<string>;
}) {
  const [mealType, setMealType] = useState<MealType>("dinner");
  const [suggestions, setSuggestions] = useState<Suggestion[] | null>(null);
  const [balance, setBalance] = useState<Balance | null>(null);
  const [busy, setBusy] = useState(false);
  const [msg, setMsg] = useState("");
  const [notes, setNotes] = useState<string[]>([]);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const prefs = user.preferences;
  const macros = prefs.macroTargets ?? { proteinPct: 30, carbsPct: 40, fatPct: 30 };
  const mealCount = plan?.meals.length ?? 0;

  useEffect(() => {
    setSuggestions(null);
    api.POST("/api/v1/ai/suggestions", { body: { context: { mealType, date: weekStart }, limit: 5 } }).then(({ data }) => setSuggestions(data?.recommendations ?? []));
  }, [mealType, weekStart]);

  const loadBalance = useCallback(async () => {
    if (!plan || plan.meals.length === 0) return setBalance(null);
    const { data } = await api.POST("/api/v1/ai/nutrition-balance", { body: { weekStart } });
    setBalance(data ?? null);
  }, [plan, weekStart]);

  useEffect(() => {
    loadBalance();
  }, [loadBalance, mealCount]);

  async function planWeek(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const num = (k: string) => (f.get(k) ? Number(f.get(k)) : undefined);
    const mealTypes = f.getAll("mt").map(String) as MealType[];
    const kept = (plan?.meals ?? []).filter((m) => !unlocked.has(m.id));
    const replace = (plan?.meals ?? []).some((m) => unlocked.has(m.id));
    setBusy(true);
    setMsg("");
    setNotes([]);
    setErrors({});
    const { data, error } = await api.POST("/api/v1/ai/generate-plan", {
      body: {
        weekStart,
        mealTypes: mealTypes.length ? mealTypes : ["breakfast", "lunch", "dinner"],
        targets: { calories: num("kcal") ?? prefs.dailyCalorieTarget ?? 2000, proteinPct: num("p") ?? macros.proteinPct, carbsPct: num("c") ?? macros.carbsPct, fatPct: num("f") ?? macros.fatPct },
        maxPrepTime: num("maxPrep") ?? null,
        replace,
        lockedMeals: replace ? kept.filter((m) => mealTypes.includes(m.mealType as MealType)).map((m) => ({ date: m.date, mealType: m.mealType as MealType, recipeId: m.recipe.id, servings: m.servings })) : [],
      },
    });
    setBusy(false);
    if (data) {
      const names = new Map([...(plan?.meals ?? []), ...data.plan.meals].map((m) => [m.recipe.id.toLowerCase(), m.recipe.name]));
      setMsg(`Planned ${data.plan.meals.length} meals (${PLAN_STATUS[data.status] ?? data.status}).`);
      setNotes(data.unmet.map((note) => withRecipeNames(note, names)));
      await onChanged();
    } else {
      setErrors(Object.fromEntries(Object.entries((error as { error?: { details?: Record<string, string> } })?.error?.details ?? {}).map(([k, v]) => [k.split(".").pop()!, String(v)])));
      setMsg(errorMessage(error, "Could not plan the week"));
    }
  }

  return (
    <>
      <section className="card" aria-labelledby="gen-h">
        <h2 id="gen-h" className="h3">Plan my week</h2>
        <p className="small muted">Fills the empty slots to your targets. Meals with “Keep” pressed stay; release it on a meal to let the planner replace it.</p>
        <form onSubmit={planWeek} noValidate>
          <div className="grid2 tight">
            <Field label="Calories/day" name="kcal" type="number" defaultValue={prefs.dailyCalorieTarget ?? 2000} error={errors.calories} />
            <Field label="Max prep (min)" name="maxPrep" type="number" defaultValue={prefs.maxPrepTime ?? ""} error={errors.maxPrepTime} />
            <Field label="Protein %" name="p" type="number" defaultValue={macros.proteinPct} error={errors.proteinPct} />
            <Field label="Carbs %" name="c" type="number" defaultValue={macros.carbsPct} error={errors.carbsPct} />
            <Field label="Fat %" name="f" type="number" defaultValue={macros.fatPct} error={errors.fatPct} />
          </div>
          <fieldset>
            <legend>Meals</legend>
            <div className="checks">
              {MEAL_TYPES.map((m) => (
                <label key={m} className="check"><input type="checkbox" name="mt" value={m} defaultChecked={m !== "snack"} /> {m}</label>
              ))}
            </div>
          </fieldset>
          <button type="submit" className="primary" disabled={busy}>{busy ? "Planning…" : "Plan my week"}</button>
        </form>
        <div role="status">
          <p className="ok small">{msg}</p>
          {notes.length > 0 && (
            <ul className="insights small" aria-label="Not met">
              {notes.slice(0, 4).map((note, n) => <li key={n}>{note}</li>)}
            </ul>
          )}
          {notes.length > 4 && (
            <details className="small">
              <summary>{notes.length - 4} more</summary>
              <ul className="insights">{notes.slice(4).map((note, n) => <li key={n}>{note}</li>)}</ul>
            </details>
          )}
        </div>
      </section>

      <section className="card" aria-labelledby="bal-h">
        <h2 id="bal-h" className="h3">Weekly balance</h2>
        {!balance ? (
          <p className="small muted">Add meals to see how balanced the week is.</p>
        ) : (
          <>
            <p><span className="score">{Math.round(balance.balanceScore)}</span><span className="muted"> / 100</span></p>
            <p className="small">Average {Math.round(balance.weeklyAverages.calories ?? 0)} kcal/day per person · {balance.uniqueRecipes} different {balance.uniqueRecipes === 1 ? "recipe" : "recipes"}</p>
            {balance.insights.length > 0 && (
              <ul className="insights small">
                {balance.insights.slice(0, 5).map((i, n) => (
                  <li key={n} className={`insight-${i.severity}`}>{i.message}</li>
                ))}
              </ul>
            )}
          </>
        )}
      </section>

      <section className="card" aria-labelledby="sug-h">
        <h2 id="sug-h" className="h3">Suggestions</h2>
        <div className="field">
          <label htmlFor="sug-mt">For</label>
          <select id="sug-mt" value={mealType} onChange={(e) => setMealType(e.target.value as MealType)}>
            {MEAL_TYPES.map((m) => <option key={m} value={m}>{m}</option>)}
          </select>
        </div>
        {suggestions === null && <p className="small muted">Loading suggestions…</p>}
        {suggestions && suggestions.length === 0 && <p className="small muted">No suggestions right now.</p>}
        {suggestions && suggestions.length > 0 && (
          <ul className="plain">{suggestions.map((s) => <SuggestionCard key={s.recipeId} s={s} slotOptions={slotOptions} place={place} />)}</ul>
        )}
      </section>
    </>
  );
}
