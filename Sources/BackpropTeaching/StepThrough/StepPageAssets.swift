extension StepPage {
    /// The page's style sheet.
    static let css = #"""
    * { box-sizing: border-box; }
    body { margin: 0; font: 15px/1.45 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1d1d1f; background: #fafafa; }
    header { padding: 10px 18px 0; background: #fff; border-bottom: 1px solid #ddd; }
    h1 { font-size: 18px; margin: 0 0 6px; }
    .controls { display: flex; align-items: center; gap: 12px; padding-bottom: 8px; }
    button { font: inherit; padding: 4px 14px; border: 1px solid #888; border-radius: 6px; background: #f3f3f3; cursor: pointer; }
    button:disabled { opacity: 0.4; cursor: default; }
    #counter { font-weight: 600; min-width: 270px; }
    .hint { color: #777; font-size: 13px; }
    #progress { height: 4px; background: #eee; margin: 0 -18px; }
    #bar { height: 4px; width: 0; background: #0072b2; }
    body.backward #bar { background: #d55e00; }
    main { padding: 10px 18px; }
    #canvas { background: #fff; border: 1px solid #ddd; border-radius: 8px; padding: 6px; overflow: auto; }
    #canvas.big { max-height: 60vh; }
    #canvas.big #graph { max-height: none; }
    #graph { display: block; width: 100%; height: auto; max-height: 56vh; }
    #graph .edge { fill: none; stroke: #bdbdbd; stroke-width: 1.2; marker-end: url(#arrow); }
    #graph .edge.hot { stroke: #d55e00; stroke-width: 2.6; marker-end: url(#arrow-hot); }
    #graph .elabel { font-size: 15px; font-weight: 700; fill: #a04000; paint-order: stroke; stroke: #fff; stroke-width: 4px; display: none; }
    #graph .elabel.hot { display: inline; }
    #graph .node rect { fill: #f4f4f4; stroke: #b0b0b0; stroke-width: 1.2; }
    #graph .node.leaf rect { fill: #e8f0fe; }
    #graph .node.output rect { stroke: #7a1f1f; }
    #graph .node.computed rect { fill: #dcecf9; stroke: #0072b2; }
    #graph .node.leaf.computed rect { fill: #cfe3f7; }
    #graph .node.graded rect { fill: #fde9dc; stroke: #d55e00; }
    #graph .node.related rect { stroke: #d55e00; stroke-width: 2.4; stroke-dasharray: 4 2; }
    #graph .node.active rect { fill: #ffd36b; stroke: #000; stroke-width: 3; }
    #graph text { font-size: 14.5px; fill: #222; }
    #graph .name { font-weight: 700; }
    #graph .op { font-weight: 400; fill: #555; }
    #graph .grad { fill: #a04000; }
    #panel { margin-top: 10px; background: #fff; border: 1px solid #ddd; border-radius: 8px; padding: 10px 16px; min-height: 180px; }
    #panel h2 { font-size: 16px; margin: 0 0 6px; }
    #panel .eq { white-space: pre-wrap; font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 14px; margin: 3px 0 3px 12px; }
    #panel .note { color: #555; font-size: 13px; }
    #panel table { border-collapse: collapse; margin: 4px 0 6px 12px; }
    #panel td, #panel th { padding: 2px 10px; border-bottom: 1px solid #eee; text-align: left; font-size: 14px; }
    #panel th { font-weight: 600; color: #555; }
    #panel td.n { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; text-align: right; }
    .fwd { color: #0072b2; } .bwd { color: #d55e00; }
    """#

    /// The page's script: reads the embedded steps and draws step N.
    static let script = #"""
    "use strict";
    const data = JSON.parse(document.getElementById("steps").textContent);
    const nodes = data.nodes, steps = data.steps, total = steps.length, out = nodes.length - 1;
    const E = nodes[out].name;
    const fmt = x => (x === null ? "NaN" : (Math.abs(x) >= 1e-4 || x === 0 ? String(parseFloat(x.toPrecision(6))) : x.toExponential(4)));
    const esc = s => String(s).replace(/[&<>"]/g, c => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c]));
    const d = (a, b) => `∂${esc(a)}/∂${esc(b)}`;
    const consumers = nodes.map(() => []);
    nodes.forEach(n => n.inputs.forEach((inp, j) => consumers[inp.node].push({node: n.index, j: j, local: inp.local})));
    function initialStep() {
      const m = /step=(\d+)/.exec(location.hash) || /[?&]step=(\d+)/.exec(location.search);
      const n = m ? parseInt(m[1], 10) - 1 : 0;
      return Math.min(Math.max(n, 0), total - 1);
    }
    let current = initialStep();
    function el(id) { return document.getElementById(id); }
    function edgeIds(i, k, j) { return ["e-" + i + "-" + k + "-" + j, "l-" + i + "-" + k + "-" + j]; }
    function runningPath(k) {
      // The single path from node k to the output, if there is only one: [[node, local], …].
      const path = [];
      while (k !== out) {
        const c = consumers[k];
        if (c.length !== 1) return null;
        path.push([c[0].node, c[0].local]);
        k = c[0].node;
      }
      return path;
    }
    function forwardPanel(s, n) {
      let h = `<h2><span class="fwd">Forward pass</span>, node ${esc(n.name)}</h2>`;
      if (n.leaf) {
        return h + `<div class="eq">${esc(n.name)} = ${fmt(n.value)}</div>` +
          `<p class="note">A leaf: an input, target or parameter. Its value is given, not computed.</p>`;
      }
      const subst = n.numbers;
      h += `<div class="eq">${esc(n.name)} = ${esc(n.expression)}</div>`;
      h += `<div class="eq">${" ".repeat(n.name.length)} = ${esc(subst)} = <b>${fmt(n.value)}</b></div>`;
      h += `<p class="note">While computing the value, the op also stores its local derivatives, for the backward pass:</p><table><tr><th>local derivative</th><th>rule</th><th>value</th></tr>`;
      for (const inp of n.inputs) h += `<tr><td>${d(n.name, nodes[inp.node].name)}</td><td>${esc(inp.rule)}</td><td class="n">${fmt(inp.local)}</td></tr>`;
      return h + "</table>";
    }
    function backwardPanel(s, n) {
      let h = `<h2><span class="bwd">Backward pass</span>, node ${esc(n.name)}: ${d(E, n.name)}</h2>`;
      if (n.index === out) {
        return h + `<div class="eq">${d(E, E)} = <b>1</b></div><p class="note">The seed: the output's gradient with respect to itself. ` +
          `Every other gradient is built from it by the chain rule, from the output back to the leaves.</p>`;
      }
      h += `<p class="note">Each node that uses ${esc(n.name)} passes back its own gradient (upstream) times its local derivative with respect to ${esc(n.name)}; the terms add up.</p>`;
      h += `<table><tr><th>through</th><th>upstream ${d(E, "c")}</th><th>× local ${d("c", n.name)}</th><th>= term</th></tr>`;
      for (const t of s.terms) {
        const c = nodes[t.consumer];
        h += `<tr><td>${esc(c.name)}</td><td class="n">${fmt(t.upstream)}</td><td class="n">${fmt(t.local)}</td><td class="n">${fmt(t.product)}</td></tr>`;
      }
      h += `</table><div class="eq">${d(E, n.name)} = ${s.terms.map(t => fmt(t.product)).join(" + ")} = <b>${fmt(s.grad)}</b></div>`;
      const path = runningPath(n.index);
      if (path && path.length > 1) {
        const names = [n.name].concat(path.map(p => nodes[p[0]].name)).reverse();
        const factors = names.slice(0, -1).map((a, i) => d(a, names[i + 1])).join(" · ");
        h += `<p class="note">One path to ${esc(E)}, so the gradient is the running product of the local derivatives along it:</p>` +
          `<div class="eq">${d(E, n.name)} = ${factors}</div><div class="eq">${" ".repeat(n.name.length + E.length + 4)}= ${path.slice().reverse().map(p => fmt(p[1])).join(" × ")} = <b>${fmt(s.grad)}</b></div>`;
      } else if (!path) {
        h += `<p class="note">${esc(n.name)} reaches ${esc(E)} along several paths: the chain rule adds one running product per path, and the terms above already carry them.</p>`;
      }
      return h;
    }
    function render() {
      const s = steps[current], k = s.node, n = nodes[k], backward = s.phase === "backward";
      const computedSet = new Set(steps.slice(0, backward ? nodes.length : current + 1).map(t => t.node));
      const gradDone = new Set(backward ? steps.slice(nodes.length, current + 1).map(t => t.node) : []);
      document.body.classList.toggle("backward", backward);
      nodes.forEach((m, i) => {
        const g = el("n-" + i), computed = computedSet.has(i);
        g.classList.toggle("computed", computed && !gradDone.has(i));
        g.classList.toggle("graded", gradDone.has(i));
        g.classList.toggle("active", i === k);
        g.classList.remove("related");
        el("v-" + i).textContent = computed ? "= " + fmt(m.value) : "";
        el("g-" + i).textContent = gradDone.has(i) ? "∂ " + fmt(m.grad) : "";
      });
      document.querySelectorAll(".hot").forEach(e => e.classList.remove("hot"));
      const hot = [];
      if (!backward) n.inputs.forEach((inp, j) => hot.push([inp.node, k, j, inp.local, inp.node]));
      else consumers[k].forEach(c => hot.push([k, c.node, c.j, c.local, c.node]));
      for (const [i, c, j, local, other] of hot) {
        const [e, l] = edgeIds(i, c, j);
        el(e).classList.add("hot");
        el(l).classList.add("hot");
        el(l).textContent = fmt(local);
        el("n-" + other).classList.add("related");
      }
      el("counter").textContent = `Step ${current + 1} of ${total}: ${backward ? "backward" : "forward"} ${backward ? current - nodes.length + 1 : current + 1}/${nodes.length}`;
      el("bar").style.width = (100 * (current + 1) / total) + "%";
      el("panel").innerHTML = backward ? backwardPanel(s, n) : forwardPanel(s, n);
      el("prev").disabled = current === 0;
      el("next").disabled = current === total - 1;
      const box = el("n-" + k).getBoundingClientRect(), view = el("canvas").getBoundingClientRect();
      if (box.right > view.right || box.left < view.left) el("canvas").scrollLeft += box.left - view.left - view.width / 2;
      if (box.bottom > view.bottom || box.top < view.top) el("canvas").scrollTop += box.top - view.top - view.height / 2;
    }
    // A graph too big to read when shrunk to fit is drawn at 60 % and scrolled to the active node instead.
    (function fit() {
      const canvas = el("canvas"), svg = el("graph");
      const scale = Math.min((canvas.clientWidth - 12) / data.width, 0.56 * window.innerHeight / data.height);
      if (scale < 0.6) {
        canvas.classList.add("big");
        svg.style.width = (0.6 * data.width) + "px";
        svg.style.height = (0.6 * data.height) + "px";
      }
    })();
    function go(n) {
      current = Math.min(Math.max(n, 0), total - 1);
      history.replaceState(null, "", "#step=" + (current + 1));
      render();
    }
    el("next").addEventListener("click", () => go(current + 1));
    el("prev").addEventListener("click", () => go(current - 1));
    document.addEventListener("keydown", e => {
      if (e.key === "ArrowRight") { go(current + 1); e.preventDefault(); }
      else if (e.key === "ArrowLeft") { go(current - 1); e.preventDefault(); }
      else if (e.key === "Home") go(0);
      else if (e.key === "End") go(total - 1);
    });
    window.addEventListener("hashchange", () => { const n = initialStep(); if (n !== current) { current = n; render(); } });
    render();
    // ?press=N: press → N times after loading (the same keydown handler a reader uses;
    // lets a headless browser check the keyboard path).
    const presses = /[?&]press=(\d+)/.exec(location.search);
    for (let i = 0; presses && i < parseInt(presses[1], 10); i++) {
      document.dispatchEvent(new KeyboardEvent("keydown", {key: "ArrowRight", bubbles: true}));
    }
    """#
}
