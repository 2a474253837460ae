import { api, type Schemas } from "../api/client";

export type MealType = "breakfast" | "lunch" | "dinner" | "snack";
export const MEAL_TYPES: MealType[] = ["breakfast", "lunch", "dinner", "snack"];
export type Plan = Schemas["MealPlanRead"];

/** Local calendar date as YYYY-MM-DD (not toISOString, which shifts to UTC). */
export function isoDate(d: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

export function parseDate(iso: string): Date {
  const [y, m, d] = iso.split("-").map(Number);
  return new Date(y, m - 1, d);
}

export function mondayOf(d: Date): string {
  const copy = new Date(d.getFullYear(), d.getMonth(), d.getDate());
  copy.setDate(copy.getDate() - ((copy.getDay() + 6) % 7));
  return isoDate(copy);
}

export function addDays(iso: string, days: number): string {
  const d = parseDate(iso);
  d.setDate(d.getDate() + days);
  return isoDate(d);
}

export function weekDays(weekStart: string): string[] {
  return Array.from({ length: 7 }, (_, i) => addDays(weekStart, i));
}

export function dayLabel(iso: string, style: "short" | "long" = "short"): string {
  return parseDate(iso).toLocaleDateString("en-GB", { weekday: style, day: "numeric", month: "short" });
}

/** The week's plan, or null when none exists yet. */
export async function loadWeek(userId: string, weekStart: string): Promise<Plan | null> {
  const { data, response } = await api.GET("/api/v1/users/{userId}/meal-plans", {
    params: { path: { userId }, query: { weekStart } },
  });
  if (response.status === 404) return null;
  if (!data) throw new Error("Could not load the plan");
  return "meals" in data ? data : null;
}

export async function ensureWeek(userId: string, weekStart: string): Promise<Plan> {
  const existing = await loadWeek(userId, weekStart);
  if (existing) return existing;
  const { data, response } = await api.POST("/api/v1/users/{userId}/meal-plans", {
    params: { path: { userId } },
    body: { weekStart },
  });
  if (data) return data;
  if (response.status === 409) {
    const again = await loadWeek(userId, weekStart);
    if (again) return again;
  }
  throw new Error("Could not create the plan");
}

export async function addMeal(userId: string, date: string, mealType: MealType, recipeId: string, servings?: number): Promise<void> {
  const plan = await ensureWeek(userId, mondayOf(parseDate(date)));
  const { error } = await api.POST("/api/v1/meal-plans/{planId}/meals", {
    params: { path: { planId: plan.id } },
    body: { date, mealType, recipeId, servings: servings ?? null },
  });
  if (error) throw new Error((error as { error?: { message?: string } }).error?.message ?? "Could not add the meal");
}
