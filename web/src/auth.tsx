import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from "react";
import { api, csrfToken, refreshSession, setAccessToken, type User } from "./api/client";

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
  const [user, setUser] = useState<User | null>(null);
  const [ready, setReady] = useState(false);

  const reload = useCallback(async () => {
    const { data } = await api.GET("/api/v1/auth/me");
    setUser(data ?? null);
  }, []);

  useEffect(() => {
    // A reload loses the in-memory access token: get a new one from the refresh cookie.
    (async () => {
      if (csrfToken() && (await refreshSession())) await reload();
      setReady(true);
    })();
  }, [reload]);

  const signIn = useCallback((accessToken: string, signedIn: User) => {
    setAccessToken(accessToken);
    setUser(signedIn);
  }, []);

  const signOut = useCallback(async () => {
    await api.POST("/api/v1/auth/logout").catch(() => undefined);
    setAccessToken(null);
    setUser(null);
  }, []);

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
