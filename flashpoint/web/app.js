/* flashpoint dashboard: plain JS, no build step, everything served from /static. */
(function () {
  "use strict";

  const TYPES = ["AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT", "REQUEST",
    "ACCUSE", "REJECT", "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT"];
  const QUADS = {
    1: { name: "verbal cooperation", color: "#43a047" },
    2: { name: "material cooperation", color: "#1e88e5" },
    3: { name: "verbal conflict", color: "#fb8c00" },
    4: { name: "material conflict", color: "#e53935" },
  };
  const CATEGORIES = {
    "large increase": "#d73027",
    "moderate increase": "#fc8d59",
    "limited change": "#fee08b",
    "large decrease": "#91bfdb",
  };
  const FILTERS = ["since", "until", "country", "actor", "type", "mode"];
  const $ = (id) => document.getElementById(id);
  const state = { generation: 0, selected: null, days: [] };
  window.flashpoint = state;  // for debugging and tests

  function setStatus(text) { $("status").textContent = text || ""; }

  async function getJSON(url) {
    const r = await fetch(url, { headers: { Accept: "application/json" } });
    if (!r.ok) throw new Error(url + ": HTTP " + r.status);
    return r.json();
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") node.className = v; else node.setAttribute(k, v);
    }
    for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(c == null ? "" : String(c)));
    return node;
  }

  function escapeHTML(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  }

  // ---------- filters ----------
  function filterParams() {
    const p = new URLSearchParams();
    for (const f of FILTERS) {
      let v = $("f-" + f).value.trim();
      if (!v) continue;
      if (f === "country" || f === "actor") v = v.toUpperCase();
      p.set(f, v);
    }
    return p;
  }

  function initFilters() {
    const sel = $("f-type");
    for (const t of TYPES) sel.append(el("option", { value: t }, t));
    const form = $("filters");
    form.addEventListener("change", () => reload());
    form.addEventListener("submit", (e) => { e.preventDefault(); reload(); });
    $("f-reset").addEventListener("click", () => {
      for (const f of FILTERS) $("f-" + f).value = "";
      drawBrush(null);
      reload();
    });
  }

  // ---------- map ----------
  let map, markers, countryLayer;

  function initMap() {
    map = L.map("map", { worldCopyJump: true, minZoom: 1, maxZoom: 10, attributionControl: true, preferCanvas: false });
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution("Borders: Natural Earth via world-atlas");
    map.setView([25, 15], 2);
    markers = L.layerGroup().addTo(map);
    const legend = $("legend");
    for (const [q, d] of Object.entries(QUADS)) {
      legend.append(el("span", {}, el("span", { class: "swatch", style: "background:" + d.color + ";border-radius:50%" }), "Q" + q + " " + d.name));
    }
    for (const [c, color] of Object.entries(CATEGORIES)) {
      legend.append(el("span", {}, el("span", { class: "swatch", style: "background:" + color }), c));
    }
  }

  async function loadCountries() {
    const [topo, esc] = await Promise.all([
      getJSON("/static/vendor/world-atlas/countries-110m.json"),
      getJSON("/api/escalation?by=country").catch(() => ({ rows: [] })),
    ]);
    const byNumeric = {};
    for (const row of esc.rows || []) if (row.iso_numeric) byNumeric[row.iso_numeric] = row;
    const geo = topojson.feature(topo, topo.objects.countries);
    countryLayer = L.geoJSON(geo, {
      style: (f) => {
        const row = byNumeric[f.id];
        const color = row && CATEGORIES[row.category];
        return {
          className: color ? "country country-shaded" : "country",
          color: "#78909c", weight: 0.6, fillColor: color || "#fafafa", fillOpacity: color ? 0.75 : 1,
        };
      },
      onEachFeature: (f, layer) => {
        const row = byNumeric[f.id];
        let tip = "<b>" + escapeHTML(f.properties && f.properties.name) + "</b>";
        if (row) tip += "<br>" + escapeHTML(row.unit) + ": " + escapeHTML(row.category) + "<br>last week " + escapeHTML(row.last_week) + ", 4-week mean " + escapeHTML(Number(row.mean_4w).toFixed(1));
        layer.bindTooltip(tip, { sticky: true });
      },
    });
    countryLayer.addTo(map);
    countryLayer.bringToBack();
    state.shaded = Object.keys(byNumeric).length;
  }

  function drawPoints(fc) {
    markers.clearLayers();
    for (const f of fc.features || []) {
      const [lon, lat] = f.geometry.coordinates;
      const p = f.properties || {};
      const quad = QUADS[p.quad_code] || { color: "#555", name: "?" };
      const m = L.circleMarker([lat, lon], {
        radius: 5 + Math.min(6, Math.sqrt(p.dead || 0)), color: "#222", weight: 1, fillColor: quad.color, fillOpacity: 0.85,
        className: "event-marker quad-" + p.quad_code,
      });
      const ev = Array.isArray(p.event) ? p.event.join(", ") : p.event;
      m.bindTooltip(escapeHTML(p.date) + " " + escapeHTML(ev) + "<br>" + escapeHTML(p.place || "") + (p.dead ? "<br>dead: " + escapeHTML(p.dead) : ""));
      m.on("click", () => showEvent(p.id));
      markers.addLayer(m);
    }
  }

  // ---------- table ----------
  function codes(list) { return (list || []).map((a) => a.code || a.text || "").filter(Boolean).join(", "); }

  function drawTable(data) {
    const tbody = $("events-table").querySelector("tbody");
    tbody.replaceChildren();
    for (const e of data.events || []) {
      const loc = e.event_loc || {};
      const tr = el("tr", { "data-id": e.id, class: "quad-" + e.quad_code },
        el("td", {}, e.date),
        el("td", {}, (e.event || []).join(", ")),
        el("td", {}, codes(e.actor)),
        el("td", {}, codes(e.recipient)),
        el("td", {}, loc.resolved_place || loc.extracted_place || ""),
        el("td", {}, (e.size && e.size.dead) || ""),
        // Outlets, not sentences: an event told 45 times by one outlet has one source.
        el("td", { title: (e.mentions || 0) + " mention(s) in " + (e.articles || 0) + " article(s)" },
          e.sources == null ? "" : e.sources));
      if (e.id === state.selected) tr.classList.add("selected");
      tr.addEventListener("click", () => showEvent(e.id));
      tbody.append(tr);
    }
    $("event-count").textContent = "(" + (data.events || []).length + " of " + data.total + ")";
  }

  // ---------- evidence ----------
  async function showEvent(id) {
    state.selected = id;
    for (const tr of document.querySelectorAll("#events-table tbody tr")) tr.classList.toggle("selected", tr.dataset.id === id);
    const box = $("evidence");
    box.replaceChildren(el("p", { class: "hint" }, "loading…"));
    try {
      const ev = await getJSON("/api/events/" + encodeURIComponent(id));
      const parts = [el("p", {}, el("b", {}, (ev.event || []).join(", ")), " ", ev.date || "", " — ",
        codes(ev.actor) || "?", " → ", codes(ev.recipient) || "?")];
      const reports = ev.reports || [];
      // Each distinct article once, all at the same time; one that cannot be read is null.
      const ids = [...new Set(reports.map((r) => r.article_id))];
      const fetched = await Promise.all(ids.map((aid) =>
        getJSON("/api/articles/" + encodeURIComponent(aid)).catch(() => null)));
      const articles = new Map(ids.map((aid, i) => [aid, fetched[i]]));
      for (const r of reports) {
        const div = el("div", { class: "report", "data-article": r.article_id });
        const art = articles.get(r.article_id);
        const title = (art && art.title) || r.title || r.article_id;
        const url = (art && art.url) || r.url;
        const head = el("p", {}, el("b", {}, title), " ", r.outlet || "", " ", r.published || r.date || "");
        if (url && /^https?:\/\//.test(url)) head.append(" ", el("a", { href: url, rel: "noopener noreferrer", target: "_blank" }, "link"));
        div.append(head);
        const text = art && art.text;
        const body = el("div", { class: "article-text" });
        if (text && r.start != null && r.end != null && r.end <= text.length) {
          body.append(text.slice(0, r.start), el("mark", {}, text.slice(r.start, r.end)), text.slice(r.end));
        } else {
          body.append(el("mark", {}, r.evidence || ""));
        }
        div.append(body);
        parts.push(div);
      }
      if (state.selected === id) box.replaceChildren(...parts);
    } catch (err) {
      box.replaceChildren(el("p", { class: "hint" }, String(err.message || err)));
    }
  }

  // ---------- timeline ----------
  const SVGNS = "http://www.w3.org/2000/svg";
  const M = { left: 34, right: 60, top: 10, bottom: 22 };
  function svg(tag, attrs) {
    const n = document.createElementNS(SVGNS, tag);
    for (const [k, v] of Object.entries(attrs || {})) n.setAttribute(k, v);
    return n;
  }
  function addDay(iso, n) {
    const d = new Date(iso + "T00:00:00Z");
    d.setUTCDate(d.getUTCDate() + n);
    return d.toISOString().slice(0, 10);
  }

  async function loadTimeline() {
    const data = await getJSON("/api/series?by=country");
    const byDate = {};
    for (const r of data.rows || []) {
      const d = byDate[r.date] || (byDate[r.date] = { 1: 0, 2: 0, 3: 0, 4: 0, intensity: 0 });
      if (d[r.quad] != null) d[r.quad] += r.events || 0;
      if (r.quad >= 3) d.intensity += Math.max(0, -(r.scale || 0));
    }
    const dates = Object.keys(byDate).sort();
    state.days = [];
    if (dates.length) {
      for (let d = dates[0]; d <= dates[dates.length - 1]; d = addDay(d, 1)) {
        state.days.push({ date: d, ...(byDate[d] || { 1: 0, 2: 0, 3: 0, 4: 0, intensity: 0 }) });
      }
    }
    drawTimeline();
  }

  function drawTimeline() {
    const root = $("timeline");
    root.replaceChildren();
    const W = root.clientWidth || 800, H = root.clientHeight || 180;
    root.setAttribute("viewBox", "0 0 " + W + " " + H);
    const days = state.days;
    if (!days.length) {
      root.append(Object.assign(svg("text", { x: 10, y: 20, class: "axis" }), { textContent: "no events" }));
      return;
    }
    const iw = W - M.left - M.right, ih = H - M.top - M.bottom;
    const bw = iw / days.length;
    const maxN = Math.max(1, ...days.map((d) => d[1] + d[2] + d[3] + d[4]));
    const maxI = Math.max(1, ...days.map((d) => d.intensity));
    state.scale = { left: M.left, bw, W, H };
    const g = svg("g", {});
    days.forEach((d, i) => {
      let y = M.top + ih;
      for (const q of [1, 2, 3, 4]) {
        if (!d[q]) continue;
        const h = (d[q] / maxN) * ih;
        y -= h;
        const rect = svg("rect", { x: M.left + i * bw + bw * 0.1, y, width: Math.max(1, bw * 0.8), height: h, fill: QUADS[q].color, class: "bar quad-" + q });
        rect.append(Object.assign(svg("title"), { textContent: d.date + " Q" + q + " " + QUADS[q].name + ": " + d[q] }));
        g.append(rect);
      }
    });
    root.append(g);
    const pts = days.map((d, i) => (M.left + (i + 0.5) * bw).toFixed(1) + "," + (M.top + ih - (d.intensity / maxI) * ih).toFixed(1));
    const line = svg("polyline", { points: pts.join(" "), class: "intensity" });
    line.append(Object.assign(svg("title"), { textContent: "conflict intensity: sum of -event_scale for quads 3-4" }));
    root.append(line);
    const axis = (x, y, text, anchor) => root.append(Object.assign(svg("text", { x, y, class: "axis", "text-anchor": anchor || "start" }), { textContent: text }));
    root.append(svg("line", { x1: M.left, x2: W - M.right, y1: M.top + ih, y2: M.top + ih, stroke: "#999" }));
    axis(M.left, H - 6, days[0].date);
    if (days.length > 1) axis(W - M.right, H - 6, days[days.length - 1].date, "end");
    axis(M.left - 4, M.top + 8, String(maxN), "end");
    axis(M.left - 4, M.top + ih, "0", "end");
    axis(W - M.right + 4, M.top + 8, maxI.toFixed(0));
    axis(W - M.right + 4, M.top + 20, "intensity");
    axis(M.left + 4, M.top + 8, "events/day");
    state.brushRect = svg("rect", { class: "brush", x: 0, y: M.top, width: 0, height: ih, visibility: "hidden" });
    root.append(state.brushRect);
    syncBrush();
  }

  function dayAt(clientX) {
    const root = $("timeline");
    const box = root.getBoundingClientRect();
    const x = (clientX - box.left) * (state.scale.W / box.width);
    const i = Math.floor((x - state.scale.left) / state.scale.bw);
    return Math.max(0, Math.min(state.days.length - 1, i));
  }

  function drawBrush(range) {
    const r = state.brushRect;
    if (!r) return;
    if (!range) { r.setAttribute("visibility", "hidden"); return; }
    const [a, b] = range[0] <= range[1] ? range : [range[1], range[0]];
    r.setAttribute("x", state.scale.left + a * state.scale.bw);
    r.setAttribute("width", (b - a + 1) * state.scale.bw);
    r.setAttribute("visibility", "visible");
  }

  function syncBrush() {  // show the since/until filters on the timeline
    const s = $("f-since").value, u = $("f-until").value, days = state.days;
    if (!days.length || (!s && !u)) { drawBrush(null); return; }
    let a = days.findIndex((d) => d.date >= (s || days[0].date));
    let b = -1;
    days.forEach((d, i) => { if (d.date <= (u || days[days.length - 1].date)) b = i; });
    if (a < 0 || b < 0 || a > b) { drawBrush(null); return; }
    drawBrush([a, b]);
  }

  function initBrush() {
    const root = $("timeline");
    let start = null, startX = 0;
    root.addEventListener("mousedown", (e) => {
      if (!state.days.length) return;
      e.preventDefault();
      start = dayAt(e.clientX); startX = e.clientX;
      drawBrush([start, start]);
    });
    window.addEventListener("mousemove", (e) => { if (start != null) drawBrush([start, dayAt(e.clientX)]); });
    window.addEventListener("mouseup", (e) => {
      if (start == null) return;
      const end = dayAt(e.clientX);
      const moved = Math.abs(e.clientX - startX) > 3;
      const a = Math.min(start, end), b = Math.max(start, end);
      start = null;
      if (moved) {
        $("f-since").value = state.days[a].date;
        $("f-until").value = state.days[b].date;
      } else {  // a click clears the date range
        $("f-since").value = ""; $("f-until").value = "";
      }
      reload();
    });
    window.addEventListener("resize", () => { if (state.days.length) drawTimeline(); });
  }

  // ---------- loading ----------
  async function reload() {
    const gen = ++state.generation;
    const params = filterParams();
    syncBrush();
    document.body.dataset.loading = "1";
    setStatus("loading…");
    try {
      const ep = new URLSearchParams(params); ep.set("limit", "500");
      const gp = new URLSearchParams(params); gp.set("limit", "1000");
      const [events, points] = await Promise.all([getJSON("/api/events?" + ep), getJSON("/api/geojson?" + gp)]);
      if (gen !== state.generation) return;
      drawTable(events);
      drawPoints(points);
      state.query = params.toString();
      setStatus("");
    } catch (err) {
      if (gen === state.generation) setStatus(String(err.message || err));
    } finally {
      if (gen === state.generation) {
        delete document.body.dataset.loading;
        document.body.dataset.loaded = String(gen);
      }
    }
  }

  async function main() {
    initFilters();
    initMap();
    initBrush();
    await Promise.all([
      loadCountries().catch((err) => setStatus("borders: " + err.message)),
      loadTimeline().catch((err) => setStatus("timeline: " + err.message)),
      reload(),
    ]);
    document.body.dataset.ready = "1";
  }

  main();
})();
