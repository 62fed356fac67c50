// The lab replay: choose a recorded run, scrub over its steps; every number shown is one the
// lab recorded (embedded as JSON). A classic script, not a module, so that the page also
// works opened as a file.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("replay-data").textContent);
  const words = JSON.parse(document.getElementById("replay-words").textContent);
  if (!data.runs.length) return;
  const NS = "http://www.w3.org/2000/svg";
  const COLOURS = ["#0877bd", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf"];
  const $ = (id) => document.getElementById(id);
  const [W, H, PAD] = [420, 220, 44];
  let run = data.runs[0];
  let timer = null;

  function node(tag, attributes, text) {
    const element = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attributes)) element.setAttribute(k, String(v));
    if (text !== undefined) element.textContent = text;
    return element;
  }

  function shown(v) {
    if (v === null || v === undefined) return "—";
    const small = v !== 0 && Math.abs(v) < 1e-3; // 6.720e-6, not 0.000006720
    return small ? Number(v).toExponential(3) : Number(v).toPrecision(4);
  }

  // lines over the run (log scale when asked) with a cursor at index i and a dot per line
  function chart(svgId, series, i, log) {
    const picture = $(svgId);
    picture.replaceChildren();
    const f = (v) => (log ? Math.log10(v) : v);
    const ok = (v) => v !== null && v !== undefined && isFinite(v) && (!log || v > 0);
    const all = series.flatMap((s) => s.filter(ok).map(f));
    const n = run.x.length;
    if (!all.length || !n) return;
    let [lo, hi] = [Math.min(...all), Math.max(...all)];
    if (hi - lo < 1e-12) [lo, hi] = [lo - 0.5, hi + 0.5];
    const X = (k) => PAD + (n > 1 ? (k / (n - 1)) * (W - PAD - 10) : 0);
    const Y = (v) => H - 22 - ((f(v) - lo) / (hi - lo)) * (H - 34);
    picture.append(node("rect", { x: PAD, y: 12, width: W - PAD - 10, height: H - 34,
      fill: "none", stroke: "#d0d7de" }));
    const tick = (v) => (log ? "1e" + v.toFixed(1) : v.toPrecision(3));
    picture.append(node("text", { x: 2, y: 20 }, tick(hi)), node("text", { x: 2, y: H - 22 }, tick(lo)));
    picture.append(node("text", { x: PAD, y: H - 6 }, String(run.x[0])),
      node("text", { x: W - 110, y: H - 6 }, `${run.x[n - 1]} (${words[run.record]})`));
    series.forEach((values, l) => {
      const colour = COLOURS[l % COLOURS.length];
      let path = "";
      values.forEach((v, k) => { if (ok(v)) path += `${path && ok(values[k - 1]) ? "L" : "M"}${X(k).toFixed(1)},${Y(v).toFixed(1)}`; });
      picture.append(node("path", { d: path, fill: "none", stroke: colour, "stroke-width": 1.6 }));
      if (ok(values[i])) picture.append(node("circle", { cx: X(i), cy: Y(values[i]), r: 4, fill: colour }));
    });
    picture.append(node("line", { x1: X(i), x2: X(i), y1: 12, y2: H - 22, stroke: "#111", "stroke-dasharray": "3 3" }));
  }

  function column(rows, l) {
    return rows.map((row) => (row ? row[l] : null));
  }

  function show() {
    const i = Number($("scrubber").value);
    const layers = run.layers;
    $("position").textContent = `${words[run.record]} ${run.x[i]} ${words.of} ${run.x[run.x.length - 1]}`;
    $("position").dataset.index = i;
    chart("speeds", layers.map((_, l) => column(run.speeds, l)), i, true);
    chart("grads", layers.map((_, l) => column(run.grad_norms, l)), i, true);
    // a diverging loss spans many decades: a log scale then, a linear one otherwise
    const losses = run.loss.filter((v) => v !== null && v > 0);
    const spread = losses.length ? Math.max(...losses) / Math.min(...losses) : 1;
    chart("loss", [run.loss], i, spread > 1000);
    const table = $("numbers");
    table.replaceChildren();
    const head = table.insertRow();
    for (const text of [words.layer, words.speed, words.grad]) {
      const th = document.createElement("th");
      th.textContent = text;
      head.append(th);
    }
    layers.forEach((name, l) => {
      const row = table.insertRow();
      row.dataset.layer = l + 1;
      for (const text of [name, shown(run.speeds[i]?.[l]), shown(run.grad_norms[i]?.[l])]) row.insertCell().textContent = text;
      row.cells[0].style.color = COLOURS[l % COLOURS.length]; // the layer's colour in the charts
    });
    const last = table.insertRow();
    last.id = "loss-row";
    for (const text of [words.loss, shown(run.loss[i]), ""]) last.insertCell().textContent = text;
  }

  function choose(k) {
    run = data.runs[k];
    $("scrubber").max = String(Math.max(run.x.length - 1, 0));
    $("scrubber").value = "0";
    const s = run.settings;
    $("settings").textContent = Object.entries(s).filter(([, v]) => v !== null && v !== undefined)
      .map(([k2, v]) => `${k2}=${Array.isArray(v) ? v.join("-") : v}`).join("  ");
    show();
  }

  function stop() {
    clearInterval(timer);
    timer = null;
    $("play").textContent = "▶ " + words.play;
  }

  $("run").addEventListener("change", (event) => { stop(); choose(Number(event.target.value)); });
  $("scrubber").addEventListener("input", show);
  $("play").addEventListener("click", () => {
    if (timer) return stop();
    $("play").textContent = "⏸ " + words.pause;
    timer = setInterval(() => {
      const s = $("scrubber");
      if (Number(s.value) >= Number(s.max)) return stop();
      s.value = String(Number(s.value) + 1);
      show();
    }, 120);
  });
  choose(0);
})();
