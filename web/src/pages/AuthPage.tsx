import { useState, type FormEvent } from "react";
import { api, errorMessage, fieldErrors } from "../api/client";
import { useAuth } from "../auth";
import { Field } from "../components/ui";
import { Link, navigate } from "../router";

export function AuthPage({ mode }: { mode: "login" | "signup" }) {
  const { signIn } = useAuth();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState("");
  const [busy, setBusy] = useState(false);
  const signup = mode === "signup";

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const email = String(form.get("email") ?? "");
    const password = String(form.get("password") ?? "");
    setBusy(true);
    setErrors({});
    setMessage("");
    const result = signup
      ? await api.POST("/api/v1/auth/register", { body: { email, password, name: String(form.get("name") ?? "") } })
      : await api.POST("/api/v1/auth/login", { body: { email, password } });
    setBusy(false);
    if (result.data) {
      signIn(result.data.accessToken, result.data.user);
      navigate(signup ? "/onboarding" : "/plan");
      return;
    }
    setErrors(fieldErrors(result.error));
    setMessage(errorMessage(result.error, "Could not reach the server"));
  }

  return (
    <section className="auth card narrow">
      <h1>{signup ? "Create your account" : "Log in"}</h1>
      <p className="muted">Plan a week of meals, then shop from one list.</p>
      <form onSubmit={submit} noValidate>
        {signup && <Field label="Name" name="name" autoComplete="name" required error={errors.name} />}
        <Field label="Email" name="email" type="email" autoComplete="email" required error={errors.email} />
        <Field
          label="Password"
          name="password"
          type="password"
          autoComplete={signup ? "new-password" : "current-password"}
          required
          minLength={signup ? 8 : undefined}
          hint={signup ? "At least 8 characters" : undefined}
          error={errors.password}
        />
        {message && !Object.keys(errors).length && <p className="form-error" role="alert">{message}</p>}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Please wait…" : signup ? "Sign up" : "Log in"}
        </button>
      </form>
      <p>
        {signup ? (
          <>Already have an account? <Link href="/login">Log in</Link></>
        ) : (
          <>New here? <Link href="/signup">Create an account</Link> · <Link href="/forgot-password">Forgot your password?</Link></>
        )}
      </p>
    </section>
  );
}
