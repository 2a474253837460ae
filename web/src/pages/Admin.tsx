import { lazy, Suspense, useEffect, useState } from "react";
import { api, errorMessage, type Schemas } from "../api/client";
import { Badge, Empty, ErrorBox, Loading } from "../components/ui";

const DailyChart = lazy(() => import("../components/DailyChart"));

export default function Admin() {
  return (
    <section>
      <h1>Admin</h1>
      <Health />
      <Analytics />
      <Users />
    </section>
  );
}

function Health() {
  const [health, setHealth] = useState<Schemas["SystemHealth"] | null>(null);
  const [error, setError] = useState("");
  useEffect(() => {
    api.GET("/api/v1/admin/health").then(({ data, error: e }) => (data ? setHealth(data) : setError(errorMessage(e))));
  }, []);
  return (
    <section className="card" aria-labelledby="health-h">
      <h2 id="health-h">System health</h2>
      {error && <ErrorBox message={error} />}
      {!health && !error && <Loading />}
      {health && (
        <dl className="health">
          <div><dt>Status</dt><dd><Badge tone={health.status === "ok" ? "diet" : "allergen"}>{health.status}</Badge> v{health.version}</dd></div>
          {(["database", "redis", "storage"] as const).map((k) => (
            <div key={k}><dt>{k}</dt><dd>{health[k].status}{health[k].latencyMs != null ? ` · ${health[k].latencyMs!.toFixed(1)} ms` : ""}{health[k].detail ? ` · ${health[k].detail}` : ""}</dd></div>
          ))}
          <div><dt>Queue</dt><dd>{health.queue.backend}{health.queue.depth != null ? ` · ${health.queue.depth} waiting` : ""}</dd></div>
          <div><dt>Scheduler</dt><dd>{health.scheduler.lastRunAt ? new Date(health.scheduler.lastRunAt).toLocaleString() : "not run yet"}</dd></div>
        </dl>
      )}
    </section>
  );
}

function Analytics() {
  const [data, setData] = useState<Schemas["Analytics"] | null>(null);
  const [error, setError] = useState("");
  useEffect(() => {
    api.GET("/api/v1/admin/analytics").then(({ data: d, error: e }) => (d ? setData(d) : setError(errorMessage(e))));
  }, []);
  return (
    <section className="card" aria-labelledby="an-h">
      <h2 id="an-h">Activity per day</h2>
      {error && <ErrorBox message={error} />}
      {!data && !error && <Loading />}
      {data && (
        <>
          <ul className="stats">
            <li><strong>{data.totals.registrations}</strong> sign-ups</li>
            <li><strong>{data.totals.activeUsers}</strong> active users</li>
            <li><strong>{data.totals.mealsPlanned}</strong> meals planned</li>
            <li><strong>{data.totals.recipesFavorited}</strong> favorites</li>
            <li><strong>{data.totals.shoppingListsGenerated}</strong> shopping lists</li>
          </ul>
          <Suspense fallback={<Loading label="Loading chart…" />}>
            <DailyChart daily={data.daily} />
          </Suspense>
        </>
      )}
    </section>
  );
}

function Users() {
  const [q, setQ] = useState("");
  const [page, setPage] = useState(1);
  const [result, setResult] = useState<Schemas["Page_AdminUserRead_"] | null>(null);
  useEffect(() => {
    const t = setTimeout(() => {
      api.GET("/api/v1/admin/users", { params: { query: { q: q || undefined, page, limit: 20 } } }).then(({ data }) => setResult(data ?? null));
    }, 200);
    return () => clearTimeout(t);
  }, [q, page]);
  return (
    <section className="card" aria-labelledby="users-h">
      <h2 id="users-h">Users</h2>
      <div className="field">
        <label htmlFor="user-q">Search by email or name</label>
        <input id="user-q" type="search" value={q} onChange={(e) => { setQ(e.target.value); setPage(1); }} />
      </div>
      {!result && <Loading />}
      {result && result.data.length === 0 && <Empty><p>No users match.</p></Empty>}
      {result && result.data.length > 0 && (
        <>
          {/* Narrow screens scroll the table inside this box, not the page; it takes focus so
              keyboard users can scroll it too. */}
          <div className="table-wrap" role="region" aria-label="Users table" tabIndex={0}>
            <table className="table">
              <thead><tr><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Role</th><th scope="col">Status</th><th scope="col">Joined</th></tr></thead>
              <tbody>
                {result.data.map((u) => (
                  <tr key={u.id}>
                    <td>{u.name}</td><td>{u.email}</td><td>{u.role}</td><td>{u.disabled ? "disabled" : "active"}</td>
                    <td>{new Date(u.createdAt).toLocaleDateString()}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <nav className="pager" aria-label="Users pages">
            <button type="button" disabled={page <= 1} onClick={() => setPage(page - 1)}>Previous</button>
            <span>Page {page} of {Math.max(1, result.pagination.totalPages)}</span>
            <button type="button" disabled={page >= result.pagination.totalPages} onClick={() => setPage(page + 1)}>Next</button>
          </nav>
        </>
      )}
    </section>
  );
}
