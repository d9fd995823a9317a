// The studio's pages: CSRF on every change, Markdown preview, rows, uploads, build progress.
"use strict";
(function () {
  const meta = document.querySelector('meta[name="csrf-token"]');
  const csrf = meta ? meta.content : "";
  window.studioFetch = function (url, options) {
    const opts = Object.assign({ credentials: "same-origin" }, options || {});
    opts.headers = Object.assign({ "X-CSRF-Token": csrf }, opts.headers || {});
    return fetch(url, opts);
  };

  // Markdown preview, rendered by the same code as the archive pages
  document.querySelectorAll("[data-preview]").forEach(function (button) {
    button.addEventListener("click", function () {
      const source = document.getElementById(button.dataset.preview);
      const target = document.getElementById(button.dataset.preview + "-preview");
      window.studioFetch("/preview", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ markdown: source.value }),
      }).then(function (r) { return r.text(); }).then(function (html) {
        // the server renders Markdown with raw HTML escaped (the archive pages' renderer)
        target.innerHTML = html;
        target.hidden = false;
      });
    });
  });

  // one more speaker or resource row: a copy of the last one, emptied and renumbered
  document.querySelectorAll("[data-add-row]").forEach(function (button) {
    button.addEventListener("click", function () {
      const box = document.querySelector('[data-rows="' + button.dataset.addRow + '"]');
      const rows = box.querySelectorAll("[data-row]");
      const last = rows[rows.length - 1];
      const copy = last.cloneNode(true);
      const index = rows.length;
      copy.querySelectorAll("[id],[for],[name],[aria-describedby]").forEach(function (el) {
        ["id", "for", "name"].forEach(function (attr) {
          const value = el.getAttribute(attr);
          if (value) el.setAttribute(attr, value.replace(/-\d+-/, "-" + index + "-"));
        });
        el.removeAttribute("aria-describedby");
        el.removeAttribute("aria-invalid");
        if (el.tagName === "INPUT" && el.type !== "checkbox") el.value = "";
        if (el.type === "checkbox") el.checked = true;
      });
      copy.querySelectorAll(".field-error").forEach(function (el) { el.remove(); });
      const legend = copy.querySelector("legend");
      if (legend) legend.textContent = legend.textContent.replace(/\d+/, String(index + 1));
      box.appendChild(copy);
      const first = copy.querySelector("input");
      if (first) first.focus();
    });
  });

  // uploads: one request per file, the file itself as the body (streamed by the browser)
  const uploads = document.querySelector("[data-upload]");
  if (uploads) {
    const list = uploads.querySelector("[data-upload-list]");
    const input = uploads.querySelector('input[type="file"]');
    const drop = uploads.querySelector("[data-drop]");
    const say = function (template, values) {
      return template.replace(/\{(\w+)\}/g, function (_m, key) { return values[key] || ""; });
    };
    const sendOne = function (file) {
      return new Promise(function (resolve) {
        const item = document.createElement("li");
        const label = document.createElement("span");
        const bar = document.createElement("progress");
        bar.max = 1;
        bar.value = 0;
        label.textContent = say(list.dataset.tUploading, { name: file.name });
        bar.setAttribute("aria-label", label.textContent);
        item.append(label, " ", bar);
        list.appendChild(item);
        const xhr = new XMLHttpRequest();
        xhr.open("PUT", uploads.dataset.upload);
        xhr.setRequestHeader("X-CSRF-Token", csrf);
        xhr.setRequestHeader("X-File-Name", encodeURIComponent(file.name));
        xhr.upload.onprogress = function (e) { if (e.lengthComputable) bar.value = e.loaded / e.total; };
        xhr.onload = function () {
          let data = {};
          try { data = JSON.parse(xhr.responseText); } catch (_e) { data = { error: xhr.responseText }; }
          bar.value = 1;
          if (xhr.status === 200) {
            item.className = "ok";
            label.textContent = say(list.dataset.tUploaded, { name: data.name, sha: (data.sha256 || "").slice(0, 12) + "…" });
          } else {
            item.className = "error";
            label.textContent = say(list.dataset.tFailed, { name: file.name, error: data.error || xhr.statusText });
          }
          resolve();
        };
        xhr.onerror = function () {
          item.className = "error";
          label.textContent = say(list.dataset.tFailed, { name: file.name, error: "network error" });
          resolve();
        };
        xhr.send(file);
      });
    };
    const sendAll = function (files) {
      let chain = Promise.resolve();
      Array.from(files).forEach(function (file) { chain = chain.then(function () { return sendOne(file); }); });
      return chain;
    };
    input.addEventListener("change", function () { sendAll(input.files); });
    ["dragenter", "dragover"].forEach(function (name) {
      drop.addEventListener(name, function (e) { e.preventDefault(); drop.classList.add("over"); });
    });
    drop.addEventListener("dragleave", function () { drop.classList.remove("over"); });
    drop.addEventListener("drop", function (e) {
      e.preventDefault();
      drop.classList.remove("over");
      sendAll(e.dataTransfer.files);
    });
  }

  // build and publish, with live progress (server-sent events)
  document.querySelectorAll("[data-job]").forEach(function (button) {
    button.addEventListener("click", function () {
      const panel = document.querySelector("[data-job-panel]");
      const bar = panel.querySelector("progress");
      const stage = panel.querySelector("[data-job-stage]");
      const outcome = panel.querySelector("[data-job-outcome]");
      const links = panel.querySelector("[data-job-links]");
      panel.hidden = false;
      bar.value = 0;
      outcome.textContent = "";
      outcome.className = "";
      links.textContent = "";
      const body = new URLSearchParams();
      if (button.dataset.session) body.set("session", button.dataset.session);
      window.studioFetch("/jobs/" + button.dataset.job, { method: "POST", body: body })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          if (data.error) { outcome.textContent = data.error; outcome.className = "error"; return; }
          const events = new EventSource(data.events);
          events.onmessage = function (message) {
            const event = JSON.parse(message.data);
            if (event.done) {
              events.close();
              bar.value = 1;
              stage.textContent = "";
              outcome.textContent = event.message;
              outcome.className = event.ok ? "ok" : "error";
              (event.links || []).forEach(function (link) {
                const li = document.createElement("li");
                const a = document.createElement("a");
                a.href = link.href;
                a.textContent = link.label;
                li.appendChild(a);
                links.appendChild(li);
              });
              return;
            }
            bar.value = event.fraction;
            stage.textContent = event.episode + " · " + event.stage + " " + Math.round(event.fraction * 100) + " %";
          };
        });
    });
  });
})();
