// The map: country borders (shaded by the events matching the filters, or by this week's
// escalation), and the located events as clustered markers coloured by quad. An event placed
// only at country level is not pinned as if it were a town: the legend counts it instead.
/* global L, topojson */
import { $, el, fmtInt } from "./util.js";

// Okabe–Ito colours, told apart with every common colour-vision deficiency.
export const QUADS = {
  1: { name: "verbal cooperation", color: "#56B4E9" },
  2: { name: "material cooperation", color: "#0072B2" },
  3: { name: "verbal conflict", color: "#E69F00" },
  4: { name: "material conflict", color: "#D55E00" },
};
// ColorBrewer Blues (sequential) for counts; PuOr (diverging) for escalation: both safe for
// colour-blind readers, and neither paints "no change" as a warning.
const BLUES = ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"];
export const CATEGORIES = {
  "large increase": "#e66101",
  "moderate increase": "#fdb863",
  "limited change": "#f2f2f2",
  "large decrease": "#5e3c99",
};
const ANTARCTICA = "010";

export class EventMap {
  constructor(onEvent, onCountry, onView) {
    this.onEvent = onEvent;
    this.onCountry = onCountry;
    this.map = L.map("map", { worldCopyJump: true, minZoom: 1, maxZoom: 12, zoomSnap: 0.5 });
    this.map.attributionControl.setPrefix(false);
    this.map.attributionControl.addAttribution("Borders: Natural Earth via world-atlas");
    this.map.setView([20, 15], 2);
    this.clusters = L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 45, chunkedLoading: true,
      iconCreateFunction: clusterIcon });
    this.clusters.addTo(this.map);
    this.markers = new Map();
    this.selected = null;
    this.shades = {};
    this.map.on("moveend", () => onView(this.bbox()));
  }

  async loadBorders(topo) {
    const geo = topojson.feature(topo, topo.objects.countries);
    geo.features = geo.features.filter((f) => f.id !== ANTARCTICA);
    for (const f of geo.features) unwrap(f.geometry);
    this.byNumeric = {};
    this.countries = L.geoJSON(geo, {
      style: () => ({ className: "country", color: "#6b7b83", weight: 0.6, fillColor: "#fafafa", fillOpacity: 1 }),
      onEachFeature: (f, layer) => {
        layer.on("mouseover", () => this.info(f));
        layer.on("mouseout", () => this.info(null));
        layer.on("click", () => { const c = this.byNumeric[f.id]; if (c) this.onCountry(c); });
      },
    }).addTo(this.map);
    this.countries.bringToBack();
    this.infoBox = el("div", { class: "map-info", "aria-hidden": "true", hidden: true });
    $("map").append(this.infoBox);
  }

  info(f) {
    if (!f) { this.infoBox.textContent = ""; this.infoBox.hidden = true; return; }
    const code = this.byNumeric[f.id];
    const shade = code && this.shades[code];
    this.infoBox.hidden = false;
    this.infoBox.textContent = (f.properties && f.properties.name) + (shade ? ": " + shade.text : "");
  }

  // `values`: ISO3 -> {value, text}; `numeric`: ISO3 -> ISO numeric; `mode`: "events" or "escalation".
  shade(values, numeric, mode) {
    this.shades = values;
    this.byNumeric = {};
    for (const [code, num] of Object.entries(numeric)) if (num) this.byNumeric[num] = code;
    const max = Math.max(1, ...Object.values(values).map((v) => v.value || 0));
    const fill = (v) => {
      if (!v) return "#fafafa";
      if (mode === "escalation") return CATEGORIES[v.category] || "#fafafa";
      return BLUES[Math.min(BLUES.length - 1, Math.floor((Math.log1p(v.value) / Math.log1p(max)) * (BLUES.length - 0.001)))];
    };
    this.countries.eachLayer((layer) => {
      const code = this.byNumeric[layer.feature.id];
      const v = code && values[code];
      layer.setStyle({ fillColor: fill(v), className: v ? "country country-shaded" : "country" });
      const path = layer.getElement();
      if (path) path.classList.toggle("country-shaded", Boolean(v));
    });
    this.legend(mode, max);
  }

  legend(mode, max) {
    const box = $("legend");
    const parts = [el("span", { class: "legend-title" }, "Markers: events by quad")];
    for (const [q, d] of Object.entries(QUADS)) {
      parts.push(el("span", {}, el("span", { class: "swatch dot", style: "background:" + d.color }), "Q" + q + " " + d.name));
    }
    parts.push(el("span", {}, el("span", { class: "swatch dot approx" }), "placed at region level (approximate)"));
    if (this.notPinned) parts.push(el("span", {}, fmtInt(this.notPinned) + " placed only at country level: in the shading, not pinned"));
    if (this.capped) parts.push(el("span", { class: "warn" }, "only the newest " + fmtInt(this.shown) + " located events are drawn: filter, or zoom in with “only in map view”, to see the others"));
    const shadeParts = [el("span", { class: "legend-title" }, mode === "escalation"
      ? "Countries: trend of conflict events, this week against the 4 weeks before"
      : "Countries: events matching the filters (log scale, 1 to " + fmtInt(max) + ")")];
    if (mode === "escalation") {
      for (const [c, color] of Object.entries(CATEGORIES)) shadeParts.push(el("span", {}, el("span", { class: "swatch", style: "background:" + color }), c));
    } else {
      for (const color of BLUES) shadeParts.push(el("span", { class: "swatch", style: "background:" + color }));
      shadeParts.push(el("span", {}, "fewer → more"));
    }
    box.replaceChildren(el("div", {}, parts), el("div", {}, shadeParts));
  }

  // `points`: /api/points rows; `capped`: the API gave as many as asked for, so there may be more.
  draw(points, capped) {
    this.clusters.clearLayers();
    this.markers.clear();
    const layers = [];
    let notPinned = 0;
    for (const [id, lon, lat, quad, type, date, place, dead, resolution] of points) {
      if (resolution === 1) { notPinned++; continue; }
      const approx = resolution === 2;
      const size = 14 + Math.min(12, Math.round(Math.sqrt(dead || 0) * 2));
      const label = date + " " + type + " in " + (place || "?") + (dead ? ", " + dead + " dead" : "") + (approx ? " (region level)" : "");
      const m = L.marker([lat, lon], {
        keyboard: true, title: label, alt: label,
        icon: L.divIcon({ className: "event-pin", iconSize: [size, size],
          html: '<span class="pin q' + (quad || 0) + (approx ? " approx" : "") + '"></span>' }),
      });
      m.eventId = id;
      m.on("click", () => this.onEvent(id, "map"));
      m.on("add", () => this.decorate(m));
      this.markers.set(id, m);
      layers.push(m);
    }
    this.clusters.addLayers(layers);
    this.notPinned = notPinned;
    this.shown = points.length;
    this.capped = capped;
  }

  decorate(m) {
    const icon = m.getElement();
    if (!icon) return;
    icon.setAttribute("aria-label", m.options.title);
    icon.classList.add("event-marker");
    icon.dataset.id = m.eventId;
    icon.classList.toggle("selected", m.eventId === this.selected);
  }

  select(id, reveal) {
    const old = this.markers.get(this.selected);
    this.selected = id;
    if (old && old.getElement()) old.getElement().classList.remove("selected");
    const m = this.markers.get(id);
    if (!m) return;
    const mark = () => { if (m.getElement()) m.getElement().classList.add("selected"); };
    if (reveal && this.clusters.getVisibleParent(m) !== m) this.clusters.zoomToShowLayer(m, mark);
    else mark();
  }

  bbox() {
    const b = this.map.getBounds();
    const clamp = (v, lo, hi) => Math.max(lo, Math.min(hi, v));
    const wide = b.getEast() - b.getWest() >= 360;
    const west = wide ? -180 : ((b.getWest() + 540) % 360) - 180;
    let east = wide ? 180 : ((b.getEast() + 540) % 360) - 180;
    if (east < west) east = 180;  // a view across the antimeridian: its western part
    return [west, clamp(b.getSouth(), -90, 90), east, clamp(b.getNorth(), -90, 90)].map((v) => v.toFixed(2)).join(",");
  }
}

function clusterIcon(cluster) {
  const n = cluster.getChildCount();
  const size = n < 10 ? 30 : n < 100 ? 36 : 44;
  const icon = L.divIcon({ html: "<span>" + n + "</span>", className: "event-cluster", iconSize: [size, size] });
  return icon;
}

// Rings that cross the antimeridian jump from +180 to -180; drawn as they are, they make a band
// across the whole map. Carried on past 180 instead, they are drawn where they are.
function unwrap(geometry) {
  const polys = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.type === "MultiPolygon" ? geometry.coordinates : [];
  for (const poly of polys) {
    for (const ring of poly) {
      let shift = 0;
      for (let i = 1; i < ring.length; i++) {
        const step = ring[i][0] + shift - ring[i - 1][0];
        if (step > 180) shift -= 360; else if (step < -180) shift += 360;
        ring[i][0] += shift;
      }
    }
  }
}
