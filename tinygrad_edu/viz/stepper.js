// The stepper page: draws the recorded graph and steps through the backward pass the engine recorded.
// It reads two JSON elements (tg-graph, tg-steps) written by tinygrad_edu/viz/stepper.py and computes nothing
// about gradients: every number shown is one the engine produced. Layers and order come from Python (layout.py);
// here only text is measured and boxes are sized and placed, so a module box can collapse without a new layout.
(function () {
  "use strict";
  const graph = JSON.parse(document.getElementById("tg-graph").textContent);
  const steps = JSON.parse(document.getElementById("tg-steps").textContent);
  const NS = "http://www.w3.org/2000/svg";
  const GAP_X = 34, GAP_Y = 12, PAD = 10, LABEL_H = 18, LINE_H = 15, MARGIN = 12, PLAY_MS = 900;
  const ROUTE_POINT = { w: 4, h: 8 }; // a placeholder an edge passes through in a layer it skips (layout.py)
  const svg = document.getElementById("tg-svg");
  const panel = document.getElementById("tg-panel");
  const tooltip = document.getElementById("tg-tooltip");
  const slider = document.getElementById("tg-slider");
  const playButton = document.getElementById("tg-play");
  const nodes = new Map(graph.nodes.map((n) => [n.id, n]));
  const parentOf = new Map(); // item (node or box id) → the box that holds it
  for (const box of graph.boxes) for (const row of box.layers) for (const item of row) parentOf.set(item, box.id);
  const collapsed = new Set();
  const measure = document.createElement("canvas").getContext("2d");
  let current = 0; // 0: before backward; k: steps 1..k have run
  let zoom = null; // set to fit the pane at the first drawing
  let timer = null;
  let drawn = new Map(); // node or box id → its <g>
  let drawnEdges = []; // [edge, <path>]

  // ---------------------------------------------------------------------------------------------- numbers
  function num(v) {
    if (typeof v === "string") return v; // "nan", "inf", "-inf": JSON has no such numbers
    return String(Number(v.toPrecision(6)));
  }
  function shapeText(shape) {
    return shape.length ? "(" + shape.join(", ") + ")" : "scalar";
  }
  function nested(values, shape) {
    if (values.length === 0) return "[]";
    let parts = values.map(num);
    for (let d = shape.length - 1; d >= 0; d--) { // innermost axis first: no recursion
      const grouped = [];
      for (let i = 0; i < parts.length; i += shape[d]) grouped.push("[" + parts.slice(i, i + shape[d]).join(", ") + "]");
      parts = grouped;
    }
    return parts[0];
  }
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function valuesBlock(v, role) {
    const wrap = el("span");
    const span = el("span", "values");
    span.dataset.role = role;
    wrap.append(span);
    if (v.values && v.values.length <= graph.shown) {
      span.textContent = nested(v.values, v.shape);
      return wrap;
    }
    span.classList.add("summary");
    span.textContent = `${shapeText(v.shape)} ${v.dtype}: min ${num(v.min)}, max ${num(v.max)}, ` +
      `mean ${num(v.mean)}, rms ${num(v.rms)}`;
    if (v.values) {
      const details = el("details");
      const pre = el("pre", "values");
      details.append(el("summary", null, `all ${v.values.length} values`), pre);
      details.addEventListener("toggle", () => { if (!pre.textContent) pre.textContent = nested(v.values, v.shape); });
      wrap.append(details);
    }
    return wrap;
  }
  function field(name, text, values, role) {
    const div = el("div", "field f-" + name, text);
    div.dataset.field = name;
    if (values) div.append(" ", valuesBlock(values, role || name));
    return div;
  }

  // ---------------------------------------------------------------------------------------------- layout
  function textWidth(lines, bold) {
    measure.font = (bold ? "bold " : "") + "12px system-ui, -apple-system, sans-serif";
    return Math.max(0, ...lines.map((line) => measure.measureText(line).width));
  }
  function boxTitle(box) {
    return (collapsed.has(box.id) ? "▸ " : "▾ ") + box.label;
  }
  function layout() {
    const size = new Map();
    const pos = new Map();
    const rowsOf = new Map();
    for (const b of graph.boxes) for (const row of b.layers) for (const item of row) size.set(item, ROUTE_POINT);
    for (const n of graph.nodes) {
      size.set(n.id, { w: textWidth(n.label, n.kind === "op") + 18, h: n.label.length * LINE_H + 10 });
    }
    const depth = new Map([["b0", 0]]);
    for (const b of graph.boxes) if (b.parent) depth.set(b.id, depth.get(b.parent) + 1); // parents come first
    const innermostFirst = [...graph.boxes].sort((a, b) => depth.get(b.id) - depth.get(a.id));
    for (const b of innermostFirst) {
      const title = b.parent ? LABEL_H : 0;
      if (collapsed.has(b.id)) {
        size.set(b.id, { w: textWidth([boxTitle(b)]) + 2 * PAD, h: title + 2 * PAD });
        continue;
      }
      const rows = b.layers.map((row) => ({
        w: Math.max(...row.map((item) => size.get(item).w)),
        h: row.reduce((sum, item) => sum + size.get(item).h, 0) + GAP_Y * (row.length - 1),
      }));
      const width = rows.reduce((sum, r) => sum + r.w, 0) + GAP_X * Math.max(rows.length - 1, 0) + 2 * PAD;
      size.set(b.id, { w: Math.max(width, textWidth([boxTitle(b)]) + 2 * PAD),
                       h: Math.max(0, ...rows.map((r) => r.h)) + 2 * PAD + title });
      rowsOf.set(b.id, rows);
    }
    pos.set("b0", { x: MARGIN, y: MARGIN });
    for (const b of innermostFirst.slice().reverse()) { // outermost first: a box is placed before its items
      if (collapsed.has(b.id) || !pos.has(b.id)) continue;
      const origin = pos.get(b.id);
      const rows = rowsOf.get(b.id);
      const inner = Math.max(0, ...rows.map((r) => r.h));
      let x = origin.x + PAD;
      b.layers.forEach((row, k) => {
        let y = origin.y + PAD + (b.parent ? LABEL_H : 0) + (inner - rows[k].h) / 2;
        for (const item of row) {
          const s = size.get(item);
          pos.set(item, { x: x + (rows[k].w - s.w) / 2, y });
          y += s.h + GAP_Y;
        }
        x += rows[k].w + GAP_X;
      });
    }
    return { size, pos };
  }
  function anchor(id) { // what stands for a node on screen: itself, or the outermost collapsed box around it
    let shown = id;
    for (let box = parentOf.get(id); box && box !== "b0"; box = parentOf.get(box)) if (collapsed.has(box)) shown = box;
    return shown;
  }

  // ---------------------------------------------------------------------------------------------- drawing
  function svgEl(tag, attrs, parent) {
    const e = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (parent) parent.append(e);
    return e;
  }
  function render() {
    const { size, pos } = layout();
    svg.replaceChildren();
    drawn = new Map();
    drawnEdges = [];
    const defs = svgEl("defs", {}, svg);
    const marker = svgEl("marker", { id: "tg-arrow", viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 8,
                                     markerHeight: 8, markerUnits: "userSpaceOnUse", orient: "auto" }, defs);
    svgEl("path", { d: "M0,0 L10,5 L0,10 z", fill: "#888" }, marker);
    for (const b of graph.boxes) {
      if (!b.parent || !pos.has(b.id)) continue;
      const p = pos.get(b.id), s = size.get(b.id);
      const g = svgEl("g", { class: "box" + (collapsed.has(b.id) ? " collapsed" : ""), "data-id": b.id }, svg);
      svgEl("rect", { x: p.x, y: p.y, width: s.w, height: s.h, rx: 8 }, g);
      const title = svgEl("text", { x: p.x + 8, y: p.y + 14 }, g);
      title.textContent = boxTitle(b);
      title.addEventListener("click", () => { collapsed.has(b.id) ? collapsed.delete(b.id) : collapsed.add(b.id); render(); });
      drawn.set(b.id, g);
    }
    const ports = new Map(); // head → its incoming edges, so that each arrives at its own height (a above b)
    for (const edge of graph.edges) {
      const a = anchor(edge.from), b = anchor(edge.to);
      if (a !== b && pos.has(a) && pos.has(b)) ports.set(b, [...(ports.get(b) || []), edge]);
    }
    for (const edge of graph.edges) {
      const a = anchor(edge.from), b = anchor(edge.to);
      if (a === b || !pos.has(a) || !pos.has(b)) continue;
      const port = ports.get(b), slot = (port.indexOf(edge) + 1) / (port.length + 1);
      const pa = pos.get(a), sa = size.get(a), pb = pos.get(b), sb = size.get(b);
      const points = [[pa.x + sa.w, pa.y + sa.h / 2]];
      for (const point of edge.via) {
        const p = pos.get(point);
        if (p) points.push([p.x + ROUTE_POINT.w / 2, p.y + ROUTE_POINT.h / 2]);
      }
      points.push([pb.x, pb.y + sb.h * slot]);
      let d = `M${points[0][0]},${points[0][1]}`;
      for (let k = 1; k < points.length; k++) { // horizontal tangents at every point: a smooth S between them
        const [x0, y0] = points[k - 1], [x1, y1] = points[k];
        const bend = Math.max(12, Math.abs(x1 - x0) / 2);
        d += ` C${x0 + bend},${y0} ${x1 - bend},${y1} ${x1},${y1}`;
      }
      const path = svgEl("path", { class: "edge", d, "marker-end": "url(#tg-arrow)" }, svg);
      const [x2, y2] = points[points.length - 1];
      drawnEdges.push([edge, path]);
      if (edge.letter) {
        const label = svgEl("text", { class: "edge-label", x: x2 - 9, y: y2 - 2, "text-anchor": "end" }, svg);
        label.textContent = edge.letter;
      }
    }
    for (const n of graph.nodes) {
      if (anchor(n.id) !== n.id || !pos.has(n.id)) continue;
      const p = pos.get(n.id), s = size.get(n.id);
      const g = svgEl("g", { class: "node " + n.kind, "data-id": n.id }, svg);
      const round = n.kind === "op" ? 2 : n.kind === "parameter" || n.kind === "summary" ? 6 : s.h / 2;
      svgEl("rect", { class: "shape", x: p.x, y: p.y, width: s.w, height: s.h, rx: Math.min(round, s.w / 2) }, g);
      n.label.forEach((line, k) => {
        const t = svgEl("text", { x: p.x + s.w / 2, y: p.y + 5 + LINE_H * (k + 0.8), "text-anchor": "middle" }, g);
        t.textContent = line;
      });
      svgEl("text", { class: "badge", x: p.x + s.w - 2, y: p.y - 3, "text-anchor": "end" }, g);
      g.addEventListener("mouseenter", (ev) => showTooltip(n, ev));
      g.addEventListener("mousemove", (ev) => moveTooltip(ev));
      g.addEventListener("mouseleave", () => { tooltip.hidden = true; });
      drawn.set(n.id, g);
    }
    const whole = size.get("b0");
    const width = whole.w + 2 * MARGIN, height = whole.h + 2 * MARGIN;
    if (zoom === null) zoom = Math.min(1, Math.max(0.75, svg.parentElement.clientWidth / width)); // fit, if legible
    svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
    svg.setAttribute("width", width * zoom);
    svg.setAttribute("height", height * zoom);
    show();
  }

  // ---------------------------------------------------------------------------------------------- one step
  function stateAt(k) { // tensors whose gradient is complete, and running sums, after steps 1..k
    const done = new Map(), partial = new Map();
    for (const step of steps.slice(0, k)) {
      if (step.tensor) {
        done.set(step.tensor, step);
        partial.delete(step.tensor);
      }
      for (const sent of step.sent) if (sent.contributions > 1) partial.set(sent.to, sent);
    }
    return { done, partial };
  }
  function isDark(hex) {
    const n = parseInt(hex.slice(1), 16);
    return 0.299 * (n >> 16) + 0.587 * ((n >> 8) & 255) + 0.114 * (n & 255) < 110;
  }
  function show() {
    document.getElementById("tg-counter").textContent = `step ${current} of ${steps.length}`;
    slider.max = steps.length;
    slider.value = current;
    const { done, partial } = stateAt(current);
    for (const [id, g] of drawn) {
      if (!g.classList.contains("node")) continue;
      g.classList.remove("current", "partial", "receiving");
      const shape = g.querySelector(".shape");
      const finished = done.get(id);
      const fill = finished && finished.fill;
      shape.style.fill = fill || "";
      g.querySelectorAll("text:not(.badge)").forEach((t) => { t.style.fill = fill && isDark(fill) ? "#fff" : ""; });
      const badge = g.querySelector(".badge");
      badge.textContent = "";
      if (!finished && partial.has(id)) {
        g.classList.add("partial");
        badge.textContent = `Σ ${partial.get(id).contribution} of ${partial.get(id).contributions}`;
      }
    }
    for (const [, path] of drawnEdges) {
      path.classList.remove("incoming", "sending");
      path.style.stroke = "";
    }
    const step = steps[current - 1];
    if (step) {
      const node = drawn.get(anchor(step.node));
      if (node) {
        node.classList.add("current");
        node.scrollIntoView({ block: "nearest", inline: "center" }); // follow the walk across a wide graph
      }
      for (const [edge, path] of drawnEdges) {
        if (edge.from === step.node && edge.to === step.tensor) path.classList.add("incoming");
        const sent = step.sent.find((s) => s.to === edge.from && edge.to === step.node &&
                                           (s.letter === edge.letter || step.node === "s0"));
        if (sent) {
          path.classList.add("sending");
          path.style.stroke = sent.fill || "";
        }
      }
      for (const sent of step.sent) {
        const target = drawn.get(anchor(sent.to));
        if (target) target.classList.add("receiving");
      }
    }
    renderPanel(step);
  }
  function renderPanel(step) {
    panel.replaceChildren();
    if (!step) {
      panel.append(el("h2", null, "Before backward"),
        el("p", null, "The graph as autograd recorded it, data flowing left to right. Press → (or ▶) to run " +
          "backward one node at a time, in the engine's order; hover a node for its forward value."));
      return;
    }
    panel.append(el("h2", null, `Step ${step.index} of ${steps.length}`));
    const counts = Object.entries(step.collapsed);
    if (counts.length) {
      const total = counts.reduce((sum, [, n]) => sum + n, 0);
      panel.append(field("collapsed", `${total} steps inside the collapsed part: ` +
        counts.map(([op, n]) => `${op} ×${n}`).join(", ")));
    } else if (!step.op) {
      panel.append(field("node", `leaf ${nodes.get(step.tensor).name}`),
        field("incoming", `receives ∂C/∂${step.name}` + (step.summed > 1 ? ` (the sum of ${step.summed})` : "") +
          " =", step.grad),
        field("final", ".grad after the whole backward =", step.final_grad));
      return;
    } else {
      panel.append(field("node", `${step.op} (${step.pytorch_name})` + (step.module ? ` in ${step.module}` : "")),
        field("derivative", step.derivative),
        field("incoming", `∂C/∂z arriving, z = ${step.name}` +
          (step.summed > 1 ? ` (the sum of the ${step.summed} gradients sent to it)` : "") + ":", step.grad));
    }
    if (!step.sent.length) {
      panel.append(field("sent-none", "sends nothing on: no input needs a gradient"));
      return;
    }
    const list = el("ul");
    for (const sent of step.sent) {
      const item = field("sent", (step.node === "s0" ? "→ " : `${sent.letter} → `) + `${sent.to_name}: ∂C/∂${sent.to_name} =`,
                         sent.grad, "sent");
      item.dataset.input = sent.input;
      item.dataset.to = sent.to;
      if (sent.equation) item.append(field("equation", sent.equation));
      if (sent.contributions > 1) {
        item.append(field("sum", `running sum at ${sent.to_name}, gradient ${sent.contribution} of ` +
          `${sent.contributions} =`, sent.running_sum));
      }
      list.append(item);
    }
    panel.append(list);
  }

  // ---------------------------------------------------------------------------------------------- hover
  function showTooltip(n, ev) {
    tooltip.replaceChildren();
    if (n.kind === "op") {
      tooltip.append(el("b", null, `${n.op} (${n.pytorch_name})`), el("div", null, n.module ? `in ${n.module}` : ""),
        el("div", null, n.derivative), el("div", null, `created at ${n.created_at}`));
    } else if (n.kind === "summary") {
      tooltip.append(el("div", null, n.label.join(" ")));
    } else {
      tooltip.append(el("b", null, n.name), el("div", null, `${n.kind}, ${n.label[n.label.length - 1]}`));
      tooltip.append(n.value ? field("value", "forward value:", n.value)
                             : el("div", null, "forward value: freed after use (build the graph inside " +
                                  "viz.keep_intermediates() to keep it)"));
      const finished = stateAt(current).done.get(n.id);
      if (finished) tooltip.append(field("gradient", `∂C/∂${finished.name} =`, finished.grad));
    }
    tooltip.hidden = false;
    moveTooltip(ev);
  }
  function moveTooltip(ev) {
    tooltip.style.left = Math.min(ev.clientX + 14, window.innerWidth - tooltip.offsetWidth - 4) + "px";
    tooltip.style.top = Math.min(ev.clientY + 14, window.innerHeight - tooltip.offsetHeight - 4) + "px";
  }

  // ---------------------------------------------------------------------------------------------- controls
  function go(k) {
    current = Math.max(0, Math.min(steps.length, k));
    show();
  }
  function stop() {
    clearInterval(timer);
    timer = null;
    playButton.textContent = "▶ play";
  }
  function togglePlay() {
    if (timer) return stop();
    if (current >= steps.length) go(0);
    playButton.textContent = "⏸ pause";
    timer = setInterval(() => (current >= steps.length ? stop() : go(current + 1)), PLAY_MS);
  }
  const actions = {
    "tg-first": () => go(0), "tg-prev": () => go(current - 1), "tg-next": () => go(current + 1),
    "tg-last": () => go(steps.length), "tg-play": togglePlay,
    "tg-zoom-in": () => { zoom *= 1.25; render(); }, "tg-zoom-out": () => { zoom /= 1.25; render(); },
  };
  for (const [id, action] of Object.entries(actions)) document.getElementById(id).addEventListener("click", action);
  slider.addEventListener("input", () => go(Number(slider.value)));
  const keys = { ArrowRight: actions["tg-next"], ArrowLeft: actions["tg-prev"], Home: actions["tg-first"],
                 End: actions["tg-last"], " ": togglePlay };
  document.addEventListener("keydown", (ev) => {
    if (ev.target === slider || !keys[ev.key]) return; // the slider moves itself with the arrows
    ev.preventDefault();
    keys[ev.key]();
  });
  document.getElementById("tg-legend").textContent = graph.legend +
    ". Orange dashed outline: a running sum still waiting for more gradients. Click a module's name to collapse it.";
  render();
})();
