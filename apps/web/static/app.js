/* Rathaus-Assistent: the little JavaScript the page needs. Every page works without it except
   the progress bars, the audio sync and recording in the test call. */
"use strict";

(function () {
  const main = document.getElementById("main");
  const csrf = main ? main.dataset.csrf : "";

  /* forms that ask before deleting */
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });

  /* ---------- meeting upload: drag and drop, progress ---------- */
  const uploadForm = document.getElementById("upload-form");
  if (uploadForm) {
    const zone = document.getElementById("dropzone");
    const input = document.getElementById("file");
    const nameOut = document.getElementById("file-name");
    const maxBytes = parseInt(uploadForm.dataset.maxBytes, 10);
    const errorOut = document.getElementById("upload-error");
    const showError = (text) => { errorOut.textContent = text; errorOut.hidden = false; };
    const showName = () => {
      if (input.files.length) nameOut.textContent = input.files[0].name + " (" + (input.files[0].size / 1048576).toFixed(1) + " MB)";
    };
    input.addEventListener("change", showName);
    ["dragenter", "dragover"].forEach((t) => zone.addEventListener(t, (e) => { e.preventDefault(); zone.classList.add("over"); }));
    ["dragleave", "drop"].forEach((t) => zone.addEventListener(t, (e) => { e.preventDefault(); zone.classList.remove("over"); }));
    zone.addEventListener("drop", (e) => {
      if (e.dataTransfer.files.length) { input.files = e.dataTransfer.files; showName(); }
    });
    uploadForm.addEventListener("submit", (event) => {
      event.preventDefault();
      errorOut.hidden = true;
      if (!input.files.length) { input.focus(); return; }
      if (maxBytes && input.files[0].size > maxBytes) { showError(uploadForm.dataset.tooLarge); return; }
      const data = new FormData(uploadForm);
      const xhr = new XMLHttpRequest();
      const bar = document.getElementById("upload-bar");
      const percent = document.getElementById("upload-percent");
      document.getElementById("upload-progress").hidden = false;
      document.getElementById("upload-button").disabled = true;
      xhr.upload.addEventListener("progress", (e) => {
        if (e.lengthComputable) {
          const p = Math.round((100 * e.loaded) / e.total);
          bar.value = p; percent.textContent = p + " %";
        const detail = document.getElementById("job-detail");
        if (detail) detail.textContent = job.detail || "";
        }
      });
      xhr.addEventListener("load", () => {
        let body = {};
        try { body = JSON.parse(xhr.responseText); } catch (e) { body = { error: xhr.responseText }; }
        if (xhr.status === 201 && body.url) { window.location.assign(body.url); return; }
        document.getElementById("upload-button").disabled = false;
        showError(body.error || uploadForm.dataset.failed);
      });
      xhr.addEventListener("error", () => { document.getElementById("upload-button").disabled = false; showError(uploadForm.dataset.failed); });
      xhr.open("POST", uploadForm.action);
      xhr.setRequestHeader("X-CSRF-Token", csrf);
      xhr.setRequestHeader("X-Requested-With", "fetch");
      xhr.setRequestHeader("Accept", "application/json");
      xhr.send(data);
    });
  }

  /* ---------- meeting processing: poll the job ---------- */
  const processing = document.getElementById("processing");
  if (processing && processing.dataset.statusUrl) {
    const bar = document.getElementById("job-bar");
    const percent = document.getElementById("job-percent");
    const stage = document.getElementById("job-stage");
    const error = document.getElementById("job-error");
    const stageTemplate = stage.textContent.split(":")[0];
    const stageNames = JSON.parse(document.getElementById("stage-names").textContent);
    const poll = async () => {
      try {
        const response = await fetch(processing.dataset.statusUrl, { headers: { Accept: "application/json" } });
        if (!response.ok) throw new Error(response.statusText);
        const state = await response.json();
        const job = state.job || {};
        const p = Math.round(job.percent || 0);
        bar.value = p; percent.textContent = p + " %";
        const detail = document.getElementById("job-detail");
        if (detail) detail.textContent = job.detail || "";
        if (job.stage) stage.textContent = stageTemplate + ": " + (stageNames[job.stage] || job.stage);
        if (job.error) { error.textContent = job.error; error.hidden = false; }
        if (state.status === "done" || job.status === "done") { window.location.reload(); return; }
        if (job.status === "failed" || state.status === "failed") { if (processing.dataset.status !== "failed") window.location.reload(); return; }
      } catch (e) { /* the server may be restarting: try again */ }
      window.setTimeout(poll, 2000);
    };
    window.setTimeout(poll, 1000);
  }

  /* ---------- transcript: click a word to play, highlight the current word ---------- */
  const player = document.getElementById("player");
  const transcript = document.getElementById("transcript");
  if (transcript) {
    const words = Array.from(transcript.querySelectorAll(".w")).map((el) => ({
      el, start: parseFloat(el.dataset.s), end: parseFloat(el.dataset.e),
    })).filter((w) => !isNaN(w.start)).sort((a, b) => a.start - b.start);
    const seek = (time) => {
      if (!player) return;
      player.currentTime = Math.max(0, time);
      const played = player.play();
      if (played && played.catch) played.catch(() => {});
    };
    transcript.addEventListener("click", (event) => {
      const word = event.target.closest(".w");
      if (word) { seek(parseFloat(word.dataset.s)); return; }
      const button = event.target.closest("[data-seek]");
      if (button) seek(parseFloat(button.dataset.seek));
    });
    let current = null;
    const highlight = () => {
      const t = player.currentTime;
      let lo = 0, hi = words.length - 1, found = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (words[mid].start <= t) { found = mid; lo = mid + 1; } else { hi = mid - 1; }
      }
      const next = found >= 0 && t <= words[found].end + 0.3 ? words[found].el : null;
      if (next !== current) {
        if (current) current.classList.remove("current");
        if (next) {
          next.classList.add("current");
          const box = next.getBoundingClientRect();
          if (box.top < 80 || box.bottom > window.innerHeight) next.scrollIntoView({ block: "center" });
        }
        current = next;
      }
    };
    if (player && words.length) {
      player.addEventListener("timeupdate", highlight);
      player.addEventListener("seeked", highlight);
      let raf = null;
      const loop = () => { highlight(); raf = player.paused ? null : window.requestAnimationFrame(loop); };
      player.addEventListener("play", () => { if (!raf) raf = window.requestAnimationFrame(loop); });
    }
  }

  /* ---------- test call: type or record, read and hear the answer ---------- */
  const testForm = document.getElementById("testcall-form");
  if (testForm) {
    const state = document.getElementById("testcall-state");
    const result = document.getElementById("testcall-result");
    const names = JSON.parse(document.getElementById("action-names").textContent);
    const show = (data) => {
      result.hidden = false;
      document.getElementById("tc-heard-row").hidden = !data.heard;
      document.getElementById("tc-heard").textContent = data.heard || "";
      document.getElementById("tc-action").textContent = names[data.action] || data.action || "";
      document.getElementById("tc-service").textContent = data.service ? data.service.name : "–";
      document.getElementById("tc-answer").textContent = data.answer || data.error || "";
      const list = document.getElementById("tc-candidates");
      list.replaceChildren(...(data.candidates || []).map((c) => {
        const li = document.createElement("li");
        li.textContent = c.name + " (" + Number(c.score).toFixed(2) + ")";
        return li;
      }));
      const audio = document.getElementById("tc-audio");
      if (data.audio) { audio.src = data.audio; audio.hidden = false; const p = audio.play(); if (p && p.catch) p.catch(() => {}); }
      else { audio.hidden = true; audio.removeAttribute("src"); }
    };
    const send = async (body, headers) => {
      state.textContent = state.dataset.working;
      try {
        const response = await fetch("/api/testcall", {
          method: "POST", body, headers: { "X-CSRF-Token": csrf, "X-Requested-With": "fetch", Accept: "application/json", ...headers },
        });
        const data = await response.json();
        state.textContent = response.ok ? "" : (data.error || response.statusText);
        if (response.ok) show(data);
      } catch (e) { state.textContent = String(e); }
    };
    testForm.addEventListener("submit", (event) => {
      event.preventDefault();
      const question = document.getElementById("question").value.trim();
      if (!question) { document.getElementById("question").focus(); return; }
      send(JSON.stringify({ question }), { "Content-Type": "application/json" });
    });
    const recordButton = document.getElementById("record");
    let recorder = null, chunks = [];
    recordButton.addEventListener("click", async () => {
      if (recorder && recorder.state === "recording") { recorder.stop(); return; }
      if (!navigator.mediaDevices || !window.MediaRecorder) { state.textContent = state.dataset.nomic; return; }
      try {
        const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
        recorder = new MediaRecorder(stream);
        chunks = [];
        recorder.addEventListener("dataavailable", (e) => { if (e.data.size) chunks.push(e.data); });
        recorder.addEventListener("stop", () => {
          stream.getTracks().forEach((t) => t.stop());
          recordButton.textContent = recordButton.dataset.start;
          recordButton.setAttribute("aria-pressed", "false");
          const blob = new Blob(chunks, { type: recorder.mimeType || "audio/webm" });
          const form = new FormData();
          form.append("audio", blob, "frage.webm");
          send(form, {});
        });
        recorder.start();
        recordButton.textContent = recordButton.dataset.stop;
        recordButton.setAttribute("aria-pressed", "true");
        state.textContent = state.dataset.recording;
      } catch (e) { state.textContent = state.dataset.nomic; }
    });
  }
})();
