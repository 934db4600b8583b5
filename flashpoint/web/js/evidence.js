// The evidence panel: the chosen event, then each article that reports it once (outlet, day,
// headline, link), with every sentence of it that reports the event highlighted, the first
// scrolled into view, and why the article's report joined the event (the store's merge decision).
import { $, el, getJSON } from "./util.js";

function parties(list) {
  return (list || []).map((a) => a.name || a.code || a.text || "").filter(Boolean).join(", ") || "?";
}

// The article's text with the given [start, end) spans marked; overlapping spans are merged.
function highlighted(text, spans) {
  const sorted = spans.filter((s) => s.start != null && s.end != null && s.end <= text.length).sort((a, b) => a.start - b.start);
  const merged = [];
  for (const s of sorted) {
    const last = merged[merged.length - 1];
    if (last && s.start <= last.end) last.end = Math.max(last.end, s.end); else merged.push({ start: s.start, end: s.end });
  }
  const body = el("div", { class: "article-text" });
  let at = 0;
  for (const s of merged) {
    body.append(text.slice(at, s.start), el("mark", {}, text.slice(s.start, s.end)));
    at = s.end;
  }
  body.append(text.slice(at));
  return { body, marked: merged.length };
}

export async function showEvidence(id, isCurrent) {
  const box = $("evidence");
  box.replaceChildren(el("p", { class: "hint" }, "Loading the reports…"));
  const ev = await getJSON("/api/events/" + encodeURIComponent(id));
  const byArticle = new Map();
  for (const r of ev.reports || []) {
    if (!byArticle.has(r.article_id)) byArticle.set(r.article_id, []);
    byArticle.get(r.article_id).push(r);
  }
  const ids = [...byArticle.keys()];
  const texts = await Promise.all(ids.map((a) => getJSON("/api/articles/" + encodeURIComponent(a)).catch(() => null)));
  if (!isCurrent()) return;
  const loc = ev.event_loc || {};
  const size = ev.size || {};
  const facts = [ev.date ? "on " + ev.date + (ev.date_stated ? "" : " (publication day: the reports give no day)") : "undated",
    loc.resolved_place || loc.extracted_place ? "in " + (loc.resolved_place || loc.extracted_place) + (loc.country_code ? ", " + loc.country_code : "") : "place unknown",
    size.dead ? size.dead + " dead" : null, ev.confidence != null ? "confidence " + ev.confidence.toFixed(2) : null].filter(Boolean);
  const parts = [
    el("p", { class: "event-head" }, el("b", {}, (ev.event || []).join(", ")), " ", parties(ev.actor), " → ", parties(ev.recipient)),
    el("p", { class: "hint" }, facts.join(" · ")),
    el("p", { class: "hint" }, ev.sources + " source(s), " + ids.length + " article(s), " + (ev.reports || []).length + " sentence(s)"),
  ];
  ids.forEach((aid, i) => {
    const reports = byArticle.get(aid);
    const art = texts[i];
    const first = reports[0];
    const title = (art && art.title) || first.title || aid;
    const url = (art && art.url) || first.url;
    const head = el("h3", { class: "article-title" }, title);
    const meta = el("p", { class: "article-meta" }, [first.outlet || "unknown outlet", first.published || first.date || ""].filter(Boolean).join(" · "));
    if (url && /^https?:\/\//.test(url)) meta.append(" · ", el("a", { href: url, rel: "noopener noreferrer", target: "_blank" }, "open the article"));
    const why = reports.map((r) => r.reason).filter(Boolean);
    const article = el("article", { class: "report", "data-article": aid }, head, meta);
    if (why.length) article.append(el("p", { class: "merge" }, "Why here: " + [...new Set(why)].join("; ")));
    if (art && art.text) {
      const { body, marked } = highlighted(art.text, reports);
      article.append(el("p", { class: "hint" }, marked + " sentence(s) highlighted"), body);
    } else {
      article.append(el("div", { class: "article-text" }, reports.map((r) => el("mark", {}, r.evidence))));
    }
    parts.push(article);
  });
  box.replaceChildren(...parts);
  box.scrollTop = 0;
  // Each article scrolls in its own box, to its first highlighted sentence.
  for (const text of box.querySelectorAll(".article-text")) {
    const mark = text.querySelector("mark");
    if (mark) text.scrollTop = Math.max(0, mark.offsetTop - 24);
  }
}
