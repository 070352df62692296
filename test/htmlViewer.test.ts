// The HTML trace viewer in a real headless browser (Debian's chromium, driven by puppeteer-core): the
// page loads with no console errors and no network, the slider moves through the steps, the diagram
// renders with the lost signal marked, store buffers show under tso, and markup in a model's strings
// stays text. The Mermaid diagram is rendered here too, by Mermaid itself, to check it fits a page.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer-core';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explore } from '../checker/index.ts';
import { buildTrace, parseTrace, renderHtml, renderMermaid } from '../traces/index.ts';
import type { TraceFile } from '../traces/index.ts';
import { markupPayload } from './support/traceSystems.ts';
import { tasMutex } from './support/livenessSystems.ts';

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(chromium);
const fixture = (name: string) => parseTrace(readFileSync(new URL(`../traces/fixtures/${name}`, import.meta.url), 'utf8'));

describe.skipIf(!haveChromium)(`HTML viewer in a browser${haveChromium ? '' : ` (skipped: no chromium at ${chromium}; apt-get install chromium)`}`, () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await puppeteer.launch({ executablePath: chromium, args: ['--no-sandbox', '--headless=new'] });
  });
  afterAll(async () => { await browser?.close(); });

  /** Opens the trace's page; collects console errors, page errors, dialogs and every request made. */
  async function open(trace: TraceFile) {
    const page = await browser.newPage();
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
    page.on('pageerror', (e) => problems.push(String(e)));
    page.on('dialog', (d) => { problems.push(`dialog: ${d.message()}`); void d.dismiss(); });
    await page.setRequestInterception(true);
    page.on('request', (r) => { requests.push(r.url()); void (r.url().startsWith('data:') ? r.continue() : r.respond({ status: 200, contentType: 'text/html', body: renderHtml(trace) })); });
    await page.goto('http://viewer.test/trace.html', { waitUntil: 'load' });
    return { page, problems, requests };
  }
  const panelTitle = (page: Page) => page.$eval('#panel .title', (e) => e.textContent);
  const currentRow = (page: Page) => page.$eval('#sequence .step.current', (e) => e.getAttribute('data-step'));
  const slideTo = (page: Page, k: number) => page.$eval('#slider', (s, v) => { (s as HTMLInputElement).value = String(v); s.dispatchEvent(new Event('input')); }, k);

  it('shutdown-ic-boot buggy-linux: loads cleanly and offline, and the slider and buttons move through the 15 steps', async () => {
    const { page, problems, requests } = await open(fixture('shutdown-ic-boot.buggy-linux.trace.json'));
    expect(problems).toEqual([]);
    expect(requests).toEqual(['http://viewer.test/trace.html']);
    expect(await page.$eval('#slider', (s) => (s as HTMLInputElement).max)).toBe('15');
    expect(await panelTitle(page)).toBe('initial state');
    expect(await page.$$eval('#sequence .step', (g) => g.map((e) => e.getAttribute('data-step')))).toEqual(Array.from({ length: 16 }, (_, i) => String(i)));
    await slideTo(page, 10);
    expect(await panelTitle(page)).toBe('10. icWriter: step');
    expect(await currentRow(page)).toBe('10');
    await page.click('#next');
    expect(await panelTitle(page)).toBe('11. server: <- completeOpen');
    await page.keyboard.press('ArrowLeft');
    expect(await currentRow(page)).toBe('10');
    // Step 11 arms the event port: its row in the actors table is marked as changed there.
    await slideTo(page, 11);
    const changed = await page.$$eval('#panel tr.changed td:first-child', (tds) => tds.map((t) => t.textContent));
    expect(changed).toEqual(expect.arrayContaining(['server', 'eventPort', 'hostEventPort', 'synic']));
    expect(problems).toEqual([]);
    await page.close();
  });

  it('draws the signal to the unarmed event port (OpenVMM #715) as the one lost arrow, at step 10', async () => {
    const { page } = await open(fixture('shutdown-ic-boot.buggy-linux.trace.json'));
    const lost = await page.$$eval('#sequence .message.ignored', (m) => m.map((e) => [e.closest('.step')!.getAttribute('data-step'), e.querySelector('title')!.textContent]));
    expect(lost).toEqual([['10', 'call signal (ignored by eventPort: no effect)']]);
    await page.close();
  });

  it('under tso shows each store buffer as the steps fill and flush it', async () => {
    const trace = fixture('kvm-vcpu-kick.no-vcpu-barrier.trace.json');
    const { page, problems } = await open(trace);
    const bufferOf = async (actor: string) => page.$$eval('#panel tr', (rows, a) => {
      const row = rows.find((r) => r.children[0]?.textContent === a && r.children.length === 2 && r.closest('table')!.previousElementSibling!.textContent === 'Store buffers');
      return row ? row.children[1].textContent : null;
    }, actor);
    const store = trace.steps.findIndex((s) => s.actor === 'vcpu0' && s.memory?.some((a) => a.op === 'store' && a.buffered)) + 1;
    const flush = trace.steps.findIndex((s) => s.actor === 'vcpu0' && s.kind === 'flush') + 1;
    expect(store).toBeGreaterThan(0);
    expect(flush).toBeGreaterThan(store);
    await slideTo(page, store);
    expect(await bufferOf('vcpu0')).toBe('mode0 = "IN_GUEST_MODE"');
    await slideTo(page, flush);
    expect(await bufferOf('vcpu0')).toBe('');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows markup in a model\'s names and messages as text: nothing in a trace runs', async () => {
    const system = markupPayload();
    const trace = buildTrace(system, { module: 'test', parameters: {} }, explore(system).violations[0]);
    const { page, problems } = await open(trace);
    expect(problems).toEqual([]);
    expect(await page.evaluate(() => (window as unknown as { injected?: number }).injected)).toBeUndefined();
    expect(await page.$$eval('img', (i) => i.length)).toBe(0);
    expect(await page.$eval('h1', (h) => h.textContent)).toContain('<b>markup</b>');
    await page.close();
  });

  it('frames a lasso\'s cycle round its steps, as Mermaid\'s loop block does, and says where each step stands in it', async () => {
    // tasMutex('weak'): b waits from step 1 on while a runs round the lock, steps 2-4, forever.
    const system = tasMutex('weak');
    const trace = buildTrace(system, { module: 'test', parameters: {} }, explore(system).violations[0]);
    expect([trace.cycle, trace.steps.length]).toEqual([{ start: 1 }, 4]);
    const { page, problems } = await open(trace);
    expect(await page.$$eval('#sequence .cycle', (c) => c.map((e) => [e.getAttribute('data-cycle-start'), e.textContent]))).toEqual([['1', 'loopsteps 2-4 repeat forever↻ back to the state after step 1']]);
    // The frame encloses the rows of steps 2-4 and no other.
    const boxes = await page.$$eval('#sequence .step .row, #sequence .cycle-frame', (els) => els.map((e) => {
      const b = (e as SVGGraphicsElement).getBBox();
      return { step: e.closest('.step')?.getAttribute('data-step') ?? 'frame', top: b.y, bottom: b.y + b.height };
    }));
    const frame = boxes.find((b) => b.step === 'frame')!;
    const inside = boxes.filter((b) => b.step !== 'frame' && b.top >= frame.top && b.bottom <= frame.bottom).map((b) => b.step);
    expect(inside).toEqual(['2', '3', '4']);
    // The frame lies over the rows but takes no clicks: a click in step 3's row still selects it.
    const row3 = await page.$eval('#sequence .step[data-step="3"] .row', (r) => { const b = r.getBoundingClientRect(); return { x: b.x + b.width - 20, y: b.y + b.height / 2 }; });
    await page.mouse.click(row3.x, row3.y);
    expect(await currentRow(page)).toBe('3');
    const note = () => page.$eval('#panel', (p) => p.querySelector('.cycle-text')?.textContent ?? null);
    expect(await note()).toBe('step 2 of 3 of the cycle (steps 2-4 repeat forever)');
    await slideTo(page, 4);
    expect(await note()).toBe('the last step of the cycle (steps 2-4 repeat forever): the run is back at the state after step 1, and goes round again');
    await slideTo(page, 1);
    expect(await note()).toBe('the cycle starts here: steps 2-4 repeat forever, each time returning to this state');
    await slideTo(page, 0);
    expect(await note()).toBeNull();
    expect(problems).toEqual([]);
    await page.close();
    const plain = await open(fixture('shutdown-ic-boot.buggy-linux.trace.json'));
    expect(await plain.page.$$eval('#sequence .cycle', (c) => c.length)).toBe(0);
    await plain.page.close();
  });

  it('the Mermaid diagram of the 15-step shutdown-ic-boot trace, rendered by Mermaid, fits a page width', async () => {
    const page = await browser.newPage();
    await page.setContent('<div id="d"></div>');
    await page.addScriptTag({ path: fileURLToPath(new URL('../node_modules/mermaid/dist/mermaid.min.js', import.meta.url)) });
    const text = renderMermaid(fixture('shutdown-ic-boot.buggy-linux.trace.json'));
    const size = await page.evaluate(async (t) => {
      const m = (window as unknown as { mermaid: { initialize(o: object): void; render(id: string, t: string): Promise<{ svg: string }> } }).mermaid;
      m.initialize({ startOnLoad: false });
      document.getElementById('d')!.innerHTML = (await m.render('g', t)).svg;
      const svg = document.querySelector('#d svg') as SVGSVGElement;
      return { width: svg.viewBox.baseVal.width, lost: [...svg.querySelectorAll('text')].map((x) => x.textContent).join(' ').includes('signal ✗ ignored by eventPort in notCreated') };
    }, text);
    // Before the notes were wrapped and idle actors left out it was 7,455 px wide.
    expect(size.width).toBeLessThan(1800);
    expect(size.lost).toBe(true);
    await page.close();
  });
});
