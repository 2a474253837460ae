import { lazy, Suspense, useEffect, useState, type FormEvent } from "react";
import { api, errorMessage, type Schemas } from "../api/client";
import { useUser } from "../auth";
import { Badge, ErrorBox, Loading, SelectField } from "../components/ui";
import { formatQuantity, scale } from "../lib/format";
import { addMeal, dayLabel, isoDate, MEAL_TYPES, mondayOf, weekDays, type MealType } from "../lib/week";
import { SwapButton } from "../components/SwapButton";

const NutritionChart = lazy(() => import("../components/NutritionChart"));
type Recipe = Schemas["RecipeRead"];

export default function RecipePage({ idOrSlug }: { idOrSlug: string }) {
  const user = useUser();
  const [recipe, setRecipe] = useState<Recipe | null>(null);
  const [error, setError] = useState("");
  const [servings, setServings] = useState(2);
  const [favorite, setFavorite] = useState(false);
  const [status, setStatus] = useState("");

  useEffect(() => {
    setRecipe(null);
    setError("");
    api.GET("/api/v1/recipes/{recipeId}", { params: { path: { recipeId: idOrSlug } } }).then(({ data, error: err }) => {
      if (data) {
        setRecipe(data);
        setServings(user.preferences.householdSize ?? data.servings);
        setFavorite(Boolean(data.isFavorite));
      } else setError(errorMessage(err, "Recipe not found"));
    });
  }, [idOrSlug, user.preferences.householdSize]);

  if (error) return <ErrorBox message={error} />;
  if (!recipe) return <Loading label="Loading recipe…" />;
  const factor = servings / (recipe.servings || 1);
  const n = recipe.nutrition;

  async function toggleFavorite() {
    if (!recipe) return;
    const next = !favorite;
    setFavorite(next); // optimistic
    const params = { params: { path: { recipeId: recipe.id } } };
    const { error: err } = next
      ? await api.POST("/api/v1/recipes/{recipeId}/favorite", params)
      : await api.DELETE("/api/v1/recipes/{recipeId}/favorite", params);
    if (err) {
      setFavorite(!next);
      setStatus(errorMessage(err, "Could not update favorite"));
    } else setStatus(next ? "Added to favorites." : "Removed from favorites.");
  }

  async function addToPlan(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (!recipe) return;
    const f = new FormData(e.currentTarget);
    try {
      await addMeal(user.id, String(f.get("day")), String(f.get("meal")) as MealType, recipe.id, servings);
      setStatus(`Added to your plan: ${dayLabel(String(f.get("day")), "long")}, ${f.get("meal")}.`);
    } catch (err) {
      setStatus((err as Error).message);
    }
  }

  const days = [...weekDays(mondayOf(new Date())), ...weekDays(mondayOf(new Date(Date.now() + 7 * 864e5)))];
  return (
    <article className="recipe">
      <header className="recipe-head">
        <div>
          <h1>{recipe.name}</h1>
          <p className="muted">
            {recipe.cuisine && <>{recipe.cuisine} · </>}
            Prep {recipe.prepMinutes} min · Cook {recipe.cookMinutes} min · {recipe.difficulty}
          </p>
          <div className="badges" aria-label="Diets and allergens">
            {recipe.dietaryFlags.map((d) => <Badge key={d} tone="diet">{d}</Badge>)}
            {recipe.allergens.map((a) => <Badge key={a} tone="allergen">contains {a}</Badge>)}
          </div>
        </div>
        <button type="button" className={favorite ? "fav on" : "fav"} aria-pressed={favorite} onClick={toggleFavorite}>
          {favorite ? "★ Favorite" : "☆ Favorite"}
        </button>
      </header>
      {recipe.description && <p>{recipe.description}</p>}
      <p className="ok" role="status" aria-live="polite">{status}</p>

      <div className="recipe-cols">
        <section aria-labelledby="ing-h" className="card">
          <h2 id="ing-h">Ingredients</h2>
          <div className="scaler" role="group" aria-label="Servings">
            <button type="button" aria-label="Fewer servings" onClick={() => setServings((s) => Math.max(1, s - 1))}>−</button>
            <label>
              <span className="sr-only">Servings</span>
              <input type="number" min={1} max={50} value={servings} onChange={(e) => setServings(Math.max(1, Number(e.target.value) || 1))} />
            </label>
            <span>servings</span>
            <button type="button" aria-label="More servings" onClick={() => setServings((s) => Math.min(50, s + 1))}>+</button>
          </div>
          <ul className="ingredients">
            {recipe.ingredients.map((ing) => (
              <li key={ing.id}>
                <span>
                  <strong>{formatQuantity(scale(ing.quantity, factor), ing.unit)}{ing.quantityMax ? `–${formatQuantity(scale(ing.quantityMax, factor), ing.unit)}` : ""} {ing.unit ?? ""}</strong>{" "}
                  {ing.name}
                  {ing.preparation && <span className="muted">, {ing.preparation}</span>}
                  {ing.optional && <span className="muted"> (optional)</span>}
                </span>
                <SwapButton recipeId={recipe.id} ingredient={ing.name} />
              </li>
            ))}
          </ul>
        </section>
        <section aria-labelledby="nut-h" className="card">
          <h2 id="nut-h">Nutrition per serving</h2>
          <Suspense fallback={<Loading label="Loading chart…" />}>
            <NutritionChart proteinG={n.proteinG ?? 0} carbsG={n.carbsG ?? 0} fatG={n.fatG ?? 0} />
          </Suspense>
          <table className="nutrition">
            <tbody>
              <tr><th scope="row">Calories</th><td>{Math.round(n.calories ?? 0)} kcal</td></tr>
              <tr><th scope="row">Protein</th><td>{Math.round(n.proteinG ?? 0)} g</td></tr>
              <tr><th scope="row">Carbs</th><td>{Math.round(n.carbsG ?? 0)} g</td></tr>
              <tr><th scope="row">Fat</th><td>{Math.round(n.fatG ?? 0)} g</td></tr>
              <tr><th scope="row">Fiber</th><td>{Math.round(n.fiberG ?? 0)} g</td></tr>
              <tr><th scope="row">Sodium</th><td>{Math.round(n.sodiumMg ?? 0)} mg</td></tr>
            </tbody>
          </table>
        </section>
      </div>

      <section aria-labelledby="steps-h" className="card">
        <h2 id="steps-h">Steps</h2>
        <ol className="steps">{recipe.instructions.map((s, i) => <li key={i}>{s}</li>)}</ol>
      </section>

      <section aria-labelledby="add-h" className="card">
        <h2 id="add-h">Add to plan</h2>
        <form onSubmit={addToPlan} className="row wrap">
          <SelectField label="Day" name="day" defaultValue={isoDate(new Date())}>
            {days.map((d) => <option key={d} value={d}>{dayLabel(d, "long")}</option>)}
          </SelectField>
          <SelectField label="Meal" name="meal" defaultValue={recipe.mealTypes[0] ?? "dinner"}>
            {MEAL_TYPES.map((m) => <option key={m} value={m}>{m}</option>)}
          </SelectField>
          <button type="submit" className="primary">Add to plan</button>
        </form>
      </section>
    </article>
  );
}
