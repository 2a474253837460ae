import { useEffect, useState, type FormEvent } from "react";
import { api, errorMessage, type Schemas } from "../api/client";
import { RecipeSearchBox } from "../components/Autocomplete";
import { ALLERGENS, DIETS } from "../components/PreferencesForm";
import { Badge, Empty, ErrorBox, Field, Loading, SelectField } from "../components/ui";
import { Link, navigate } from "../router";

type Recipe = Schemas["RecipeSummary"];
type Page = Schemas["Page_RecipeSummary_"];
const MEAL_TYPES = ["breakfast", "lunch", "dinner", "snack"] as const;

interface Filters {
  mealType: string;
  cuisine: string;
  diet: string;
  maxTime: string;
  maxCalories: string;
  excludeAllergens: string[];
}
const NO_FILTERS: Filters = { mealType: "", cuisine: "", diet: "", maxTime: "", maxCalories: "", excludeAllergens: [] };

export function RecipeCard({ recipe }: { recipe: Recipe }) {
  return (
    <li className="recipe-card">
      <h2 className="h3">
        <Link href={`/recipes/${recipe.slug}`}>{recipe.name}</Link>
      </h2>
      <p className="muted small">
        {recipe.cuisine && <span>{recipe.cuisine} · </span>}
        {recipe.totalMinutes} min · {Math.round(recipe.nutrition.calories ?? 0)} kcal/serving
      </p>
      <div className="badges">
        {recipe.dietaryFlags.slice(0, 4).map((d) => <Badge key={d} tone="diet">{d}</Badge>)}
      </div>
    </li>
  );
}

export default function Recipes() {
  const [text, setText] = useState("");
  const [query, setQuery] = useState("");
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [page, setPage] = useState(1);
  const [result, setResult] = useState<Page | null>(null);
  const [error, setError] = useState("");
  const [loading, setLoading] = useState(true);
  const [reload, setReload] = useState(0);

  useEffect(() => {
    let live = true;
    setLoading(true);
    setError("");
    const common = {
      page,
      limit: 12,
      mealType: filters.mealType ? [filters.mealType] : undefined,
      cuisine: filters.cuisine ? [filters.cuisine] : undefined,
      dietary: filters.diet ? [filters.diet] : undefined,
      maxTotalTime: filters.maxTime ? Number(filters.maxTime) : undefined,
      maxCalories: filters.maxCalories ? Number(filters.maxCalories) : undefined,
      excludeAllergens: filters.excludeAllergens.length ? filters.excludeAllergens : undefined,
    };
    const request = query
      ? api.GET("/api/v1/recipes/search", { params: { query: { q: query, ...common } } })
      : api.GET("/api/v1/recipes", { params: { query: { ...common, sort: "name:asc" } } });
    request.then(({ data, error: err }) => {
      if (!live) return;
      setLoading(false);
      if (data) setResult(data);
      else setError(errorMessage(err, "Could not load recipes"));
    });
    return () => {
      live = false;
    };
  }, [query, filters, page, reload]);

  const applyFilters = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    setFilters({
      mealType: String(f.get("mealType") ?? ""),
      cuisine: String(f.get("cuisine") ?? "").trim().toLowerCase(),
      diet: String(f.get("diet") ?? ""),
      maxTime: String(f.get("maxTime") ?? ""),
      maxCalories: String(f.get("maxCalories") ?? ""),
      excludeAllergens: f.getAll("exclude").map(String),
    });
    setPage(1);
  };

  const pages = result ? Math.max(1, Math.ceil(result.pagination.total / result.pagination.limit)) : 1;
  return (
    <section>
      <h1>Recipes</h1>
      <div className="search-row">
        <RecipeSearchBox
          value={text}
          onChange={setText}
          onSubmit={(v) => {
            setQuery(v.trim());
            setPage(1);
          }}
          onPick={(item) => navigate(`/recipes/${item.slug}`)}
        />
        <button type="button" onClick={() => { setQuery(text.trim()); setPage(1); }}>Search</button>
      </div>
      <details className="filters">
        <summary>Filters</summary>
        <form onSubmit={applyFilters} className="filter-grid">
          <SelectField label="Meal type" name="mealType" defaultValue="">
            <option value="">Any</option>
            {MEAL_TYPES.map((m) => <option key={m} value={m}>{m}</option>)}
          </SelectField>
          <Field label="Cuisine" name="cuisine" placeholder="e.g. italian" />
          <SelectField label="Diet" name="diet" defaultValue="">
            <option value="">Any</option>
            {DIETS.map((d) => <option key={d} value={d}>{d}</option>)}
          </SelectField>
          <Field label="Max total time (min)" name="maxTime" type="number" min={0} />
          <Field label="Max calories per serving" name="maxCalories" type="number" min={0} />
          <fieldset className="span-all">
            <legend>Exclude allergens</legend>
            <div className="checks">
              {ALLERGENS.map((a) => (
                <label key={a} className="check"><input type="checkbox" name="exclude" value={a} /> {a}</label>
              ))}
            </div>
          </fieldset>
          <div className="span-all row">
            <button type="submit" className="primary">Apply filters</button>
            <button type="reset" onClick={() => { setFilters(NO_FILTERS); setPage(1); }}>Clear</button>
          </div>
        </form>
      </details>
      {loading && <Loading label="Loading recipes…" />}
      {error && <ErrorBox message={error} onRetry={() => setReload((n) => n + 1)} />}
      {!loading && !error && result && result.data.length === 0 && (
        <Empty>
          <p>No recipes match{query ? ` “${query}”` : ""}. Try fewer filters or another word.</p>
        </Empty>
      )}
      {!loading && result && result.data.length > 0 && (
        <>
          <p className="muted small" aria-live="polite">{result.pagination.totalCapped ? `${result.pagination.total}+` : result.pagination.total} recipes{query ? ` for “${query}”` : ""}</p>
          <ul className="recipe-grid">{result.data.map((r) => <RecipeCard key={r.id} recipe={r} />)}</ul>
          <nav className="pager" aria-label="Pagination">
            <button type="button" disabled={page <= 1} onClick={() => setPage(page - 1)}>Previous</button>
            <span>Page {page} of {pages}</span>
            <button type="button" disabled={page >= pages} onClick={() => setPage(page + 1)}>Next</button>
          </nav>
        </>
      )}
    </section>
  );
}
