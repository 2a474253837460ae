import { lazy, Suspense, useEffect, useRef } from "react";
import { useAuth } from "./auth";
import { AuthPage } from "./pages/AuthPage";
import { Link, navigate, useLocation } from "./router";
import { Loading } from "./components/ui";

const Onboarding = lazy(() => import("./pages/Onboarding"));
const ForgotPassword = lazy(() => import("./pages/PasswordReset").then((m) => ({ default: m.ForgotPassword })));
const ResetPassword = lazy(() => import("./pages/PasswordReset").then((m) => ({ default: m.ResetPassword })));
const Recipes = lazy(() => import("./pages/Recipes"));
const RecipePage = lazy(() => import("./pages/RecipePage"));
const Planner = lazy(() => import("./pages/Planner"));
const Shopping = lazy(() => import("./pages/Shopping"));
const SharedList = lazy(() => import("./pages/SharedList"));
const Account = lazy(() => import("./pages/Account"));
const Admin = lazy(() => import("./pages/Admin"));

const NAV = [
  { href: "/plan", label: "Plan" },
  { href: "/recipes", label: "Recipes" },
  { href: "/shopping", label: "Shopping" },
  { href: "/account", label: "Account" },
];

function Page({ path }: { path: string }) {
  const { user } = useAuth();
  if (path.startsWith("/shared/")) return <SharedList token={decodeURIComponent(path.slice(8))} />;
  if (path === "/forgot-password") return <ForgotPassword />;
  if (path === "/reset-password") return <ResetPassword />;
  if (!user) return <AuthPage mode={path === "/signup" ? "signup" : "login"} />;
  if (path === "/onboarding") return <Onboarding />;
  if (path === "/recipes") return <Recipes />;
  if (path.startsWith("/recipes/")) return <RecipePage idOrSlug={decodeURIComponent(path.slice(9))} />;
  if (path === "/shopping") return <Shopping />;
  if (path === "/account") return <Account />;
  if (path === "/admin" && user.role === "admin") return <Admin />;
  return <Planner />;
}

const TITLES: Record<string, string> = {
  "/plan": "Week plan", "/recipes": "Recipes", "/shopping": "Shopping list", "/account": "Account",
  "/admin": "Admin", "/onboarding": "Welcome", "/login": "Log in", "/signup": "Sign up",
  "/forgot-password": "Reset password", "/reset-password": "New password",
};

export function App() {
  const { user, ready, signOut } = useAuth();
  const { path } = useLocation();
  const main = useRef<HTMLElement>(null);

  useEffect(() => {
    if (!ready) return;
    const anonymousOnly = path === "/login" || path === "/signup" || path === "/";
    if (user && anonymousOnly) navigate("/plan", true);
    document.title = `${TITLES[path] ?? (path.startsWith("/recipes/") ? "Recipe" : "Mealplanner")} · Mealplanner`;
  }, [ready, user, path]);

  // Move focus to the page on client-side navigation, as a full load would.
  useEffect(() => {
    main.current?.focus({ preventScroll: true });
  }, [path]);

  if (!ready) return <Loading label="Starting…" />;
  const shared = path.startsWith("/shared/");
  return (
    <>
      <a className="skip" href="#main">Skip to content</a>
      <header className="topbar">
        <Link href={user ? "/plan" : "/"} className="brand">Mealplanner</Link>
        {user && !shared && (
          <nav aria-label="Main">
            <ul>
              {[...NAV, ...(user.role === "admin" ? [{ href: "/admin", label: "Admin" }] : [])].map((item) => (
                <li key={item.href}>
                  <Link href={item.href} aria-current={path.startsWith(item.href) ? "page" : undefined}>{item.label}</Link>
                </li>
              ))}
              <li>
                <button type="button" className="linklike" onClick={async () => { await signOut(); navigate("/login"); }}>
                  Log out
                </button>
              </li>
            </ul>
          </nav>
        )}
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        <Suspense fallback={<Loading />}>
          <Page path={path} />
        </Suspense>
      </main>
    </>
  );
}
