// Small helpers shared by the panels: DOM building (text only, never HTML), fetching JSON with
// the API's own error message, and date formatting.

export const $ = (id) => document.getElementById(id);

export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c == null) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

export const SVGNS = "http://www.w3.org/2000/svg";
export function svg(tag, attrs, text) {
  const n = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) n.setAttribute(k, v);
  if (text != null) n.textContent = text;
  return n;
}

// An error the API sent: its `detail` (a string, or FastAPI's list of problems) in words.
export class ApiError extends Error {}

export async function getJSON(url, signal) {
  const r = await fetch(url, { headers: { Accept: "application/json" }, signal });
  if (!r.ok) {
    let detail = "";
    try {
      const body = await r.json();
      detail = typeof body.detail === "string" ? body.detail
        : (body.detail || []).map((d) => (d.loc || []).slice(1).join(".") + ": " + d.msg).join("; ");
    } catch (_) { /* not JSON: the status says enough */ }
    throw new ApiError(detail || "the server answered " + r.status + " " + r.statusText);
  }
  return r.json();
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
export function fmtDay(iso, withYear = true) {
  if (!iso) return "";
  const [y, m, d] = iso.split("-").map(Number);
  return d + " " + MONTHS[m - 1] + (withYear ? " " + y : "");
}
export function fmtMonth(iso) {
  const [y, m] = iso.split("-").map(Number);
  return MONTHS[m - 1] + " " + y;
}
export function addDays(iso, n) {
  const d = new Date(iso + "T00:00:00Z");
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}
export const fmtInt = (n) => Number(n || 0).toLocaleString("en");
