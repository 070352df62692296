// The trace as one self-contained HTML page (no network): the sequence diagram, a step slider, and at
// each step every actor's state and context, the cells, the in-flight queues and the store buffers,
// with what the step changed highlighted. The page's script only reads the frames embedded in it and
// writes them as text (never as markup), so a trace cannot inject anything into it.
import { originLabel, parameterLabels } from './labels.ts';
import { safeLines } from './safeText.ts';
import { sequenceSvg, xml } from './sequenceSvg.ts';
import { traceFrames } from './traceFrames.ts';
import type { TraceFile } from './traceFile.ts';

export function renderHtml(trace: TraceFile): string {
  const frames = traceFrames(trace);
  const origin = originLabel(trace.system);
  const parameters = parameterLabels(trace.system).join(' ');
  const memory = trace.memory ?? 'sc';
  // Inside <script>, `<` is written as an escape so that no string can close the element.
  const data = JSON.stringify(frames).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
  return safeLines([
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<title>${xml(`${trace.property}: ${trace.systemName ?? 'counterexample'}`)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<header>',
    `<h1>${trace.kind === 'witness' ? 'Witness' : 'Counterexample'}: <code>${xml(trace.property)}</code> in ${xml(trace.systemName ?? 'the system')}</h1>`,
    `<p class="message${trace.kind === 'witness' ? ' reached-text' : ''}">${xml(trace.message)}</p>`,
    `<p class="origin">${xml(origin)}${parameters ? ` (${xml(parameters)})` : ''}; memory model ${xml(memory)}; ${trace.steps.length} steps</p>`,
    '</header>',
    '<nav class="controls">',
    '<button id="prev" type="button" title="previous step (←)">◀</button>',
    `<input id="slider" type="range" min="0" max="${trace.steps.length}" value="0" step="1" aria-label="step">`,
    '<button id="next" type="button" title="next step (→)">▶</button>',
    '<span id="position"></span>',
    '</nav>',
    '<main>',
    `<section id="diagram">${sequenceSvg(trace)}</section>`,
    '<section id="panel"></section>',
    '</main>',
    `<script type="application/json" id="frames">${data}</script>`,
    `<script>${SCRIPT}</script>`,
    '</body>',
    '</html>',
  ].join('\n')) + '\n';
}

const STYLE = `
body { font: 14px system-ui, sans-serif; margin: 0; color: #1b1f24; }
header { padding: 8px 16px; border-bottom: 1px solid #d0d7de; }
h1 { font-size: 18px; margin: 4px 0; }
.message { margin: 4px 0; color: #82071e; }
.origin { margin: 4px 0; color: #57606a; }
.controls { position: sticky; top: 0; background: #f6f8fa; padding: 6px 16px; border-bottom: 1px solid #d0d7de; display: flex; gap: 8px; align-items: center; z-index: 1; }
#slider { flex: 1; max-width: 600px; }
main { display: flex; align-items: flex-start; }
#diagram { overflow: auto; flex: 1 1 60%; max-height: calc(100vh - 120px); }
#panel { flex: 1 1 40%; padding: 8px 16px; overflow: auto; max-height: calc(100vh - 120px); }
table { border-collapse: collapse; margin: 4px 0 12px; width: 100%; }
td, th { border: 1px solid #d0d7de; padding: 2px 6px; text-align: left; vertical-align: top; font: 12px ui-monospace, monospace; white-space: pre-wrap; }
th { background: #f6f8fa; }
tr.changed td { background: #fff8c5; }
h2 { font-size: 15px; margin: 12px 0 4px; }
ul { margin: 4px 0; padding-left: 20px; }
.violation-text { color: #82071e; font-weight: bold; }
svg text { font: 12px system-ui, sans-serif; }
.lifeline { stroke: #8c959f; stroke-dasharray: 4 3; }
.actor { fill: #ddf4ff; stroke: #54aeff; }
.actor-name { font-weight: bold; }
.row { fill: transparent; cursor: pointer; }
.step.current .row { fill: #fff8c5; }
.marker { fill: #ffffff; stroke: #0969da; stroke-width: 2; }
.marker.violation { stroke: #cf222e; }
.number { text-anchor: middle; font-weight: bold; }
.message line { stroke: #1b1f24; }
.message.reply line { stroke-dasharray: 5 3; }
.message.ignored line { stroke: #cf222e; stroke-dasharray: 3 3; }
.message.ignored .message-label, .trigger.ignored, .cross { fill: #cf222e; }
.cross { text-anchor: middle; font-weight: bold; }
.violated { fill: #cf222e; font-weight: bold; }
.cycle { pointer-events: none; }
.cycle-frame { fill: none; stroke: #8250df; stroke-width: 1.5; }
.cycle-tab { fill: #fbefff; stroke: #8250df; }
.cycle-keyword { font-weight: bold; fill: #8250df; }
.cycle-label, .cycle-back { fill: #8250df; }
.cycle-text { color: #8250df; }
.reached { fill: #1a7f37; font-weight: bold; }
.message.reached-text { color: #1a7f37; }
marker path { fill: #1b1f24; stroke: #1b1f24; }
`;

// Plain browser JavaScript: it builds the panel with textContent only.
const SCRIPT = `
(function () {
  'use strict';
  var frames = JSON.parse(document.getElementById('frames').textContent);
  var slider = document.getElementById('slider');
  var panel = document.getElementById('panel');
  var position = document.getElementById('position');
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }
  function show(v) { return v === undefined ? 'unset' : JSON.stringify(v, null, 1); }
  function table(title, head, rows, changed) {
    var section = document.createDocumentFragment();
    section.appendChild(el('h2', title));
    if (rows.length === 0) { section.appendChild(el('p', 'none')); return section; }
    var t = el('table');
    var h = el('tr');
    head.forEach(function (c) { h.appendChild(el('th', c)); });
    t.appendChild(h);
    rows.forEach(function (r) {
      var tr = el('tr', undefined, changed.indexOf(r[0]) >= 0 ? 'changed' : '');
      r.forEach(function (c) { tr.appendChild(el('td', c)); });
      t.appendChild(tr);
    });
    section.appendChild(t);
    return section;
  }
  function render(k) {
    var f = frames[k];
    slider.value = String(k);
    position.textContent = 'step ' + k + ' of ' + (frames.length - 1);
    panel.textContent = '';
    panel.appendChild(el('h2', f.title, 'title'));
    if (f.effects.length > 0) {
      var ul = el('ul', undefined, 'effects');
      f.effects.forEach(function (e) { ul.appendChild(el('li', e)); });
      panel.appendChild(ul);
    }
    if (f.reads) panel.appendChild(el('p', 'read: ' + f.reads));
    if (f.accesses.length > 0) panel.appendChild(el('p', 'memory: ' + f.accesses.join('; ')));
    if (f.violation) panel.appendChild(el('p', 'violated: ' + f.violation, 'violation-text'));
    if (f.cycle) panel.appendChild(el('p', f.cycle, 'cycle-text'));
    var s = f.state;
    panel.appendChild(table('Actors', ['actor', 'state', 'context', 'status'], Object.keys(s.actors).map(function (a) {
      var x = s.actors[a];
      return [a, typeof x.value === 'string' ? x.value : show(x.value), show(x.context), x.status];
    }), f.changed.actors));
    panel.appendChild(table('Cells', ['cell', 'value'], Object.keys(s.cells).map(function (c) { return [c, show(s.cells[c])]; }), f.changed.cells));
    panel.appendChild(table('In flight', ['to', 'events, oldest first'], Object.keys(s.inFlight).filter(function (q) {
      return s.inFlight[q].length > 0 || f.changed.inFlight.indexOf(q) >= 0;
    }).map(function (q) { return [q, s.inFlight[q].map(function (e) { return JSON.stringify(e); }).join('\\n')]; }), f.changed.inFlight));
    panel.appendChild(table('Store buffers', ['actor', 'stores, oldest first'], Object.keys(f.buffers).filter(function (a) {
      return f.buffers[a].length > 0 || f.changed.buffers.indexOf(a) >= 0;
    }).map(function (a) {
      return [a, f.buffers[a].map(function (b) { return b.cell + ' = ' + JSON.stringify(b.value); }).join('\\n')];
    }), f.changed.buffers));
    var rows = document.querySelectorAll('#sequence .step');
    for (var i = 0; i < rows.length; i++) rows[i].classList.toggle('current', rows[i].getAttribute('data-step') === String(k));
    var current = document.querySelector('#sequence .step.current');
    if (current && current.scrollIntoView) current.scrollIntoView({ block: 'nearest' });
  }
  function go(k) { render(Math.max(0, Math.min(frames.length - 1, k))); }
  slider.addEventListener('input', function () { go(Number(slider.value)); });
  document.getElementById('prev').addEventListener('click', function () { go(Number(slider.value) - 1); });
  document.getElementById('next').addEventListener('click', function () { go(Number(slider.value) + 1); });
  document.addEventListener('keydown', function (e) {
    if (e.key === 'ArrowLeft') go(Number(slider.value) - 1);
    if (e.key === 'ArrowRight') go(Number(slider.value) + 1);
  });
  document.getElementById('sequence').addEventListener('click', function (e) {
    var g = e.target.closest ? e.target.closest('.step') : null;
    if (g) go(Number(g.getAttribute('data-step')));
  });
  go(0);
})();
`;
