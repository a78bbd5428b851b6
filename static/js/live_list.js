// The containers page, live: rows change when the watcher says so (state
// badge at once, then the row re-rendered by the server), new containers
// appear, removed ones go; CPU and memory arrive after the page loaded.
"use strict";

(() => {
  const table = document.getElementById("container-table");
  if (!table) return;
  const rowsUrl = table.dataset.rowsUrl, usageUrl = table.dataset.usageUrl;
  const canAdd = table.dataset.live === "all"; // unfiltered first page
  let wanted = new Set(), timer = null;

  function tbody() { return table.querySelector("tbody"); }
  function row(id) { return document.getElementById(`container-${id}`); }

  function refresh() {
    timer = null;
    const ids = [...wanted]; wanted = new Set();
    if (!ids.length) return;
    const params = new URLSearchParams({ ids: ids.join(","), next: location.pathname + location.search });
    fetch(`${rowsUrl}?${params}`, { credentials: "same-origin" })
      .then((response) => response.ok ? response.text() : "")
      .then((html) => {
        if (!html) return;
        const template = document.createElement("template");
        template.innerHTML = html; // server-rendered and escaped by Django
        for (const fresh of template.content.querySelectorAll("tr[id^=container-]")) {
          const old = document.getElementById(fresh.id);
          if (old) old.replaceWith(fresh);
          else if (canAdd && tbody()) tbody().prepend(fresh);
          if (window.htmx) htmx.process(fresh);
        }
        loadUsage();
      });
  }

  function changed(message) {
    for (const data of message.rows) {
      const existing = row(data.id);
      if (existing) {
        existing.dataset.state = data.state;
        const badge = existing.querySelector(".badge[class*=state-]");
        if (badge) { badge.className = `badge state-${data.state}`; badge.textContent = data.state; }
      }
      if (existing || canAdd) wanted.add(data.id);
    }
    for (const id of message.removed) {
      const existing = row(id);
      if (existing) existing.remove();
    }
    if (wanted.size && !timer) timer = setTimeout(refresh, 150);
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}/ws/containers/`);
    socket.onmessage = (event) => {
      const message = JSON.parse(event.data);
      if (message.type === "changed") changed(message);
    };
    socket.onclose = (event) => { if (event.code < 4000) setTimeout(connect, 3000); };
  }

  function format(bytes) {
    const units = ["B", "KiB", "MiB", "GiB"]; let unit = 0;
    while (bytes >= 1024 && unit < units.length - 1) { bytes /= 1024; unit += 1; }
    return `${bytes.toFixed(unit ? 1 : 0)} ${units[unit]}`;
  }

  function loadUsage() {
    const ids = [...table.querySelectorAll("tr[data-state=running]")].map((tr) => tr.id.slice(10));
    if (!ids.length) return;
    fetch(`${usageUrl}?ids=${ids.join(",")}`, { credentials: "same-origin" })
      .then((response) => response.ok ? response.json() : { usage: {} })
      .then(({ usage }) => {
        for (const [id, value] of Object.entries(usage)) {
          const cell = row(id) && row(id).querySelector("td.usage");
          if (!cell) continue;
          cell.textContent = `${value.cpu === null ? "…" : `${value.cpu}%`} · ${format(value.mem)}`;
          cell.title = `memory ${value.mem_percent}% of ${format(value.mem_limit)}`;
        }
      });
  }

  connect();
  loadUsage();
  setInterval(loadUsage, 5000);
  document.body.addEventListener("htmx:afterSwap", loadUsage);
})();
