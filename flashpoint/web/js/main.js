// flashpoint monitor: plain ES modules, no build step, everything from /static. The state is the
// URL (state.js); each change redraws only the panels it concerns, and a newer change wins over
// an older one still loading.
import { $, el, getJSON } from "./util.js";
import * as State from "./state.js";
import * as Filters from "./filters.js";
import { EventMap } from "./map.js";
import { Timeline } from "./timeline.js";
import { EventTable, PAGE } from "./table.js";
import { showEvidence } from "./evidence.js";
import { drawFocus, drawOverview, unitFilters } from "./overview.js";

const MAP_LIMIT = 2000;
const UNIT_KEYS = ["country", "region", "actor", "recipient"];
// The panels the filters concern (all but the overview), and every panel.
const FILTERED = ["table", "map", "timeline", "summary"];
const ALL = ["overview", ...FILTERED];

let state = State.read();
let meta = null;
const generations = {};
const debug = { state: () => state, generation: 0, timeline: () => timeline, map: () => map.map, borders: () => map.countries };
window.flashpoint = debug;

const map = new EventMap((id, from) => selectEvent(id, from), (code) => drillTo("country", code),
  (bbox) => { if ($("f-in-view").checked && bbox !== state.bbox) { state.bbox = bbox; state.page = "1"; commit(false, FILTERED); } });
const timeline = new Timeline((range) => {
  state.since = range ? range[0] : "";
  state.until = range ? range[1] : "";
  state.page = "1";
  Filters.fill(state);
  commit(true, ["table", "map", "summary"]);
});
const table = new EventTable((id, from) => selectEvent(id, from),
  (key) => { state.sort = state.sort === "-" + key ? key : "-" + key; state.page = "1"; commit(true, ["table"]); },
  (which) => {
    const page = Number(state.page) || 1;
    const next = { first: 1, prev: page - 1, next: page + 1, last: table.pages }[which];
    state.page = String(Math.max(1, Math.min(table.pages || 1, next)));
    commit(true, ["table"]).then(() => $("events-h").focus());
  });

function setStatus(text, retry) {
  const box = $("status");
  box.replaceChildren(text || "");
  if (retry) box.append(" ", el("button", { type: "button", onclick: retry }, "Retry"));
}

// Push (or replace) the URL for the state, then redraw `parts`.
function commit(push, parts) {
  State.write(state, push);
  return render(parts);
}

function fresh(part) {
  const g = (generations[part] || 0) + 1;
  generations[part] = g;
  return () => generations[part] === g;
}

async function render(parts = ALL) {
  const gen = ++debug.generation;
  document.body.dataset.loading = "1";
  setStatus("Loading…");
  const jobs = parts.map((p) => ({ overview: loadOverview, table: loadTable, map: loadMap, timeline: loadTimeline, summary: loadSummary }[p]()));
  const results = await Promise.allSettled(jobs);
  if (gen !== debug.generation) return;
  const failed = results.filter((r) => r.status === "rejected").map((r) => r.reason && r.reason.message || String(r.reason));
  if (failed.length) setStatus("Could not load: " + [...new Set(failed)].join("; "), () => render(parts));
  else setStatus("");
  delete document.body.dataset.loading;
  document.body.dataset.loaded = String(gen);
}

async function loadOverview() {
  for (const tab of document.querySelectorAll("#by-tabs [role=tab]")) {
    const on = tab.dataset.by === state.by;
    tab.setAttribute("aria-selected", String(on));
    tab.tabIndex = on ? 0 : -1;
  }
  $("f-as_of").value = state.as_of;
  const current = fresh("overview");
  const data = await getJSON("/api/overview?" + new URLSearchParams({ by: state.by, ...(state.as_of ? { as_of: state.as_of } : {}) }));
  if (!current()) return;
  drawOverview(data, { onUnit: drillTo, onEvent: (id) => selectEvent(id, "alert") });
  if (state.shade === "escalation") await loadSummary();
}

async function loadTable() {
  const current = fresh("table");
  const page = Math.max(1, Number(state.page) || 1);
  table.showSort(state.sort);
  const params = State.filterParams(state, { sort: state.sort, limit: PAGE, offset: (page - 1) * PAGE });
  exportLinks();
  try {
    const data = await getJSON("/api/events?" + params);
    if (!current()) return;
    table.draw(data, page, state.event, clearFilters);
    if (state.event) table.select(state.event);
    return data;
  } catch (err) {
    if (current()) table.error(err.message, () => render(["table"]));
    throw err;
  }
}

async function loadMap() {
  const current = fresh("map");
  const data = await getJSON("/api/points?" + State.filterParams(state, { features: MAP_LIMIT, sort: "-date" }));
  if (!current()) return;
  map.draw(data.points, data.capped);
  if (state.event) map.select(state.event, false);
}

async function loadTimeline() {
  const current = fresh("timeline");
  // All filters but the dates: the timeline shows the whole span, the dates as its brushed range.
  const params = State.filterParams({ ...state, since: "", until: "" }, { bin: state.bin || "auto" });
  const data = await getJSON("/api/timeline?" + params);
  if (!current()) return;
  timeline.range = state.since || state.until ? [state.since, state.until] : null;
  timeline.set(data.rows, data.bin);
  $("f-bin").value = state.bin;
}

async function loadSummary() {
  const current = fresh("summary");
  const focus = State.hasUnit(state);
  const [summary, esc, latest] = await Promise.all([
    getJSON("/api/summary?" + State.filterParams(state, focus ? { detail: 1, parties: 5 } : {})),
    state.shade === "escalation" ? getJSON("/api/escalation?by=country" + (state.as_of ? "&as_of=" + state.as_of : "")) : null,
    focus ? getJSON("/api/events?" + State.filterParams(state, { sort: "-date", limit: 3 })) : null,
  ]);
  if (!current()) return;
  if (esc) {
    const values = {}, numeric = {};
    for (const r of esc.rows) {
      values[r.unit] = { category: r.category, value: r.last_week, text: r.category + ", " + r.last_week + " conflict events this week" };
      numeric[r.unit] = r.iso_numeric;
    }
    map.shade(values, numeric, "escalation");
  } else {
    const values = {};
    for (const [code, n] of Object.entries(summary.by_country)) values[code] = { value: n, text: n + " event(s)" };
    map.shade(values, summary.numeric, "events");
  }
  if (focus) drawFocus(state, summary, focusLabel(summary), latest.events, {
    onEvent: (id) => selectEvent(id, "focus"), onParty: (name) => { state.actor = name; state.recipient = ""; state.page = "1"; Filters.fill(state); commit(true, ALL); },
  });
  else $("focus-panel").hidden = true;
}

function focusLabel(summary) {
  const name = (c) => (summary.country_names && summary.country_names[c.toUpperCase()]) || c;
  if (state.actor || state.recipient) return (state.actor ? name(state.actor) : "anyone") + " → " + (state.recipient ? name(state.recipient) : "anyone");
  if (state.region) return state.region + (state.country ? ", " + name(state.country) : "");
  return name(state.country);
}

function exportLinks() {
  const params = State.filterParams(state, { sort: state.sort });
  $("export-csv").href = "/api/export?format=csv&" + params;
  $("export-geojson").href = "/api/export?format=geojson&" + params;
}

async function selectEvent(id, from) {
  state.event = id;
  State.write(state, true);
  table.select(id);
  map.select(id, from !== "map");
  const current = fresh("evidence");
  try {
    await showEvidence(id, current);
  } catch (err) {
    if (current()) $("evidence").replaceChildren(el("p", { role: "alert" }, "Could not load the evidence: " + err.message + " "),
      el("button", { type: "button", onclick: () => selectEvent(id, from) }, "Retry"));
  }
  if (!current()) return;
  if (from === "keyboard" || from === "alert" || from === "focus" || window.matchMedia("(max-width: 900px)").matches) {
    $("evidence-panel").scrollIntoView({ block: "start" });
    $("evidence-h").focus({ preventScroll: true });
  }
}

function drillTo(by, unit) {
  for (const k of UNIT_KEYS) state[k] = "";
  Object.assign(state, unitFilters(by, unit));
  state.page = "1";
  Filters.fill(state);
  return commit(true, FILTERED).then(() => {
    $("focus-panel").scrollIntoView({ block: "start" });
    $("focus-h").focus({ preventScroll: true });
  });
}

function clearFilters() {
  for (const k of State.FILTERS) state[k] = "";
  state.page = "1";
  Filters.fill(state);
  return commit(true, FILTERED);
}

function onFilters() {
  Filters.readInto(state);
  if ($("f-in-view").checked && !state.bbox) state.bbox = map.bbox();
  state.page = "1";
  return commit(true, FILTERED);
}

// The panels a change of state concerns: the filters all but the overview; the sort and the page
// the table; the overview's unit and day the overview; the bins the timeline; the shading the map.
function partsFor(before, after) {
  const changed = (keys) => keys.some((k) => before[k] !== after[k]);
  const parts = new Set();
  if (changed(State.FILTERS)) FILTERED.forEach((p) => parts.add(p));
  if (changed(["sort", "page"])) parts.add("table");
  if (changed(["by", "as_of"])) parts.add("overview");
  if (changed(["bin"])) parts.add("timeline");
  if (changed(["shade"])) parts.add("summary");
  return [...parts];
}

// Show the view of the URL's state (or of `params`, for tests and benchmarks); resolves once drawn.
function show(next, push) {
  const before = state;
  state = next;
  Filters.fill(state);
  $("f-shade").value = state.shade;
  if (push) State.write(state, true);
  return render(partsFor(before, state)).then(() => {
    if (state.event && state.event !== before.event) return selectEvent(state.event, "url");
  });
}
debug.apply = (params) => show(State.read("?" + new URLSearchParams(params)), true);

async function main() {
  try {
    meta = await getJSON("/api/meta");
  } catch (err) {
    setStatus("The server cannot be reached: " + err.message, () => location.reload());
    document.body.dataset.ready = "error";
    return;
  }
  Filters.build(meta, onFilters);
  Filters.fill(state);
  $("f-reset").addEventListener("click", clearFilters);
  $("focus-close").addEventListener("click", () => {
    for (const k of UNIT_KEYS) state[k] = "";
    Filters.fill(state);
    commit(true, FILTERED).then(() => $("overview-h").focus());
  });
  for (const tab of document.querySelectorAll("#by-tabs [role=tab]")) {
    tab.addEventListener("click", () => { state.by = tab.dataset.by; commit(true, ["overview"]); });
    tab.addEventListener("keydown", (e) => {
      const tabs = [...document.querySelectorAll("#by-tabs [role=tab]")];
      const i = tabs.indexOf(tab) + (e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0);
      if (i !== tabs.indexOf(tab)) { const t = tabs[(i + tabs.length) % tabs.length]; t.focus(); t.click(); }
    });
  }
  $("f-as_of").addEventListener("change", (e) => { state.as_of = e.target.value; commit(true, ["overview"]); });
  $("f-bin").addEventListener("change", (e) => { state.bin = e.target.value; commit(true, ["timeline"]); });
  $("f-shade").value = state.shade;
  $("f-shade").addEventListener("change", (e) => { state.shade = e.target.value; commit(true, ["summary"]); });
  $("f-in-view").addEventListener("change", () => onFilters());
  window.addEventListener("popstate", () => show(State.read(), false));
  const borders = getJSON("/static/vendor/world-atlas/countries-110m.json").then((topo) => map.loadBorders(topo));
  if (state.bbox) {
    const [w, s, e, n] = state.bbox.split(",").map(Number);
    if ([w, s, e, n].every(Number.isFinite)) map.map.fitBounds([[s, w], [n, e]]);
  }
  await borders.catch((err) => setStatus("The borders could not be drawn: " + err.message));
  await render(ALL);
  if (state.event) await selectEvent(state.event, "url");
  document.body.dataset.ready = "1";
}

main();
