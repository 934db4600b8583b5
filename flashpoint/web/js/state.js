// The view's state lives in the URL: every filter, the sort, the page, the chosen event, the
// overview's unit and day, the timeline's bins and the map's shading. A change pushes a history
// entry, so a view can be shared and the back button returns to the one before.

export const FILTERS = ["since", "until", "country", "region", "actor", "recipient", "type", "quad", "acled", "mode",
  "q", "min_sources", "min_confidence", "bbox"];
const VIEW = { sort: "-date", page: "1", event: "", by: "country", as_of: "", bin: "", shade: "events" };

export function read(search = location.search) {
  const p = new URLSearchParams(search);
  const s = {};
  for (const k of FILTERS) s[k] = p.get(k) || "";
  for (const [k, d] of Object.entries(VIEW)) s[k] = p.get(k) || d;
  return s;
}

// Only what differs from the defaults goes into the URL.
export function toSearch(s) {
  const p = new URLSearchParams();
  for (const k of FILTERS) if (s[k]) p.set(k, s[k]);
  for (const [k, d] of Object.entries(VIEW)) if (s[k] && s[k] !== d) p.set(k, s[k]);
  const q = p.toString();
  return q ? "?" + q : "";
}

export function write(s, push) {
  const url = location.pathname + toSearch(s);
  if (url === location.pathname + location.search) return;
  if (push) history.pushState(null, "", url); else history.replaceState(null, "", url);
}

// The API's filter parameters (no view state).
export function filterParams(s, extra) {
  const p = new URLSearchParams();
  for (const k of FILTERS) if (s[k]) p.set(k, s[k]);
  for (const [k, v] of Object.entries(extra || {})) if (v !== "" && v != null) p.set(k, v);
  return p;
}

export function hasUnit(s) {
  return Boolean(s.country || s.region || s.actor || s.recipient);
}
