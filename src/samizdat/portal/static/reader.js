// The page reader: the scan beside its text. Zoom and pan (OpenSeadragon, served by the portal itself, fed
// from the item's IIIF manifest), thumbnails, the search words marked on the image, a word clicked in the text
// marked on the image and a word clicked on the image found in the text. Without OpenSeadragon installed the
// page shows as a plain image with the same marks.
(function () {
  "use strict";
  var reader = document.getElementById("reader");
  var dataNode = document.getElementById("viewer-data");
  if (!reader || !dataNode) { return; }
  var data = JSON.parse(dataNode.textContent);
  var pages = data.pages;
  var host = document.getElementById("viewer");
  var label = document.getElementById("page-label");
  var badge = document.getElementById("review-badge");
  var thumbs = Array.prototype.slice.call(reader.querySelectorAll(".thumb"));
  var index = 0;          // the page shown, 0-based
  var selected = null;    // {n: page number, b: box index, pan: whether to bring it into view}
  var viewer = null;      // the OpenSeadragon viewer
  var plain = null;       // the fallback: {frame, img}

  function section(n) { return document.getElementById("page-" + n); }
  function indexOf(n) {
    for (var i = 0; i < pages.length; i++) { if (pages[i].n === n) { return i; } }
    return -1;
  }

  // Boxes of the words the text marks on page n (the search's words, matched by stem as in the search).
  function hits(n) {
    var s = section(n), seen = {}, out = [];
    if (!s) { return out; }
    Array.prototype.forEach.call(s.querySelectorAll("mark"), function (mark) {
      var word = mark.closest(".w");
      if (word && !seen[word.dataset.b]) { seen[word.dataset.b] = true; out.push(parseInt(word.dataset.b, 10)); }
    });
    return out;
  }

  function boxAt(page, x, y) {
    for (var i = 0; i < page.boxes.length; i++) {
      var r = page.boxes[i];
      if (x >= r[0] && x <= r[0] + r[2] && y >= r[1] && y <= r[1] + r[3]) { return i; }
    }
    return -1;
  }

  function box(kind, b) {
    var element = document.createElement("div");
    element.className = "box box-" + kind;  // box-hit, box-selected
    element.dataset.b = b;
    return element;
  }

  // Marks on the page shown: the search hits, and the selected word.
  function draw() {
    var page = pages[index];
    var marks = hits(page.n).map(function (b) { return ["hit", b]; });
    if (selected && selected.n === page.n) { marks.push(["selected", selected.b]); }
    if (viewer) {
      viewer.clearOverlays();
      marks.forEach(function (m) {
        var r = page.boxes[m[1]];
        if (r) {
          viewer.addOverlay({ element: box(m[0], m[1]),
                              location: viewer.viewport.imageToViewportRectangle(r[0], r[1], r[2], r[3]) });
        }
      });
      if (selected && selected.pan && selected.n === page.n && page.boxes[selected.b]) {
        var s = page.boxes[selected.b];
        var centre = viewer.viewport.imageToViewportCoordinates(s[0] + s[2] / 2, s[1] + s[3] / 2);
        if (!viewer.viewport.getBounds(true).containsPoint(centre)) { viewer.viewport.panTo(centre); }
        selected.pan = false;
      }
    } else if (plain) {
      Array.prototype.forEach.call(plain.frame.querySelectorAll(".box"), function (old) { old.remove(); });
      marks.forEach(function (m) {
        var r = page.boxes[m[1]];
        if (!r) { return; }
        var element = box(m[0], m[1]);
        element.style.left = (100 * r[0] / page.width) + "%";
        element.style.top = (100 * r[1] / page.height) + "%";
        element.style.width = (100 * r[2] / page.width) + "%";
        element.style.height = (100 * r[3] / page.height) + "%";
        plain.frame.appendChild(element);
      });
    }
    reader.dataset.current = page.n;
    reader.dataset.hits = marks.filter(function (m) { return m[0] === "hit"; }).length;
    label.textContent = "Page " + page.n + " of " + pages.length;
    badge.hidden = !page.review;
    badge.textContent = page.review ? "⚑ Flagged for review: " + page.review.reason : "";
    thumbs.forEach(function (t) {
      var on = parseInt(t.dataset.page, 10) === page.n;
      t.classList.toggle("current", on);
      if (on) { t.setAttribute("aria-current", "page"); } else { t.removeAttribute("aria-current"); }
    });
  }

  function go(i) {
    if (i < 0 || i >= pages.length) { return; }
    index = i;
    reader.dataset.loaded = "";
    if (viewer) {
      if (viewer.currentPage() !== i) { viewer.goToPage(i); } else { draw(); }
    } else if (plain) {
      plain.img.src = pages[i].image;
      draw();
    }
  }

  // A word chosen in the text or on the image: both show it.
  function select(n, b, from) {
    selected = { n: n, b: b, pan: from === "text" };
    Array.prototype.forEach.call(document.querySelectorAll(".w.selected"), function (w) { w.classList.remove("selected"); });
    var s = section(n), word = s && s.querySelector('.w[data-b="' + b + '"]');
    if (word) {
      word.classList.add("selected");
      if (from === "image") { word.scrollIntoView({ block: "center" }); }
    }
    reader.dataset.selected = n + ":" + b;
    if (pages[index].n !== n) { go(indexOf(n)); } else { draw(); }
  }

  function clickedImage(x, y) {
    var page = pages[index], b = boxAt(page, x, y);
    if (b >= 0) { select(page.n, b, "image"); }
    return b >= 0;
  }

  function startViewer(sources) {
    viewer = window.OpenSeadragon({
      element: host, prefixUrl: "/vendor/openseadragon/images/", tileSources: sources, sequenceMode: true,
      initialPage: index, showSequenceControl: false, showReferenceStrip: false, showNavigator: false,
      visibilityRatio: 0.5, maxZoomPixelRatio: 3, gestureSettingsMouse: { clickToZoom: false },
      immediateRender: true,  // two sizes only: go straight to the one the screen needs
      drawer: "canvas",  // one image per page: the 2D canvas draws it everywhere, WebGL or not
      // The level 0 service has two sizes eight times apart, not a pyramid of halves: draw the web image
      // as soon as it is the better one, not only once it is at least half the screen's resolution.
      minPixelRatio: 0.1,
    });
    window.samizdatViewer = viewer;  // for the browser tests and the console
    viewer.addHandler("page", function (event) {
      index = event.page;
      reader.dataset.loaded = reader.dataset.sharp = "";
    });
    viewer.addHandler("open", function () {
      draw();
      var image = viewer.world.getItemAt(0);
      var loaded = function () { reader.dataset.loaded = pages[index].n; };
      if (image.getFullyLoaded()) { loaded(); } else {
        image.addOnceHandler("fully-loaded-change", function (event) { if (event.fullyLoaded) { loaded(); } });
      }
    });
    // The web-size image is on screen (not only the thumbnail): screenshots wait for it.
    viewer.addHandler("tile-drawn", function (event) {
      if (event.tile.level === event.tiledImage.source.maxLevel) { reader.dataset.sharp = pages[index].n; }
    });
    viewer.addHandler("canvas-click", function (event) {
      if (!event.quick) { return; }
      var point = viewer.viewport.viewerElementToImageCoordinates(event.position);
      if (clickedImage(point.x, point.y)) { event.preventDefaultAction = true; }
    });
  }

  function startPlain() {
    host.classList.add("plain");
    var frame = document.createElement("div"), img = document.createElement("img");
    frame.className = "plain-page";
    img.alt = "Page image";
    frame.appendChild(img);
    host.appendChild(frame);
    plain = { frame: frame, img: img };
    img.addEventListener("load", function () { reader.dataset.loaded = reader.dataset.sharp = pages[index].n; });
    img.addEventListener("click", function (event) {
      var r = img.getBoundingClientRect(), page = pages[index];
      clickedImage((event.clientX - r.left) * page.width / r.width, (event.clientY - r.top) * page.height / r.height);
    });
    go(index);
  }

  // Each canvas's image service (info.json), in the manifest's order; a plain image where it names none.
  function sourcesOf(manifest) {
    return (manifest.items || []).map(function (canvas) {
      var body = canvas.items[0].items[0].body, service = (body.service || [])[0];
      return service ? service.id + "/info.json" : { type: "image", url: body.id };
    });
  }

  var start = /^#page-(\d+)$/.exec(window.location.hash);
  if (start && indexOf(parseInt(start[1], 10)) >= 0) {
    index = indexOf(parseInt(start[1], 10));
  } else {
    for (var i = 0; i < pages.length; i++) { if (hits(pages[i].n).length) { index = i; break; } }
  }

  reader.querySelector(".prev").addEventListener("click", function () { go(index - 1); });
  reader.querySelector(".next").addEventListener("click", function () { go(index + 1); });
  thumbs.forEach(function (t) {
    t.addEventListener("click", function () { go(indexOf(parseInt(t.dataset.page, 10))); });
  });
  reader.addEventListener("click", function (event) {
    var word = event.target.closest(".page .w");
    if (word) { select(parseInt(word.closest(".page").dataset.page, 10), parseInt(word.dataset.b, 10), "text"); }
  });

  if (!window.OpenSeadragon) { startPlain(); return; }
  fetch(reader.dataset.manifest, { credentials: "same-origin" })
    .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
    .then(function (manifest) {
      var sources = sourcesOf(manifest);
      if (sources.length !== pages.length) { throw new Error("the manifest and the page differ"); }
      reader.dataset.source = "manifest";
      return sources;
    })
    .catch(function () {
      reader.dataset.source = "page";
      return pages.map(function (p) { return { type: "image", url: p.image }; });
    })
    .then(startViewer);
})();
