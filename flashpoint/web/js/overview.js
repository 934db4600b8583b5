// The overview: the week judged, the units ranked most escalating first with their trend, the
// share of material conflict and the reasons in words; the week's alerts with their evidence.
// Choosing a unit drills down to it; choosing an alert's event opens its evidence.
import { $, el, fmtDay, svg } from "./util.js";
import { CATEGORIES } from "./map.js";

const ALERT_SHOWN = 12;

export function sparkline(weekly, label) {
  const w = 96, h = 24, max = Math.max(1, ...weekly);
  const step = w / Math.max(1, weekly.length - 1);
  const pts = weekly.map((n, i) => (i * step).toFixed(1) + "," + (h - 2 - (n / max) * (h - 4)).toFixed(1)).join(" ");
  const root = svg("svg", { class: "spark", width: w, height: h, viewBox: "0 0 " + w + " " + h, role: "img", "aria-label": label });
  root.append(svg("polyline", { points: pts }));
  const lastY = h - 2 - (weekly[weekly.length - 1] / max) * (h - 4);
  root.append(svg("circle", { cx: w, cy: lastY, r: 2.5 }));
  return root;
}

// The filters that show a unit: a country, a region of one, or a dyad's actor and recipient.
export function unitFilters(by, unit) {
  if (by === "admin1") { const [country, region] = unit.split("/"); return { country, region }; }
  if (by === "dyad") { const [actor, recipient] = unit.split(">"); return { actor, recipient }; }
  return { country: unit };
}

export function drawOverview(data, handlers) {
  const period = $("overview-period");
  const head = $("as-of");
  if (!data.as_of) {
    head.textContent = "No dated events in the store yet.";
    period.textContent = "";
    $("escalation").replaceChildren(el("li", { class: "empty" }, "Nothing to rank: ingest some articles first (flashpoint ingest)."));
    $("alerts").replaceChildren();
    return;
  }
  const [start, end] = data.week;
  head.textContent = "Week of " + fmtDay(start) + " – " + fmtDay(end) + ", judged against the 4 and the 52 weeks before";
  period.textContent = "Conflict events (quads 3 and 4) in the week to " + fmtDay(end) + " against the weekly means of "
    + fmtDay(data.baseline["4w"][0]) + " – " + fmtDay(data.baseline["4w"][1]) + " and of the year before. "
    + data.units + " unit(s) with conflict events this year.";
  const list = $("escalation");
  list.replaceChildren();
  for (const r of data.rows) {
    const spark = sparkline(r.weekly, "conflict events in each of the last " + r.weekly.length + " weeks: " + r.weekly.join(", "));
    const chip = el("span", { class: "chip", style: "background:" + (CATEGORIES[r.category] || "#eee") + ";color:" + (r.category === "large decrease" ? "#fff" : "#111") }, r.category);
    const button = el("button", { type: "button", class: "unit", "data-unit": r.unit },
      el("span", { class: "unit-name" }, r.label), chip);
    button.addEventListener("click", () => handlers.onUnit(data.by, r.unit));
    const figures = el("p", { class: "figures" }, spark,
      el("span", {}, r.last_week + " this week · " + r.mean_4w + " a week before · " + Math.round(r.material_share * 100) + "% material"));
    list.append(el("li", { class: "unit-row cat-" + r.category.replace(/ /g, "-") }, button, figures,
      el("ul", { class: "reasons" }, r.reasons.map((x) => el("li", {}, x)))));
  }
  if (!data.rows.length) list.append(el("li", { class: "empty" }, "No conflict events in the 53 weeks to " + fmtDay(end) + "."));
  const alerts = $("alerts");
  alerts.replaceChildren();
  // Escalations and first events, newest first; new actors, the commonest alert, on one line.
  const strong = data.alerts.filter((a) => a.alert !== "new_actor").reverse();
  for (const a of strong.slice(0, ALERT_SHOWN)) alerts.append(alertItem(a, handlers));
  if (strong.length > ALERT_SHOWN) alerts.append(el("li", { class: "hint" }, (strong.length - ALERT_SHOWN) + " older alert(s) this week: GET /api/alerts lists them all."));
  const actors = data.alerts.filter((a) => a.alert === "new_actor").map((a) => a.actor);
  if (actors.length) {
    alerts.append(el("li", { class: "alert actor" }, actors.length + " new actor(s): " + actors.slice(0, ALERT_SHOWN).join(", ")
      + (actors.length > ALERT_SHOWN ? " and " + (actors.length - ALERT_SHOWN) + " more" : "")));
  }
  if (!data.alerts.length) alerts.append(el("li", { class: "empty" }, "No alerts this week."));
}

function alertItem(a, handlers) {
  const day = el("span", { class: "alert-day" }, fmtDay(a.date, false));
  if (a.alert === "escalation") {
    return el("li", { class: "alert escalation" }, day, " ",
      el("button", { type: "button", class: "link", onclick: () => handlers.onUnit(a.kind, a.unit) }, a.unit),
      " turned to large increase: " + (a.index.reasons || []).slice(0, 2).join("; "));
  }
  if (a.alert === "first_event") {
    return el("li", { class: "alert first" }, day, " first " + a.type + " from " + a.actor + " into " + a.recipient + ": ",
      el("button", { type: "button", class: "link", onclick: () => handlers.onEvent(a.event_id, "alert") },
        "“" + (a.evidence || "the event") + "”"));
  }
  return el("li", { class: "alert" }, day, " " + a.alert);
}

export function drawFocus(s, summary, label, latest, handlers) {
  const panel = $("focus-panel");
  $("focus-h").textContent = label;
  const q = summary.by_quad || {};
  const total = summary.events || 0;
  const bars = el("div", { class: "quad-bars", role: "img", "aria-label": "events by quad: " + [1, 2, 3, 4].map((k) => "Q" + k + " " + (q[k] || 0)).join(", ") },
    [1, 2, 3, 4].map((k) => el("span", { class: "qbar q" + k, style: "flex:" + (q[k] || 0), title: "Q" + k + ": " + (q[k] || 0) })));
  const people = (rows) => el("ol", { class: "parties" }, (rows || []).map((r) =>
    el("li", {}, el("button", { type: "button", class: "link", onclick: () => handlers.onParty(r.actor) }, r.actor), " (" + r.events + ")")));
  const body = [
    el("p", {}, total + " event(s)" + (summary.first ? " from " + fmtDay(summary.first) + " to " + fmtDay(summary.last) : "") + ", " + (summary.dead || 0) + " reported dead"),
    bars,
    el("div", { class: "focus-cols" },
      el("div", {}, el("h3", {}, "Main actors"), people(summary.actors)),
      el("div", {}, el("h3", {}, "Main recipients"), people(summary.recipients))),
    summary.parties_of < total ? el("p", { class: "hint" }, "Actors and recipients of the newest " + summary.parties_of + " events.") : null,
    el("h3", {}, "Latest evidence"),
    el("ul", { class: "latest" }, latest.map((e) => el("li", {}, el("span", { class: "alert-day" }, e.date || "undated"), " ",
      el("button", { type: "button", class: "link", onclick: () => handlers.onEvent(e.id, "focus") }, "“" + ((e.evidence && e.evidence.text) || e.id) + "”")))),
    el("p", { class: "hint" }, "The chronology is the timeline and the table below, filtered to this " + (s.actor || s.recipient ? "dyad or party" : "place") + "."),
  ];
  $("focus-body").replaceChildren(...body);
  panel.hidden = false;
}
