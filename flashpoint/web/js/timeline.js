// The timeline: the events matching the filters (all but the dates, which it shows as the brushed
// range) in day, week or month bins stacked by quad, with the conflict intensity line. Dragging
// across it, with a mouse, a pen or a finger, chooses the dates.
import { $, addDays, fmtDay, fmtMonth, svg } from "./util.js";
import { QUADS } from "./map.js";

const M = { left: 40, right: 56, top: 12, bottom: 30 };

function nextBin(iso, bin) {
  if (bin === "day") return addDays(iso, 1);
  if (bin === "week") return addDays(iso, 7);
  const [y, m] = iso.split("-").map(Number);
  return (m === 12 ? y + 1 + "-01" : y + "-" + String(m + 1).padStart(2, "0")) + "-01";
}
export function binEnd(iso, bin) { return addDays(nextBin(iso, bin), -1); }

export class Timeline {
  constructor(onRange) {
    this.root = $("timeline");
    this.onRange = onRange;
    this.bins = [];
    this.range = null;
    this.initBrush();
    window.addEventListener("resize", () => this.draw());
  }

  set(rows, bin) {
    this.bin = bin;
    const by = {};
    for (const r of rows) {
      const b = by[r.bin] || (by[r.bin] = { 1: 0, 2: 0, 3: 0, 4: 0, intensity: 0 });
      if (b[r.quad] != null) b[r.quad] += r.events;
      b.intensity += r.intensity || 0;
    }
    const keys = Object.keys(by).sort();
    this.bins = [];
    if (keys.length) {
      // Every bin from the first to the last, empty ones too, so that time reads evenly.
      for (let k = keys[0], n = 0; k <= keys[keys.length - 1] && n < 5000; k = nextBin(k, bin), n++) {
        this.bins.push({ start: k, ...(by[k] || { 1: 0, 2: 0, 3: 0, 4: 0, intensity: 0 }) });
      }
    }
    this.draw();
  }

  draw() {
    const root = this.root;
    root.replaceChildren();
    const W = root.clientWidth || 800, H = root.clientHeight || 190;
    root.setAttribute("viewBox", "0 0 " + W + " " + H);
    const bins = this.bins;
    if (!bins.length) {
      root.append(svg("text", { x: 12, y: 24, class: "axis" }, "No dated events match these filters."));
      root.setAttribute("aria-label", "Timeline: no dated events match these filters");
      return;
    }
    const iw = W - M.left - M.right, ih = H - M.top - M.bottom;
    const bw = iw / bins.length;
    const total = (b) => b[1] + b[2] + b[3] + b[4];
    const maxN = Math.max(1, ...bins.map(total));
    const maxI = Math.max(1, ...bins.map((b) => b.intensity));
    this.scale = { left: M.left, bw, W, H };
    const g = svg("g", {});
    bins.forEach((b, i) => {
      let y = M.top + ih;
      for (const q of [1, 2, 3, 4]) {
        if (!b[q]) continue;
        const h = (b[q] / maxN) * ih;
        y -= h;
        const rect = svg("rect", { x: M.left + i * bw + (bw > 3 ? bw * 0.1 : 0), y, width: Math.max(1, bw > 3 ? bw * 0.8 : bw),
          height: Math.max(h, 0.5), fill: QUADS[q].color, class: "bar quad-" + q });
        rect.append(svg("title", {}, this.label(b.start) + ", Q" + q + " " + QUADS[q].name + ": " + b[q]));
        g.append(rect);
      }
    });
    root.append(g);
    const pts = bins.map((b, i) => (M.left + (i + 0.5) * bw).toFixed(1) + "," + (M.top + ih - (b.intensity / maxI) * ih).toFixed(1));
    const line = svg("polyline", { points: pts.join(" "), class: "intensity" });
    line.append(svg("title", {}, "conflict intensity: the summed PLOVER scale of verbal and material conflict"));
    root.append(line);
    const text = (x, y, t, anchor, cls) => root.append(svg("text", { x, y, class: cls || "axis", "text-anchor": anchor || "start" }, t));
    root.append(svg("line", { x1: M.left, x2: W - M.right, y1: M.top + ih, y2: M.top + ih, stroke: "#666" }));
    this.ticks(bins, bw, ih, text);
    text(M.left - 4, M.top + 8, String(maxN), "end");
    text(M.left - 4, M.top + ih, "0", "end");
    text(W - M.right + 4, M.top + 8, maxI.toFixed(0));
    text(W - M.right + 4, M.top + 20, "intensity");
    text(M.left + 4, M.top + 8, "events a " + this.bin);
    this.brushRect = svg("rect", { class: "brush", x: 0, y: M.top, width: 0, height: ih, visibility: "hidden" });
    root.append(this.brushRect);
    root.setAttribute("aria-label", "Timeline of " + bins.reduce((n, b) => n + total(b), 0) + " events by " + this.bin +
      " from " + fmtDay(bins[0].start) + " to " + fmtDay(binEnd(bins[bins.length - 1].start, this.bin)));
    this.showRange(this.range);
  }

  label(start) {
    return this.bin === "month" ? fmtMonth(start) : this.bin === "week" ? "week of " + fmtDay(start) : fmtDay(start);
  }

  // Labels on round dates (first of a month, of a year), as many as fit.
  ticks(bins, bw, ih, text) {
    const every = Math.max(1, Math.ceil(64 / bw));
    let last = -Infinity;
    bins.forEach((b, i) => {
      const [y, m, d] = b.start.split("-").map(Number);
      const round = this.bin === "month" ? (m - 1) % Math.max(1, Math.ceil(every)) === 0
        : this.bin === "week" ? d <= 7 : d === 1 || every <= 1 || (every <= 7 && (d - 1) % every === 0);
      if (!round || i - last < every) return;
      last = i;
      const x = M.left + i * bw;
      this.root.append(svg("line", { x1: x, x2: x, y1: M.top + ih, y2: M.top + ih + 4, stroke: "#666" }));
      const label = this.bin === "month" ? (m === 1 || i === 0 ? String(y) : fmtMonth(b.start).split(" ")[0])
        : fmtDay(b.start, m === 1 && d <= 7 || i === 0);
      text(x, M.top + ih + 16, label, "middle");
    });
  }

  binAt(clientX) {
    const box = this.root.getBoundingClientRect();
    const x = (clientX - box.left) * (this.scale.W / box.width);
    return Math.max(0, Math.min(this.bins.length - 1, Math.floor((x - this.scale.left) / this.scale.bw)));
  }

  showRange(range) {
    this.range = range;
    const r = this.brushRect;
    if (!r) return;
    const idx = range && this.indices(range);
    if (!idx) { r.setAttribute("visibility", "hidden"); return; }
    r.setAttribute("x", this.scale.left + idx[0] * this.scale.bw);
    r.setAttribute("width", (idx[1] - idx[0] + 1) * this.scale.bw);
    r.setAttribute("visibility", "visible");
  }

  indices([since, until]) {
    const bins = this.bins;
    if (!bins.length || (!since && !until)) return null;
    let a = bins.findIndex((b) => binEnd(b.start, this.bin) >= (since || bins[0].start));
    let b = -1;
    bins.forEach((x, i) => { if (x.start <= (until || "9999")) b = i; });
    if (a < 0 || b < 0 || a > b) return null;
    return [a, b];
  }

  initBrush() {
    const root = this.root;
    let start = null, startX = 0;
    const draw = (a, b) => {
      const [lo, hi] = a <= b ? [a, b] : [b, a];
      this.brushRect.setAttribute("x", this.scale.left + lo * this.scale.bw);
      this.brushRect.setAttribute("width", (hi - lo + 1) * this.scale.bw);
      this.brushRect.setAttribute("visibility", "visible");
    };
    root.addEventListener("pointerdown", (e) => {
      if (!this.bins.length) return;
      e.preventDefault();
      root.setPointerCapture(e.pointerId);
      start = this.binAt(e.clientX); startX = e.clientX;
      draw(start, start);
    });
    root.addEventListener("pointermove", (e) => { if (start != null) draw(start, this.binAt(e.clientX)); });
    const finish = (e) => {
      if (start == null) return;
      const end = this.binAt(e.clientX);
      const moved = Math.abs(e.clientX - startX) > 3;
      const a = Math.min(start, end), b = Math.max(start, end);
      start = null;
      // A click without a drag clears the dates.
      this.onRange(moved ? [this.bins[a].start, binEnd(this.bins[b].start, this.bin)] : null);
    };
    root.addEventListener("pointerup", finish);
    root.addEventListener("pointercancel", () => { start = null; this.showRange(this.range); });
  }
}
