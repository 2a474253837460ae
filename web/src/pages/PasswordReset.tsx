import { useState, type FormEvent } from "react";
import { api, errorMessage, fieldErrors } from "../api/client";
import { Field } from "../components/ui";
import { Link } from "../router";

export function ForgotPassword() {
  const [sent, setSent] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState("");
  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const email = String(new FormData(e.currentTarget).get("email") ?? "");
    const { error, response } = await api.POST("/api/v1/auth/forgot-password", { body: { email } });
    if (response.ok) return setSent(true);
    setErrors(fieldErrors(error));
    setMessage(errorMessage(error));
  }
  return (
    <section className="card narrow">
      <h1>Reset your password</h1>
      {sent ? (
        <p role="status">If an account exists for that address, we sent a link to reset its password. It is valid for 30 minutes.</p>
      ) : (
        <form onSubmit={submit} noValidate>
          <Field label="Email" name="email" type="email" autoComplete="email" error={errors.email} />
          {message && !Object.keys(errors).length && <p className="form-error" role="alert">{message}</p>}
          <button type="submit" className="primary">Send reset link</button>
        </form>
      )}
      <p><Link href="/login">Back to log in</Link></p>
    </section>
  );
}

// The one-time token arrives in the emailed link; keep it in memory and out of the address bar
// (module state, so React's double render in development does not lose it).
let resetToken = "";
function takeResetToken(): string {
  const fromUrl = new URLSearchParams(location.search).get("token");
  if (fromUrl) {
    resetToken = fromUrl;
    history.replaceState(null, "", "/reset-password");
  }
  return resetToken;
}

export function ResetPassword() {
  const [token] = useState(takeResetToken);
  const [done, setDone] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState("");
  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const newPassword = String(new FormData(e.currentTarget).get("password") ?? "");
    const { error, response } = await api.POST("/api/v1/auth/reset-password", { body: { token, newPassword } });
    if (response.ok) return setDone(true);
    setErrors(fieldErrors(error));
    setMessage(errorMessage(error, "This link is invalid or has expired."));
  }
  return (
    <section className="card narrow">
      <h1>Choose a new password</h1>
      {done ? (
        <p role="status">Password changed. <Link href="/login">Log in</Link> with your new password.</p>
      ) : !token ? (
        <p className="form-error">This link is incomplete. <Link href="/forgot-password">Ask for a new one</Link>.</p>
      ) : (
        <form onSubmit={submit} noValidate>
          <Field label="New password" name="password" type="password" autoComplete="new-password" hint="At least 8 characters" error={errors.newPassword} />
          {message && !errors.newPassword && <p className="form-error" role="alert">{message}</p>}
          <button type="submit" className="primary">Set password</button>
        </form>
      )}
    </section>
  );
}
