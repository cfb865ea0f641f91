// The interview player: the transcript follows playback, and a click on a segment (or a name) jumps there.
(function () {
  "use strict";
  var audio = document.getElementById("player");
  var transcript = document.getElementById("transcript");
  if (!audio || !transcript) { return; }
  var segments = Array.prototype.slice.call(transcript.querySelectorAll(".segment"));
  var starts = segments.map(function (s) { return parseFloat(s.dataset.start); });
  var current = null;
  var speaking = document.getElementById("speaking");

  // The last segment that has started by time t (segments are in time order).
  function indexAt(t) {
    var lo = 0, hi = starts.length - 1, found = -1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (starts[mid] <= t + 0.05) { found = mid; lo = mid + 1; } else { hi = mid - 1; }
    }
    return found;
  }

  function follow() {
    var i = indexAt(audio.currentTime);
    var segment = i >= 0 ? segments[i] : null;
    if (segment === current) { return; }
    if (current) { current.classList.remove("current"); current.removeAttribute("aria-current"); }
    current = segment;
    transcript.dataset.current = segment ? segment.id : "";
    // Who speaks now, where speakers were told apart (data-speaker holds the name).
    if (speaking) { speaking.textContent = segment && segment.dataset.speaker ? segment.dataset.speaker : ""; }
    if (segment) {
      segment.classList.add("current");
      segment.setAttribute("aria-current", "true");
      // Scroll the transcript box only, keeping the current segment in its upper third.
      transcript.scrollTo({ top: segment.offsetTop - transcript.clientHeight / 3, behavior: "smooth" });
    }
  }

  function seek(t, play) {
    audio.currentTime = t;
    follow();
    if (play) { audio.play().catch(function () { /* autoplay refused: the user presses play */ }); }
  }

  segments.forEach(function (segment) {
    segment.addEventListener("click", function () { seek(parseFloat(segment.dataset.start), true); });
    segment.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); seek(parseFloat(segment.dataset.start), true); }
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll(".seek"), function (link) {
    link.addEventListener("click", function (event) { event.preventDefault(); seek(parseFloat(link.dataset.start), true); });
  });
  audio.addEventListener("timeupdate", follow);
  audio.addEventListener("seeked", follow);

  var start = parseFloat(audio.dataset.start);
  if (!isNaN(start)) {
    var go = function () { seek(start, false); };
    if (audio.readyState >= 1) { go(); } else { audio.addEventListener("loadedmetadata", go, { once: true }); }
  }
})();
