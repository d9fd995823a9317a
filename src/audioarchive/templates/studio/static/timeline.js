// The timeline: levels, speech, parts and marks on wavesurfer.js; keyboard shortcuts; save.
"use strict";
(function () {
  const root = document.getElementById("timeline");
  if (!root) return;
  const t = root.dataset;
  const session = t.session;
  const audio = document.getElementById("player");
  const state = { trim: { start: null, end: null }, auto: { start: 0, end: 0 }, chapters: [], redactions: [], digest: "", intro: 0, duration: 0, openRedaction: null };
  let surfer = null;
  let regions = null;

  const clock = function (seconds) {
    if (seconds === null || seconds === undefined || !isFinite(seconds)) return "–";
    const ms = Math.round(seconds * 1000);
    const h = Math.floor(ms / 3600000);
    const m = Math.floor((ms % 3600000) / 60000);
    const s = Math.floor((ms % 60000) / 1000);
    const rest = ms % 1000;
    const two = function (n) { return String(n).padStart(2, "0"); };
    return h + ":" + two(m) + ":" + two(s) + "." + String(rest).padStart(3, "0");
  };
  const parse = function (text) {
    const value = String(text).trim();
    if (!value) return null;
    const parts = value.split(":").map(Number);
    if (parts.some(function (p) { return !isFinite(p) || p < 0; })) return NaN;
    return parts.reduce(function (acc, p) { return acc * 60 + p; }, 0);
  };
  const trimStart = function () { return state.trim.start !== null ? state.trim.start : state.auto.start; };
  const trimEnd = function () { return state.trim.end !== null ? state.trim.end : state.auto.end; };
  const published = function (raw) {
    if (raw < trimStart() || raw > trimEnd()) return null;
    return state.intro + raw - trimStart();
  };
  const both = function (raw) {
    const pub = published(raw);
    return pub === null ? t.tCut : clock(pub);
  };

  // --- the marks tables ---
  const cell = function (row, content) {
    const td = document.createElement("td");
    if (content instanceof Node) td.appendChild(content); else td.textContent = content;
    row.appendChild(td);
    return td;
  };
  const input = function (value, label, onChange) {
    const el = document.createElement("input");
    el.value = value;
    el.setAttribute("aria-label", label);
    el.addEventListener("change", function () { onChange(el.value, el); });
    return el;
  };
  const removeButton = function (label, onClick) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = t.tRemove;
    b.setAttribute("aria-label", t.tRemove + " " + label);
    b.addEventListener("click", onClick);
    return b;
  };
  const timeSetter = function (target, key) {
    return function (text, el) {
      const value = parse(text);
      if (value === null || isNaN(value)) { el.setAttribute("aria-invalid", "true"); return; }
      target[key] = value;
      render();
    };
  };
  const render = function () {
    ["start", "end"].forEach(function (side) {
      const el = document.getElementById("trim-" + side);
      const value = side === "start" ? trimStart() : trimEnd();
      if (document.activeElement !== el) el.value = clock(value);
      const note = document.getElementById("trim-" + side + "-note");
      note.textContent = state.trim[side] === null ? "(" + t.tAutomatic + ")" : "";
    });
    state.chapters.sort(function (a, b) { return a.start - b.start; });
    state.redactions.sort(function (a, b) { return a.start - b.start; });
    const chapters = document.getElementById("chapters");
    chapters.textContent = "";
    state.chapters.forEach(function (chapter, index) {
      const row = document.createElement("tr");
      const n = index + 1;
      cell(row, input(clock(chapter.start), t.tStart + " " + n, timeSetter(chapter, "start")));
      cell(row, both(chapter.start));
      cell(row, input(chapter.title, t.tTitle + " " + n, function (v) { chapter.title = v; }));
      cell(row, removeButton(chapter.title, function () { state.chapters.splice(index, 1); render(); }));
      chapters.appendChild(row);
    });
    const redactions = document.getElementById("redactions");
    redactions.textContent = "";
    state.redactions.forEach(function (redaction, index) {
      const row = document.createElement("tr");
      const n = index + 1;
      cell(row, input(clock(redaction.start), t.tStart + " " + n, timeSetter(redaction, "start")));
      cell(row, input(clock(redaction.end), t.tEnd + " " + n, timeSetter(redaction, "end")));
      cell(row, both(redaction.start) + " – " + both(redaction.end));
      cell(row, input(redaction.reason, t.tReason + " " + n, function (v) { redaction.reason = v; }));
      cell(row, removeButton(String(n), function () { state.redactions.splice(index, 1); render(); }));
      redactions.appendChild(row);
    });
    drawMarks();
  };
  ["start", "end"].forEach(function (side) {
    const el = document.getElementById("trim-" + side);
    el.addEventListener("change", function () {
      const value = parse(el.value);
      if (value !== null && isNaN(value)) { el.setAttribute("aria-invalid", "true"); return; }
      el.removeAttribute("aria-invalid");
      state.trim[side] = value;
      render();
    });
  });

  // --- the waveform ---
  const markRegions = [];
  const drawMarks = function () {
    if (!regions) return;
    markRegions.splice(0).forEach(function (r) { r.remove(); });
    const kept = regions.addRegion({ start: trimStart(), end: trimEnd(), color: "rgba(0, 90, 180, 0.10)", drag: false, resize: true, id: "trim" });
    kept.on("update-end", function () { state.trim.start = kept.start; state.trim.end = kept.end; render(); });
    markRegions.push(kept);
    state.chapters.forEach(function (chapter) {
      const r = regions.addRegion({ start: chapter.start, content: chapter.title, color: "#1a5e1a", drag: true });
      r.on("update-end", function () { chapter.start = r.start; render(); });
      markRegions.push(r);
    });
    state.redactions.forEach(function (redaction) {
      const r = regions.addRegion({ start: redaction.start, end: redaction.end, color: "rgba(190, 0, 0, 0.35)", drag: true, resize: true });
      r.on("update-end", function () { redaction.start = r.start; redaction.end = r.end; render(); });
      markRegions.push(r);
    });
  };
  const setupWave = function (data) {
    if (!window.WaveSurfer) return;
    const peaks = data.levels.map(function (v) { return v === null ? 0 : Math.max(0, Math.min(1, (v + 70) / 70)); });
    regions = window.WaveSurfer.Regions.create();
    surfer = window.WaveSurfer.create({
      container: "#waveform",
      media: audio,
      peaks: [peaks],
      duration: data.duration,
      height: 120,
      waveColor: "#8a8f98",
      progressColor: "#3b4252",
      cursorColor: "#b00020",
      cursorWidth: 2,
      normalize: false,
      plugins: [regions],
    });
    surfer.on("ready", function () {
      data.speech.forEach(function (s) {
        regions.addRegion({ start: s.start, end: s.end, color: "rgba(40, 160, 80, 0.18)", drag: false, resize: false });
      });
      data.speaker_changes.forEach(function (start) {
        regions.addRegion({ start: start, content: "\u21c4", color: "#6a3d9a", drag: false });
      });
      data.parts.slice(1).forEach(function (p) {
        regions.addRegion({ start: p.start, content: p.name, color: "#444", drag: false });
      });
      drawMarks();
    });
  };

  // --- the playhead and the keyboard ---
  const playhead = function () { return audio.currentTime || 0; };
  audio.addEventListener("timeupdate", function () {
    document.getElementById("playhead-raw").textContent = clock(playhead());
    document.getElementById("playhead-published").textContent = both(playhead());
  });
  const seek = function (delta) { audio.currentTime = Math.max(0, Math.min(state.duration, playhead() + delta)); };
  const save = function () {
    const status = document.getElementById("marks-status");
    const body = {
      digest: state.digest,
      trim: state.trim,
      chapters: state.chapters,
      redactions: state.redactions.map(function (r) { return { start: r.start, end: r.end, reason: r.reason }; }),
    };
    window.studioFetch("/sessions/" + session + "/marks", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    }).then(function (r) { return r.json().then(function (d) { return [r.status, d]; }); }).then(function (result) {
      if (result[0] === 200) {
        state.digest = result[1].digest;
        status.textContent = t.tSaved;
        status.className = "ok";
      } else {
        status.textContent = result[1].error;
        status.className = "error";
      }
    });
  };
  const listenProcessed = function () {
    const processed = document.getElementById("processed");
    const status = document.getElementById("processed-status");
    audio.pause();
    const url = "/sessions/" + session + "/excerpt.mp3?at=" + playhead().toFixed(3);
    status.textContent = "…";
    fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) return r.text().then(function (text) { throw new Error(text); });
      const start = Number(r.headers.get("x-excerpt-start"));
      return r.blob().then(function (blob) {
        processed.src = URL.createObjectURL(blob);
        processed.hidden = false;
        status.textContent = t.tProcessedFrom.replace("{start}", clock(start));
        processed.play().catch(function () { /* the person presses play */ });
      });
    }).catch(function (err) { status.textContent = err.message; status.className = "error"; });
  };
  document.getElementById("listen-processed").addEventListener("click", listenProcessed);
  document.getElementById("save-marks").addEventListener("click", save);
  document.addEventListener("keydown", function (e) {
    if ((e.ctrlKey || e.metaKey) && e.key === "s") { e.preventDefault(); save(); return; }
    const tag = (e.target.tagName || "").toLowerCase();
    if (["input", "textarea", "select", "button", "audio", "a", "summary"].indexOf(tag) >= 0 || e.ctrlKey || e.metaKey || e.altKey) return;
    const now = playhead();
    if (e.key === " ") { e.preventDefault(); if (audio.paused) audio.play(); else audio.pause(); }
    else if (e.key === "ArrowLeft") { e.preventDefault(); seek(e.shiftKey ? -1 : -5); }
    else if (e.key === "ArrowRight") { e.preventDefault(); seek(e.shiftKey ? 1 : 5); }
    else if (e.key === "p" || e.key === "P") { listenProcessed(); }
    else if (e.key === "[") { state.trim.start = now; render(); }
    else if (e.key === "]") { state.trim.end = now; render(); }
    else if (e.key === "c" || e.key === "C") {
      state.chapters.push({ start: now, title: t.tChapter.replace("{n}", String(state.chapters.length + 1)), url: "" });
      render();
    } else if (e.key === "r" || e.key === "R") {
      if (state.openRedaction && now > state.openRedaction.start) {
        state.openRedaction.end = now;
        state.openRedaction = null;
      } else {
        state.openRedaction = { start: now, end: Math.min(state.duration, now + 2), reason: "" };
        state.redactions.push(state.openRedaction);
      }
      render();
    }
  });

  // --- the data ---
  fetch("/sessions/" + session + "/times.json", { credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(function (data) {
      const loading = root.querySelector("[data-loading]");
      if (data.error) { loading.textContent = data.error; loading.className = "error"; return; }
      loading.textContent = "";
      state.digest = data.digest;
      state.intro = data.intro;
      state.duration = data.duration;
      state.trim = { start: data.trim_file.start, end: data.trim_file.end };
      state.auto = { start: data.trim.start, end: data.trim.end };
      state.chapters = data.chapters;
      state.redactions = data.redactions;
      const list = function (id, items) { document.getElementById(id).textContent = items.join(" · ") || "–"; };
      list("found-parts", data.parts.map(function (p) { return p.name + " " + clock(p.start) + " – " + clock(p.end); }));
      list("found-speech", data.speech.map(function (s) { return clock(s.start) + " – " + clock(s.end); }));
      list("found-pauses", data.pauses.map(function (s) { return clock(s.start) + " (" + (s.end - s.start).toFixed(1) + " s)"; }));
      list("found-changes", data.speaker_changes.map(function (s) { return clock(s) + " (" + t.tPublished + " " + both(s) + ")"; }));
      root.dataset.ready = "1";
      render();
      setupWave(data);
    });
})();
