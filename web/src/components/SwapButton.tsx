import { useId, useState } from "react";
import { api, errorMessage, type Schemas } from "../api/client";

/** "Swap" an ingredient: substitutes from /ai/substitutions with ratio and why they fit. */
export function SwapButton({ recipeId, ingredient }: { recipeId: string; ingredient: string }) {
  const id = useId();
  const [open, setOpen] = useState(false);
  const [result, setResult] = useState<Schemas["SubstitutionsRead"] | null>(null);
  const [error, setError] = useState("");

  async function toggle() {
    const next = !open;
    setOpen(next);
    if (next && !result) {
      const { data, error: err } = await api.POST("/api/v1/ai/substitutions", { body: { ingredient, recipeId } });
      if (data) setResult(data);
      else setError(errorMessage(err, "No substitutes found"));
    }
  }

  return (
    <div className="swap">
      <button type="button" className="icon" aria-expanded={open} aria-controls={id} onClick={toggle} aria-label={`Swap ${ingredient}`}>
        Swap
      </button>
      {open && (
        <div id={id} className="swap-panel" role="region" aria-label={`Substitutes for ${ingredient}`}>
          {!result && !error && <p className="small">Finding substitutes…</p>}
          {error && <p className="small form-error">{error}</p>}
          {result && result.substitutes.length === 0 && <p className="small">No known substitutes for {ingredient}.</p>}
          {result && result.substitutes.length > 0 && (
            <ul className="plain">
              {result.substitutes.slice(0, 4).map((s) => (
                <li key={s.substitute}>
                  <strong>{s.substitute}</strong> <span className="muted small">({s.ratio})</span>
                  {s.reasons.length > 0 && <div className="small">{s.reasons.join("; ")}</div>}
                  {s.note && <div className="small muted">{s.note}</div>}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}
