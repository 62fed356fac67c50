// The network view: settings and controls, a WebSocket to the server's training bench
// (protocol in chainrule/playground/live.py), and the panels redrawn from each frame.

import { el, t } from "./common.js";
import {
  buildDiagram, paintBoundary, paintGrid, paintLines, updateDiagram, CLASS_COLOURS,
} from "./network-draw.js";

const $ = (id) => document.getElementById(id);
const LAYER_COLOURS = ["#0877bd", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
  "#17becf", "#bcbd22"];

const state = {
  socket: null, ready: null, diagram: null, history: [], sideHistory: [],
  playing: false, choosing: null,
  // counters for the frame-rate measurement (read by the tests and shown in the status)
  stats: { frames: 0, planes: 0, drawing: 0, since: performance.now() },
};
window.networkStats = state.stats;

function settingsFromForm() {
  const form = new FormData($("settings"));
  const number = (name) => Number(form.get(name));
  const clip = form.get("clip_norm");
  return {
    data: form.get("data"),
    hidden: String(form.get("hidden")).split(/[,\s]+/).filter(Boolean).map(Number),
    activation: form.get("activation"),
    init: form.get("init"),
    cost: form.get("cost"),
    lr: number("lr"),
    batch_size: number("batch_size"),
    clip_norm: clip === "" ? null : Number(clip),
    batch_norm: form.get("batch_norm") === "on",
    engine: form.get("engine"),
    seed: number("seed"),
  };
}

function send(message) {
  if (state.socket?.readyState === WebSocket.OPEN) state.socket.send(JSON.stringify(message));
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}/ws/network`);
  state.socket = socket;
  socket.addEventListener("open", () => send({ type: "start", settings: settingsFromForm() }));
  socket.addEventListener("message", (event) => receive(JSON.parse(event.data)));
  socket.addEventListener("close", () => {
    setPlaying(false);
    $("net-error").textContent = t("closed");
  });
}

function receive(message) {
  if (message.type === "error") {
    $("net-error").textContent = message.error;
    setPlaying(false);
  } else if (message.type === "ready") {
    ready(message);
  } else if (message.type === "paused") {
    setPlaying(false);
  } else if (message.type === "frame") {
    const started = performance.now();
    $("net-error").textContent = "";
    frame(message);
    state.stats.drawing += performance.now() - started;
  }
}

function ready(message) {
  state.ready = message;
  state.history = [];
  state.sideHistory = [];
  state.diagram = buildDiagram($("diagram"), message.layers, chooseEdge);
  $("edit").hidden = true;
  $("boundary-note").textContent = message.points ? "" : t("no_plane");
  for (const id of ["boundary", "side-main", "side-remedy"]) {
    const canvas = $(id);
    canvas.getContext("2d").clearRect(0, 0, canvas.width, canvas.height);
  }
  const hidden = message.layers.length - 2;
  $("speeds-key").replaceChildren(...message.layers.slice(1).map((_, l) => {
    const span = el("span", {}, t("layer", { l: l + 1 }) + (l === hidden ? ` (${t("output")})` : ""));
    span.style.setProperty("--swatch", LAYER_COLOURS[l % LAYER_COLOURS.length]);
    return span;
  }));
  $("side-panel").hidden = !message.side;
  if (message.side) {
    $("side-title").textContent = t("side_title", { remedy: t(`remedy_${message.remedy}`) });
  }
}

function frame(message) {
  const { main, side } = message;
  const stats = state.stats;
  stats.frames += 1;
  if (main.plane) stats.planes += 1;
  state.history.push(main);
  if (side) state.sideHistory.push(side);
  if (state.history.length > 2000) state.history.splice(0, 1000);
  if (state.sideHistory.length > 2000) state.sideHistory.splice(0, 1000);
  const seconds = (performance.now() - stats.since) / 1000;
  $("status").textContent = t("status", {
    step: main.step, epoch: main.epoch, loss: main.train_loss, train: main.train_accuracy,
    test: main.test_accuracy,
    fps: state.playing && seconds > 0 ? (stats.frames / seconds).toFixed(1) : "–",
  });
  $("status").dataset.trainAccuracy = main.train_accuracy;
  $("status").dataset.step = main.step;
  updateDiagram(state.diagram, main.weights, main.plane);
  if (main.plane) paintBoundary($("boundary"), main.plane, state.ready.points, state.ready.labels);
  drawCurves();
  drawSpeeds();
  drawHeatmaps(main);
  if (main.diagnosis) drawDiagnosis(main);
  if (side) drawSide(main, side);
  if (state.choosing) showChosen();
}

function drawCurves() {
  const h = state.history;
  paintLines($("curves"), [
    { values: h.map((f) => [f.step, f.train_loss]), colour: "#d9480f" },
    { values: h.map((f) => [f.step, f.train_accuracy]), colour: "#0b5cad" },
    { values: h.map((f) => [f.step, f.test_accuracy]), colour: "#0b5cad", dash: true },
  ], { yMin: 0, label: t("steps") });
}

function drawSpeeds() {
  const h = state.history;
  const n = h.at(-1)?.speeds.length ?? 0;
  paintLines($("speeds"), Array.from({ length: n }, (_, l) => ({
    values: h.map((f) => [f.step, f.speeds[l]]), colour: LAYER_COLOURS[l % LAYER_COLOURS.length],
  })), { log: true, label: t("steps") });
}

function drawHeatmaps(main) {
  const box = $("heatmaps");
  const wanted = main.deltas.length * 2;
  if (box.children.length !== wanted) {
    box.replaceChildren(...main.deltas.flatMap((_, l) => ["delta", "grad"].map((kind) => el("figure", {},
      el("canvas", { id: `${kind}-${l + 1}`, width: 8, height: 8 }), el("figcaption", {})))));
  }
  main.deltas.forEach((rows, l) => {
    for (const [kind, grid, name] of [["delta", rows, "δ"], ["grad", main.grad_weights[l], "∂J/∂W"]]) {
      const canvas = $(`${kind}-${l + 1}`);
      const scale = paintGrid(canvas, grid.map((r) => [...r]).reverse());
      const cell = Math.max(4, Math.min(18, 220 / Math.max(grid.length, grid[0].length)));
      Object.assign(canvas.style, { width: `${grid[0].length * cell}px`, height: `${grid.length * cell}px` });
      canvas.nextSibling.textContent = t("heat_caption", { name, l: l + 1, scale: scale.toPrecision(3) });
    }
  });
}

function drawDiagnosis(main) {
  $("diagnosis").replaceChildren(...main.diagnosis.map((f) => el("p",
    { class: `finding ${f.kind === "healthy" ? "healthy" : "problem"}`, "data-kind": f.kind },
    el("span", { class: "kind" }, f.title), ": ", f.message,
    el("br"), el("span", { class: "remedy-text" }, f.remedy))));
  const names = main.remedies.length ? main.remedies : ["batch_norm", "lower_lr", "clip"];
  const current = [...$("remedies").children].map((b) => b.dataset.remedy).join();
  if (current === names.join()) return;
  $("remedies").replaceChildren(...names.map((name) => {
    const button = el("button", { type: "button", "data-remedy": name, id: `remedy-${name}` },
      t("try_remedy", { remedy: t(`remedy_${name}`) }));
    button.addEventListener("click", () => send({ type: "remedy", remedy: name }));
    return button;
  }));
}

function drawSide(main, side) {
  if (main.plane && side.plane) {
    paintBoundary($("side-main"), main.plane, state.ready.points, state.ready.labels);
    paintBoundary($("side-remedy"), side.plane, state.ready.points, state.ready.labels);
  }
  const caption = (f) => t("side_caption", { step: f.step, loss: f.train_loss, train: f.train_accuracy });
  $("side-main-caption").textContent = `${t("as_set")}: ${caption(main)}`;
  $("side-remedy-caption").textContent = `${t(`remedy_${state.ready.remedy}`)}: ${caption(side)}`;
  const [a, b] = [state.history.slice(-state.sideHistory.length), state.sideHistory];
  paintLines($("side-curves"), [
    { values: a.map((f) => [f.step, f.train_loss]), colour: "#d9480f" },
    { values: b.map((f) => [f.step, f.train_loss]), colour: "#d9480f", dash: true },
    { values: a.map((f) => [f.step, f.train_accuracy]), colour: "#0b5cad" },
    { values: b.map((f) => [f.step, f.train_accuracy]), colour: "#0b5cad", dash: true },
  ], { yMin: 0, label: t("steps") });
}

function chooseEdge(l, j, k, line) {
  state.choosing = { l, j, k, line };
  document.querySelectorAll("line.chosen").forEach((x) => x.classList.remove("chosen"));
  line.classList.add("chosen");
  $("edit-name").textContent = `w^${l}_${j},${k}`;
  $("edit-value").value = state.history.at(-1)?.weights[l - 1][j][k] ?? 0;
  $("edit").hidden = false;
  $("edit-value").focus();
}

function showChosen() {
  const { l, j, k } = state.choosing;
  $("edit-name").title = String(state.history.at(-1).weights[l - 1][j][k]);
}

function setPlaying(on) {
  state.playing = on;
  $("play").setAttribute("aria-pressed", String(on));
  $("play").textContent = on ? `⏸ ${t("pause")}` : `▶ ${t("play")}`;
}

function speed() {
  const value = Number($("speed").value);
  $("speed-shown").textContent = t("per_second", { n: value });
  return value;
}

$("settings").addEventListener("submit", (event) => {
  event.preventDefault();
  setPlaying(false);
  send({ type: "pause" });
  send({ type: "start", settings: settingsFromForm() });
});
$("play").addEventListener("click", () => {
  const on = !state.playing;
  setPlaying(on);
  state.stats.frames = state.stats.planes = state.stats.drawing = 0;
  state.stats.since = performance.now();
  send(on ? { type: "play", speed: speed() } : { type: "pause" });
});
$("step").addEventListener("click", () => { setPlaying(false); send({ type: "pause" }); send({ type: "step" }); });
$("speed").addEventListener("input", () => { const v = speed(); if (state.playing) send({ type: "play", speed: v }); });
$("edit").addEventListener("submit", (event) => {
  event.preventDefault();
  const { l, j, k } = state.choosing;
  send({ type: "edit", layer: l, j, k, value: Number($("edit-value").value) });
});
$("edit-cancel").addEventListener("click", () => { $("edit").hidden = true; state.choosing = null; });
speed();
setPlaying(false);
connect();
export { CLASS_COLOURS };
