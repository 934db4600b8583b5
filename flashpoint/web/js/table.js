// The events table: one page of the server's result, newest first unless a header says otherwise;
// each row is focusable and opens its event with Enter, as a click does.
import { $, el, fmtInt } from "./util.js";

export const PAGE = 50;
const PLACE_LEVEL = { 1: "country", 2: "region", 3: "district", 4: "town", 5: "exact place" };

function parties(list) {
  return (list || []).map((a) => a.name || a.code || a.text || "").filter(Boolean).join(", ");
}

export class EventTable {
  constructor(onEvent, onSort, onPage) {
    this.onEvent = onEvent;
    this.body = $("events-table").querySelector("tbody");
    for (const th of document.querySelectorAll("#events-table th[data-sort]")) {
      const key = th.dataset.sort;
      const button = el("button", { type: "button", class: "sort" }, th.textContent);
      button.addEventListener("click", () => onSort(key));
      th.replaceChildren(button);
    }
    for (const b of document.querySelectorAll(".pager button")) b.addEventListener("click", () => onPage(b.dataset.page));
  }

  showSort(sort) {
    const key = sort.replace(/^-/, ""), down = sort.startsWith("-");
    for (const th of document.querySelectorAll("#events-table th[data-sort]")) {
      const on = th.dataset.sort === key;
      th.setAttribute("aria-sort", on ? (down ? "descending" : "ascending") : "none");
      th.querySelector("button").dataset.dir = on ? (down ? "↓" : "↑") : "";
    }
  }

  draw(data, page, selected, onClear) {
    const rows = data.events || [];
    this.body.replaceChildren();
    for (const e of rows) {
      const loc = e.event_loc || {};
      const level = PLACE_LEVEL[loc.resolution];
      const date = el("td", {}, e.date || "undated");
      if (e.date && !e.date_stated) {
        date.append(el("span", { class: "approx-mark", title: "the reports give no day: this is the day the first was published" }, " (pub.)"));
      }
      const sources = el("td", { title: e.mentions + " mention(s) in " + e.articles + " article(s); first from " + (e.first_outlet || "?") },
        e.sources == null ? "" : String(e.sources));
      const tr = el("tr", { "data-id": e.id, tabindex: "0", class: "quad-" + e.quad_code,
        "aria-label": (e.date || "undated") + " " + (e.event || []).join(", ") + " " + (loc.resolved_place || loc.extracted_place || "") },
      date,
      el("td", {}, el("span", { class: "quad-dot q" + e.quad_code, "aria-hidden": "true" }), (e.event || []).join(", ")),
      el("td", {}, parties(e.actor)),
      el("td", {}, parties(e.recipient)),
      el("td", {}, loc.resolved_place || loc.extracted_place || "", level ? el("span", { class: "level" }, " · " + level) : null),
      el("td", { class: "num" }, (e.size && e.size.dead) || ""),
      sources,
      el("td", { class: "num" }, e.confidence == null ? "" : e.confidence.toFixed(2)));
      if (e.id === selected) tr.classList.add("selected");
      tr.addEventListener("click", () => this.onEvent(e.id, "table"));
      tr.addEventListener("keydown", (ev) => {
        if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); this.onEvent(e.id, "keyboard"); }
      });
      this.body.append(tr);
    }
    const total = data.total || 0;
    if (!rows.length) {
      this.body.append(el("tr", { class: "empty" }, el("td", { colspan: "8" },
        total ? "No events on this page. " : "No events match these filters. ",
        el("button", { type: "button", onclick: onClear }, "Clear filters"))));
    }
    const pages = Math.max(1, Math.ceil(total / PAGE));
    const from = total ? (page - 1) * PAGE + 1 : 0, to = Math.min(total, page * PAGE);
    $("event-count").textContent = total ? "(" + fmtInt(from) + "–" + fmtInt(to) + " of " + fmtInt(total) + ")" : "(none)";
    $("page-info").textContent = "Page " + fmtInt(page) + " of " + fmtInt(pages);
    const [first, prev, next, last] = document.querySelectorAll(".pager button");
    first.disabled = prev.disabled = page <= 1;
    next.disabled = last.disabled = page >= pages;
    this.pages = pages;
  }

  select(id) {
    for (const tr of this.body.querySelectorAll("tr[data-id]")) tr.classList.toggle("selected", tr.dataset.id === id);
  }

  error(message, retry) {
    this.body.replaceChildren(el("tr", { class: "empty" }, el("td", { colspan: "8", role: "alert" },
      "Could not load the events: " + message + " ", el("button", { type: "button", onclick: retry }, "Retry"))));
    $("event-count").textContent = "";
  }
}
