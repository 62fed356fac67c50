// The computational graph as SVG, drawn from the library's own layout (boxes and edge routes
// computed by chainrule.explain.layout, the same as `chainrule derive --graph`). The page
// marks boxes and edges with classes (current, parent, active, ...) and sets each box's last
// line; the styles in playground.css show them.

import { svg } from "./common.js";

const FONT_SIZE = 11;
const LABEL_SIZE = 9.5;
const LINE_HEIGHT = 14;
const PADDING = 7;
const SCALE = 1.5; // drawn larger than the layout's points; CSS narrows it to the panel

function marker(id) {
  return svg("marker", { id, viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 7,
                         markerHeight: 7, orient: "auto" },
             svg("path", { d: "M0,0 L10,5 L0,10 z", class: id }));
}

function edgeGroup(edge) {
  const [x, y, w, h] = edge.label_box;
  const points = edge.points.map(([px, py]) => `${px.toFixed(1)},${py.toFixed(1)}`).join(" ");
  return svg("g", { class: "edge", "data-key": edge.key },
    svg("polyline", { points }),
    svg("rect", { class: "label", x, y, width: w, height: h, rx: 2 }),
    svg("text", { x: x + w / 2, y: y + h / 2, "font-size": LABEL_SIZE, "text-anchor": "middle",
                  "dominant-baseline": "central" }, edge.label));
}

function boxGroup(box) {
  const group = svg("g", { class: `node kind-${box.kind}`, "data-node": box.name },
    svg("title", {}, box.name),
    svg("rect", { x: box.x, y: box.y, width: box.width, height: box.height, rx: 5 }));
  const lines = [...box.lines, box.pending];
  lines.forEach((line, i) => {
    const text = svg("text", { x: box.x + PADDING, y: box.y + PADDING + LINE_HEIGHT * (i + 0.5),
                               "dominant-baseline": "central" }, line);
    if (i === 0) text.classList.add("title");
    if (i === lines.length - 1) text.classList.add("last-line");
    group.append(text);
  });
  return group;
}

/** Draw `drawing` into the <svg> element; returns {boxes, edges}: name/key -> <g>. */
export function drawGraph(element, drawing) {
  const width = Math.ceil(drawing.width);
  const height = Math.ceil(drawing.height);
  element.replaceChildren();
  element.setAttribute("viewBox", `0 0 ${width} ${height}`);
  element.setAttribute("width", Math.round(width * SCALE));
  element.setAttribute("height", Math.round(height * SCALE));
  element.setAttribute("font-size", FONT_SIZE);
  element.append(svg("defs", {}, marker("arrow"), marker("arrow-hot"), marker("arrow-shared")));
  const boxes = new Map();
  const edges = new Map();
  for (const edge of drawing.edges) {
    const group = edgeGroup(edge);
    edges.set(edge.key, group);
    element.append(group);
  }
  for (const box of drawing.boxes) {
    const group = boxGroup(box);
    boxes.set(box.name, group);
    element.append(group);
  }
  return { boxes, edges };
}

/** Clear every mark, then mark the named boxes and edges: {current: [...], parent: [...]}. */
export function mark(graph, { boxes = {}, edges = {} }) {
  for (const group of [...graph.boxes.values(), ...graph.edges.values()]) {
    group.classList.remove("current", "parent", "done", "active", "path", "recomputed");
  }
  for (const [cls, names] of Object.entries(boxes)) {
    for (const name of names) graph.boxes.get(name)?.classList.add(cls);
  }
  for (const [cls, keys] of Object.entries(edges)) {
    for (const key of keys) graph.edges.get(key)?.classList.add(cls);
  }
}

/** Set the last line of each box: name -> text. */
export function lastLines(graph, texts) {
  for (const [name, group] of graph.boxes) {
    const line = group.querySelector("text.last-line");
    if (line && name in texts) line.textContent = texts[name];
  }
}

/** Scroll the box `name` into view inside `panel` (the page itself does not move). */
export function reveal(graph, name, panel) {
  const box = graph.boxes.get(name);
  if (!box || panel.scrollHeight <= panel.clientHeight) return;
  const inner = box.getBoundingClientRect();
  const outer = panel.getBoundingClientRect();
  if (inner.top < outer.top) panel.scrollTop -= outer.top - inner.top + 8;
  else if (inner.bottom > outer.bottom) panel.scrollTop += inner.bottom - outer.bottom + 8;
}
