// eldercare serve: send a proposed estate to /api/review and show its sheet and downloads.
"use strict";
const form = document.getElementById("form");

async function download(id, name) {
  // Through fetch, so the access token travels in its header.
  const response = await fetch("/api/review/" + id + "/" + name, { headers: apiHeaders() });
  if (!response.ok) { say("下载失败 download failed: " + response.status, true); return; }
  const url = URL.createObjectURL(await response.blob());
  const link = el("a");
  link.href = url;
  link.download = name;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

function verdictText(value) {
  return { pass: "达标 pass", fail: "不达标 fail", report: "仅报告 report", no_data: "无数据 no data" }[value] || String(value);
}

function showReview(answer) {
  const list = document.getElementById("verdicts");
  list.textContent = "";
  for (const estate of answer.review.estates || []) {
    const head = el("li");
    head.appendChild(el("b", (estate.name || estate.estate_id) + "："));
    head.appendChild(el("span", verdictText(estate.overall)));
    list.appendChild(head);
    for (const rule of estate.rules || []) {
      const item = el("li", "· " + (rule.title_zh || rule.rule_id) + " — " + verdictText(rule.verdict));
      list.appendChild(item);
    }
  }
  const box = document.getElementById("downloads");
  box.textContent = "下载 Downloads: ";
  for (const name of answer.downloads) {
    const link = el("a", name);
    link.href = "#";
    link.addEventListener("click", (event) => { event.preventDefault(); download(answer.id, name); });
    box.appendChild(link);
  }
}

async function showSheet(id) {
  const response = await fetch("/api/review/" + id + "/review.html", { headers: apiHeaders() });
  const frame = document.getElementById("sheet");
  frame.srcdoc = await response.text();
  frame.hidden = false;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const data = new FormData();
  const file = document.getElementById("file").files[0];
  if (file) { data.append("file", file, file.name); }
  for (const key of ["lon", "lat", "households", "planned_floor_m2", "status", "name"]) {
    const value = document.getElementById(key).value.trim();
    if (value !== "") { data.append(key, value); }
  }
  if (file && file.size > CONFIG.maxUpload) { say("文件过大 file too large", true); return; }
  say("审查中… reviewing");
  try {
    const answer = await api("POST", "/api/review", data);
    showReview(answer);
    await showSheet(answer.id);
    say("完成 done");
    document.body.dataset.reviewed = "1";
  } catch (error) {
    say(error.message, true);
  }
});
