// Live usage charts for one container (uPlot), one sample a second.
"use strict";

(() => {
  const root = document.getElementById("stats-viewer");
  if (!root || !window.uPlot) return;
  const KEEP = 120; // two minutes of samples
  const status = root.querySelector(".stats-status");
  const times = [], series = { cpu: [[]], mem: [[], []], net: [[], []], blk: [[], []] };
  let previous = null;

  function bytes(value) {
    const units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let unit = 0;
    while (Math.abs(value) >= 1024 && unit < units.length - 1) { value /= 1024; unit += 1; }
    return `${value.toFixed(unit ? 1 : 0)} ${units[unit]}`;
  }
  function chart(name, labels, format) {
    const el = root.querySelector(`[data-chart="${name}"]`);
    const colours = ["#1f6feb", "#cf222e"];
    return new uPlot({
      width: Math.max(el.clientWidth, 300), height: 180,
      series: [{}, ...labels.map((label, i) => ({ label, stroke: colours[i], width: 1.5, value: (u, v) => v === null ? "—" : format(v) }))],
      axes: [{}, { values: (u, values) => values.map(format), size: 70 }],
      scales: { x: { time: true } }, legend: { live: true },
    }, [times, ...series[name]], el);
  }
  const charts = {
    cpu: chart("cpu", ["CPU %"], (v) => `${v.toFixed(1)}%`),
    mem: chart("mem", ["used", "limit"], bytes),
    net: chart("net", ["rx/s", "tx/s"], (v) => `${bytes(v)}/s`),
    blk: chart("blk", ["read/s", "write/s"], (v) => `${bytes(v)}/s`),
  };
  function rate(now, before, key) {
    if (!before) return null;
    const seconds = now.t - before.t;
    return seconds > 0 ? Math.max((now[key] - before[key]) / seconds, 0) : null;
  }
  function add(sample) {
    times.push(sample.t);
    series.cpu[0].push(sample.cpu);
    series.mem[0].push(sample.mem); series.mem[1].push(sample.mem_limit);
    series.net[0].push(rate(sample, previous, "net_rx")); series.net[1].push(rate(sample, previous, "net_tx"));
    series.blk[0].push(rate(sample, previous, "blk_read")); series.blk[1].push(rate(sample, previous, "blk_write"));
    previous = sample;
    if (times.length > KEEP) { times.shift(); for (const s of Object.values(series)) for (const a of s) a.shift(); }
    for (const [name, plot] of Object.entries(charts)) plot.setData([times, ...series[name]]);
    root.querySelector('[data-now="cpu"]').textContent = sample.cpu === null ? "" : `${sample.cpu.toFixed(1)}%`;
    root.querySelector('[data-now="mem"]').textContent = `${bytes(sample.mem)} of ${bytes(sample.mem_limit)}`;
    root.querySelector('[data-now="net"]').textContent = `rx ${bytes(sample.net_rx)}, tx ${bytes(sample.net_tx)} in all`;
    root.querySelector('[data-now="blk"]').textContent = `read ${bytes(sample.blk_read)}, written ${bytes(sample.blk_write)} in all`;
    status.textContent = `${sample.pids} processes · updated ${new Date(sample.t * 1000).toLocaleTimeString()}`;
  }
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}${root.dataset.socket}`);
  socket.onmessage = (event) => {
    const message = JSON.parse(event.data);
    if (message.type === "sample") add(message);
    else if (message.type === "ended") status.textContent = "The container stopped: no more samples.";
    else if (message.type === "error") status.textContent = message.message;
  };
  socket.onclose = (event) => {
    if (event.code === 4403) status.textContent = "You may not see this container's usage.";
  };
  window.addEventListener("resize", () => {
    for (const [name, plot] of Object.entries(charts)) {
      const el = root.querySelector(`[data-chart="${name}"]`);
      plot.setSize({ width: Math.max(el.clientWidth, 300), height: 180 });
    }
  });
})();
