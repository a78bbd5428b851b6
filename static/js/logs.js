// Berth's log viewer: one container or several merged, over a websocket.
// Keeps at most MAX_LINES line elements in the page (oldest dropped), renders
// ANSI colours as classes, and builds every element with textContent: no
// engine byte ever reaches innerHTML.
"use strict";

(() => {
  const MAX_LINES = 10000;
  const ACK_EVERY = 8; // the server allows 16 frames in flight

  const root = document.getElementById("log-viewer");
  if (!root) return;
  const view = root.querySelector(".log-lines");
  const status = root.querySelector(".log-status");
  const jump = root.querySelector("[data-jump]");
  const pauseButton = root.querySelector("[data-pause]");
  const filterInput = root.querySelector("[data-filter]");
  const regexBox = root.querySelector("[data-filter-regex]");
  const tailSelect = root.querySelector("[data-tail]");
  const toggles = root.querySelector(".log-toggles");

  let socket = null, frames = 0, acked = 0, paused = false, pending = [];
  let heldWhilePaused = 0, lastStamp = "", filter = null, renderQueued = false;
  const hiddenTags = new Set();
  let names = {}; // tag -> container name (merged view)

  // ANSI SGR → classes (16 colours) or computed rgb (256 / true colour).
  const ESCAPES = /\x1b\[([0-9;?]*)([A-Za-z])|\x1b[()][A-Z0-9]|\x1b[=>]/g;
  const CUBE = [0, 95, 135, 175, 215, 255];
  function colour256(n) {
    if (n < 16) return null;
    if (n >= 232) { const v = 8 + (n - 232) * 10; return `rgb(${v},${v},${v})`; }
    n -= 16;
    return `rgb(${CUBE[Math.floor(n / 36)]},${CUBE[Math.floor(n / 6) % 6]},${CUBE[n % 6]})`;
  }
  function applySgr(state, codes) {
    const list = codes === "" ? [0] : codes.split(";").map((c) => parseInt(c, 10) || 0);
    for (let i = 0; i < list.length; i++) {
      const c = list[i];
      if (c === 0) { state.fg = state.bg = state.fgRgb = state.bgRgb = null; state.bold = state.italic = state.underline = state.dim = false; }
      else if (c === 1) state.bold = true;
      else if (c === 2) state.dim = true;
      else if (c === 3) state.italic = true;
      else if (c === 4) state.underline = true;
      else if (c === 22) state.bold = state.dim = false;
      else if (c === 23) state.italic = false;
      else if (c === 24) state.underline = false;
      else if (c >= 30 && c <= 37) { state.fg = c - 30; state.fgRgb = null; }
      else if (c >= 90 && c <= 97) { state.fg = c - 82; state.fgRgb = null; }
      else if (c >= 40 && c <= 47) { state.bg = c - 40; state.bgRgb = null; }
      else if (c >= 100 && c <= 107) { state.bg = c - 92; state.bgRgb = null; }
      else if (c === 39) state.fg = state.fgRgb = null;
      else if (c === 49) state.bg = state.bgRgb = null;
      else if ((c === 38 || c === 48) && list[i + 1] === 5) {
        const n = list[i + 2] & 255, rgb = colour256(n);
        if (c === 38) { state.fg = rgb ? null : n; state.fgRgb = rgb; } else { state.bg = rgb ? null : n; state.bgRgb = rgb; }
        i += 2;
      } else if ((c === 38 || c === 48) && list[i + 1] === 2) {
        const rgb = `rgb(${list[i + 2] & 255},${list[i + 3] & 255},${list[i + 4] & 255})`;
        if (c === 38) { state.fg = null; state.fgRgb = rgb; } else { state.bg = null; state.bgRgb = rgb; }
        i += 4;
      }
    }
  }
  function styledSpan(text, state) {
    const span = document.createElement("span");
    span.textContent = text;
    const classes = [];
    if (state.fg !== null) classes.push(`a-fg-${state.fg}`);
    if (state.bg !== null) classes.push(`a-bg-${state.bg}`);
    if (state.bold) classes.push("a-bold");
    if (state.dim) classes.push("a-dim");
    if (state.italic) classes.push("a-italic");
    if (state.underline) classes.push("a-underline");
    if (classes.length) span.className = classes.join(" ");
    if (state.fgRgb) span.style.color = state.fgRgb;
    if (state.bgRgb) span.style.backgroundColor = state.bgRgb;
    return span;
  }
  function renderMessage(target, text) {
    if (text.indexOf("\x1b") < 0) { target.textContent = text; return; }
    const state = { fg: null, bg: null, fgRgb: null, bgRgb: null, bold: false, dim: false, italic: false, underline: false };
    let last = 0, match;
    ESCAPES.lastIndex = 0;
    while ((match = ESCAPES.exec(text)) !== null) {
      if (match.index > last) target.appendChild(styledSpan(text.slice(last, match.index), state));
      if (match[2] === "m") applySgr(state, match[1]);
      last = ESCAPES.lastIndex;
    }
    if (last < text.length) target.appendChild(styledSpan(text.slice(last), state));
  }
  window.BerthAnsi = { renderMessage }; // for the search results

  function plain(text) { return text.indexOf("\x1b") < 0 ? text : text.replace(ESCAPES, ""); }

  function lineElement(line, tag) {
    const [stream, stamp, text] = line;
    const element = document.createElement("div");
    element.className = stream === 2 ? "line err" : "line";
    const ts = document.createElement("span");
    ts.className = "ts";
    ts.textContent = stamp.replace("T", " ").slice(0, 23);
    element.appendChild(ts);
    if (tag !== undefined && tag !== null) {
      element.dataset.tag = tag;
      const badge = document.createElement("span");
      badge.className = `tag c${tag % 8}`;
      badge.textContent = names[tag] || `#${tag}`;
      element.appendChild(badge);
    }
    const msg = document.createElement("span");
    msg.className = "msg";
    renderMessage(msg, text);
    element.appendChild(msg);
    element._text = plain(text);
    if (!visible(element)) element.hidden = true;
    return element;
  }

  function marker(text, kind) {
    const element = document.createElement("div");
    element.className = `line marker ${kind || ""}`;
    element.textContent = text;
    pending.push({ marker: element });
    scheduleRender();
  }

  function visible(element) {
    if (element.dataset.tag !== undefined && hiddenTags.has(element.dataset.tag)) return false;
    if (!filter || element.classList.contains("marker")) return true;
    return filter.test(element._text || "");
  }

  function atBottom() { return view.scrollTop + view.clientHeight >= view.scrollHeight - 8; }

  function scheduleRender() {
    if (paused || renderQueued) return;
    renderQueued = true;
    requestAnimationFrame(render);
  }

  function render() {
    renderQueued = false;
    if (paused || !pending.length) return;
    let items = pending;
    pending = [];
    if (items.length > MAX_LINES) {
      const dropped = items.length - MAX_LINES;
      items = items.slice(dropped);
      const note = document.createElement("div");
      note.className = "line marker";
      note.textContent = `${dropped} lines not drawn (they came faster than the page can show; download the log for all of them)`;
      items.unshift({ marker: note });
    }
    const follow = atBottom();
    const fragment = document.createDocumentFragment();
    for (const item of items) fragment.appendChild(item.marker || lineElement(item.line, item.tag));
    view.appendChild(fragment);
    let extra = view.childElementCount - MAX_LINES;
    while (extra-- > 0) view.firstElementChild.remove();
    if (follow) view.scrollTop = view.scrollHeight;
    jump.hidden = atBottom();
  }

  function queueLines(lines, tag) {
    for (const line of lines) {
      const lineTag = line.length > 3 ? line[3] : tag;
      if (line[1] && line[1] <= lastStamp && !names.merged) continue; // after a reconnect
      if (line[1] && !names.merged) lastStamp = line[1];
      pending.push({ line, tag: lineTag });
    }
    if (paused && pending.length > MAX_LINES) {
      heldWhilePaused += pending.length - MAX_LINES;
      pending.splice(0, pending.length - MAX_LINES);
    }
    scheduleRender();
  }

  function onMessage(event) {
    frames += 1;
    if (frames - acked >= ACK_EVERY) { acked = frames; socket.send(JSON.stringify({ type: "ack", frames })); }
    const message = JSON.parse(event.data);
    if (message.type === "lines") queueLines(message.lines, message.c);
    else if (message.type === "skipped") marker(`${message.count} lines skipped (this page fell behind)`, "skipped");
    else if (message.type === "state") onState(message);
    else if (message.type === "live") setStatus("following", "running");
    else if (message.type === "hello") onHello(message);
    else if (message.type === "error") marker(message.message, "error");
  }

  function onHello(message) {
    if (!message.containers) return;
    names = { merged: true };
    toggles.replaceChildren();
    for (const c of message.containers) {
      names[c.tag] = c.name;
      const label = document.createElement("label");
      label.className = `inline chip c${c.tag % 8}`;
      const box = document.createElement("input");
      box.type = "checkbox"; box.checked = true; box.dataset.toggleTag = c.tag;
      label.append(box, document.createTextNode(` ${c.name}`));
      toggles.appendChild(label);
    }
  }

  function onState(message) {
    if (message.state === "stopped") {
      setStatus(`stopped${message.exit_code !== undefined ? ` (exit code ${message.exit_code})` : ""}; the stream is closed and resumes when it starts`, "exited");
      marker(`— container stopped${message.exit_code !== undefined ? `, exit code ${message.exit_code}` : ""} —`, "state");
    } else if (message.state === "running") {
      setStatus("following", "running");
      marker("— container started; following again —", "state");
    } else if (message.state === "removed") {
      setStatus("removed", "dead");
      marker("— container removed —", "state");
    } else if (message.state === "unreachable") {
      setStatus(`engine unreachable: ${message.error || ""}; retrying`, "dead");
    }
  }

  function setStatus(text, state) {
    status.textContent = text;
    status.className = `log-status badge state-${state}`;
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const tail = lastStamp ? "50" : (tailSelect ? tailSelect.value : "500");
    const url = new URL(root.dataset.socket, location.href);
    url.searchParams.set("tail", tail);
    socket = new WebSocket(`${scheme}://${location.host}${url.pathname}${url.search}`);
    frames = acked = 0;
    socket.onmessage = onMessage;
    socket.onclose = (event) => {
      if (event.code === 4401) { setStatus("not logged in", "dead"); return; }
      if (event.code === 4403) { setStatus("not allowed", "dead"); return; }
      if (socket && socket._closedByUs) return;
      setStatus("connection lost; reconnecting", "paused");
      setTimeout(connect, 2000);
    };
  }

  function restart() {
    if (socket) { socket._closedByUs = true; socket.close(); }
    view.replaceChildren(); pending = []; lastStamp = "";
    connect();
  }

  // Controls ------------------------------------------------------------------
  pauseButton.addEventListener("click", () => {
    paused = !paused;
    pauseButton.textContent = paused ? "Resume" : "Pause";
    pauseButton.setAttribute("aria-pressed", String(paused));
    if (!paused) {
      if (heldWhilePaused) { const n = heldWhilePaused; heldWhilePaused = 0; marker(`${n} lines skipped while paused`, "skipped"); }
      scheduleRender();
    }
  });
  jump.addEventListener("click", () => { view.scrollTop = view.scrollHeight; jump.hidden = true; });
  view.addEventListener("scroll", () => { jump.hidden = atBottom(); });
  root.querySelector("[data-wrap]").addEventListener("change", (e) => view.classList.toggle("nowrap", !e.target.checked));
  root.querySelector("[data-timestamps]").addEventListener("change", (e) => {
    view.classList.toggle("hide-ts", !e.target.checked);
    const download = root.querySelector("[data-download]");
    if (download) download.href = download.href.replace(/timestamps=\d/, `timestamps=${e.target.checked ? 1 : 0}`);
  });
  if (tailSelect) tailSelect.addEventListener("change", restart);
  function applyFilter() {
    const text = filterInput.value;
    filterInput.classList.remove("invalid");
    if (!text) filter = null;
    else if (regexBox.checked) {
      try { filter = new RegExp(text); } catch (error) { filterInput.classList.add("invalid"); return; }
    } else {
      const needle = text.toLowerCase();
      filter = { test: (s) => s.toLowerCase().includes(needle) };
    }
    for (const element of view.children) element.hidden = !visible(element);
  }
  filterInput.addEventListener("input", applyFilter);
  regexBox.addEventListener("change", applyFilter);
  toggles.addEventListener("change", (event) => {
    const tag = event.target.dataset.toggleTag;
    if (tag === undefined) return;
    if (event.target.checked) hiddenTags.delete(tag); else hiddenTags.add(tag);
    for (const element of view.children) element.hidden = !visible(element);
  });

  // Server-side search over the whole history (streamed NDJSON).
  const searchForm = root.querySelector("[data-search]");
  if (searchForm) {
    const results = root.querySelector(".search-results");
    searchForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const params = new URLSearchParams(new FormData(searchForm));
      for (const key of ["since", "until"]) { // the browser's local time, sent as UTC
        const value = params.get(key);
        if (value) params.set(key, new Date(value).toISOString()); else params.delete(key);
      }
      results.hidden = false;
      results.replaceChildren();
      const note = document.createElement("p");
      note.className = "muted"; note.textContent = "Searching…";
      results.appendChild(note);
      const response = await fetch(`${searchForm.action}?${params}`, { credentials: "same-origin" });
      if (!response.ok) { note.textContent = (await response.json()).error || `Search failed (${response.status})`; return; }
      const reader = response.body.getReader(), decoder = new TextDecoder();
      let buffer = "", count = 0;
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        const rows = buffer.split("\n"); buffer = rows.pop();
        const fragment = document.createDocumentFragment();
        for (const row of rows) {
          if (!row) continue;
          const item = JSON.parse(row);
          if (Array.isArray(item)) { fragment.appendChild(lineElement(item)); count += 1; }
          else if (item.limit) note.textContent = `First ${item.limit} matches; narrow the time range for more.`;
          else if (item.done !== undefined) note.textContent = `${item.done} matching line${item.done === 1 ? "" : "s"}.`;
        }
        results.appendChild(fragment);
      }
    });
  }

  setStatus("connecting", "paused");
  connect();
})();
