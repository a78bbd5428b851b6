// The job page: progress, step and output arrive over a websocket.
"use strict";

(() => {
  const box = document.getElementById("job");
  if (!box) return;
  const jobId = box.dataset.jobId;
  const output = document.getElementById("job-output");
  const bar = document.getElementById("job-progress");
  const percent = document.getElementById("job-percent");
  const step = document.getElementById("job-step");
  const status = document.getElementById("job-status");
  const error = document.getElementById("job-error");
  let reloaded = box.dataset.finished === "1";

  function draw(job) {
    bar.value = job.percent;
    percent.textContent = `${job.percent}%`;
    step.textContent = job.step || "";
    status.textContent = job.status;
    status.className = `badge status-${job.status}`;
    if (job.error) { error.textContent = job.error; error.hidden = false; }
    const cancel = document.getElementById("job-cancel");
    if (cancel && !job.can_cancel) cancel.remove();
    // The finished page (result, links) is drawn by the server: reload once.
    if (job.finished && !reloaded) { reloaded = true; window.location.reload(); }
  }

  function append(lines) {
    if (!lines.length) return;
    const stick = output.scrollTop + output.clientHeight >= output.scrollHeight - 8;
    output.append(document.createTextNode(lines.join("\n") + "\n"));
    if (stick) output.scrollTop = output.scrollHeight;
  }

  function connect(delay) {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}/ws/jobs/${jobId}/`);
    socket.onmessage = (event) => {
      const message = JSON.parse(event.data);
      if (message.type === "snapshot") {
        output.textContent = message.output;
        output.scrollTop = output.scrollHeight;
      } else {
        append(message.lines);
      }
      draw(message.job);
    };
    socket.onclose = (event) => {
      if (reloaded || event.code === 4401 || event.code === 4403) return;
      setTimeout(() => connect(Math.min(delay * 2, 10000)), delay);
    };
  }
  connect(500);
})();
