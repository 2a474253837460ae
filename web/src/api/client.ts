// The typed API client. The access token lives in this module's memory only (never
// localStorage, never a URL); the refresh token is an HttpOnly cookie the page cannot read.
// A 401 triggers one cookie refresh (with the double-submit CSRF header) and a retry.
import createClient from "openapi-fetch";
import type { components, paths } from "./schema";

export type Schemas = components["schemas"];
export type User = Schemas["UserRead"];

let accessToken: string | null = null;
const listeners = new Set<(signedIn: boolean) => void>();

export function setAccessToken(token: string | null): void {
  accessToken = token;
  listeners.forEach((fn) => fn(token !== null));
}
export function hasAccessToken(): boolean {
  return accessToken !== null;
}
export function onAuthChange(fn: (signedIn: boolean) => void): () => void {
  listeners.add(fn);
  return () => {
    listeners.delete(fn);
  };
}

export function csrfToken(): string {
  const match = document.cookie.match(/(?:^|;\s*)csrf_token=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

export type RefreshResult = "ok" | "signed-out" | "offline";
let refreshing: Promise<RefreshResult> | null = null;

/** Exchanges the refresh cookie for a new access token. "offline" when the server is unreachable. */
export function restoreSession(): Promise<RefreshResult> {
  if (!refreshing) {
    refreshing = (async (): Promise<RefreshResult> => {
      if (!csrfToken()) return "signed-out";
      let res: Response;
      try {
        res = await fetch("/api/v1/auth/refresh", {
          method: "POST",
          credentials: "same-origin",
          headers: { "X-CSRF-Token": csrfToken(), "X-Auth-Mode": "cookie" },
        });
      } catch {
        return "offline";
      }
      if (!res.ok) {
        setAccessToken(null);
        return "signed-out";
      }
      const body = (await res.json()) as { accessToken: string };
      setAccessToken(body.accessToken);
      return "ok";
    })().finally(() => {
      refreshing = null;
    });
  }
  return refreshing;
}

export async function refreshSession(): Promise<boolean> {
  return (await restoreSession()) === "ok";
}

async function authFetch(input: Request): Promise<Response> {
  const retry = input.clone();
  const withAuth = (req: Request) => {
    if (accessToken && !req.headers.has("Authorization")) {
      req.headers.set("Authorization", `Bearer ${accessToken}`);
    }
    if (req.url.includes("/api/v1/auth/")) {
      req.headers.set("X-Auth-Mode", "cookie");
      const csrf = csrfToken();
      if (csrf) req.headers.set("X-CSRF-Token", csrf);
    }
    return req;
  };
  const res = await fetch(withAuth(input));
  if (res.status === 401 && (accessToken || csrfToken()) && !input.url.includes("/auth/")) {
    if (await refreshSession()) return fetch(withAuth(retry));
  }
  return res;
}

export const api = createClient<paths>({ baseUrl: location.origin, fetch: authFetch, credentials: "same-origin" });

export interface ApiErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

/** The API's error envelope as a field → message map (for inline validation). */
export function fieldErrors(error: unknown): Record<string, string> {
  const details = (error as ApiErrorBody | undefined)?.error?.details;
  const out: Record<string, string> = {};
  if (details && typeof details === "object") {
    for (const [key, value] of Object.entries(details)) {
      const field = key.split(".").pop() ?? key;
      out[field] = Array.isArray(value) ? value.join(", ") : String(value);
    }
  }
  return out;
}

export function errorMessage(error: unknown, fallback = "Something went wrong"): string {
  return (error as ApiErrorBody | undefined)?.error?.message ?? fallback;
}
