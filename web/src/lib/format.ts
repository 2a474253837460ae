/** Scales an ingredient quantity and prints it kitchen-style (½, ⅓, 1¼). */
const FRACTIONS: [number, string][] = [[0.125, "⅛"], [0.25, "¼"], [0.333, "⅓"], [0.5, "½"], [0.667, "⅔"], [0.75, "¾"]];

const METRIC = new Set(["g", "kg", "mg", "ml", "l", "cl", "dl"]);

export function formatQuantity(q: number | null | undefined, unit?: string | null): string {
  if (q === null || q === undefined) return "";
  // Weights and volumes in metric units read as decimals, not kitchen fractions.
  if (unit && METRIC.has(unit.toLowerCase())) return q >= 10 ? String(Math.round(q)) : String(Math.round(q * 10) / 10);
  if (q >= 10) return String(Math.round(q));
  const whole = Math.floor(q);
  const rest = q - whole;
  if (rest < 0.06) return String(whole || (q > 0 ? "<1" : "0"));
  if (rest > 0.94) return String(whole + 1);
  const near = FRACTIONS.find(([v]) => Math.abs(v - rest) < 0.05);
  if (near) return whole ? `${whole}${near[1]}` : near[1];
  return (Math.round(q * 10) / 10).toString();
}

export function scale(q: number | null | undefined, factor: number): number | null {
  return q === null || q === undefined ? null : q * factor;
}

const RECIPE_ID = /(\brecipe )?\b([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b/gi;

/**
 * The planner's notes name recipes by id ("Locked recipe 3f2a… repeats within 7 days"); people
 * know them by name. An id with no known name is dropped rather than shown.
 */
export function withRecipeNames(message: string, names: ReadonlyMap<string, string>): string {
  return message.replace(RECIPE_ID, (_, recipeWord: string | undefined, id: string) => {
    const name = names.get(id.toLowerCase());
    if (name) return `${recipeWord ?? ""}“${name}”`;
    return recipeWord ? "recipe" : "a recipe";
  });
}
