/* The interactive map of border crossings (dossier).
 *
 * For every element with class "js-map" on the page, draws a Leaflet map (global L, from
 * assets/leaflet/leaflet.js, loaded before this file) over the vector basemap that
 * assets/basemap.js puts in window.DOSSIER_BASEMAP. No fetch, no modules, no tiles by default:
 * it works from file:// and offline. Plain ES5.
 *
 * Markup it reads:
 *   <div class="map-block">
 *     <div class="js-map [mini]" data-markers='[{"id","name","lat","lon","href","mode","status",
 *          "opened","precision_m"}, ...]' [data-center="lat,lon"] [data-zoom="8"]
 *          [data-highlight="crossing-id"]></div>
 *     <div class="map-fallback"> <svg> drawn at build time </svg> </div>
 *   </div>
 * Until the map is drawn the .js-map is hidden and the fallback SVG shows; once drawn, the class
 * "js-map-ready" goes on the .js-map and on its parent, and map.css hides the fallback. If
 * anything fails, the page keeps the SVG.
 *
 * Every text from the data goes into the page with textContent / setAttribute, never innerHTML.
 */
(function () {
  'use strict';

  var MODES = [
    ['rail', 'Rail'],
    ['road', 'Road'],
    ['mixed', 'Road and rail'],
    ['pedestrian', 'Pedestrian'],
    ['unknown', 'Mode not known']
  ];
  var STATUSES = [
    ['open', 'Open'],
    ['built-not-opened', 'Built, not opened'],
    ['under-construction', 'Under construction'],
    ['planned', 'Planned'],
    ['closed', 'Closed'],
    ['unknown', 'Status not known']
  ];
  /* Above this many markers, they are not tab stops: a keyboard would pass every one before the
   * rest of the page (the list of crossings beside the map leads to the same places). The SVG
   * drawn at build time follows the same rule (map.py, FOCUSABLE_MARKERS_MAX). */
  var FOCUSABLE_MARKERS_MAX = 100;
  // Markers closer than this on the screen are drawn over one another: a popup lists the others
  // as "Also here", and a number beside the top one counts them.
  var NEARBY_PX = 14;
  // The interactive map's legend is open from this width of map, folded to its title below.
  var LEGEND_OPEN_FROM_PX = 600;
  // A map less tall than this (a mini map) puts its buttons aside while a popup is open.
  var SMALL_MAP_PX = 400;
  // What Leaflet draws around a popup's content (its margins and border; the tip and the space
  // under it down to the marker), which maxWidth and maxHeight do not count.
  var POPUP_MARGINS_PX = {x: 46, y: 60};
  // How far in a map may zoom: the built-in basemap (Natural Earth, 1:10 million) shows only empty
  // land past a few kilometres across; the online tiles, when the reader turns them on, show streets.
  var BASEMAP_MAX_ZOOM = 12;
  var TILES_MAX_ZOOM = 16;
  var SVG_NS = 'http://www.w3.org/2000/svg';
  var NATURAL_EARTH = 'Basemap: <a href="https://www.naturalearthdata.com/">Natural Earth</a>';
  var OSM_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors';

  function warn(message) {
    if (window.console && window.console.warn) {
      window.console.warn('dossier map: ' + message);
    }
  }

  function token(value) {
    var t = String(value == null ? '' : value).toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
    return t || 'unknown';
  }

  function known(list, key) {
    for (var i = 0; i < list.length; i++) {
      if (list[i][0] === key) {
        return true;
      }
    }
    return false;
  }

  function labelOf(list, key) {
    for (var i = 0; i < list.length; i++) {
      if (list[i][0] === key) {
        return list[i][1];
      }
    }
    // a value outside the legend (a place or event marker): its own words
    var text = String(key || 'not known').replace(/-/g, ' ');
    return text.charAt(0).toUpperCase() + text.slice(1);
  }

  function escapeHtml(text) {
    return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text != null) {
      node.textContent = String(text);
    }
    return node;
  }

  function safeHref(href) {
    if (typeof href !== 'string' || !href || /^\s*(javascript|vbscript|data)\s*:/i.test(href)) {
      return null;
    }
    return href;
  }

  function isNumber(value) {
    return typeof value === 'number' && isFinite(value);
  }

  function readMarkers(node) {
    var raw = node.getAttribute('data-markers') || '[]';
    var list;
    try {
      list = JSON.parse(raw);
    } catch (e) {
      warn('data-markers is not valid JSON');
      return null;
    }
    if (!list || typeof list.length !== 'number') {
      warn('data-markers is not a list');
      return null;
    }
    var markers = [];
    for (var i = 0; i < list.length; i++) {
      var m = list[i];
      if (m && isNumber(m.lat) && isNumber(m.lon) && Math.abs(m.lat) <= 90 && Math.abs(m.lon) <= 180) {
        markers.push(m);
      }
    }
    return markers;
  }

  // Where the map begins when the markers lie on both sides of the 180th meridian and are closer
  // together across it than the other way round the world: the longitude east of the widest
  // stretch without a marker, or null (the usual case). Those west of it are drawn 360 degrees
  // east, side by side with the others rather than at the map's two ends (as features/map.py
  // draws the map without JavaScript).
  function meridianCut(markers) {
    var lons = [];
    for (var i = 0; i < markers.length; i++) {
      lons.push(markers[i].lon);
    }
    lons.sort(function (a, b) { return a - b; });
    if (lons.length < 2) {
      return null;
    }
    var widest = lons[0] + 360 - lons[lons.length - 1];
    var cut = null;
    for (var j = 1; j < lons.length; j++) {
      if (lons[j] - lons[j - 1] > widest) {
        widest = lons[j] - lons[j - 1];
        cut = lons[j];
      }
    }
    return cut;
  }

  function popupContent(m, nearby) {
    var box = el('div', 'map-popup');
    var heading = el('h3');
    var href = safeHref(m.href);
    var link;
    if (href) {
      link = el('a', null, m.name || m.id);
      link.setAttribute('href', href);
      heading.appendChild(link);
    } else {
      heading.textContent = String(m.name || m.id || '');
    }
    box.appendChild(heading);

    var facts = el('dl');
    function fact(label, value) {
      facts.appendChild(el('dt', null, label));
      facts.appendChild(el('dd', null, value));
    }
    if (known(MODES, m.mode)) {
      fact('Mode', labelOf(MODES, m.mode));
      fact('Status', labelOf(STATUSES, m.status || 'unknown'));
    } else if (m.mode) {
      fact('Kind', labelOf(MODES, m.mode));
    }
    if (m.opened) {
      fact('Opened', m.opened);
    }
    if (isNumber(m.precision_m) && m.precision_m > 0) {
      fact('Position', 'approximate, within about ' + Math.round(m.precision_m) + ' m');
    }
    box.appendChild(facts);

    if (href) {
      var more = el('p');
      var page = el('a', null, 'Read the page');
      page.setAttribute('href', href);
      more.appendChild(page);
      box.appendChild(more);
    }
    // Markers drawn on the same spot at this zoom: only the top one can be clicked, so its
    // popup names the others, each a button that opens its own popup.
    if (nearby && nearby.length) {
      var here = el('div', 'map-nearby');
      here.appendChild(el('p', null, 'Also here at this zoom:'));
      var list = el('ul');
      for (var n = 0; n < nearby.length; n++) {
        var button = el('button', null, nearby[n].name);
        button.setAttribute('type', 'button');
        button.addEventListener('click', nearby[n].open);
        var item = el('li');
        item.appendChild(button);
        list.appendChild(item);
      }
      here.appendChild(list);
      box.appendChild(here);
    }
    return box;
  }

  /* Beside each marker drawn over others (within NEARBY_PX at the map's zoom, as a popup's "Also
   * here" lists them), the number of markers there. The last drawn is on top, so it counts and
   * takes the others near it; markers are looked up in cells of NEARBY_PX, not pair by pair (a
   * map of thousands of crossings). */
  function countStacks(map, placed, layer) {
    layer.clearLayers();
    var cells = {};
    var points = [];
    for (var i = 0; i < placed.length; i++) {
      var at = map.latLngToLayerPoint(placed[i].circle.getLatLng());
      var key = Math.floor(at.x / NEARBY_PX) + ',' + Math.floor(at.y / NEARBY_PX);
      (cells[key] = cells[key] || []).push(i);
      points.push(at);
    }
    var taken = {};
    for (var top = placed.length - 1; top >= 0; top--) {
      if (taken[top]) {
        continue;
      }
      taken[top] = true;
      var count = 1;
      var cx = Math.floor(points[top].x / NEARBY_PX);
      var cy = Math.floor(points[top].y / NEARBY_PX);
      for (var dx = -1; dx <= 1; dx++) {
        for (var dy = -1; dy <= 1; dy++) {
          var cell = cells[(cx + dx) + ',' + (cy + dy)] || [];
          for (var c = 0; c < cell.length; c++) {
            if (!taken[cell[c]] && points[cell[c]].distanceTo(points[top]) < NEARBY_PX) {
              taken[cell[c]] = true;
              count++;
            }
          }
        }
      }
      if (count > 1) {
        layer.addLayer(L.marker(placed[top].circle.getLatLng(), {
          icon: L.divIcon({className: 'stack-count', html: '<span aria-hidden="true">' + count + '</span>',
                           iconSize: null, iconAnchor: [-5, 19]}),
          interactive: false,
          keyboard: false
        }));
      }
    }
  }

  function swatch(classes) {
    var svg = document.createElementNS(SVG_NS, 'svg');
    svg.setAttribute('class', 'legend-swatch');
    svg.setAttribute('width', '16');
    svg.setAttribute('height', '16');
    svg.setAttribute('viewBox', '0 0 16 16');
    svg.setAttribute('aria-hidden', 'true');
    var circle = document.createElementNS(SVG_NS, 'circle');
    circle.setAttribute('class', classes);
    circle.setAttribute('cx', '8');
    circle.setAttribute('cy', '8');
    circle.setAttribute('r', '5.5');
    svg.appendChild(circle);
    return svg;
  }

  // Mini maps (a crossing's own page) get one item a kind of marker shown: "Rail, open", under
  // the map, not over it: in a corner of a map 260 px tall it hid markers, the page's own among
  // them, and cut its longer lines short.
  function miniLegend(markers) {
    var box = el('div', 'map-legend map-legend-mini');
    box.setAttribute('role', 'group');
    box.setAttribute('aria-label', 'Map legend');
    var seen = {};
    for (var i = 0; i < markers.length; i++) {
      var mode = token(markers[i].mode);
      var status = token(markers[i].status);
      if (seen[mode + ' ' + status]) {
        continue;
      }
      seen[mode + ' ' + status] = true;
      var item = el('div', 'map-legend-item');
      item.appendChild(swatch('marker mode-' + mode + ' status-' + status));
      var text = labelOf(MODES, mode);
      if (known(MODES, mode) || markers[i].status) {
        text += ', ' + labelOf(STATUSES, status).toLowerCase();
      }
      item.appendChild(el('span', null, text));
      box.appendChild(item);
    }
    return box;
  }

  // The legend folds away (on a phone it took a fifth of the map and covered markers): folded to
  // its title on a narrow map, open on a wide one.
  function legendControl(markers, open) {
    var seenModes = {};
    var seenStatuses = {};
    for (var i = 0; i < markers.length; i++) {
      seenModes[token(markers[i].mode)] = true;
      seenStatuses[token(markers[i].status)] = true;
    }
    var control = L.control({position: 'bottomright'});
    control.onAdd = function () {
      var folding = el('details', 'leaflet-control map-legend');
      folding.open = open;
      folding.appendChild(el('summary', 'map-legend-summary', 'Legend'));
      var box = el('div');
      box.setAttribute('role', 'group');
      box.setAttribute('aria-label', 'Map legend');
      folding.appendChild(box);
      function section(title, list, seen, classesFor) {
        var any = false;
        var j;
        for (j = 0; j < list.length; j++) {
          any = any || seen[list[j][0]];
        }
        box.appendChild(el('div', 'map-legend-title', title));
        for (j = 0; j < list.length; j++) {
          // every value when the map is empty, otherwise the ones on it
          if (any && !seen[list[j][0]]) {
            continue;
          }
          var item = el('div', 'map-legend-item');
          item.appendChild(swatch(classesFor(list[j][0])));
          item.appendChild(el('span', null, list[j][1]));
          box.appendChild(item);
        }
      }
      section('Mode (colour)', MODES, seenModes, function (k) {
        return 'marker mode-' + k + ' status-open';
      });
      section('Status (style)', STATUSES, seenStatuses, function (k) {
        return 'marker mode-unknown status-' + k;
      });
      L.DomEvent.disableClickPropagation(folding);
      L.DomEvent.disableScrollPropagation(folding);
      return folding;
    };
    return control;
  }

  function resetControl(reset) {
    var control = L.control({position: 'topleft'});
    control.onAdd = function () {
      var bar = el('div', 'leaflet-bar leaflet-control map-reset');
      var button = el('button', null, '\u2922');   // a diagonal arrow both ways: "fit"
      button.setAttribute('type', 'button');
      button.setAttribute('title', 'Show the first view again');
      button.setAttribute('aria-label', 'Show the first view again');
      L.DomEvent.on(button, 'click', function (event) {
        L.DomEvent.stop(event);
        reset();
      });
      bar.appendChild(button);
      L.DomEvent.disableClickPropagation(bar);
      return bar;
    };
    return control;
  }

  function makeFocusable(layer, name) {
    var path = layer.getElement && layer.getElement();
    if (!path) {
      return;
    }
    path.setAttribute('tabindex', '0');
    path.setAttribute('role', 'button');
    path.setAttribute('aria-label', name);
    L.DomEvent.on(path, 'keydown', function (event) {
      if (event.key === 'Enter' || event.key === ' ' || event.keyCode === 13 || event.keyCode === 32) {
        L.DomEvent.preventDefault(event);
        layer.openPopup();
        focusPopup(layer, path);
      }
    });
  }

  // A popup opened from the keyboard takes the focus (its links would otherwise come after every
  // other marker in the tab order), and Escape closes it and gives the focus back to its marker.
  // Leaflet listens for Escape only while the map's own box has the focus.
  function focusPopup(layer, marker) {
    var popup = layer.getPopup && layer.getPopup();
    var node = popup && popup.getElement && popup.getElement();
    if (!node) {
      return;
    }
    if (!node.dossierKeys) {   // a layer keeps its popup: one listener for it
      node.dossierKeys = true;
      L.DomEvent.on(node, 'keydown', function (event) {
        if (event.key === 'Escape' || event.keyCode === 27) {
          L.DomEvent.preventDefault(event);
          layer.closePopup();
          marker.focus();
        }
      });
    }
    var target = node.querySelector('.leaflet-popup-content a, .leaflet-popup-content button, a.leaflet-popup-close-button');
    if (target) {
      target.focus();
    }
  }

  function parseCenter(value) {
    if (!value) {
      return null;
    }
    var parts = String(value).split(',');
    var lat = parseFloat(parts[0]);
    var lon = parseFloat(parts[1]);
    return parts.length === 2 && isFinite(lat) && isFinite(lon) ? [lat, lon] : null;
  }

  function addClass(node, name) {
    if (node && (' ' + node.className + ' ').indexOf(' ' + name + ' ') < 0) {
      node.className = (node.className ? node.className + ' ' : '') + name;
    }
  }

  function removeClass(node, name) {
    if (node) {
      node.className = (' ' + node.className + ' ').replace(' ' + name + ' ', ' ').replace(/^\s+|\s+$/g, '');
    }
  }

  // The dossier's own layers (content/map/*.geojson), shown by default with their names as popups.
  // cut: the markers' meridianCut; a layer's positions west of it are drawn 360 degrees east too.
  function addContentLayers(map, overlays, cut) {
    var layers = window.DOSSIER_LAYERS || [];
    for (var i = 0; i < layers.length; i++) {
      var layer = L.geoJSON(layers[i].data, {
        className: 'content-layer',
        coordsToLatLng: function (c) {
          return L.latLng(c[1], cut !== null && c[0] < cut ? c[0] + 360 : c[0]);
        },
        style: function () {
          return {color: '#6b4f9e', weight: 2, fillOpacity: 0.15};
        },
        pointToLayer: function (feature, latlng) {
          return L.circleMarker(latlng, {radius: 5, className: 'content-layer'});
        },
        onEachFeature: function (feature, item) {
          var name = feature && feature.properties && feature.properties.name;
          if (name) {
            item.bindPopup(el('span', null, name));
          }
        }
      });
      layer.addTo(map);
      overlays[escapeHtml(String(layers[i].name))] = layer; // the layers control sets its labels as HTML
    }
  }

  function draw(node) {
    var markers = readMarkers(node);
    if (!markers) {
      return null;
    }
    var basemapData = window.DOSSIER_BASEMAP;
    if (!basemapData || !basemapData.features) {
      warn('window.DOSSIER_BASEMAP is missing (is basemap.js loaded?); keeping the static map');
      return null;
    }
    var mini = (' ' + node.className + ' ').indexOf(' mini ') >= 0;
    var highlight = node.getAttribute('data-highlight');

    addClass(node, 'js-map-active'); // give the container its size before Leaflet measures it
    var basemapMaxZoom = BASEMAP_MAX_ZOOM;
    // On a touch screen a finger swiped over a mini map scrolls the page, as it does over the
    // text around it, and two fingers move and zoom the map: one finger that moved the map
    // trapped a reader scrolling an entity's page on a phone.
    var coarse = !!(window.matchMedia && window.matchMedia('(pointer: coarse)').matches);
    var map = L.map(node, {
      // Far enough out to show the whole world: at 4, crossings spread over more than a region
      // (another border, or both sides of the 180th meridian) could not all be fitted, and the
      // view stopped on empty sea between them with zooming out disabled (an outside test).
      minZoom: 1,
      maxZoom: BASEMAP_MAX_ZOOM,
      zoomSnap: 0.25,
      scrollWheelZoom: !mini,
      dragging: !(mini && coarse),
      attributionControl: true
    });

    var basemap = L.geoJSON(basemapData, {
      className: 'basemap',
      interactive: false,
      attribution: NATURAL_EARTH,
      style: function () {
        return {color: '#8c8270', weight: 0.8, fillColor: '#efeadf', fillOpacity: 1};
      }
    });

    var cut = meridianCut(markers);
    function latLngOf(m) {
      return [m.lat, cut !== null && m.lon < cut ? m.lon + 360 : m.lon];
    }

    // The view first: Leaflet creates a layer's elements only once the map has one.
    var points = [];
    for (var p = 0; p < markers.length; p++) {
      points.push(latLngOf(markers[p]));
    }
    var center = parseCenter(node.getAttribute('data-center'));
    var zoom = parseFloat(node.getAttribute('data-zoom'));
    if (isFinite(zoom) && zoom > BASEMAP_MAX_ZOOM) {
      basemapMaxZoom = Math.min(zoom, TILES_MAX_ZOOM);   // the dossier asked to be shown that close
      map.setMaxZoom(basemapMaxZoom);
    }
    function firstView(animate) {
      var how = {animate: !!animate};
      if (center) {
        map.setView(center, isFinite(zoom) ? zoom : 8, how);
      } else if (points.length === 1) {
        map.setView(points[0], isFinite(zoom) ? zoom : 9, how);
      } else if (points.length > 1) {
        map.fitBounds(L.latLngBounds(points), {padding: [30, 30], maxZoom: 11, animate: !!animate});
      } else {
        map.fitBounds(basemap.getBounds(), how);
      }
    }
    firstView();
    basemap.addTo(map);
    // Until the reader moves the map, a new size of window fits the first view to it again (from a
    // wide window to a phone's, 3 of the demo's 11 crossings stayed in view); a button brings the
    // first view back at any time (a reader who panned away to empty sea had no way back).
    // Moved by the reader: dragged, zoomed by wheel (where it zooms), double click, pinch, box or
    // the zoom buttons (their clicks stop at them: heard on the way down), keys on the map. Not a
    // tap on a marker, nor the pan that fits its popup in.
    var moved = false;
    function readerMoved() { moved = true; }
    map.on('dragstart boxzoomend', readerMoved);
    L.DomEvent.on(node, 'dblclick', readerMoved);
    if (!mini) {
      L.DomEvent.on(node, 'wheel', readerMoved);
    }
    L.DomEvent.on(node, 'touchstart', function (event) {
      if (event.touches && event.touches.length > 1) {
        readerMoved();
      }
    });
    L.DomEvent.on(node, 'keydown', function (event) {   // arrows, + and - on the map itself
      if (event.target === node) {
        readerMoved();
      }
    });
    if (map.zoomControl) {
      map.zoomControl.getContainer().addEventListener('click', readerMoved, true);
    }
    map.on('resize', function () {
      if (!moved) {
        firstView(false);   // at once, so that an open popup is fitted to the new view
      }
      if (openPopup) {
        fitPopup(openPopup);
      }
    });
    resetControl(function () {
      map.closePopup();
      firstView(true);
      moved = false;
    }).addTo(map);
    if (cut !== null) {   // the land east of 180 too, where the markers moved across it are drawn
      L.geoJSON(basemapData, {
        className: 'basemap',
        interactive: false,
        coordsToLatLng: function (c) { return L.latLng(c[1], c[0] + 360); },
        style: basemap.options.style
      }).addTo(map);
    }

    // Opt-in remote tiles: a layer object only; nothing is requested unless the reader ticks it.
    var tiles = L.tileLayer('https://tile.openstreetmap.org/{z}/{x}/{y}.png', {
      maxZoom: 19,
      attribution: OSM_ATTRIBUTION
    });
    var overlays = {};
    // A popup fits in the map as it is when it opens: panned clear of the buttons above it (on a
    // phone the zoom and layers buttons covered its title and its close button) and of the scale
    // and attribution below, no wider than the map and, on a small map, its text scrolled rather
    // than cut (a mini map's popups ran past its edges, the close button with them). The legend
    // steps aside while a popup is open (map.css).
    var popupOptions = {maxWidth: 300};
    var openPopup = null;
    function fitPopup(popup) {
      var box = node.getBoundingClientRect();
      var top = 10;
      var bottom = 10;
      // On a small map (a mini map) the buttons above step aside while a popup is open: room kept
      // for them across the map's width left a popup three lines of text.
      var small = box.height < SMALL_MAP_PX;
      if (small) {
        addClass(node, 'popup-controls-aside');
      }
      var controls = node.querySelectorAll('.leaflet-control');
      for (var k = 0; k < controls.length; k++) {
        var r = controls[k].getBoundingClientRect();
        if (!r.height || controls[k].classList.contains('map-legend') ||
            (small && r.top - box.top < box.height / 2)) {
          continue;
        }
        if (r.top - box.top < box.height / 2) {
          top = Math.max(top, r.bottom - box.top + 6);
        } else {
          bottom = Math.max(bottom, box.bottom - r.top + 6);
        }
      }
      var options = popup.options;
      options.autoPanPaddingTopLeft = L.point(10, top);
      options.autoPanPaddingBottomRight = L.point(10, bottom);
      options.maxWidth = Math.max(120, Math.min(300, box.width - 20 - POPUP_MARGINS_PX.x));
      options.maxHeight = Math.max(60, box.height - top - bottom - POPUP_MARGINS_PX.y);
      // update() makes the popup's content again: the link or button that had the focus is gone
      var held = popup.getElement();
      var items = held ? held.querySelectorAll('a, button') : [];
      var focused = Array.prototype.indexOf.call(items, document.activeElement);
      popup.update();
      if (focused >= 0) {
        var again = popup.getElement().querySelectorAll('a, button');
        if (again[focused]) {
          again[focused].focus();
        }
      }
    }
    map.on('popupopen', function (event) {
      openPopup = event.popup;
      addClass(node, 'popup-open');
      fitPopup(event.popup);
    });
    map.on('popupclose', function () {
      openPopup = null;
      removeClass(node, 'popup-open');
      removeClass(node, 'popup-controls-aside');
    });
    // Escape closes the open popup while the focus is on the map or nowhere (Leaflet listens only
    // while the map's own box has it; a click on a marker leaves it on the marker or the page).
    L.DomEvent.on(document, 'keydown', function (event) {
      var at = document.activeElement;
      if (openPopup && (event.key === 'Escape' || event.keyCode === 27) && (!at || at === document.body || node.contains(at))) {
        map.closePopup();
      }
    });
    if (!mini) {
      addContentLayers(map, overlays, cut);
    }
    overlays['OpenStreetMap tiles (online)'] = tiles;
    L.control.layers(null, overlays, {collapsed: true, position: 'topright'}).addTo(map);
    var tilesFailed = null;
    map.on('overlayadd', function (event) {
      if (event.layer === tiles) {
        addClass(node, 'map-tiles-on');
        map.setMaxZoom(TILES_MAX_ZOOM);
      }
    });
    // Offline, the tiles never come and the basemap under them is hidden: take them off again
    // and say why, rather than leave an empty map.
    tiles.on('tileerror', function () {
      if (!map.hasLayer(tiles)) {
        return;
      }
      map.removeLayer(tiles);
      if (!tilesFailed) {
        tilesFailed = L.control({position: 'bottomleft'});
        tilesFailed.onAdd = function () {
          var box = el('div', 'leaflet-control map-notice', 'The online tiles could not be loaded; the built-in basemap is shown.');
          box.setAttribute('role', 'status');
          return box;
        };
        tilesFailed.addTo(map);
      }
    });
    map.on('overlayremove', function (event) {
      if (event.layer === tiles) {
        removeClass(node, 'map-tiles-on');
        map.setMaxZoom(basemapMaxZoom);
      }
    });

    var highlighted = null;
    var placed = [];
    // The other markers within a few pixels of this one at the current zoom.
    function nearbyOf(circle) {
      var at = map.latLngToLayerPoint(circle.getLatLng());
      var found = [];
      for (var j = 0; j < placed.length; j++) {
        var other = placed[j];
        if (other.circle !== circle && map.latLngToLayerPoint(other.circle.getLatLng()).distanceTo(at) < NEARBY_PX) {
          found.push({name: other.name, open: (function (target) {
            return function () {   // the popup it opens takes the focus, as the button had it
              map.closePopup();
              target.openPopup();
              focusPopup(target, target.getElement());
            };
          })(other.circle)});
        }
      }
      return found;
    }
    for (var i = 0; i < markers.length; i++) {
      var m = markers[i];
      var latlng = latLngOf(m);
      var mode = token(m.mode);
      var status = token(m.status);
      var isHighlight = highlight && m.id === highlight;
      if (isNumber(m.precision_m) && m.precision_m > 0) {
        L.circle(latlng, {
          radius: m.precision_m,
          className: 'crossing-precision mode-' + mode,
          interactive: false
        }).addTo(map);
      }
      var name = String(m.name || m.id || '');
      var circle = L.circleMarker(latlng, {
        radius: isHighlight ? 10 : 7,
        className: 'crossing-marker mode-' + mode + ' status-' + status + (isHighlight ? ' highlight' : '')
      });
      circle.bindPopup((function (marker) {
        return function (layer) { return popupContent(marker, nearbyOf(layer)); };
      })(m), popupOptions);
      placed.push({circle: circle, name: name});
      circle.bindTooltip(el('span', null, name), {direction: 'top', offset: [0, -6]});
      circle.addTo(map);
      if (markers.length <= FOCUSABLE_MARKERS_MAX) {
        makeFocusable(circle, name);
      } else if (circle.getElement()) {
        // Out of the tab order, said so: Chromium makes an SVG element with listeners (Leaflet's,
        // for the tooltip) a tab stop, and 148 markers stood between the page and the zoom buttons.
        circle.getElement().setAttribute('tabindex', '-1');
      }
      if (isHighlight) {
        highlighted = circle;
      }
    }
    if (highlighted) {
      highlighted.bringToFront();
    }
    // Crossings drawn over one another at this zoom (the three Tumen bridges at one point) show
    // as one dot: a number beside the top one says how many are there (its popup lists them).
    var stacks = L.layerGroup().addTo(map);
    map.on('zoomend', function () { countStacks(map, placed, stacks); });
    countStacks(map, placed, stacks);

    if (mini && markers.length) {
      node.parentNode.insertBefore(miniLegend(markers), node.nextSibling);
    } else {
      // Folded or open by the map's width, at first and when the window changes size, until the
      // reader opens or folds it.
      var legend = legendControl(markers, node.clientWidth >= LEGEND_OPEN_FROM_PX).addTo(map).getContainer();
      var legendTouched = false;
      L.DomEvent.on(legend, 'toggle', function () {
        if (legend.open !== (node.clientWidth >= LEGEND_OPEN_FROM_PX)) {
          legendTouched = true;   // (a toggle the resize below made agrees with the width)
        }
      });
      map.on('resize', function () {
        if (!legendTouched) {
          legend.open = node.clientWidth >= LEGEND_OPEN_FROM_PX;
        }
      });
    }
    L.control.scale({imperial: false}).addTo(map);

    addClass(node, 'js-map-ready');
    addClass(node.parentNode, 'js-map-ready');
    map.invalidateSize(false);
    return map;
  }

  function init() {
    if (typeof window.L === 'undefined') {
      warn('Leaflet is not loaded; keeping the static map');
      return;
    }
    var nodes = document.querySelectorAll('.js-map');
    window.DOSSIER_MAPS = [];
    for (var i = 0; i < nodes.length; i++) {
      try {
        var map = draw(nodes[i]);
        if (map) {
          window.DOSSIER_MAPS.push(map);
        }
      } catch (e) {
        removeClass(nodes[i], 'js-map-active');
        removeClass(nodes[i], 'js-map-ready');
        removeClass(nodes[i].parentNode, 'js-map-ready');
        warn('could not draw the map (' + (e && e.message) + '); keeping the static map');
      }
    }
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
})();
