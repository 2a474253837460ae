import { useEffect, useState } from "react";
import { api, errorMessage, type Schemas } from "../api/client";
import { ErrorBox, Loading } from "../components/ui";
import { dayLabel } from "../lib/week";

/** A shared list: read-only, no account needed. */
export default function SharedList({ token }: { token: string }) {
  const [list, setList] = useState<Schemas["SharedShoppingListRead"] | null>(null);
  const [error, setError] = useState("");
  useEffect(() => {
    api.GET("/api/v1/shared/shopping-lists/{token}", { params: { path: { token } } }).then(({ data, error: err }) =>
      data ? setList(data) : setError(errorMessage(err, "This link is invalid or has expired.")),
    );
  }, [token]);
  if (error) return <ErrorBox message={error} />;
  if (!list) return <Loading />;
  return (
    <section className="shopping shared">
      <h1>{list.name}</h1>
      <p className="muted">Shared shopping list · {dayLabel(list.fromDate)} – {dayLabel(list.toDate)} · read-only</p>
      {list.groups.map((g) => (
        <section key={g.category} className="card shop-group" aria-labelledby={`g-${g.category}`}>
          <h2 id={`g-${g.category}`}>{g.category}</h2>
          <ul className="plain">
            {g.items.map((item, i) => (
              <li key={i} className={`shop-item${item.checked ? " checked" : ""}`}>
                <span aria-hidden="true">{item.checked ? "☑" : "☐"}</span>
                <span className="shop-name">{item.display}</span>
                {item.checked && <span className="sr-only">(done)</span>}
              </li>
            ))}
          </ul>
        </section>
      ))}
    </section>
  );
}
