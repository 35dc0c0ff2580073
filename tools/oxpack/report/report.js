// oxpack report: renders the treemap and the tables from the JSON data in
// #oxpack-data. Plain DOM, no libraries, nothing fetched.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("oxpack-data").textContent);
  var COLORS = {
    "bytecode": "#3b6fd6", "bytecode-opt1": "#5a86dd", "bytecode-opt2": "#7b9de4",
    "source": "#2e9e6a", "extension": "#d2563a", "resource": "#d9a21b", "metadata": "#8a5cc7",
    "file": "#7a8596", "namespace": "#b0b7c3", "(header and index)": "#37424f", "(alignment padding)": "#c9ced6"
  };
  var total = data.file_size;

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) { if (Object.prototype.hasOwnProperty.call(attrs, k)) e.setAttribute(k, attrs[k]); }
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function human(n) {
    if (n >= 1073741824) return (n / 1073741824).toFixed(2) + " GB";
    if (n >= 1048576) return (n / 1048576).toFixed(1) + " MB";
    if (n >= 1024) return (n / 1024).toFixed(1) + " KB";
    return n + " B";
  }
  function pct(n) { return total ? (100 * n / total).toFixed(1) + "%" : "0%"; }
  function row(tbody, cells) {
    var tr = el("tr");
    cells.forEach(function (c) { tr.appendChild(el("td", c.cls ? { "class": c.cls } : {}, String(c.text))); });
    tbody.appendChild(tr);
  }

  // --- squarified treemap -------------------------------------------------
  function worst(areas, side) {
    var s = 0, max = 0, min = Infinity;
    areas.forEach(function (a) { s += a; if (a > max) max = a; if (a < min) min = a; });
    return Math.max(side * side * max / (s * s), (s * s) / (side * side * min));
  }
  function squarify(nodes, x, y, w, h) {
    var items = nodes.filter(function (n) { return n.bytes > 0; });
    var sum = items.reduce(function (a, n) { return a + n.bytes; }, 0);
    var out = [];
    if (sum <= 0 || w <= 0 || h <= 0) return out;
    var scale = (w * h) / sum, i = 0, rowItems = [], rowAreas = [];
    function layRow() {
      var s = rowAreas.reduce(function (a, b) { return a + b; }, 0);
      if (w >= h) {
        var rw = s / h, cy = y;
        rowItems.forEach(function (n, k) { var rh = rowAreas[k] / rw; out.push({ node: n, x: x, y: cy, w: rw, h: rh }); cy += rh; });
        x += rw; w -= rw;
      } else {
        var rh2 = s / w, cx = x;
        rowItems.forEach(function (n, k) { var cw = rowAreas[k] / rh2; out.push({ node: n, x: cx, y: y, w: cw, h: rh2 }); cx += cw; });
        y += rh2; h -= rh2;
      }
      rowItems = []; rowAreas = [];
    }
    while (i < items.length) {
      var area = items[i].bytes * scale, side = Math.min(w, h);
      var next = rowAreas.concat([area]);
      if (rowAreas.length === 0 || worst(next, side) <= worst(rowAreas, side)) {
        rowItems.push(items[i]); rowAreas = next; i++;
      } else {
        layRow();
      }
    }
    if (rowItems.length) layRow();
    return out;
  }

  var container = document.getElementById("treemap");
  var crumbs = document.getElementById("crumbs");
  var drawn = 0;

  function draw(node, path) {
    container.textContent = "";
    drawn = 0;
    crumbs.textContent = "";
    path.forEach(function (p, k) {
      if (k) crumbs.appendChild(document.createTextNode(" / "));
      if (k === path.length - 1) { crumbs.appendChild(el("span", {}, p.name)); return; }
      var a = el("a", {}, p.name);
      a.addEventListener("click", function () { draw(p, path.slice(0, k + 1)); });
      crumbs.appendChild(a);
    });
    var W = container.clientWidth || 1000, H = container.clientHeight || 560;
    place(node, 0, 0, W, H, 0, path);
    document.body.setAttribute("data-rendered", String(drawn));
  }

  function place(node, x, y, w, h, depth, path) {
    var kids = node.children || [];
    squarify(kids, x, y, w, h).forEach(function (r) {
      var n = r.node, leaf = !n.children || !n.children.length;
      var box = el("div", {
        "class": "tm " + (leaf ? "leaf" : "group"),
        "title": n.name + "\n" + human(n.bytes) + " (" + pct(n.bytes) + " of the file)" +
                 (n.entries ? ", " + n.entries + " entries" : "")
      });
      box.style.left = r.x + "px"; box.style.top = r.y + "px";
      box.style.width = Math.max(r.w, 0) + "px"; box.style.height = Math.max(r.h, 0) + "px";
      if (leaf) box.style.background = COLORS[n.name] || "#9aa3b2";
      container.appendChild(box);
      drawn++;
      if (r.w > 40 && r.h > 14) box.appendChild(el("span", { "class": "label" }, n.name));
      if (!leaf) {
        box.addEventListener("click", function (ev) { ev.stopPropagation(); draw(n, path.concat([n])); });
        var pad = r.h > 30 && r.w > 30 ? 15 : 1;
        if (r.w > 6 && r.h > 6) place(n, r.x + 1, r.y + pad, r.w - 2, r.h - pad - 1, depth + 1, path.concat([n]));
        else box.style.background = COLORS[(n.children[0] || {}).name] || "#9aa3b2";
      }
    });
  }

  // --- header, legend, tables --------------------------------------------
  var t = data.target || {};
  document.getElementById("summary").textContent =
    human(data.file_size) + ", " + data.entries + " entries, " + data.payload_count + " distinct payloads; for " +
    (t.implementation || "?") + " " + (t.python_version || "?") + " (" + (t.cache_tag || "?") + "); oxr " +
    data.format_version + ", written by oxpack " + (data.oxpack_version || "?") + "; origin mode " + data.origin + ".";

  var kinds = {};
  (data.tree.children || []).forEach(function (root) {
    if (!root.children) { kinds[root.name] = { bytes: root.bytes, entries: root.entries }; return; }
    root.children.forEach(function (pkg) {
      (pkg.children || []).forEach(function (k) {
        var e = kinds[k.name] || (kinds[k.name] = { bytes: 0, entries: 0 });
        e.bytes += k.bytes; e.entries += k.entries;
      });
    });
  });
  var legend = document.getElementById("legend");
  var kindBody = document.querySelector("#kinds tbody");
  Object.keys(kinds).sort(function (a, b) { return kinds[b].bytes - kinds[a].bytes; }).forEach(function (k) {
    var li = el("li"), sw = el("span", { "class": "swatch" });
    sw.style.background = COLORS[k] || "#9aa3b2";
    li.appendChild(sw); li.appendChild(document.createTextNode(k));
    legend.appendChild(li);
    row(kindBody, [{ text: k }, { text: kinds[k].entries, cls: "num" }, { text: human(kinds[k].bytes), cls: "num" },
                   { text: pct(kinds[k].bytes), cls: "num" }]);
  });

  var largest = document.querySelector("#largest tbody");
  data.largest.forEach(function (e, i) {
    row(largest, [{ text: i + 1, cls: "num" }, { text: e.key, cls: "key" }, { text: e.kind },
                  { text: human(e.stored), cls: "num" }, { text: human(e.raw), cls: "num" }, { text: e.root }]);
  });

  var shared = document.querySelector("#shared tbody");
  var saved = 0, wasted = 0;
  data.shared.forEach(function (g) {
    saved += (g.refs - g.copies) * g.stored; wasted += (g.copies - 1) * g.stored;
    var names = g.entries.map(function (e) { return e.key + " (" + e.kind + ")"; }).join(", ");
    if (g.refs > g.entries.length) names += ", and " + (g.refs - g.entries.length) + " more";
    row(shared, [{ text: g.refs, cls: "num" }, { text: human(g.stored), cls: "num" }, { text: g.copies, cls: "num" },
                 { text: names, cls: "key" }]);
  });
  document.getElementById("shared-note").textContent = data.shared.length
    ? "Entries whose payloads are byte-for-byte identical. Stored once, they saved " + human(saved) +
      (wasted ? "; copies stored more than once cost " + human(wasted) : "") + " (the " + data.shared.length +
      " largest groups)."
    : "No two entries have identical payloads.";

  var order = document.querySelector("#order tbody");
  data.order.items.forEach(function (e, i) {
    row(order, [{ text: i + 1, cls: "num" }, { text: e.offset, cls: "num" }, { text: e.kind }, { text: e.key, cls: "key" },
                { text: human(e.stored), cls: "num" }]);
  });
  var o = data.order;
  document.getElementById("order-note").textContent =
    "The blob does not record whether it was frozen with --profile, so this is the payload order: the first " +
    o.items.length + " of " + o.count + " payloads as they lie in the file. With --profile, the payloads a " +
    "start-up read come first, in the order it read them; otherwise bytecode comes first, then extensions, " +
    "metadata, resources and files, sources, each in index order. " +
    (o.out_of_default_order
      ? "Here the first " + o.out_of_default_order + " payloads break that default order, which only a profile " +
        "does: they are what the profiled start-up read."
      : "Here the order is the default one: no sign of a profile.");

  draw(data.tree, [data.tree]);
  window.addEventListener("resize", function () { draw(data.tree, [data.tree]); });
}());
