// The browser terminal: xterm.js over a websocket with binary frames both
// ways (so multi-byte characters survive), resize messages as JSON text.
"use strict";

(() => {
  const root = document.getElementById("terminal");
  if (!root || !window.Terminal) return;
  const screen = root.querySelector(".terminal-screen");
  const status = root.querySelector(".terminal-status");
  const shell = root.querySelector("[data-shell]");
  const term = new Terminal({ cursorBlink: true, convertEol: false, fontSize: 13, scrollback: 5000 });
  const fit = new FitAddon.FitAddon();
  term.loadAddon(fit);
  term.open(screen);
  fit.fit();
  const encoder = new TextEncoder();
  let socket = null;

  function sendResize() {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify({ type: "resize", rows: term.rows, cols: term.cols }));
    }
  }

  function connect() {
    if (socket) { socket._replaced = true; socket.close(); }
    term.reset();
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${location.host}${root.dataset.socket}?shell=${encodeURIComponent(shell.value)}`);
    ws.binaryType = "arraybuffer";
    socket = ws;
    status.textContent = "connecting…";
    ws.onopen = () => { status.textContent = "connected"; sendResize(); term.focus(); };
    ws.onmessage = (event) => {
      if (typeof event.data === "string") {
        const message = JSON.parse(event.data);
        if (message.type === "error") status.textContent = message.message;
        if (message.type === "exited") status.textContent = "the shell exited";
        return;
      }
      term.write(new Uint8Array(event.data));
    };
    ws.onclose = (event) => {
      if (ws._replaced) return;
      if (event.code === 4403) status.textContent = "You may not open a terminal here.";
      else if (event.code === 4401) status.textContent = "Log in again to open a terminal.";
      else if (event.code !== 4409) status.textContent = "closed";
    };
  }

  term.onData((data) => { if (socket && socket.readyState === WebSocket.OPEN) socket.send(encoder.encode(data)); });
  term.onBinary((data) => {
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    const bytes = new Uint8Array(data.length);
    for (let i = 0; i < data.length; i++) bytes[i] = data.charCodeAt(i) & 255;
    socket.send(bytes);
  });
  term.onResize(sendResize);
  new ResizeObserver(() => fit.fit()).observe(screen);
  root.querySelector("[data-reconnect]").addEventListener("click", connect);
  shell.addEventListener("change", connect);
  window.berthTerminal = term; // lets the browser tests read the screen
  connect();
})();
