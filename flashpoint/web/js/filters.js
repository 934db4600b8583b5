// The filter form: filled from the state, read back into it; completions for countries,
// regions, actors and recipients come from /api/suggest as one types.
import { $, el, getJSON } from "./util.js";

const TEXT = ["since", "until", "country", "region", "actor", "recipient", "acled", "mode", "q", "min_sources",
  "min_confidence"];

export function build(meta, onChange) {
  const types = $("f-type");
  for (const t of meta.types) {
    types.append(el("label", { class: "check" }, el("input", { type: "checkbox", name: "type", value: t }), " " + t));
  }
  const quads = $("f-quad");
  for (const [q, name] of Object.entries(meta.quads)) {
    quads.append(el("label", { class: "check", title: name },
      el("input", { type: "checkbox", name: "quad", value: q }), " Q" + q + " ", el("span", { class: "q-name" }, name)));
  }
  const acled = $("f-acled");
  for (const a of meta.acled_types) acled.append(el("option", { value: a }, a));
  const form = $("filters");
  form.addEventListener("submit", (e) => { e.preventDefault(); onChange(); });
  // Checkboxes and selects apply at once; typed fields when they are left or Enter is pressed.
  form.addEventListener("change", (e) => { if (e.target.id !== "f-in-view") onChange(); });
  for (const field of ["country", "region", "actor", "recipient"]) complete(field);
  $("f-types-box").addEventListener("change", countTypes);
}

function countTypes() {
  const n = document.querySelectorAll("#f-type input:checked").length;
  $("f-types-count").textContent = n ? "(" + n + ")" : "(any)";
}

function complete(field) {
  const input = $("f-" + field), list = $("l-" + field);
  let timer = 0, asked = "";
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const q = input.value.trim();
      if (!q || q === asked) return;
      asked = q;
      try {
        const data = await getJSON("/api/suggest?field=" + field + "&q=" + encodeURIComponent(q));
        list.replaceChildren(...data.suggestions.map((s) => el("option", { value: s.value, label: s.label })));
      } catch (_) { list.replaceChildren(); }  // a completion that fails leaves typing as it is
    }, 150);
  });
}

export function fill(s) {
  for (const k of TEXT) $("f-" + k).value = s[k] || "";
  const types = new Set((s.type || "").split(",").filter(Boolean));
  for (const box of document.querySelectorAll("#f-type input")) box.checked = types.has(box.value);
  const quads = new Set((s.quad || "").split(",").filter(Boolean));
  for (const box of document.querySelectorAll("#f-quad input")) box.checked = quads.has(box.value);
  $("f-in-view").checked = Boolean(s.bbox);
  countTypes();
}

export function readInto(s) {
  for (const k of TEXT) s[k] = $("f-" + k).value.trim();
  s.type = [...document.querySelectorAll("#f-type input:checked")].map((b) => b.value).join(",");
  s.quad = [...document.querySelectorAll("#f-quad input:checked")].map((b) => b.value).join(",");
  if (!$("f-in-view").checked) s.bbox = "";
  return s;
}
