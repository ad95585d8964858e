// serve's pages: each is a shell (data-page, data-subject) filled from the JSON API.
// No framework and no external resource; text goes in with textContent, never as HTML.
"use strict";

// Errors are kept for the browser test to read, and shown to the person.
window.__errors = [];
window.addEventListener("error", (e) => window.__errors.push(String(e.message)));
window.addEventListener("unhandledrejection", (e) => window.__errors.push(String(e.reason)));

const main = document.getElementById("main");
const page = document.body.dataset.page;
const subject = document.body.dataset.subject;

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

async function api(path, options) {
  const response = await fetch(path, options);
  let body = null;
  try { body = await response.json(); } catch (_) { body = null; }
  if (!response.ok) {
    const message = body && body.error ? body.error : `${response.status} ${response.statusText}`;
    throw new Error(message);
  }
  return body;
}

function showError(error) {
  window.__errors.push(String(error.message || error));
  main.replaceChildren(el("p", { class: "error" }, String(error.message || error)));
}

function toast(text) {
  const t = el("div", { class: "toast", role: "status" }, text);
  document.body.append(t);
  setTimeout(() => t.remove(), 1600);
}

const pct = (e) => (100 * e.value).toFixed(2);
const ci = (e) => `[${(100 * e.ci95[0]).toFixed(2)}, ${(100 * e.ci95[1]).toFixed(2)}]`;
const imgUrl = (f, size) => `/img/${encodeURIComponent(f)}${size ? `?size=${size}` : ""}`;
const imageLink = (f) => `/image/${encodeURIComponent(f)}`;
const names = (list) => list.map((l) => l.name).join(", ") || "—";

function labelItem(l, cls) {
  return el("li", {}, el("span", { class: cls }, l.name), " ",
    el("span", { class: "muted" }, `${l.wnid} · #${l.id}`),
    l.gloss ? el("div", { class: "gloss" }, l.gloss) : null);
}

function outcomeText(review) {
  if (!review) return "";
  if (review.state === "done") return `reviewed ${review.decision}`;
  if (review.state === "pending") return `${review.reviews} review(s), not settled`;
  return `disagreement (correct ${review.correct}, wrong ${review.wrong}, unclear ${review.unclear})`;
}

// The model links in the header, on every page.
let modelsPromise = api("/api/models").then((m) => {
  const links = document.getElementById("model-links");
  for (const model of m.models) {
    links.append(el("a", { href: `/model/${encodeURIComponent(model.name)}`, "data-nav": `model:${model.name}` },
      `Model ${model.name}`));
  }
  const here = page === "model" ? `model:${subject}` : page;
  for (const a of document.querySelectorAll("nav a")) {
    if (a.dataset.nav === here) a.classList.add("here");
  }
  return m;
});

// ---------------------------------------------------------------- Browse
const FILTERS = ["class", "problematic", "imagenet_m", "multilabel", "missed_by", "unreviewed"];

async function browse() {
  const models = (await modelsPromise).models;
  const params = new URLSearchParams(location.search);
  const yesNo = (name, label) => el("label", {}, label,
    el("select", { name }, ["", "true", "false"].map((v) =>
      el("option", { value: v, selected: params.get(name) === v || (!params.get(name) && v === "") },
        v === "" ? "any" : v === "true" ? "yes" : "no"))));
  const form = el("form", { class: "filters", id: "filters" },
    el("label", {}, "Class (id, wnid or name)",
      el("input", { name: "class", value: params.get("class") || "", placeholder: "e.g. tench", size: 18 })),
    yesNo("problematic", "Problematic"),
    yesNo("imagenet_m", "ImageNet-M"),
    yesNo("multilabel", "Several correct labels"),
    el("label", {}, "Missed by model",
      el("select", { name: "missed_by" }, el("option", { value: "" }, "—"),
        models.map((m) => el("option", { value: m.name, selected: params.get("missed_by") === m.name }, m.name)))),
    yesNo("unreviewed", "Has unreviewed predictions"),
    el("button", { type: "submit" }, "Show"),
    el("a", { href: "/" }, "clear"));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const next = new URLSearchParams();
    for (const name of FILTERS) {
      const v = form.elements[name].value.trim();
      if (v) next.set(name, v);
    }
    history.pushState(null, "", next.toString() ? `/?${next}` : "/");
    browse();
  });
  const grid = el("div", { class: "grid", id: "grid" });
  const pager = el("div", { class: "pager" });
  main.replaceChildren(el("h1", {}, "Browse the annotated images"), form, pager, grid);
  const query = new URLSearchParams();
  for (const name of [...FILTERS, "page"]) if (params.get(name)) query.set(name, params.get(name));
  let result;
  try { result = await api(`/api/images?${query}`); } catch (e) { grid.replaceWith(el("p", { class: "error" }, e.message)); return; }
  const goto = (p) => { params.set("page", p); history.pushState(null, "", `/?${params}`); browse(); };
  pager.append(
    el("button", { disabled: result.page <= 1, onclick: () => goto(result.page - 1) }, "← Previous"),
    el("span", {}, `Page ${result.page} of ${result.pages} · ${result.total} images`),
    el("button", { disabled: result.page >= result.pages, onclick: () => goto(result.page + 1) }, "Next →"));
  for (const image of result.images) {
    const hover = `${image.file_name}\noriginal: ${image.original.name}\ncorrect: ${names(image.correct)}` +
      `\nunclear: ${names(image.unclear)}\nwrong: ${names(image.wrong)}`;
    grid.append(el("a", { class: "tile", href: imageLink(image.file_name), title: hover },
      el("img", { src: imgUrl(image.file_name, 160), alt: image.original.name, loading: "lazy" }),
      el("span", {}, `${image.number} · ${image.original.name}`),
      el("span", {}, image.problematic ? el("span", { class: "tag warn" }, "problematic") : null,
        image.imagenet_m ? el("span", { class: "tag" }, "ImageNet-M") : null,
        image.correct.length > 1 ? el("span", { class: "tag" }, `${image.correct.length} correct`) : null)));
  }
  if (!result.images.length) grid.append(el("p", { class: "muted" }, "No image matches these filters."));
}

// ---------------------------------------------------------------- Image
async function image() {
  const d = await api(`/api/image/${encodeURIComponent(subject)}`);
  const list = (title, items, cls) => [el("h2", {}, `${title} (${items.length})`),
    items.length ? el("ul", { class: "labels" }, items.map((l) => labelItem(l, cls))) : el("p", { class: "muted" }, "none")];
  const models = d.models.length ? el("table", {},
    el("tr", {}, el("th", {}, "Model"), el("th", {}, "Top 5 (status by the experts; community review)")),
    d.models.map((m) => el("tr", {}, el("td", {}, el("a", { href: `/model/${encodeURIComponent(m.name)}` }, m.name),
      m.mistake ? el("div", { class: "muted" }, `mistake: ${m.mistake.kind}`) : null),
      el("td", {}, m.top5.length ? el("ol", {}, m.top5.map((p) => el("li", {}, el("span", { class: p.status }, p.name),
        ` — ${p.status}`, p.review ? el("span", { class: "muted" }, ` · ${outcomeText(p.review)}`) : null)))
        : el("span", { class: "muted" }, "no prediction"))))) : el("p", { class: "muted" }, "No model loaded.");
  const reviews = d.reviews.length ? el("table", {},
    el("tr", {}, ["Label", "Decision", "Reviewer", "Model", "When", ""].map((h) => el("th", {}, h))),
    d.reviews.map((r) => el("tr", {}, el("td", {}, r.name || r.label), el("td", { class: r.decision }, r.decision),
      el("td", {}, r.reviewer), el("td", {}, r.model || ""), el("td", {}, r.created_at),
      el("td", { class: "muted" }, r.undone ? "undone" : ""))))
    : el("p", { class: "muted" }, "No community review of this image yet.");
  main.replaceChildren(
    el("p", {}, el("a", { href: "/", onclick: (e) => { if (history.length > 1) { e.preventDefault(); history.back(); } } }, "← Back")),
    el("div", { class: "two" },
      el("div", { class: "big" },
        d.in_source ? el("a", { href: imgUrl(d.file_name), title: "the original JPEG" }, el("img", { src: imgUrl(d.file_name, 800), alt: d.original.name }))
          : el("p", { class: "muted" }, "The image source does not hold this image.")),
      el("div", {},
        el("h1", {}, d.file_name),
        el("p", {}, d.problematic ? el("span", { class: "tag warn" }, "problematic (left out of the official figure)") : null,
          d.imagenet_m ? el("span", { class: "tag" }, "ImageNet-M") : null),
        el("h2", {}, "Original label"), el("ul", { class: "labels" }, labelItem(d.original, "")),
        list("Correct", d.correct, "correct"), list("Unclear", d.unclear, "unclear"), list("Wrong", d.wrong, "wrong"))),
    el("h2", {}, "What the loaded models answer"), models,
    el("h2", {}, "Community reviews"), reviews);
}

// ---------------------------------------------------------------- Model
async function model() {
  const params = new URLSearchParams(location.search);
  const query = new URLSearchParams();
  for (const k of ["kind", "page"]) if (params.get(k)) query.set(k, params.get(k));
  const d = await api(`/api/model/${encodeURIComponent(subject)}?${query}`);
  const r = d.report;
  const row = (name, e, note) => el("tr", {}, el("td", {}, name),
    el("td", { class: "n" }, e ? pct(e) : "—"), el("td", { class: "n muted" }, e ? ci(e) : ""), el("td", { class: "muted" }, note || ""));
  const figures = el("table", { id: "figures" },
    el("tr", {}, el("th", {}, "Figure"), el("th", {}, "%"), el("th", {}, "95% interval"), el("th", {}, "")),
    row("Multi-label accuracy (official)", r.multilabel_accuracy, "top-1 in correct ∪ unclear, per class, problematic left out"),
    row("Strict (correct only)", r.multilabel_accuracy_strict),
    row("Per image", r.multilabel_accuracy_per_image),
    row("Top-5", r.multilabel_top5_accuracy),
    row("ReaL accuracy", r.real_accuracy),
    row("Top-1, original labels", r.top1_original_annotated, "same images"),
    el("tr", {}, el("td", {}, "ImageNet-M"), el("td", { class: "n" }, `${r.imagenet_m.correct}/${r.imagenet_m.total}`), el("td", {}), el("td", {})));
  const kinds = ["", "wrong", "unreviewed", "background"];
  const tabs = el("p", {}, kinds.map((k) => {
    const n = k ? (d.mistake_counts[k] || 0) : Object.values(d.mistake_counts).reduce((a, b) => a + b, 0);
    const here = (params.get("kind") || "") === k;
    return el("a", { href: `?${k ? `kind=${k}` : ""}`, class: here ? "tag warn" : "tag" }, `${k || "all"} (${n})`);
  }));
  const m = d.mistakes;
  const go = (p) => { params.set("page", p); location.search = params.toString(); };
  const table = el("table", { id: "mistakes" },
    el("tr", {}, ["", "Image", "Original", "Top-1", "Kind", "Severity", "Review"].map((h) => el("th", {}, h))),
    m.items.map((x) => el("tr", {},
      el("td", {}, el("a", { href: imageLink(x.file_name) }, el("img", { src: imgUrl(x.file_name, 64), loading: "lazy", alt: "" }))),
      el("td", {}, el("a", { href: imageLink(x.file_name) }, x.file_name)),
      el("td", {}, x.original.name), el("td", { class: x.kind === "wrong" ? "wrong" : "unreviewed" }, x.prediction ? x.prediction.name : "background"),
      el("td", {}, x.kind), el("td", { class: "n" }, x.severity ?? "—"), el("td", { class: "muted" }, outcomeText(x.review)))));
  main.replaceChildren(
    el("h1", {}, `Model ${d.name}`), el("p", { class: "muted" }, d.predictions),
    figures,
    el("p", {}, `${d.unreviewed_pending} of its top-1 answers were never judged by an expert (graded as wrong). `,
      el("a", { href: `/review?model=${encodeURIComponent(d.name)}` }, "Review them →")),
    el("h2", {}, "Mistakes, worst first (by kind, then WordNet severity)"), tabs,
    el("div", { class: "pager" },
      el("button", { disabled: m.page <= 1, onclick: () => go(m.page - 1) }, "← Previous"),
      el("span", {}, `Page ${m.page} of ${m.pages} · ${m.total} mistakes`),
      el("button", { disabled: m.page >= m.pages, onclick: () => go(m.page + 1) }, "Next →")),
    table);
}

// ---------------------------------------------------------------- Review queue
const REVIEWER_KEY = "imagenet-multilabel-reviewer";

async function review() {
  // A link may carry the name (?reviewer=NAME): kept like a typed one.
  const given = new URLSearchParams(location.search).get("reviewer");
  if (given && given.trim()) localStorage.setItem(REVIEWER_KEY, given.trim().slice(0, 64));
  const reviewer = localStorage.getItem(REVIEWER_KEY);
  if (!reviewer) {
    const input = el("input", { id: "reviewer-name", name: "reviewer", required: true, maxlength: 64, placeholder: "your name" });
    const form = el("form", { id: "reviewer-form" }, el("h1", {}, "Review the predictions no expert saw"),
      el("p", {}, "Give your name once: it is stored with each of your reviews (and kept in this browser)."),
      input, " ", el("button", { type: "submit" }, "Start reviewing"));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      if (input.value.trim()) { localStorage.setItem(REVIEWER_KEY, input.value.trim()); review(); }
    });
    main.replaceChildren(form);
    input.focus();
    return;
  }
  const models = (await modelsPromise).models;
  const params = new URLSearchParams(location.search);
  const modelName = params.get("model") || "";
  let pairs = [];
  let remaining = 0;
  const skipped = new Set();
  const done = [];           // {id, pair} of this session's reviews, for undo
  const key = (p) => `${p.file_name} ${p.label}`;
  const picker = el("select", { id: "model-picker" }, el("option", { value: "" }, "all models"),
    models.map((m) => el("option", { value: m.name, selected: m.name === modelName }, m.name)));
  picker.addEventListener("change", () => {
    const next = new URLSearchParams(); if (picker.value) next.set("model", picker.value);
    location.search = next.toString();
  });
  const card = el("div", { id: "card" });
  const status = el("p", { id: "review-status", class: "muted" });
  const disagreements = el("div", { id: "disagreements" });
  main.replaceChildren(
    el("p", {}, "Reviewing as ", el("strong", {}, reviewer), " (", el("a", { href: "#", onclick: (e) => {
      e.preventDefault(); localStorage.removeItem(REVIEWER_KEY); review(); } }, "change"), ") · proposals of ", picker),
    status, card, disagreements);

  async function refill() {
    const q = new URLSearchParams({ reviewer, limit: "50" });
    if (modelName) q.set("model", modelName);
    const d = await api(`/api/queue?${q}`);
    remaining = d.remaining;
    pairs = d.pairs.filter((p) => !skipped.has(key(p)));
  }

  function render() {
    const p = pairs[0];
    status.textContent = `${remaining} pair(s) left to review · ${done.length} reviewed in this session`;
    if (!p) {
      card.replaceChildren(el("p", { class: "done" }, "Nothing left to review here. ",
        skipped.size ? `(${skipped.size} skipped in this session: reload to see them again.)` : ""));
      return;
    }
    const judged = (title, list, cls) => list.length ? el("li", {}, `${title}: `, el("span", { class: cls }, names(list))) : null;
    card.replaceChildren(el("div", { class: "review-card" },
      el("div", { class: "big" }, el("a", { href: imageLink(p.file_name) }, el("img", { id: "review-image", src: imgUrl(p.file_name, 640), alt: "the image under review" }))),
      el("div", {},
        el("p", { class: "muted" }, `Model ${p.model}'s top-1, which no expert judged. Is it a correct label for this image?`),
        el("div", { class: "candidate", id: "candidate", "data-file": p.file_name, "data-label": p.label }, p.candidate.name),
        el("div", { class: "gloss" }, p.candidate.gloss, " ", el("span", { class: "muted" }, `(${p.candidate.wnid})`)),
        el("div", { class: "actions" },
          el("button", { class: "correct", id: "b-correct", onclick: () => decide("correct") }, "Correct", el("kbd", {}, "1")),
          el("button", { class: "wrong", id: "b-wrong", onclick: () => decide("wrong") }, "Wrong", el("kbd", {}, "2")),
          el("button", { class: "unclear", id: "b-unclear", onclick: () => decide("unclear") }, "Unclear", el("kbd", {}, "3")),
          el("button", { id: "b-skip", onclick: skip }, "Skip", el("kbd", {}, "space")),
          el("button", { id: "b-undo", onclick: undo, disabled: !done.length }, "Undo", el("kbd", {}, "z"))),
        el("h2", {}, "What the experts said about this image"),
        el("ul", { class: "labels" }, el("li", {}, "original label: ", el("strong", {}, p.original.name),
          el("div", { class: "gloss" }, p.original.gloss)),
          judged("correct", p.correct, "correct"), judged("unclear", p.unclear, "unclear"), judged("wrong", p.wrong, "wrong")),
        p.review ? el("p", { class: "muted" }, `Community: ${outcomeText(p.review)}`) : null,
        el("h2", {}, `Other images of “${p.candidate.name}”`),
        p.examples.length ? el("div", { class: "examples" }, p.examples.map((f) => el("a", { href: imageLink(f) }, el("img", { src: imgUrl(f, 160), alt: p.candidate.name }))))
          : el("p", { class: "muted" }, "no clear example in the dataset"))));
  }

  async function advance() {
    pairs.shift();
    if (!pairs.length) await refill();
    render();
  }

  let busy = false;
  async function decide(decision) {
    const p = pairs[0];
    if (!p || busy) return;
    busy = true;
    try {
      const stored = await api("/api/reviews", { method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ file_name: p.file_name, label: p.label, decision, reviewer, model: p.model }) });
      done.push({ id: stored.id, pair: p });
      toast(`${p.candidate.name}: ${decision}`);
      remaining = Math.max(0, remaining - 1);
      await advance();
    } catch (e) { toast(`Not recorded: ${e.message}`); } finally { busy = false; }
  }
  async function skip() {
    const p = pairs[0];
    if (!p) return;
    skipped.add(key(p));
    await advance();
  }
  async function undo() {
    const last = done[done.length - 1];
    if (!last || busy) return;
    busy = true;
    try {
      await api(`/api/reviews/${last.id}/undo`, { method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ reviewer }) });
      done.pop();
      pairs.unshift(last.pair);
      remaining += 1;
      toast(`Undone: ${last.pair.candidate.name}`);
      render();
    } catch (e) { toast(`Undo failed: ${e.message}`); } finally { busy = false; }
  }
  document.addEventListener("keydown", (e) => {
    if (e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement || e.ctrlKey || e.metaKey || e.altKey) return;
    const actions = { "1": () => decide("correct"), "2": () => decide("wrong"), "3": () => decide("unclear"), " ": skip, "z": undo };
    if (actions[e.key]) { e.preventDefault(); actions[e.key](); }
  });

  await refill();
  render();
  const d = await api("/api/disagreements");
  if (d.disagreements.length) {
    disagreements.append(el("h2", {}, `Disagreements (${d.disagreements.length})`), el("ul", {},
      d.disagreements.map((x) => el("li", {}, el("a", { href: imageLink(x.file_name) }, x.file_name), ` · ${x.label.name}: ${outcomeText(x.review)}`))));
  }
}

const pages = { browse, image, model, review };
window.addEventListener("popstate", () => { if (page === "browse") browse().catch(showError); });
(pages[page] || browse)().catch(showError);
