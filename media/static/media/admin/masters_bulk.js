// Masters in bulk: match the chosen (or dropped) files to episodes, upload each on its own with its
// progress, then poll the transcodes until they end. A refused file gets its reason; the others go on.
(function () {
  "use strict";
  const urls = JSON.parse(document.getElementById("masters-urls").textContent);
  const csrf = document.querySelector("input[name=csrfmiddlewaretoken]").value;
  const rowsBody = document.getElementById("masters-rows");
  const summary = document.getElementById("masters-summary");
  const UPLOADS_AT_ONCE = 2;
  const POLL_MS = 1000;
  const rows = new Map(); // name -> {file, tr, masterId, state}
  const queue = [];
  let uploading = 0;
  let pollTimer = null;

  function cell(tr, cls) { return tr.querySelector("td." + cls); }

  function rowFor(name) {
    const tr = document.createElement("tr");
    tr.dataset.name = name;
    for (const cls of ["file", "episode", "upload", "transcode", "reason", "action"]) {
      const td = document.createElement("td");
      td.className = cls;
      tr.appendChild(td);
    }
    cell(tr, "file").textContent = name;
    rowsBody.appendChild(tr);
    return tr;
  }

  function setState(row, state) {
    row.state = state;
    row.tr.dataset.state = state;
    row.tr.className = state;
    updateSummary();
  }

  function refuse(row, code, detail) {
    cell(row.tr, "reason").textContent = detail;
    row.tr.dataset.code = code;
    setState(row, row.masterId ? "failed" : "refused");
  }

  function bar(value, label) {
    const wrap = document.createDocumentFragment();
    const progress = document.createElement("progress");
    progress.max = 100;
    progress.value = value;
    const text = document.createElement("span");
    text.className = "pct";
    text.textContent = " " + label;
    wrap.appendChild(progress);
    wrap.appendChild(text);
    return wrap;
  }

  function showUpload(row, percent) {
    const td = cell(row.tr, "upload");
    td.replaceChildren(bar(percent, Math.round(percent) + "%"));
    td.dataset.percent = String(Math.round(percent));
    row.tr.dataset.uploadEvents = String((Number(row.tr.dataset.uploadEvents) || 0) + 1);
  }

  function updateSummary() {
    const counts = {};
    for (const row of rows.values()) counts[row.state] = (counts[row.state] || 0) + 1;
    summary.textContent = Object.entries(counts).map(([state, n]) => n + " " + state).join(", ");
  }

  async function addFiles(files) {
    const fresh = files.filter((file) => !rows.has(file.name) || ["refused", "failed"].includes(rows.get(file.name).state));
    if (!fresh.length) return;
    const response = await fetch(urls.match, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ names: fresh.map((file) => file.name) }),
      credentials: "same-origin",
    });
    const body = await response.json();
    if (!response.ok) {
      summary.textContent = body.detail || "The files could not be matched.";
      return;
    }
    body.files.forEach((match, i) => {
      const file = fresh[i];
      const previous = rows.get(file.name);
      const row = { file, tr: previous ? previous.tr : rowFor(file.name), masterId: null, state: "" };
      for (const cls of ["episode", "upload", "transcode", "reason", "action"]) cell(row.tr, cls).replaceChildren();
      rows.set(file.name, row);
      if (match.number) cell(row.tr, "episode").textContent = "E" + String(match.number).padStart(3, "0");
      if (match.code) {
        refuse(row, match.code, match.detail);
        return;
      }
      showUpload(row, 0);
      setState(row, "queued");
      queue.push(row);
    });
    pump();
  }

  function pump() {
    while (uploading < UPLOADS_AT_ONCE && queue.length) upload(queue.shift());
  }

  function upload(row) {
    uploading += 1;
    setState(row, "uploading");
    const xhr = new XMLHttpRequest();
    const query = "?name=" + encodeURIComponent(row.file.name) + "&size=" + row.file.size;
    xhr.open("POST", urls.upload + query);
    xhr.setRequestHeader("X-CSRFToken", csrf);
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) showUpload(row, (100 * event.loaded) / event.total);
    };
    xhr.onload = () => {
      let body = {};
      try { body = JSON.parse(xhr.responseText); } catch (error) { body = { detail: "The server answered " + xhr.status + "." }; }
      if (xhr.status === 201) {
        showUpload(row, 100);
        row.masterId = body.master_id;
        row.tr.dataset.masterId = String(body.master_id);
        cell(row.tr, "transcode").replaceChildren(bar(0, "pending"));
        setState(row, "transcoding");
        poll();
      } else {
        refuse(row, body.code || "error", body.detail || "The upload was refused (" + xhr.status + ").");
      }
    };
    xhr.onerror = xhr.onabort = () => refuse(row, "upload_incomplete", row.file.name + ": the upload was cut off; nothing was kept. Choose the file again to retry.");
    xhr.onloadend = () => { uploading -= 1; pump(); };
    xhr.send(row.file);
  }

  function rerunButton(row) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button rerun";
    button.textContent = "Re-run";
    button.onclick = async () => {
      button.disabled = true;
      const response = await fetch(urls.rerun + row.masterId + "/", {
        method: "POST", headers: { "X-CSRFToken": csrf }, credentials: "same-origin",
      });
      const body = await response.json();
      if (response.status === 201) {
        cell(row.tr, "reason").textContent = "";
        cell(row.tr, "action").replaceChildren();
        cell(row.tr, "transcode").replaceChildren(bar(0, "pending"));
        setState(row, "transcoding");
        poll();
      } else {
        cell(row.tr, "reason").textContent = body.detail || "The re-run was refused.";
        button.disabled = false;
      }
    };
    return button;
  }

  function poll() {
    if (pollTimer === null) pollTimer = setTimeout(pollOnce, POLL_MS);
  }

  async function pollOnce() {
    pollTimer = null;
    const active = [...rows.values()].filter((row) => row.state === "transcoding");
    if (!active.length) return;
    try {
      const response = await fetch(urls.status + "?ids=" + active.map((row) => row.masterId).join(","), {
        credentials: "same-origin",
      });
      const body = await response.json();
      for (const master of body.masters || []) {
        const row = active.find((candidate) => candidate.masterId === master.master_id);
        if (!row) continue;
        const td = cell(row.tr, "transcode");
        td.dataset.status = master.status || "";
        const seen = new Set((td.dataset.seen || "").split(" ").filter(Boolean));
        seen.add(master.status || "pending");
        td.dataset.seen = [...seen].join(" ");
        td.dataset.progress = String(master.progress);
        if (master.status === "succeeded") {
          td.replaceChildren(bar(100, "done"));
          const link = document.createElement("a");
          link.href = master.preview;
          link.textContent = "Preview ›";
          cell(row.tr, "action").replaceChildren(link);
          if (master.warnings && master.warnings.length) cell(row.tr, "reason").textContent = master.warnings.join("; ");
          setState(row, "done");
        } else if (master.status === "failed" || master.status === "cancelled") {
          td.replaceChildren(bar(master.progress, master.status));
          refuse(row, master.error_code || master.status, (master.error_code ? master.error_code + ": " : "") + (master.error || "the transcode failed"));
          cell(row.tr, "action").replaceChildren(rerunButton(row));
        } else {
          td.replaceChildren(bar(master.progress, master.progress.toFixed(0) + "% " + (master.status || "pending")));
        }
      }
    } catch (error) {
      summary.textContent = "Progress could not be fetched; trying again.";
    }
    poll();
  }

  // Files chosen one by one, or a folder through the picker.
  for (const id of ["masters-files", "masters-folder"]) {
    document.getElementById(id).addEventListener("change", (event) => {
      addFiles([...event.target.files].filter((file) => !file.name.startsWith(".")));
      event.target.value = "";
    });
  }

  // A dropped folder is walked (one level of entries per read, as the API hands them out).
  function entryFiles(entry) {
    if (entry.isFile) return new Promise((resolve) => entry.file((file) => resolve([file]), () => resolve([])));
    if (!entry.isDirectory) return Promise.resolve([]);
    const reader = entry.createReader();
    return new Promise((resolve) => {
      const found = [];
      const readMore = () => reader.readEntries(async (entries) => {
        if (!entries.length) return resolve(found);
        for (const child of entries) found.push(...(await entryFiles(child)));
        readMore();
      }, () => resolve(found));
      readMore();
    });
  }

  const drop = document.getElementById("masters-drop");
  drop.addEventListener("dragover", (event) => { event.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", async (event) => {
    event.preventDefault();
    drop.classList.remove("over");
    const items = [...(event.dataTransfer.items || [])];
    const entries = items.map((item) => (item.webkitGetAsEntry ? item.webkitGetAsEntry() : null));
    let files;
    if (entries.length && entries.every(Boolean)) {
      files = (await Promise.all(entries.map(entryFiles))).flat();
    } else {
      files = [...event.dataTransfer.files];
    }
    addFiles(files.filter((file) => !file.name.startsWith(".")));
  });
})();
