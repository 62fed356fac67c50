// The expression view: type an expression and a point, then step through the backward pass,
// the per-path sums or forward mode one row at a time. Every number shown comes from the
// server's answer (POST /api/expression: the engine's derivation, already written out); this
// script only chooses which of it to show.

import { el, postJSON, t } from "./common.js";
import { drawGraph, lastLines, mark, reveal } from "./graph.js";

const $ = (id) => document.getElementById(id);
const ui = {
  form: $("expression-form"), expression: $("expression"), point: $("point"),
  error: $("expression-error"), svg: $("graph"), current: $("current"), rows: $("rows"),
  count: $("step-count"), result: $("result"),
};
const state = { model: null, graph: null, mode: "backward", frame: 0, asked: 0 };

// ---- asking the server --------------------------------------------------------------------
function pointValues() {
  const at = {};
  for (const field of ui.point.querySelectorAll("input")) {
    if (field.value.trim() !== "" && Number.isFinite(field.valueAsNumber)) {
      at[field.name] = field.valueAsNumber;
    }
  }
  return at;
}

async function derive() {
  const asked = ++state.asked;
  const { ok, data } = await postJSON("/api/expression", {
    expression: ui.expression.value, at: pointValues(),
  });
  if (asked !== state.asked) return; // a later request is on its way: its answer counts
  if (!ok) {
    ui.error.textContent = data.error;
    document.body.classList.add("stale");
    if (data.variables) pointFields(data.variables, true);
    return;
  }
  ui.error.textContent = "";
  document.body.classList.remove("stale");
  pointFields(data.point.map((p) => p.name), false);
  state.model = data;
  state.graph = drawGraph(ui.svg, data.drawing);
  show();
}

function pointFields(names, askForMissing) {
  const existing = new Map([...ui.point.querySelectorAll("label.value")].map(
    (label) => [label.querySelector("input").name, label]));
  const labels = names.map((name) => existing.get(name) || el("label", { class: "value" },
    el("span", { class: "mono" }, name),
    el("input", { type: "number", step: "any", class: "mono", name })));
  ui.point.replaceChildren(ui.point.querySelector("legend"), ...labels);
  if (askForMissing) {
    const empty = labels.map((l) => l.querySelector("input")).find((f) => f.value === "");
    empty?.focus();
  }
}

let timer = null;
function deriveSoon() {
  clearTimeout(timer);
  timer = setTimeout(derive, 200);
}

// ---- what each mode steps through ---------------------------------------------------------
function frames() {
  const m = state.model;
  if (!m) return [];
  if (state.mode === "backward") return m.reverse.map((row, index) => ({ row, index }));
  if (state.mode === "paths") {
    return (m.paths || []).flatMap((group) => group.rows.map((row) => ({ group, row })));
  }
  return (m.forward || []).flatMap((pass) => [
    { pass, index: -1 },
    ...pass.rows.map((row, index) => ({ pass, row, index })),
  ]);
}

/** Each box's last line before anything is computed: the library's "grad -". */
function pendingLines() {
  return Object.fromEntries(state.model.drawing.boxes.map((box) => [box.name, box.pending]));
}

/** Rows of a sum-by-sum table: those up to `index` with their numbers, later ones without. */
function stepRows(rows, index, label) {
  return rows.map((row, i) => ({
    cells: [label(row), row.sum || "1", ...(i <= index ? [row.numbers, row.value] : ["", "…"])],
    current: i === index,
    later: i > index,
    node: row.node,
  }));
}

function showBackward(frame) {
  const { row, index } = frame;
  const reverse = state.model.reverse;
  const reached = reverse.slice(0, index + 1);
  const lines = pendingLines();
  for (const r of reached) lines[r.node] = boxOf(r.node).grad;
  lastLines(state.graph, lines);
  mark(state.graph, {
    boxes: { done: reached.map((r) => r.node), current: [row.node], parent: row.parents },
    edges: { active: row.edges },
  });
  ui.current.textContent = equation(row.partial, row, t("top", { partial: row.partial }));
  const head = [t("partial"), t("sum_over_parents"), t("with_numbers"), t("value")];
  ui.rows.replaceChildren(table(stepRows(reverse, index, (r) => r.partial), head));
}

function showPaths(frame) {
  const { group, row } = frame;
  lastLines(state.graph, pendingLines());
  const shared = row.recomputed ? row.recomputed.edges : [];
  mark(state.graph, {
    boxes: { current: [group.input], parent: row.nodes.slice(1) },
    edges: { path: row.edges.filter((k) => !shared.includes(k)), recomputed: shared },
  });
  ui.current.replaceChildren(`${row.route}: ${row.factors} = ${row.numbers} = ${row.product}`);
  if (row.recomputed) {
    const { partial, value } = row.recomputed;
    const note = `${t("recomputed_short")}: ${partial} = ${value}`;
    ui.current.append(el("span", { class: "recomputed" }, note));
  }
  const body = [];
  for (const g of state.model.paths) {
    g.rows.forEach((r, i) => body.push({
      cells: [i === 0 ? g.partial : "", r.route, `${r.factors} = ${r.numbers}`, r.product],
      current: r === row,
      note: r.recomputed && t("recomputed", {
        partial: r.recomputed.partial, value: r.recomputed.value, path: r.recomputed.first,
      }),
    }));
    body.push({ cells: ["", "", t("path_total"), g.total], total: true });
  }
  ui.rows.replaceChildren(table(body, [t("partial"), t("path"), t("product"), t("value"), ""]));
}

function showForward(frame) {
  const { pass, row, index } = frame;
  const reached = pass.rows.slice(0, index + 1);
  const seeded = Object.keys(pass.seed_values);
  const lines = pendingLines();
  for (const [name, seed] of Object.entries(pass.seed_values)) lines[name] = `${name}′ = ${seed}`;
  for (const r of reached) lines[r.node] = `${r.tangent} = ${r.value}`;
  lastLines(state.graph, lines);
  const title = t("pass_for", { input: pass.input });
  if (row) {
    mark(state.graph, {
      boxes: { done: [...seeded, ...reached.map((r) => r.node)], current: [row.node],
               parent: row.children },
      edges: { active: row.edges },
    });
    ui.current.textContent = equation(row.tangent, row, "");
  } else {
    mark(state.graph, { boxes: { current: [pass.input], done: seeded } });
    ui.current.textContent = `${title}: ${pass.seeds}`;
  }
  const body = stepRows(pass.rows, index, (r) => r.tangent);
  const done = index === pass.rows.length - 1;
  const total = [pass.partial, pass.output_tangent, "", done ? pass.value : "…"];
  body.push({ cells: total, total: true });
  const head = [t("tangent"), t("sum_over_operands"), t("with_numbers"), t("value")];
  const caption = el("p", { class: "pass" }, `${title} (${pass.seeds})`);
  ui.rows.replaceChildren(caption, table(body, head));
}

function equation(left, row, whenEmpty) {
  if (!row.sum) return whenEmpty || `${left} = ${row.value}`;
  return `${left} = ${row.sum} = ${row.numbers} = ${row.value}`;
}

function boxOf(name) {
  return state.model.drawing.boxes.find((b) => b.name === name);
}

function table(rows, head) {
  const body = rows.map((r) => {
    const marks = [r.current && "current", r.later && "later", r.total && "total"];
    const tr = el("tr", { class: marks.filter(Boolean).join(" ") || null, "data-node": r.node },
      ...r.cells.map((c, i) => el("td", { class: i === 3 ? "num" : null }, c)));
    if (r.note) tr.append(el("td", { class: "note" }, r.note));
    return tr;
  });
  return el("table", { class: "steps mono" },
    el("thead", {}, el("tr", {}, ...head.map((h) => el("th", {}, h)))),
    el("tbody", {}, ...body));
}

// ---- showing a frame ----------------------------------------------------------------------
function show() {
  const all = frames();
  if (!state.model || all.length === 0) return;
  state.frame = Math.max(0, Math.min(state.frame, all.length - 1));
  const frame = all[state.frame];
  ({ backward: showBackward, paths: showPaths, forward: showForward })[state.mode](frame);
  const current = [...state.graph.boxes.values()].find((g) => g.classList.contains("current"));
  if (current) reveal(state.graph, current.dataset.node, ui.svg.parentElement);
  ui.count.textContent = t("step", { k: state.frame + 1, n: all.length });
  $("step-first").disabled = $("step-previous").disabled = state.frame === 0;
  $("step-last").disabled = $("step-next").disabled = state.frame === all.length - 1;
  for (const button of document.querySelectorAll(".modes button")) {
    button.setAttribute("aria-pressed", String(button.dataset.mode === state.mode));
  }
  showResult();
}

function showResult() {
  const r = state.model.result;
  const d = state.model.derivation;
  const y = d.output.name;
  const items = [
    el("li", {}, `${y} = ${r.value}`),
    ...r.gradients.map((g) => el("li", {}, `${g.partial} = ${g.value}`)),
  ];
  const check = r.agrees ? t("agrees") : t("differs", { difference: r.difference });
  const { reverse_mult: reverse, path_mult: paths, forward_mult: forward } = d.counts;
  ui.result.replaceChildren(
    el("h2", {}, t("result")),
    el("ul", { class: "mono" }, ...items),
    el("p", { class: r.agrees ? "good" : "warn" }, check),
    el("p", {}, t("counts", { reverse, paths, forward })),
  );
}

function go(to) {
  const n = frames().length;
  state.frame = to === "first" ? 0 : to === "last" ? n - 1 : state.frame + to;
  show();
}

function setMode(mode) {
  if (mode === state.mode) return;
  state.mode = mode;
  state.frame = 0;
  show();
}

// ---- wiring -------------------------------------------------------------------------------
ui.form.addEventListener("submit", (event) => { event.preventDefault(); derive(); });
ui.point.addEventListener("input", deriveSoon);
$("step-first").addEventListener("click", () => go("first"));
$("step-previous").addEventListener("click", () => go(-1));
$("step-next").addEventListener("click", () => go(1));
$("step-last").addEventListener("click", () => go("last"));
for (const button of document.querySelectorAll(".modes button")) {
  button.addEventListener("click", () => setMode(button.dataset.mode));
}
for (const button of document.querySelectorAll("button.example")) {
  button.addEventListener("click", () => {
    ui.expression.value = button.dataset.expression;
    const at = JSON.parse(button.dataset.at);
    pointFields(Object.keys(at), false);
    for (const field of ui.point.querySelectorAll("input")) field.value = at[field.name];
    state.frame = 0;
    derive();
  });
}
const KEYS = { ArrowRight: 1, ArrowLeft: -1, Home: "first", End: "last" };
document.addEventListener("keydown", (event) => {
  const typing = event.target.closest("input, textarea, select");
  if (typing || event.altKey || event.ctrlKey || event.metaKey) return;
  const action = KEYS[event.key];
  const mode = { b: "backward", p: "paths", f: "forward" }[event.key];
  if (action !== undefined) go(action);
  else if (mode) setMode(mode);
  else return;
  event.preventDefault();
});
derive();
