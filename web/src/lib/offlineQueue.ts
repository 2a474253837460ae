// Check-offs made without a connection wait here (item ids and states only, never a token)
// and are replayed when the browser is back online.
const KEY = "mp-pending-checks";

export interface PendingCheck {
  listId: string;
  itemId: string;
  checked: boolean;
}

export function pending(): PendingCheck[] {
  try {
    return JSON.parse(localStorage.getItem(KEY) ?? "[]") as PendingCheck[];
  } catch {
    return [];
  }
}

export function enqueue(change: PendingCheck): void {
  const rest = pending().filter((p) => !(p.listId === change.listId && p.itemId === change.itemId));
  localStorage.setItem(KEY, JSON.stringify([...rest, change]));
}

/** Sends queued changes in order; keeps the ones that still fail. Returns how many were sent. */
export async function flush(send: (change: PendingCheck) => Promise<boolean>): Promise<number> {
  let sent = 0;
  const left: PendingCheck[] = [];
  for (const change of pending()) {
    if (await send(change).catch(() => false)) sent++;
    else left.push(change);
  }
  if (left.length) localStorage.setItem(KEY, JSON.stringify(left));
  else localStorage.removeItem(KEY);
  return sent;
}
