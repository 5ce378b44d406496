// mip6check report: selecting a sentence (click, Enter or Space, or #CLAUSE in the address) fills the
// detail panel from the embedded data. No network; no library.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("data").textContent);
  var body = document.getElementById("detail-body");
  var panel = document.getElementById("detail");
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
  }
  function places(list, empty) {
    if (!list || !list.length) { return "<span class=\"muted\">" + esc(empty) + "</span>"; }
    return "<ul>" + list.map(function (p) {
      return "<li><code>" + esc(p.path) + ":" + p.line + "</code> " + esc(p.text) + "</li>";
    }).join("") + "</ul>";
  }
  function property(pid) {
    var p = data.properties[pid];
    if (!p) { return "<p>" + esc(pid) + " (not in the catalog)</p>"; }
    var bad = p.violated ? " <strong class=\"bad\">violated in the given results</strong>" : "";
    return "<section class=\"prop\" id=\"prop-" + esc(pid) + "\"><h4>" + esc(pid) + " <small>" +
      esc(p.level) + ", " + p.sections.map(function (s) { return "\u00a7" + s; }).join(", ") +
      "</small>" + bad + "</h4><p>" + esc(p.text) + "</p><dl class=\"kv\">" +
      "<dt>engines that judge it</dt><dd>" + (p.engines.length ? esc(p.engines.join(", ")) :
        "<span class=\"bad\">none</span>") + "</dd>" +
      "<dt>observes</dt><dd>" + esc(p.observes) + (p.bound ? " (bound: " + esc(p.bound) + ")" : "") +
      (p.registered ? "" : " <span class=\"bad\">not registered in the spec</span>") + "</dd>" +
      "<dt>written (the spec)</dt><dd>" + places(p.written, "not found") + "</dd>" +
      "<dt>judged (engines)</dt><dd>" + places(p.judged, "not found") + "</dd>" +
      "<dt>tests</dt><dd>" + places(p.tests, data.tests_available ? "none name it" :
        "tests are not part of this installation") + "</dd>" +
      "<dt>switches</dt><dd>" + (p.switches.length ? esc(p.switches.join(", ")) : "none") + "</dd>" +
      "</dl>" + findings(pid) + "</section>";
  }
  function findings(pid) {
    var arts = document.querySelectorAll("article.found[data-prop=\"" + pid + "\"]");
    if (!arts.length) { return ""; }
    return "<p>" + Array.prototype.map.call(arts, function (a) {
      return "<a href=\"#" + a.id + "\">" + esc(a.querySelector("h3").textContent) + "</a>";
    }).join(", ") + "</p>";
  }
  function reveal(el) {
    // scroll the draft's own box to the sentence, not the page
    var box = document.getElementById("text");
    box.scrollTop = Math.max(0, el.offsetTop - 40);  // #text is the offsetParent
  }
  function select(el, focusPanel) {
    var id = el.getAttribute("data-clause");
    var c = data.clauses[id];
    if (!c) { return; }
    Array.prototype.forEach.call(document.querySelectorAll("mark.s.selected"), function (m) {
      m.classList.remove("selected");
    });
    el.classList.add("selected");
    var props = (c.properties || []).map(property).join("");
    var why = c.reason ? "<p><b>Why not judged:</b> " + esc(c.reason) + "</p>" : "";
    var restored = c.restored ? "<p class=\"tag\">restored: " + esc(c.restored) + "</p>" : "";
    body.innerHTML = "<h3 id=\"sel-title\">" + esc(id) + " <small>\u00a7" + esc(c.section) + ", " +
      esc(c.keyword) + ", " + esc(c.status.replace("_", " ")) + "</small></h3>" + restored +
      "<blockquote>" + esc(c.text) + "</blockquote>" + why +
      "<dl class=\"kv\"><dt>implemented in</dt><dd>" + places(c.implements, "no module named") +
      "</dd><dt>switches that change its reading</dt><dd>" +
      (c.switches.length ? esc(c.switches.join(", ")) : "none") + "</dd></dl>" +
      (props || "<p class=\"muted\">No property judges this sentence.</p>");
    if (history.replaceState) { history.replaceState(null, "", "#" + id); }
    if (focusPanel) { panel.focus(); }
  }
  document.addEventListener("click", function (ev) {
    var m = ev.target.closest ? ev.target.closest("mark.s[data-clause]") : null;
    if (m) { select(m, false); return; }
    var a = ev.target.closest ? ev.target.closest("a[data-select]") : null;
    if (a) {
      var el = document.querySelector("mark.s[data-clause=\"" + a.getAttribute("data-select") + "\"]");
      if (el) { ev.preventDefault(); select(el, false); reveal(el); el.focus({preventScroll: true}); }
    }
  });
  document.addEventListener("keydown", function (ev) {
    var m = ev.target.closest ? ev.target.closest("mark.s[data-clause]") : null;
    if (m && (ev.key === "Enter" || ev.key === " ")) { ev.preventDefault(); select(m, true); }
  });
  var start = decodeURIComponent(location.hash.slice(1));
  if (start && data.clauses[start]) {
    var el = document.querySelector("mark.s[data-clause=\"" + start + "\"]");
    if (el) { select(el, false); reveal(el); }
  }
  window.mip6checkSelect = function (id) {
    var el = document.querySelector("mark.s[data-clause=\"" + id + "\"]");
    if (el) { select(el, false); return true; }
    return false;
  };
}());
