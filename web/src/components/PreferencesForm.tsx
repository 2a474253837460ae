import { useState, type FormEvent } from "react";
import { api, errorMessage, fieldErrors, type Schemas, type User } from "../api/client";
import { Field, SelectField } from "./ui";

export const DIETS = ["vegetarian", "vegan", "pescatarian", "gluten-free", "dairy-free", "nut-free", "egg-free", "soy-free", "keto", "paleo", "low-carb", "low-sodium", "high-protein"] as const;
export const ALLERGENS = ["milk", "eggs", "fish", "shellfish", "tree-nuts", "peanuts", "wheat", "soy", "sesame"] as const;

type PreferencesUpdate = Schemas["PreferencesUpdate"];

function browserTimezone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}

/** Preferences with sensible defaults (2000 kcal, 30/40/30 macros, household of 2, metric). */
export function PreferencesForm({ user, submitLabel, onSaved }: { user: User; submitLabel: string; onSaved: (user: User) => void }) {
  const prefs = user.preferences;
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState("");
  const [busy, setBusy] = useState(false);
  const macros = prefs.macroTargets ?? { proteinPct: 30, carbsPct: 40, fatPct: 30 };

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const num = (k: string) => (f.get(k) === "" || f.get(k) === null ? null : Number(f.get(k)));
    const body: PreferencesUpdate = {
      dietaryRestrictions: f.getAll("diet") as PreferencesUpdate["dietaryRestrictions"],
      allergies: f.getAll("allergy") as PreferencesUpdate["allergies"],
      dislikedIngredients: String(f.get("dislikes") ?? "").split(",").map((s) => s.trim()).filter(Boolean),
      dailyCalorieTarget: num("calories"),
      macroTargets: { proteinPct: num("protein") ?? 0, carbsPct: num("carbs") ?? 0, fatPct: num("fat") ?? 0 },
      householdSize: num("household") ?? 2,
      maxPrepTime: num("maxPrep"),
      timezone: String(f.get("timezone") || "UTC"),
      unitSystem: String(f.get("units")) as "metric" | "imperial",
    };
    setBusy(true);
    setErrors({});
    setMessage("");
    const { data, error } = await api.PATCH("/api/v1/users/{userId}/preferences", {
      params: { path: { userId: user.id } },
      body,
    });
    setBusy(false);
    if (data) {
      setMessage("Preferences saved.");
      onSaved({ ...user, preferences: data });
    } else {
      const fe = fieldErrors(error);
      // Macro errors arrive as macroTargets (sum) or proteinPct etc.
      setErrors(fe);
      setMessage(errorMessage(error, "Could not save"));
    }
  }

  return (
    <form onSubmit={submit} noValidate className="prefs">
      <fieldset>
        <legend>Diets</legend>
        <div className="checks">
          {DIETS.map((d) => (
            <label key={d} className="check">
              <input type="checkbox" name="diet" value={d} defaultChecked={prefs.dietaryRestrictions?.includes(d)} /> {d}
            </label>
          ))}
        </div>
        {errors.dietaryRestrictions && <small className="field-error" role="alert">{errors.dietaryRestrictions}</small>}
      </fieldset>
      <fieldset>
        <legend>Allergies</legend>
        <div className="checks">
          {ALLERGENS.map((a) => (
            <label key={a} className="check">
              <input type="checkbox" name="allergy" value={a} defaultChecked={prefs.allergies?.includes(a)} /> {a}
            </label>
          ))}
        </div>
      </fieldset>
      <Field label="Ingredients you dislike (comma separated)" name="dislikes" defaultValue={(prefs.dislikedIngredients ?? []).join(", ")} error={errors.dislikedIngredients} />
      <div className="grid3">
        <Field label="Daily calories (kcal)" name="calories" type="number" inputMode="numeric" defaultValue={prefs.dailyCalorieTarget ?? 2000} error={errors.dailyCalorieTarget} />
        <Field label="Household size" name="household" type="number" inputMode="numeric" defaultValue={prefs.householdSize ?? 2} error={errors.householdSize} />
        <Field label="Max prep time (min)" name="maxPrep" type="number" inputMode="numeric" defaultValue={prefs.maxPrepTime ?? ""} error={errors.maxPrepTime} />
      </div>
      <fieldset>
        <legend>Macro targets (% of calories, sum 100)</legend>
        <div className="grid3">
          <Field label="Protein %" name="protein" type="number" defaultValue={macros.proteinPct} error={errors.proteinPct} />
          <Field label="Carbs %" name="carbs" type="number" defaultValue={macros.carbsPct} error={errors.carbsPct} />
          <Field label="Fat %" name="fat" type="number" defaultValue={macros.fatPct} error={errors.fatPct ?? errors.macroTargets} />
        </div>
      </fieldset>
      <div className="grid3">
        <SelectField label="Units" name="units" defaultValue={prefs.unitSystem ?? "metric"} error={errors.unitSystem}>
          <option value="metric">Metric (g, ml)</option>
          <option value="imperial">Imperial (oz, cups)</option>
        </SelectField>
        <Field label="Timezone" name="timezone" defaultValue={prefs.timezone && prefs.timezone !== "UTC" ? prefs.timezone : browserTimezone()} error={errors.timezone} />
      </div>
      {message && <p className={Object.keys(errors).length ? "form-error" : "ok"} role="status">{message}</p>}
      <button type="submit" className="primary" disabled={busy}>{busy ? "Saving…" : submitLabel}</button>
    </form>
  );
}
