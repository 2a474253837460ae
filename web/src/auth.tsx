import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from "react";
import { api, onAuthChange, restoreSession, setAccessToken, type User } from "./api/client";

// The signed-in profile (never a token) is kept on the device so the app, and the shopping list
// the service worker cached, still open in a store without a connection.
const PROFILE_KEY = "mp-profile";
function cachedProfile(): User | null {
  try {
    return JSON.parse(localStorage.getItem(PROFILE_KEY) ?? "null") as User | null;
  } catch {
    return null;
  }
}

interface AuthState {
  user: User | null;
  ready: boolean;
  setUser: (user: User | null) => void;
  signIn: (accessToken: string, user: User) => void;
  signOut: () => Promise<void>;
  reload: () => Promise<void>;
}

const AuthContext = createContext<AuthState | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [user, setUserState] = useState<User | null>(null);
  const [ready, setReady] = useState(false);

  const setUser = useCallback((next: User | null) => {
    setUserState(next);
    if (next) localStorage.setItem(PROFILE_KEY, JSON.stringify(next));
    else localStorage.removeItem(PROFILE_KEY);
  }, []);

  const reload = useCallback(async () => {
    const { data } = await api.GET("/api/v1/auth/me");
    setUser(data ?? null);
  }, [setUser]);

  useEffect(() => {
    // A reload loses the in-memory access token: get a new one from the refresh cookie.
    (async () => {
      const result = await restoreSession();
      if (result === "ok") await reload();
      else if (result === "offline") setUserState(cachedProfile());
      else localStorage.removeItem(PROFILE_KEY);
      setReady(true);
    })();
    // A session that ended on the server (expired, revoked elsewhere) signs the page out.
    const stop = onAuthChange((signedIn) => {
      if (!signedIn) setUser(null);
    });
    const online = async () => {
      if ((await restoreSession()) === "ok") await reload();
    };
    window.addEventListener("online", online);
    return () => {
      stop();
      window.removeEventListener("online", online);
    };
  }, [reload, setUser]);

  const signIn = useCallback((accessToken: string, signedIn: User) => {
    setAccessToken(accessToken);
    setUser(signedIn);
  }, [setUser]);

  const signOut = useCallback(async () => {
    await api.POST("/api/v1/auth/logout").catch(() => undefined);
    setAccessToken(null);
    setUser(null);
    // Drop the shopping lists the service worker cached for offline use.
    if ("caches" in window) {
      const cache = await caches.open("mealplanner-v1");
      for (const req of await cache.keys()) if (new URL(req.url).pathname.startsWith("/api/")) await cache.delete(req);
    }
  }, [setUser]);

  return (
    <AuthContext.Provider value={{ user, ready, setUser, signIn, signOut, reload }}>
      {children}
    </AuthContext.Provider>
  );
}

export function useAuth(): AuthState {
  const ctx = useContext(AuthContext);
  if (!ctx) throw new Error("useAuth outside AuthProvider");
  return ctx;
}

export function useUser(): User {
  const { user } = useAuth();
  if (!user) throw new Error("signed-in page rendered without a user");
  return user;
}
