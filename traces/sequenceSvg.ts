// The trace as an SVG sequence diagram for the HTML viewer: a lifeline per actor, a row per step with
// the step's number on its actor's lifeline and an arrow per message (post: open head, call: filled
// head, reply: dashed; a message its receiver ignored: red, ending in a cross). Each row is a group
// `data-step="k"` the page highlights as the slider moves; long labels are cut, with the whole text as
// the element's tooltip. A lasso's cycle is framed as Mermaid draws a `loop` block: a box round its
// steps, `loop` in a tab at its corner with which steps repeat, and where the run returns at its foot.
import { safeText } from './safeText.ts';
import { eventLabel } from './labels.ts';
import { triggerLabel } from './stepEffects.ts';
import type { TraceFile, TraceMessage } from './traceFile.ts';

const LANE = 150;
const MARGIN = 20;
const HEADER = 44;
const STEP_ROW = 30;
const MESSAGE_ROW = 22;
/** The strips above and below a cycle's steps, for its label and where it returns. */
const LOOP_STRIP = 24;
/** Average width of a character of the 12 px font, for cutting labels to the room they have. */
const CHAR = 6.6;

export function sequenceSvg(trace: TraceFile): string {
  const actors = Object.keys(trace.initial.actors);
  const x = (a: string) => MARGIN + LANE / 2 + actors.indexOf(a) * LANE;
  const width = MARGIN * 2 + actors.length * LANE;
  const rows: string[] = [];
  let y = HEADER;
  rows.push(row(0, y, width, STEP_ROW, [`<text class="initial" x="${MARGIN}" y="${y + 19}">0. initial state</text>`]));
  y += STEP_ROW;
  const cycleFirst = trace.cycle ? trace.cycle.start + 1 : null;
  let loopTop = 0;
  for (const step of trace.steps) {
    if (step.step === cycleFirst) {
      loopTop = y;
      y += LOOP_STRIP;
    }
    const height = STEP_ROW + (step.sent?.length ?? 0) * MESSAGE_ROW;
    const parts: string[] = [];
    const cx = x(step.actor);
    const trigger = `${triggerLabel(step)}${step.ignored ? ' (ignored)' : ''}`;
    parts.push(`<circle class="marker${step.violation ? ' violation' : ''}" cx="${cx}" cy="${y + 15}" r="10"/>`);
    parts.push(`<text class="number" x="${cx}" y="${y + 19}">${step.step}</text>`);
    parts.push(label(cx + 14, y + 19, trigger, LANE - 20, 'start', step.ignored ? 'trigger ignored' : 'trigger'));
    (step.sent ?? []).forEach((m, i) => parts.push(message(m, x(m.from), x(m.to), y + STEP_ROW + i * MESSAGE_ROW + 14)));
    rows.push(row(step.step, y, width, height, parts));
    y += height;
  }
  if (trace.cycle) {
    y += LOOP_STRIP;
    rows.push(loopFrame(trace.cycle.start, trace.steps.length, loopTop, y, width));
  }
  const outcome = trace.kind === 'witness' ? ['reached', 'REACHED'] : ['violated', 'VIOLATED'];
  rows.push(`<text class="${outcome[0]}" x="${MARGIN}" y="${y + 20}">${xml(`${outcome[1]} ${trace.property}`)}<title>${xml(trace.message)}</title></text>`);
  y += STEP_ROW;
  const lifelines = actors.map((a) => `<line class="lifeline" x1="${x(a)}" y1="${HEADER - 6}" x2="${x(a)}" y2="${y}"/>` +
    `<rect class="actor" x="${x(a) - LANE / 2 + 8}" y="6" width="${LANE - 16}" height="26" rx="4"/>` + label(x(a), 24, a, LANE - 24, 'middle', 'actor-name'));
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" id="sequence" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}">`,
    '<defs><marker id="head" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker>',
    '<marker id="open" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10" fill="none" stroke="context-stroke"/></marker></defs>',
    ...rows, ...lifelines, '</svg>',
  ].join('\n');
}

/** The frame of a cycle (steps start+1..last), from `top` to `bottom`; it takes no clicks (pointer-events). */
function loopFrame(start: number, last: number, top: number, bottom: number, width: number): string {
  const repeat = `steps ${start + 1}-${last} repeat forever`;
  return `<g class="cycle" data-cycle-start="${start}"><rect class="cycle-frame" x="6" y="${top + 2}" width="${width - 12}" height="${bottom - top - 4}" rx="3"/>` +
    `<path class="cycle-tab" d="M6,${top + 2} h44 v12 l-6,6 h-38 z"/><text class="cycle-keyword" x="12" y="${top + 16}">loop</text>` +
    `<text class="cycle-label" x="58" y="${top + 16}">${xml(repeat)}</text>` +
    `<text class="cycle-back" x="12" y="${bottom - 8}">${xml(`↻ back to the state after step ${start}`)}</text></g>`;
}

function row(step: number, y: number, width: number, height: number, parts: string[]): string {
  return `<g class="step" data-step="${step}"><rect class="row" x="0" y="${y}" width="${width}" height="${height}"/>${parts.join('')}</g>`;
}

function message(m: TraceMessage, x1: number, x2: number, y: number): string {
  const text = `${m.kind} ${eventLabel(m.event)}${m.ignored ? ` (ignored by ${m.to}: no effect)` : ''}`;
  const room = Math.max(Math.abs(x2 - x1), LANE) - 10;
  const cls = `message ${m.kind}${m.ignored ? ' ignored' : ''}`;
  if (x1 === x2) return `<g class="${cls}">${label(x1 + 8, y, `↺ ${text}`, LANE, 'start', 'message-label')}</g>`;
  const end = m.ignored ? `<text class="cross" x="${x2}" y="${y + 5}">✗</text>` : '';
  const head = m.ignored ? '' : ` marker-end="url(#${m.kind === 'post' ? 'open' : 'head'})"`;
  return `<g class="${cls}"><line x1="${x1}" y1="${y + 6}" x2="${x2}" y2="${y + 6}"${head}/>${end}` +
    label((x1 + x2) / 2, y + 2, text, room, 'middle', 'message-label') + '</g>';
}

/** Text cut to `room` pixels (with the whole of it as a tooltip). */
function label(x: number, y: number, s: string, room: number, anchor: 'start' | 'middle', cls: string): string {
  const max = Math.max(4, Math.floor(room / CHAR));
  const shown = s.length > max ? `${s.slice(0, max - 1)}…` : s;
  return `<text class="${cls}" x="${x}" y="${y}" text-anchor="${anchor}">${xml(shown)}<title>${xml(s)}</title></text>`;
}

/** Text for XML: markup characters as entities, control and bidi characters as visible escapes. */
export function xml(s: string): string {
  return safeText(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
