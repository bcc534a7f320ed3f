// The admin's preview of an episode's ladder: hls.js (vendored) plays the token-checked master playlist;
// the rung selector pins a level (or leaves it adaptive) and the page says which rung is playing.
(function () {
  "use strict";
  const url = JSON.parse(document.getElementById("preview-url").textContent);
  const video = document.getElementById("preview-video");
  const select = document.getElementById("preview-rung");
  const current = document.getElementById("preview-current");
  const errorBox = document.getElementById("preview-error");

  function showError(text) {
    errorBox.textContent = text;
    errorBox.style.display = "";
  }

  if (!window.Hls || !Hls.isSupported()) {
    showError("This browser cannot play HLS through Media Source Extensions.");
    return;
  }
  const hls = new Hls({ startLevel: -1, capLevelToPlayerSize: false });
  window.previewHls = hls; // for the browser tests and anyone poking at the console

  function levelLabel(index) {
    const level = hls.levels[index];
    if (!level) return "—";
    return level.width + "×" + level.height + " · " + Math.round(level.bitrate / 1000) + " kbit/s";
  }

  hls.on(Hls.Events.LEVEL_SWITCHED, (_event, data) => {
    current.textContent = levelLabel(data.level) + (hls.autoLevelEnabled ? " (auto)" : "");
    current.dataset.height = String(hls.levels[data.level].height);
    current.dataset.level = String(data.level);
  });
  hls.on(Hls.Events.ERROR, (_event, data) => {
    if (data.fatal) showError("Playback stopped: " + data.type + " / " + data.details);
  });
  select.addEventListener("change", () => {
    const height = Number(select.value);
    if (height < 0) {
      hls.currentLevel = -1;
      return;
    }
    const index = hls.levels.findIndex((level) => level.height === height);
    if (index >= 0) hls.currentLevel = index; // flushes the buffer and loads the chosen rung now
  });
  hls.loadSource(url);
  hls.attachMedia(video);
  hls.on(Hls.Events.MANIFEST_PARSED, () => {
    video.play().catch(() => { /* autoplay refused: the controls are there */ });
  });
})();
