import { useCallback, useEffect, useState, type FormEvent } from "react";
import { api, errorMessage, type Schemas } from "../api/client";
import { useUser } from "../auth";
import { Empty, ErrorBox, Field, Loading } from "../components/ui";
import { Link } from "../router";
import { dayLabel, loadWeek, mondayOf } from "../lib/week";
import { enqueue, flush, pending } from "../lib/offlineQueue";

type List = Schemas["ShoppingListRead"];
type Item = Schemas["ShoppingListItemRead"];

export function listAsText(list: { name: string; groups: { category: string; items: { display: string; checked?: boolean }[] }[] }): string {
  const lines = [list.name];
  for (const g of list.groups) {
    lines.push("", `${g.category}:`);
    for (const item of g.items) lines.push(`${item.checked ? "[x]" : "[ ]"} ${item.display}`);
  }
  return lines.join("\n");
}

function sourcesText(item: Item): string {
  if (item.manual) return "added by you";
  const byRecipe = new Map<string, string[]>();
  for (const s of item.sources) byRecipe.set(s.recipeName, [...(byRecipe.get(s.recipeName) ?? []), dayLabel(s.date).split(" ")[0]]);
  const names = [...byRecipe].map(([name, days]) => `${name} (${[...new Set(days)].join(", ")})`);
  return names.length ? `for ${names.join("; ")}` : "";
}

export default function Shopping() {
  const user = useUser();
  const [list, setList] = useState<List | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState("");
  const [status, setStatus] = useState("");
  const [online, setOnline] = useState(navigator.onLine);
  const [queued, setQueued] = useState(pending().length);
  const [share, setShare] = useState("");
  const [manualError, setManualError] = useState("");

  const load = useCallback(async () => {
    setError("");
    try {
      await loadList();
    } catch {
      setLoading(false);
      setError("You are offline and this list is not saved on this device yet.");
    }
  }, [user.id]); // eslint-disable-line react-hooks/exhaustive-deps

  const loadList = async () => {
    const { data, error: err } = await api.GET("/api/v1/users/{userId}/shopping-lists", { params: { path: { userId: user.id }, query: { page: 1, limit: 1 } } });
    if (!data) {
      setLoading(false);
      return setError(errorMessage(err, "Could not load your shopping list"));
    }
    if (data.data.length === 0) {
      setList(null);
      setLoading(false);
      return;
    }
    const full = await api.GET("/api/v1/shopping-lists/{listId}", { params: { path: { listId: data.data[0].id } } });
    setLoading(false);
    if (full.data) setList(full.data as List);
    else setError(errorMessage(full.error, "Could not load your shopping list"));
  };

  const sync = useCallback(async () => {
    const sent = await flush(async (c) => {
      const { response } = await api.PATCH("/api/v1/shopping-lists/{listId}/items/{itemId}", {
        params: { path: { listId: c.listId, itemId: c.itemId } },
        body: { checked: c.checked },
      });
      return response.ok || response.status === 404;
    });
    setQueued(pending().length);
    if (sent) setStatus(`Back online: synced ${sent} change${sent === 1 ? "" : "s"}.`);
  }, []);

  useEffect(() => {
    load();
  }, [load]);

  useEffect(() => {
    const up = () => {
      setOnline(true);
      sync();
    };
    const down = () => setOnline(false);
    window.addEventListener("online", up);
    window.addEventListener("offline", down);
    if (navigator.onLine && pending().length) sync();
    return () => {
      window.removeEventListener("online", up);
      window.removeEventListener("offline", down);
    };
  }, [sync]);

  async function generate() {
    setStatus("");
    setLoading(true);
    const plan = await loadWeek(user.id, mondayOf(new Date())).catch(() => null);
    if (!plan || plan.meals.length === 0) {
      setLoading(false);
      return setStatus("Plan some meals this week first, then generate the list.");
    }
    const { data, error: err } = await api.POST("/api/v1/shopping-lists/generate", { body: { mealPlanId: plan.id } });
    setLoading(false);
    if (data) {
      setList(data);
      setStatus(`Generated ${data.items.length} items from this week's plan.`);
    } else setError(errorMessage(err, "Could not generate the list"));
  }

  function setChecked(item: Item, checked: boolean) {
    if (!list) return;
    const patch = (l: List): List => ({
      ...l,
      items: l.items.map((i) => (i.id === item.id ? { ...i, checked } : i)),
      groups: l.groups.map((g) => ({ ...g, items: g.items.map((i) => (i.id === item.id ? { ...i, checked } : i)) })),
    });
    setList(patch(list)); // optimistic: the box ticks at once
    const change = { listId: list.id, itemId: item.id, checked };
    if (!navigator.onLine) {
      enqueue(change);
      setQueued(pending().length);
      return;
    }
    api.PATCH("/api/v1/shopping-lists/{listId}/items/{itemId}", { params: { path: { listId: list.id, itemId: item.id } }, body: { checked } })
      .then(({ response }) => {
        if (!response.ok) {
          setStatus(`Could not update ${item.name}.`);
          load(); // roll back to what the server has
        }
      })
      .catch(() => {
        enqueue(change);
        setQueued(pending().length);
      });
  }

  async function addManual(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (!list) return;
    const form = e.currentTarget;
    const text = String(new FormData(form).get("text") ?? "").trim();
    if (!text) return setManualError("Type an item, e.g. 2 lemons");
    const { error: err } = await api.POST("/api/v1/shopping-lists/{listId}/items", { params: { path: { listId: list.id } }, body: { text } });
    if (err) return setManualError(errorMessage(err));
    setManualError("");
    form.reset();
    setStatus(`Added ${text}.`);
    load();
  }

  async function makeShareLink() {
    if (!list) return;
    const { data, error: err } = await api.POST("/api/v1/shopping-lists/{listId}/share", { params: { path: { listId: list.id } } });
    if (data) setShare(`${location.origin}/shared/${encodeURIComponent(data.token)}`);
    else setStatus(errorMessage(err));
  }

  async function copyText() {
    if (!list) return;
    const text = listAsText(list);
    try {
      await navigator.clipboard.writeText(text);
      setStatus("List copied as text.");
    } catch {
      setStatus("Copy failed: select the text below instead.");
    }
  }

  if (loading) return <Loading label="Loading your shopping list…" />;
  const left = list ? list.items.filter((i) => !i.checked).length : 0;
  return (
    <section className="shopping">
      <div className="page-head">
        <h1>Shopping list</h1>
        <div className="row wrap">
          <button type="button" className={list ? "" : "primary"} onClick={generate}>{list ? "Regenerate from this week" : "Generate from this week"}</button>
        </div>
      </div>
      {!online && <p className="offline" role="status">You are offline. Check-offs are saved on this device and sync when you are back online{queued ? ` (${queued} waiting)` : ""}.</p>}
      <p className="ok" role="status" aria-live="polite">{status}</p>
      {error && <ErrorBox message={error} onRetry={load} />}
      {!list && !error && (
        <Empty>
          <p>No shopping list yet. <Link href="/plan">Plan your week</Link>, then generate one list with everything merged.</p>
        </Empty>
      )}
      {list && (
        <>
          <p className="muted">{list.name} · {dayLabel(list.fromDate)} – {dayLabel(list.toDate)} · {left} of {list.items.length} left · {list.unitSystem}</p>
          {list.groups.map((g) => (
            <section key={g.category} className="card shop-group" aria-labelledby={`g-${g.category}`}>
              <h2 id={`g-${g.category}`}>{g.category}</h2>
              <ul className="plain">
                {g.items.map((item) => (
                  <li key={item.id} className={`shop-item${item.checked ? " checked" : ""}`}>
                    <input type="checkbox" id={`i-${item.id}`} checked={item.checked} onChange={(e) => setChecked(item, e.target.checked)} aria-describedby={`s-${item.id}`} />
                    <label htmlFor={`i-${item.id}`}>
                      <span className="shop-name">{item.display}</span>
                      <small id={`s-${item.id}`} className="muted small" style={{ display: "block" }}>{sourcesText(item)}</small>
                    </label>
                  </li>
                ))}
              </ul>
            </section>
          ))}
          <section className="card" aria-labelledby="manual-h">
            <h2 id="manual-h" className="h3">Add an item</h2>
            <form onSubmit={addManual} noValidate className="row wrap">
              <Field label="Item" name="text" placeholder="e.g. 2 lemons" error={manualError} />
              <button type="submit">Add</button>
            </form>
          </section>
          <section className="card" aria-labelledby="share-h">
            <h2 id="share-h" className="h3">Share and export</h2>
            <div className="row wrap">
              <button type="button" onClick={makeShareLink}>Create share link</button>
              <button type="button" onClick={copyText}>Copy as text</button>
            </div>
            {share && (
              <div className="field">
                <label htmlFor="share-url">Read-only link (anyone with it can view the list)</label>
                <input id="share-url" readOnly value={share} onFocus={(e) => e.target.select()} />
              </div>
            )}
          </section>
        </>
      )}
    </section>
  );
}
