// The measure entry form, faster: the total and band update as answers are
// chosen, skipped items hide, and typing a score chooses it and moves on.
// Every number comes from the page (data-score, data-min, data-max, ...),
// which the server renders from the instrument file; nothing is hard-coded
// here. The form works without this script; the server scores what is saved.
(function () {
  'use strict';
  var form = document.getElementById('measure-form');
  if (!form) return;
  var items = Array.prototype.slice.call(form.querySelectorAll('fieldset.item'));
  var byId = {};
  items.forEach(function (fs) { byId[fs.dataset.item] = fs; });
  var totalOut = document.getElementById('live-total');
  var bandOut = document.getElementById('live-band');
  var answeredOut = document.getElementById('live-answered');
  var bandKey = document.getElementById('band-key');
  var levelKey = document.getElementById('level-key');

  function chosen(fs) {
    return fs ? fs.querySelector('input[type=radio]:checked') : null;
  }

  function answerOf(id) {
    var fs = byId[id];
    if (!fs || !asked(fs)) return '';
    var c = chosen(fs);
    return c ? c.value : '';
  }

  function scoreOf(id) {
    var fs = byId[id];
    if (!fs || !asked(fs)) return null;
    var c = chosen(fs);
    return c && c.value !== '' ? Number(c.dataset.score) : null;
  }

  // An item is asked when it has no condition, or its condition's item is
  // asked and has the named answer.
  function asked(fs, depth) {
    var on = fs.dataset.enableItem;
    if (!on) return true;
    if ((depth || 0) > 20) return false;
    var parent = byId[on];
    if (!parent || !asked(parent, (depth || 0) + 1)) return false;
    var c = chosen(parent);
    return !!c && c.value === fs.dataset.enableCode;
  }

  function setBand(label, sev) {
    if (!bandOut) return;
    if (!label) {
      bandOut.hidden = true;
      return;
    }
    bandOut.hidden = false;
    bandOut.textContent = label;
    bandOut.className = 'band-chip ' + sev;
  }

  function mark(list, current) {
    if (!list) return;
    Array.prototype.forEach.call(list.children, function (li) {
      if (li === current) li.setAttribute('aria-current', 'true');
      else li.removeAttribute('aria-current');
    });
  }

  function update() {
    var total = 0;
    var answered = 0;
    var askedCount = 0;
    var missing = 0;
    items.forEach(function (fs) {
      var on = asked(fs);
      fs.hidden = !on;
      fs.disabled = !on;
      if (!on) return;
      var c = chosen(fs);
      var has = !!c && c.value !== '';
      if (fs.dataset.required === 'true') askedCount += 1;
      if (has) {
        if (fs.dataset.required === 'true') answered += 1;
        if (fs.dataset.scored === 'true') total += Number(c.dataset.score);
      } else if (fs.dataset.required === 'true') {
        missing += 1;
      }
    });
    if (answeredOut) {
      answeredOut.textContent = answered + ' of ' + askedCount + ' answered';
    }
    var anything = answered > 0;
    if (totalOut) {
      totalOut.textContent = anything ? String(total) : '–';
      form.classList.toggle('complete', missing === 0);
    }
    // The band the total falls in, moved up one where the model says so.
    if (bandKey) {
      var bands = Array.prototype.slice.call(bandKey.children);
      var at = -1;
      bands.forEach(function (li, i) {
        if (total >= Number(li.dataset.min) && total <= Number(li.dataset.max)) at = i;
      });
      if (at >= 0) {
        var bump = form.querySelectorAll('[data-bump-item]');
        for (var b = 0; b < bump.length; b++) {
          var s = scoreOf(bump[b].dataset.bumpItem);
          if (s !== null && s >= Number(bump[b].dataset.bumpMin)) {
            at = Math.min(at + 1, bands.length - 1);
            break;
          }
        }
      }
      var band = anything && at >= 0 ? bands[at] : null;
      mark(bandKey, band);
      setBand(band ? band.dataset.label : '', band ? band.dataset.sev : '');
    }
    // Risk levels: the first level any of whose answers was given.
    if (levelKey) {
      var levels = Array.prototype.slice.call(levelKey.children);
      var hit = null;
      for (var l = 0; l < levels.length && !hit; l++) {
        var pairs = levels[l].dataset.any.split(' ');
        for (var p = 0; p < pairs.length; p++) {
          var kv = pairs[p].split('=');
          if (answerOf(kv[0]) === kv[1]) {
            hit = levels[l];
            break;
          }
        }
      }
      mark(levelKey, hit);
      if (hit) setBand(hit.dataset.label, hit.dataset.sev);
      else setBand(anything ? levelKey.dataset.otherwise || '' : '', 'sev-none');
    }
    // Critical items: the flag the answer will raise, before saving.
    items.forEach(function (fs) { fs.classList.remove('raises-flag'); });
    Array.prototype.forEach.call(form.querySelectorAll('[data-critical-item]'), function (el) {
      var s = scoreOf(el.dataset.criticalItem);
      var raised = s !== null && s >= Number(el.dataset.criticalMin);
      el.hidden = !raised;
      if (raised && byId[el.dataset.criticalItem]) byId[el.dataset.criticalItem].classList.add('raises-flag');
    });
  }

  // Typing a score chooses that answer and moves to the next asked item.
  form.addEventListener('keydown', function (e) {
    var t = e.target;
    if (!t || t.type !== 'radio' || e.altKey || e.ctrlKey || e.metaKey) return;
    if (!/^[0-9]$/.test(e.key)) return;
    var fs = t.closest('fieldset.item');
    var opt = fs && fs.querySelector('input[data-key="' + e.key + '"]');
    if (!opt) return;
    e.preventDefault();
    opt.checked = true;
    update();
    var i = items.indexOf(fs);
    for (var j = i + 1; j < items.length; j++) {
      if (!items[j].hidden) {
        var next = chosen(items[j]) || items[j].querySelector('input[type=radio]');
        if (next) next.focus();
        return;
      }
    }
    var submit = form.querySelector('button[type=submit]');
    if (submit) submit.focus();
  });

  form.addEventListener('change', update);
  update();
})();
