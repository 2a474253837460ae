import { useEffect, useState, type FormEvent } from "react";
import { api, errorMessage, fieldErrors, setAccessToken, type Schemas } from "../api/client";
import { useAuth, useUser } from "../auth";
import { PreferencesForm } from "../components/PreferencesForm";
import { Empty, Field } from "../components/ui";
import { navigate } from "../router";

type Token = Schemas["ApiTokenRead"];

export default function Account() {
  const user = useUser();
  const { setUser } = useAuth();
  return (
    <section className="account">
      <h1>Account</h1>
      <Profile />
      <section className="card" aria-labelledby="prefs-h">
        <h2 id="prefs-h">Preferences</h2>
        <PreferencesForm user={user} submitLabel="Save preferences" onSaved={setUser} />
      </section>
      <Password />
      <Tokens />
      <Calendar />
      <DataAndDeletion />
    </section>
  );
}

function Profile() {
  const user = useUser();
  const { setUser } = useAuth();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [msg, setMsg] = useState("");
  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const { data, error } = await api.PATCH("/api/v1/users/{userId}", {
      params: { path: { userId: user.id } },
      body: { name: String(f.get("name")), email: String(f.get("email")) },
    });
    setErrors(fieldErrors(error));
    if (data) {
      setUser(data);
      setMsg("Profile saved.");
    } else setMsg(errorMessage(error));
  }
  return (
    <section className="card" aria-labelledby="profile-h">
      <h2 id="profile-h">Profile</h2>
      <form onSubmit={submit} noValidate className="grid2">
        <Field label="Name" name="name" defaultValue={user.name} error={errors.name} autoComplete="name" />
        <Field label="Email" name="email" type="email" defaultValue={user.email} error={errors.email} autoComplete="email" />
        <div className="span-all row">
          <button type="submit" className="primary">Save profile</button>
          <span role="status">{msg}</span>
        </div>
      </form>
    </section>
  );
}

function Password() {
  const user = useUser();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [msg, setMsg] = useState("");
  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const f = new FormData(form);
    const { error } = await api.PATCH("/api/v1/users/{userId}/password", {
      params: { path: { userId: user.id } },
      body: { currentPassword: String(f.get("current")), newPassword: String(f.get("new")) },
    });
    setErrors(fieldErrors(error));
    setMsg(error ? errorMessage(error) : "Password changed. Other devices were signed out.");
    if (!error) form.reset();
  }
  return (
    <section className="card" aria-labelledby="pw-h">
      <h2 id="pw-h">Change password</h2>
      <form onSubmit={submit} noValidate className="grid2">
        <Field label="Current password" name="current" type="password" autoComplete="current-password" error={errors.currentPassword} />
        <Field label="New password" name="new" type="password" autoComplete="new-password" hint="At least 8 characters" error={errors.newPassword} />
        <div className="span-all row">
          <button type="submit">Change password</button>
          <span role="status">{msg}</span>
        </div>
      </form>
    </section>
  );
}

function Tokens() {
  const [tokens, setTokens] = useState<Token[] | null>(null);
  const [created, setCreated] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const load = () => api.GET("/api/v1/auth/api-tokens").then(({ data }) => setTokens(data ?? []));
  useEffect(() => {
    load();
  }, []);
  async function create(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const name = String(new FormData(form).get("name") ?? "");
    const { data, error } = await api.POST("/api/v1/auth/api-tokens", { body: { name } });
    setErrors(fieldErrors(error));
    if (data) {
      setCreated(data.token);
      form.reset();
      load();
    }
  }
  async function revoke(id: string) {
    await api.DELETE("/api/v1/auth/api-tokens/{tokenId}", { params: { path: { tokenId: id } } });
    load();
  }
  return (
    <section className="card" aria-labelledby="tok-h">
      <h2 id="tok-h">API tokens</h2>
      <p className="muted small">For scripts and integrations. A token is shown once.</p>
      <form onSubmit={create} noValidate className="row wrap">
        <Field label="Token name" name="name" error={errors.name} />
        <button type="submit">Create token</button>
      </form>
      {created && (
        <p className="ok">New token (copy it now): <code className="token">{created}</code></p>
      )}
      {tokens && tokens.length === 0 && <Empty><p>No API tokens.</p></Empty>}
      {tokens && tokens.length > 0 && (
        <div className="table-wrap" role="region" aria-label="API tokens table" tabIndex={0}>
          <table className="table">
            <thead><tr><th scope="col">Name</th><th scope="col">Prefix</th><th scope="col">Last used</th><th scope="col"><span className="sr-only">Actions</span></th></tr></thead>
            <tbody>
              {tokens.map((t) => (
                <tr key={t.id}>
                  <td>{t.name}</td>
                  <td><code>{t.tokenPrefix}</code></td>
                  <td>{t.lastUsedAt ? new Date(t.lastUsedAt).toLocaleString() : "never"}</td>
                  <td><button type="button" onClick={() => revoke(t.id)} aria-label={`Revoke ${t.name}`}>Revoke</button></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function Calendar() {
  const user = useUser();
  const [url, setUrl] = useState("");
  const [msg, setMsg] = useState("");
  async function rotate() {
    const { data, error } = await api.POST("/api/v1/users/{userId}/meal-plans/calendar-token", { params: { path: { userId: user.id } } });
    if (data) setUrl(data.url);
    else setMsg(errorMessage(error));
  }
  return (
    <section className="card" aria-labelledby="cal-h">
      <h2 id="cal-h">Calendar feed</h2>
      <p className="muted small">Subscribe to your meal plan in any calendar app. Creating a new link disables the old one.</p>
      <button type="button" onClick={rotate}>{url ? "Create a new link" : "Get my calendar link"}</button>
      {url && (
        <div className="field">
          <label htmlFor="cal-url">Feed address</label>
          <input id="cal-url" readOnly value={url} onFocus={(e) => e.target.select()} />
        </div>
      )}
      <p role="status">{msg}</p>
    </section>
  );
}

function DataAndDeletion() {
  const user = useUser();
  const { setUser } = useAuth();
  const [msg, setMsg] = useState("");
  const [confirm, setConfirm] = useState("");
  async function download() {
    const { data, error } = await api.GET("/api/v1/users/{userId}/export", { params: { path: { userId: user.id } }, parseAs: "blob" });
    if (!data) return setMsg(errorMessage(error, "Export failed"));
    const href = URL.createObjectURL(data as Blob);
    const a = document.createElement("a");
    a.href = href;
    a.download = "mealplanner-export.json";
    a.click();
    setTimeout(() => URL.revokeObjectURL(href), 1000);
    setMsg("Export downloaded.");
  }
  async function remove(e: FormEvent) {
    e.preventDefault();
    const { error } = await api.DELETE("/api/v1/users/{userId}", { params: { path: { userId: user.id } } });
    if (error) return setMsg(errorMessage(error));
    setAccessToken(null);
    setUser(null);
    navigate("/signup");
  }
  return (
    <section className="card" aria-labelledby="data-h">
      <h2 id="data-h">Your data</h2>
      <button type="button" onClick={download}>Download my data (JSON)</button>
      <form onSubmit={remove} className="danger-zone">
        <h3>Delete account</h3>
        <p className="small">This deletes your account, plans, lists and favorites. It cannot be undone.</p>
        <Field label='Type "DELETE" to confirm' name="confirm" value={confirm} onChange={(e) => setConfirm(e.target.value)} />
        <button type="submit" className="danger" disabled={confirm !== "DELETE"}>Delete my account</button>
      </form>
      <p role="status">{msg}</p>
    </section>
  );
}
