// audioarchive pages: progressive enhancement only. Everything works without this file:
// the episode list is complete, times are plain links to the audio (media fragments).
// It never fetches anything and never writes HTML (textContent only).
(function () {
  "use strict";

  function fold(text) {
    return (text || "").toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
  }

  function words(text) {
    return fold(text).split(/\s+/).filter(Boolean);
  }

  // --- index: live filter -------------------------------------------------------------------
  function setUpFilter() {
    var form = document.getElementById("filter");
    var status = document.getElementById("filter-status");
    if (!form || !status) return;
    var items = Array.prototype.slice.call(document.querySelectorAll(".episode-list .episode"));
    var fields = {
      q: form.elements.namedItem("q"),
      speaker: form.elements.namedItem("speaker"),
      topic: form.elements.namedItem("topic"),
      year: form.elements.namedItem("year"),
    };
    form.hidden = false;

    function has(list, value) {
      return !value || (" " + list + " ").indexOf(" " + value + " ") >= 0;
    }

    function apply(updateUrl) {
      var query = words(fields.q.value);
      var speaker = fields.speaker.value;
      var topic = fields.topic.value;
      var year = fields.year.value;
      var shown = 0;
      items.forEach(function (item) {
        var text = item.getAttribute("data-search") || "";
        var match =
          has(item.getAttribute("data-speakers"), speaker) &&
          has(item.getAttribute("data-topics"), topic) &&
          (!year || item.getAttribute("data-year") === year) &&
          query.every(function (word) { return text.indexOf(word) >= 0; });
        item.hidden = !match;
        if (match) shown += 1;
      });
      var active = query.length || speaker || topic || year;
      var total = status.getAttribute("data-total");
      var message = "";
      if (active) {
        message = shown === 0 ? status.getAttribute("data-none")
          : (shown === 1 ? status.getAttribute("data-one") : status.getAttribute("data-many"));
        message = message.replace("{n}", String(shown)).replace("{total}", total);
      }
      status.textContent = message;
      if (updateUrl && window.history && window.history.replaceState) {
        var params = new URLSearchParams();
        ["q", "speaker", "topic", "year"].forEach(function (name) {
          if (fields[name].value) params.set(name, fields[name].value);
        });
        var search = params.toString();
        window.history.replaceState(null, "", (search ? "?" + search : window.location.pathname) + "#episodes");
      }
    }

    function choose(select, value) {
      var known = Array.prototype.some.call(select.options, function (o) { return o.value === value; });
      select.value = known ? value : "";
    }

    var params = new URLSearchParams(window.location.search);
    fields.q.value = params.get("q") || "";
    ["speaker", "topic", "year"].forEach(function (name) { choose(fields[name], params.get(name) || ""); });
    form.addEventListener("input", function () { apply(true); });
    form.addEventListener("change", function () { apply(true); });
    form.addEventListener("submit", function (event) { event.preventDefault(); apply(true); });
    form.addEventListener("reset", function () {
      window.setTimeout(function () { apply(true); }, 0);
    });

    // Topic chips and facet headings filter the list instead of jumping to the facet index.
    document.addEventListener("click", function (event) {
      var target = event.target.closest ? event.target.closest("[data-facet]") : null;
      if (!target || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
      var select = fields[target.getAttribute("data-facet")];
      if (!select) return;
      event.preventDefault();
      form.reset();
      fields.q.value = "";
      choose(select, target.getAttribute("data-value"));
      apply(true);
      var list = document.getElementById("episodes");
      if (list) list.scrollIntoView();
      select.focus({ preventScroll: true });
    });
    document.querySelectorAll("button.facet-filter").forEach(function (button) {
      button.hidden = false;
    });
    if (params.toString()) {
      apply(false);
      var list = document.getElementById("episodes");
      if (list) list.scrollIntoView();
    }
  }

  // --- index: copy the feed address, app links for the address actually served ---------------
  function setUpCopy() {
    var feed = document.getElementById("feed-url");
    if (feed && /^https?:\/\//.test(feed.value)) {
      var bare = feed.value.replace(/^https?:\/\//, "");
      document.querySelectorAll("a[data-app]").forEach(function (link) {
        link.href = link.getAttribute("data-app").replace("{bare}", bare)
          .replace("{url}", encodeURIComponent(feed.value));
      });
    }
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      var input = document.getElementById(button.getAttribute("data-copy"));
      var status = button.parentNode.querySelector(".copy-status");
      if (!input) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        function done(ok) {
          if (status) status.textContent = button.getAttribute(ok ? "data-done" : "data-failed");
        }
        input.select();
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(input.value).then(function () { done(true); }, function () {
            done(document.execCommand && document.execCommand("copy"));
          });
        } else {
          done(document.execCommand && document.execCommand("copy"));
        }
      });
    });
  }

  // --- episode page: seek from chapters and transcript ----------------------------------------
  function setUpPlayer() {
    var audio = document.getElementById("player");
    if (!audio) return;
    var lines = Array.prototype.slice.call(document.querySelectorAll(".timed li[data-start]"));

    function seek(seconds) {
      if (!isFinite(seconds)) return;
      audio.currentTime = seconds;
      var playing = audio.play();
      if (playing && playing.catch) playing.catch(function () { /* autoplay refused: stay paused */ });
    }

    document.addEventListener("click", function (event) {
      if (event.ctrlKey || event.metaKey || event.shiftKey || event.altKey || event.button !== 0) return;
      var link = event.target.closest ? event.target.closest("a[data-seek]") : null;
      if (link) {
        event.preventDefault();
        seek(parseFloat(link.getAttribute("data-seek")));
        return;
      }
      if (event.target.closest && event.target.closest("a")) return;
      var line = event.target.closest ? event.target.closest(".cues li[data-start]") : null;
      var selection = window.getSelection ? window.getSelection() : null;
      if (line && (!selection || selection.isCollapsed)) seek(parseFloat(line.getAttribute("data-start")));
    });

    // Highlight the chapter and the transcript line being played.
    var groups = [".chapters li[data-start]", ".cues li[data-start]"].map(function (selector) {
      return Array.prototype.slice.call(document.querySelectorAll(selector)).map(function (li) {
        return { li: li, start: parseFloat(li.getAttribute("data-start")) };
      });
    });
    function highlight() {
      var now = audio.currentTime;
      groups.forEach(function (group) {
        var current = null;
        group.forEach(function (entry) { if (entry.start <= now + 0.05) current = entry; });
        group.forEach(function (entry) {
          if (entry === current) entry.li.setAttribute("aria-current", "true");
          else entry.li.removeAttribute("aria-current");
        });
      });
    }
    if (lines.length) {
      audio.addEventListener("timeupdate", highlight);
      audio.addEventListener("seeked", highlight);
    }

    // A page address ending in #t=90 starts there (shareable times).
    var match = /^#t=(\d+(?:\.\d+)?)$/.exec(window.location.hash);
    if (match) {
      var start = parseFloat(match[1]);
      if (audio.readyState >= 1) audio.currentTime = start;
      else audio.addEventListener("loadedmetadata", function () { audio.currentTime = start; }, { once: true });
    }
  }

  // --- search page: what was said (index: assets/said-*.js, loaded as a script) -------------
  function setUpSaid(waited) {
    var form = document.getElementById("said");
    var list = document.getElementById("said-results");
    var status = document.getElementById("said-status");
    var index = window.audioarchiveSaid;
    if (!form || !list || !status) return;
    if (!index) {
      // the index script runs after this one (both deferred): wait for the page's load
      if (!waited) window.addEventListener("load", function () { setUpSaid(true); }, { once: true });
      return;
    }
    var nojs = document.getElementById("said-nojs");
    if (nojs) nojs.hidden = true;
    var limit = 100;
    var root = "../";
    var field = form.elements.namedItem("q");
    var folded = index.lines.map(function (line) { return " " + words(line[2]).join(" "); });

    function clock(seconds) {
      var s = Math.floor(seconds);
      var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
      var mm = (h && m < 10 ? "0" : "") + m, ss = (r < 10 ? "0" : "") + r;
      return (h ? h + ":" : "") + mm + ":" + ss;
    }

    function run(updateUrl) {
      var query = words(field.value);
      while (list.firstChild) list.removeChild(list.firstChild);
      if (!query.length) { status.textContent = ""; return; }
      var found = [];
      index.lines.forEach(function (line, i) {
        if (query.every(function (word) { return folded[i].indexOf(" " + word) >= 0; })) found.push(line);
      });
      found.slice(0, limit).forEach(function (line) {
        var episode = index.episodes[line[0]];
        var seconds = String(line[1]);
        var li = document.createElement("li");
        var link = document.createElement("a");
        link.href = root + episode.href + "#t=" + seconds;
        link.className = "said-hit";
        var time = document.createElement("time");
        time.textContent = clock(line[1]);
        link.appendChild(time);
        link.appendChild(document.createTextNode(" " + episode.title));
        var text = document.createElement("span");
        text.className = "text";
        text.textContent = line[2];
        li.appendChild(link);
        li.appendChild(document.createTextNode(" "));
        li.appendChild(text);
        list.appendChild(li);
      });
      var message = found.length === 0 ? status.getAttribute("data-none")
        : (found.length === 1 ? status.getAttribute("data-one") : status.getAttribute("data-many"));
      message = message.replace("{n}", String(found.length));
      if (found.length > limit) message += " " + status.getAttribute("data-more").replace("{n}", String(limit));
      status.textContent = message;
      if (updateUrl && window.history && window.history.replaceState) {
        window.history.replaceState(null, "", "?q=" + encodeURIComponent(field.value));
      }
    }

    form.addEventListener("submit", function (event) { event.preventDefault(); run(true); });
    field.addEventListener("input", function () { run(true); });
    field.value = new URLSearchParams(window.location.search).get("q") || "";
    if (field.value) run(false);
  }

  function main() {
    setUpFilter();
    setUpCopy();
    setUpPlayer();
    setUpSaid(false);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", main);
  else main();
})();
