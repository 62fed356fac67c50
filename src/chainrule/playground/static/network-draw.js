// Drawing for the network view: every number drawn here came from the engine in a frame;
// nothing is recomputed, only coloured.

import { svg } from "./common.js";

export const CLASS_COLOURS = ["#f59322", "#0877bd", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
  "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
const POSITIVE = [245, 147, 34];
const NEGATIVE = [8, 119, 189];

function rgb(hex) {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** A value in [-1, 1] as an RGB triple: orange positive, blue negative, white at 0. */
export function diverging(v) {
  const t = Math.max(-1, Math.min(1, v || 0));
  const end = t >= 0 ? POSITIVE : NEGATIVE;
  const s = Math.abs(t);
  return end.map((c) => Math.round(255 + (c - 255) * s));
}

function maxAbs(rows) {
  let most = 0;
  for (const row of rows) for (const v of row) if (v !== null && Math.abs(v) > most) most = Math.abs(v);
  return most || 1;
}

/** Paint a grid of values (rows of numbers) into `canvas`, one cell per value, scaled by the
 * largest |value|; returns that scale. */
export function paintGrid(canvas, rows, scale = maxAbs(rows)) {
  const h = rows.length;
  const w = rows[0]?.length || 0;
  if (!h || !w) return scale;
  if (canvas.width !== w || canvas.height !== h) [canvas.width, canvas.height] = [w, h];
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(w, h);
  rows.forEach((row, i) => row.forEach((v, j) => {
    const [r, g, b] = diverging(v === null ? 0 : v / scale);
    // row 0 of a plane is its lowest y: drawn at the bottom
    const at = 4 * ((h - 1 - i) * w + j);
    image.data.set([r, g, b, 255], at);
  }));
  ctx.putImageData(image, 0, 0);
  return scale;
}

/** The decision boundary: each cell in its class's colour, paler where the model is unsure,
 * and the training points on top. */
export function paintBoundary(canvas, plane, points, labels) {
  const { xs, ys } = plane;
  const size = canvas.width;
  const ctx = canvas.getContext("2d");
  const cell = document.createElement("canvas");
  [cell.width, cell.height] = [xs.length, ys.length];
  const cctx = cell.getContext("2d");
  const image = cctx.createImageData(xs.length, ys.length);
  plane.labels.forEach((row, i) => row.forEach((label, j) => {
    const c = rgb(CLASS_COLOURS[label % CLASS_COLOURS.length]);
    const sure = plane.confidence[i][j] ?? 0;
    const mix = 0.25 + 0.55 * sure;
    const at = 4 * ((ys.length - 1 - i) * xs.length + j);
    image.data.set([...c.map((v) => Math.round(255 + (v - 255) * mix)), 255], at);
  }));
  cctx.putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(cell, 0, 0, size, size);
  if (!points) return;
  const [x0, x1, y0, y1] = [xs[0], xs[xs.length - 1], ys[0], ys[ys.length - 1]];
  points.forEach(([px, py], n) => {
    const cx = ((px - x0) / (x1 - x0)) * size;
    const cy = size - ((py - y0) / (y1 - y0)) * size;
    ctx.beginPath();
    ctx.arc(cx, cy, 3.2, 0, 2 * Math.PI);
    ctx.fillStyle = CLASS_COLOURS[labels[n] % CLASS_COLOURS.length];
    ctx.fill();
    ctx.strokeStyle = "#fff";
    ctx.lineWidth = 1;
    ctx.stroke();
  });
}

/** Lines over steps on a canvas: `series` = [{values: [[x, y], ...], colour, dash}],
 * y on a log scale when `log`. */
export function paintLines(canvas, series, { log = false, yMin = null, yMax = null, label = "" } = {}) {
  const ctx = canvas.getContext("2d");
  const [w, h, pad] = [canvas.width, canvas.height, 30];
  ctx.clearRect(0, 0, w, h);
  const f = (y) => (log ? Math.log10(y) : y);
  const points = series.flatMap((s) => s.values).filter(([, y]) => y !== null && (!log || y > 0));
  if (!points.length) return;
  const xs = points.map(([x]) => x);
  const ys = points.map(([, y]) => f(y));
  const [xa, xb] = [Math.min(...xs), Math.max(...xs, Math.min(...xs) + 1)];
  let [ya, yb] = [yMin ?? Math.min(...ys), yMax ?? Math.max(...ys)];
  if (yb - ya < 1e-9) [ya, yb] = [ya - 0.5, yb + 0.5];
  const X = (x) => pad + ((x - xa) / (xb - xa)) * (w - pad - 8);
  const Y = (y) => h - 16 - ((f(y) - ya) / (yb - ya)) * (h - 24);
  ctx.strokeStyle = "#d0d7de";
  ctx.strokeRect(pad, 8, w - pad - 8, h - 24);
  ctx.fillStyle = "#57606a";
  ctx.font = "10px sans-serif";
  const tick = (v) => (log ? `1e${Math.round(v)}` : v.toPrecision(2));
  ctx.fillText(tick(yb), 2, 14);
  ctx.fillText(tick(ya), 2, h - 16);
  ctx.fillText(`${xa}`, pad, h - 3);
  ctx.fillText(`${xb} ${label}`, w - 70, h - 3);
  for (const s of series) {
    ctx.strokeStyle = s.colour;
    ctx.setLineDash(s.dash ? [4, 3] : []);
    ctx.lineWidth = 1.6;
    ctx.beginPath();
    let started = false;
    for (const [x, y] of s.values) {
      if (y === null || (log && y <= 0)) { started = false; continue; }
      if (started) ctx.lineTo(X(x), Y(y)); else ctx.moveTo(X(x), Y(y));
      started = true;
    }
    ctx.stroke();
  }
  ctx.setLineDash([]);
}

/** The network as units (canvases, hidden ones showing their response over the plane) and
 * edges (one SVG line per weight, width and colour by value). Returns what `update` needs. */
export function buildDiagram(box, layers, onEdge) {
  box.replaceChildren();
  const [w, h] = [box.clientWidth || 480, box.clientHeight || 330];
  const most = Math.max(...layers);
  // every unit fits in the box: 64 digit inputs get small squares, xor's get large ones
  const pitch = Math.min(38, (h - 10) / most);
  const size = Math.max(2, pitch * 0.85);
  const xAt = (l) => 20 + (l * (w - 40 - size)) / (layers.length - 1);
  const yAt = (n, j) => h / 2 + (j - (n - 1) / 2) * pitch - size / 2;
  const picture = svg("svg", { viewBox: `0 0 ${w} ${h}`, "aria-hidden": "true" });
  const edges = [];
  for (let l = 1; l < layers.length; l += 1) {
    for (let j = 0; j < layers[l]; j += 1) {
      for (let k = 0; k < layers[l - 1]; k += 1) {
        const at = { x1: xAt(l - 1) + size, y1: yAt(layers[l - 1], k) + size / 2,
          x2: xAt(l), y2: yAt(layers[l], j) + size / 2 };
        const hit = svg("line", { ...at, class: "hit", "stroke-width": 7, id: `edge-${l}-${j}-${k}` });
        const line = svg("line", { ...at, stroke: "#ccc", "stroke-width": 1 });
        hit.addEventListener("click", () => onEdge(l, j, k, line));
        // the value as a tooltip, written when the pointer comes (not on every frame)
        hit.addEventListener("mouseenter", () => hit.replaceChildren(
          svg("title", {}, `w^${l}_${j},${k} = ${hit.dataset.value}`)));
        picture.append(hit, line);
        edges.push({ l, j, k, line, hit });
      }
    }
  }
  box.append(picture);
  const units = layers.map((n, l) => Array.from({ length: n }, (_, j) => {
    const unit = document.createElement("canvas");
    const kind = l === 0 ? "input" : l === layers.length - 1 ? "output" : "hidden";
    unit.className = `unit ${kind}`;
    unit.width = unit.height = 16;
    Object.assign(unit.style, { left: `${xAt(l)}px`, top: `${yAt(n, j)}px`,
      width: `${size}px`, height: `${size}px` });
    box.append(unit);
    labelUnit(unit, kind, j);
    return unit;
  }));
  return { edges, units };
}

// inputs show their name, outputs their class's colour; hidden units get their responses
function labelUnit(canvas, kind, j) {
  if (kind === "hidden") return;
  const ctx = canvas.getContext("2d");
  if (kind === "output") {
    ctx.fillStyle = CLASS_COLOURS[j % CLASS_COLOURS.length];
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    return;
  }
  [canvas.width, canvas.height] = [32, 32];
  ctx.fillStyle = "#57606a";
  ctx.font = "15px sans-serif";
  ctx.textAlign = "center";
  ctx.fillText(`x${j + 1}`, 16, 21);
}

/** Colour the edges by the weights and the hidden units by their responses (if sent). */
export function updateDiagram(diagram, weights, plane) {
  let most = 0;
  for (const w of weights) most = Math.max(most, maxAbs(w));
  for (const { l, j, k, line, hit } of diagram.edges) {
    const v = weights[l - 1][j][k];
    const [r, g, b] = diverging(v / most);
    line.setAttribute("stroke", `rgb(${r},${g},${b})`);
    line.setAttribute("stroke-width", (0.4 + 4 * Math.abs(v ?? 0) / most).toFixed(2));
    hit.dataset.value = v;
  }
  if (!plane) return;
  plane.hidden.forEach((units, l) => units.forEach((grid, j) => {
    const canvas = diagram.units[l + 1][j];
    if (canvas) paintGrid(canvas, grid);
  }));
}
