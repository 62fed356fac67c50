// The expression view: type an expression and a point, then step through the backward pass,
// the per-path sums or forward mode one row at a time. Every number shown comes from the
// server's answer (POST /api/expression: the engine's derivation, already written out); this
// script only chooses which of it to show.

import { el, postJSON, t } from "./common.js";
import { drawGraph, lastLines, mark } from "./graph.js";

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
    return (m.paths || []).flatMap((group) => group.rows.map((row, index) => ({ group, row, index })));
  }
  return (m.forward || []).flatMap((pass) =>
    [{ pass, index: -1 }, ...pass.rows.map((row, index) => ({ pass, row, index }))]);
}

function showBackward(frame) {
  const m = state.model;
  const reached = m.reverse.slice(0, frame.index + 1);
  const lines = {};
  for (const box of m.drawing.boxes) lines[box.name] = box.pending;
  for (const row of reached) lines[row.node] = boxOf(row.node).grad;
  lastLines(state.graph, lines);
  mark(state.graph, {
    boxes: { done: reached.map((r) => r.node), current: [frame.row.node], parent: frame.row.parents },
    edges: { active: frame.row.edges },
  });
  ui.current.textContent = equation(frame.row.partial, frame.row, t("top", { partial: frame.row.partial }));
  ui.rows.replaceChildren(table(m.reverse.map((row, i) => ({
    cells: [row.partial, row.sum || "1", i <= frame.index ? row.numbers : "", i <= frame.index ? row.value : "…"],
    current: i === frame.index, later: i > frame.index, node: row.node,
  })), [t("partial"), t("sum_over_parents"), t("with_numbers"), t("value")]));
}

function showPaths(frame) {
  const { group, row } = frame;
  const lines = {};
  for (const box of state.model.drawing.boxes) lines[box.name] = box.pending;
  lastLines(state.graph, lines);
  const shared = row.recomputed ? row.recomputed.edges : [];
  mark(state.graph, {
    boxes: { current: [group.input], parent: row.nodes.slice(1) },
    edges: { path: row.edges.filter((k) => !shared.includes(k)), recomputed: shared },
  });
  ui.current.replaceChildren(`${row.route}: ${row.factors} = ${row.numbers} = ${row.product}`);
  if (row.recomputed) {
    ui.current.append(el("span", { class: "recomputed" }, t("recomputed_short"), ": ",
                         `${row.recomputed.partial} = ${row.recomputed.value}`));
  }
  const body = [];
  for (const g of state.model.paths) {
    g.rows.forEach((r, i) => body.push({
      cells: [i === 0 ? g.partial : "", r.route, `${r.factors} = ${r.numbers}`, r.product],
      current: r === row, note: r.recomputed ? t("recomputed", {
        partial: r.recomputed.partial, value: r.recomputed.value, path: r.recomputed.first,
      }) : null,
    }));
    body.push({ cells: ["", "", t("path_total"), g.total], total: true });
  }
  ui.rows.replaceChildren(table(body, [t("partial"), t("path"), t("product"), t("value")]));
}

function showForward(frame) {
  const { pass } = frame;
  const lines = {};
  for (const box of state.model.drawing.boxes) lines[box.name] = box.pending;
  for (const [name, value] of Object.entries(pass.seed_values)) lines[name] = `${name}′ = ${value}`;
  const reached = pass.rows.slice(0, frame.index + 1);
  for (const row of reached) lines[row.node] = `${row.tangent} = ${row.value}`;
  lastLines(state.graph, lines);
  if (frame.index < 0) {
    mark(state.graph, { boxes: { current: [pass.input], done: Object.keys(pass.seed_values) } });
    ui.current.textContent = `${t("pass_for", { input: pass.input })}: ${pass.seeds}`;
  } else {
    mark(state.graph, {
      boxes: { done: [...Object.keys(pass.seed_values), ...reached.map((r) => r.node)],
               current: [frame.row.node], parent: frame.row.children },
      edges: { active: frame.row.edges },
    });
    ui.current.textContent = equation(frame.row.tangent, frame.row, "");
  }
  const body = pass.rows.map((row, i) => ({
    cells: [row.tangent, row.sum, i <= frame.index ? row.numbers : "", i <= frame.index ? row.value : "…"],
    current: i === frame.index, later: i > frame.index, node: row.node,
  }));
  const done = frame.index === pass.rows.length - 1;
  const output = state.model.derivation.output.name;
  body.push({ cells: [`∂${output}/∂${pass.input}`, `${output}′`, "", done ? pass.value : "…"], total: true });
  ui.rows.replaceChildren(el("p", { class: "pass" }, `${t("pass_for", { input: pass.input })} (${pass.seeds})`),
                          table(body, [t("tangent"), t("sum_over_operands"), t("with_numbers"), t("value")]));
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
    const tr = el("tr", { class: [r.current && "current", r.later && "later", r.total && "total"].filter(Boolean).join(" ") || null,
                          "data-node": r.node || null },
      ...r.cells.map((c, i) => el("td", { class: i === 3 ? "num" : null }, c)));
    if (r.note) tr.append(el("td", { class: "note" }, r.note));
    return tr;
  });
  return el("table", { class: "steps mono" },
    el("thead", {}, el("tr", {}, ...head.map((h) => el("th", {}, h)))), el("tbody", {}, ...body));
}

// ---- showing a frame ----------------------------------------------------------------------
function show() {
  const all = frames();
  if (!state.model || all.length === 0) return;
  state.frame = Math.max(0, Math.min(state.frame, all.length - 1));
  const frame = all[state.frame];
  ({ backward: showBackward, paths: showPaths, forward: showForward })[state.mode](frame);
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
  const items = [el("li", {}, `${y} = ${r.value}`),
    ...Object.entries(r.gradients).map(([name, v]) => el("li", {}, `∂${y}/∂${name} = ${v}`))];
  const check = r.agrees ? t("agrees") : t("differs", { difference: r.difference });
  const counts = t("counts", { reverse: d.counts.reverse_mult, paths: d.counts.path_mult,
                               forward: d.counts.forward_mult });
  ui.result.replaceChildren(el("h2", {}, t("result")), el("ul", { class: "mono" }, ...items),
                            el("p", { class: r.agrees ? "good" : "warn" }, check), el("p", {}, counts));
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
document.addEventListener("keydown", (event) => {
  if (event.target.closest("input, textarea, select") || event.altKey || event.ctrlKey || event.metaKey) return;
  const action = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1, Home: "first", End: "last" }[event.key];
  const mode = { b: "backward", p: "paths", f: "forward" }[event.key];
  if (action !== undefined) go(action);
  else if (mode) setMode(mode);
  else return;
  event.preventDefault();
});
derive();
