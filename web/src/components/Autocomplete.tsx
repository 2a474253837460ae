import { useEffect, useId, useRef, useState } from "react";
import { api, type Schemas } from "../api/client";

type Item = Schemas["AutocompleteItem"];

/** An ARIA 1.2 combobox over /recipes/autocomplete (typo tolerant on the server). */
export function RecipeSearchBox({ value, onChange, onSubmit, onPick }: {
  value: string;
  onChange: (v: string) => void;
  onSubmit: (v: string) => void;
  onPick: (item: Item) => void;
}) {
  const id = useId();
  const [items, setItems] = useState<Item[]>([]);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const seq = useRef(0);

  useEffect(() => {
    const q = value.trim();
    if (q.length < 2) {
      setItems([]);
      return;
    }
    const mine = ++seq.current;
    const timer = setTimeout(async () => {
      const { data } = await api.GET("/api/v1/recipes/autocomplete", { params: { query: { q } } });
      if (mine === seq.current && data) {
        setItems(data.slice(0, 8));
        setActive(-1);
      }
    }, 150);
    return () => clearTimeout(timer);
  }, [value]);

  const listId = `${id}-list`;
  const showList = open && items.length > 0;
  return (
    <div className="combo">
      <label htmlFor={id}>Search recipes</label>
      <input
        id={id}
        type="search"
        role="combobox"
        aria-expanded={showList}
        aria-controls={listId}
        aria-autocomplete="list"
        aria-activedescendant={showList && active >= 0 ? `${listId}-${active}` : undefined}
        autoComplete="off"
        placeholder="e.g. chickpea curry"
        value={value}
        onChange={(e) => {
          onChange(e.target.value);
          setOpen(true);
        }}
        onBlur={() => setTimeout(() => setOpen(false), 150)}
        onKeyDown={(e) => {
          if (e.key === "ArrowDown" && items.length) {
            e.preventDefault();
            setOpen(true);
            setActive((a) => (a + 1) % items.length);
          } else if (e.key === "ArrowUp" && items.length) {
            e.preventDefault();
            setActive((a) => (a <= 0 ? items.length - 1 : a - 1));
          } else if (e.key === "Enter") {
            e.preventDefault();
            if (showList && active >= 0) onPick(items[active]);
            else onSubmit(value);
            setOpen(false);
          } else if (e.key === "Escape") {
            setOpen(false);
          }
        }}
      />
      <ul id={listId} role="listbox" aria-label="Suggestions" className="combo-list" hidden={!showList}>
        {items.map((item, i) => (
          <li
            key={item.id}
            id={`${listId}-${i}`}
            role="option"
            aria-selected={i === active}
            className={i === active ? "active" : undefined}
            onMouseDown={(e) => {
              e.preventDefault();
              onPick(item);
              setOpen(false);
            }}
          >
            {item.name}
          </li>
        ))}
      </ul>
    </div>
  );
}
