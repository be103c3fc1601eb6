import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { cli } from './support/cli.ts';

/** Found by test/support/chromium.ts (globalSetup): null skips this test, except under .ci/run. */
const CHROMIUM = inject('chromiumPath');
/** No network here: the flags keep Chromium from trying to reach Google's services at start. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

describe.skipIf(CHROMIUM === null)('the HTML report, rendered in headless Chromium', { timeout: 120_000 }, () => {
  it('shows a plot per audit, the overall verdict and each audit verdict, offline', async () => {
    const run = cli([
      'audits/calibration/garbage.audit.ts',
      'audits/calibration/seed-classical-v01.audit.ts',
      '--no-calibration',
      '--diagnose',
      '--profile',
    ]);
    expect(run.status, run.stderr).toBe(0);
    const report = run.report();
    const { out } = run;

    const browser = await chromium.launch({ executablePath: CHROMIUM ?? undefined, args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
      const requests: string[] = [];
      page.on('request', (request) => requests.push(request.url()));
      await page.goto(pathToFileURL(join(out, 'audit-report.html')).href);

      const plots = page.locator('svg.plot');
      expect(await plots.count()).toBe(report.audits.length);
      for (const audit of report.audits) {
        const plot = page.locator(`svg.plot[data-audit="${audit.id}"]`);
        const box = await plot.boundingBox();
        expect(box?.width, audit.id).toBeGreaterThan(100);
        expect(box?.height, audit.id).toBeGreaterThan(30);
        // Three memory series, each on its own scale, the fitted slope and the budget are drawn.
        expect(await plot.locator('polyline.series').count()).toBe(3);
        expect(await plot.locator('line.fit').count()).toBe(1);
        expect(await plot.locator('polygon.budget').count()).toBe(1);
        const caption = await plot.locator('xpath=..').locator('figcaption').innerText();
        expect(caption).toContain(`${audit.id}: ${audit.verdict.toUpperCase()}`);
        expect(caption).toContain(audit.projection.horizon);
      }
      // How much of its panel's height each heap line spans, and where its end is against the budget.
      const geometry = (id: string) =>
        page.locator(`svg.plot[data-audit="${id}"]`).evaluate((svg) => {
          const attr = (selector: string, name: string): string => svg.querySelector(selector)!.getAttribute(name)!;
          const points = (selector: string) =>
            attr(selector, 'points')
              .split(' ')
              .map((p) => p.split(',').map(Number));
          const ys = points('polyline.series.heap').map(([, y]: number[]) => y!);
          const budget = points('polygon.budget');
          return {
            span: (Math.max(...ys) - Math.min(...ys)) / Number(attr('rect.warmup', 'height')),
            // SVG y grows downwards: the budget's upper edge ends at its second point, its lower at its third.
            budgetTop: budget[1]![1]!,
            budgetBottom: budget[2]![1]!,
            fitEnd: Number(attr('line.fit', 'y2')),
          };
        });
      const leak = await geometry('calibration-seed-classical-v01');
      expect(leak.span).toBeGreaterThanOrEqual(0.5);
      expect(leak.fitEnd).toBeLessThan(leak.budgetTop);
      const clean = await geometry('calibration-garbage');
      expect(clean.fitEnd).toBeGreaterThanOrEqual(clean.budgetTop);
      expect(clean.fitEnd).toBeLessThanOrEqual(clean.budgetBottom);
      // The leak's caption carries its diagnosis' top finding, and --profile adds its flame graph.
      const leakCaption = page.locator('svg.plot[data-audit="calibration-seed-classical-v01"]').locator('xpath=..');
      expect(await leakCaption.locator('figcaption').innerText()).toContain('controller.stateHistory');
      const flame = page.locator('svg.flame[data-audit="calibration-seed-classical-v01"]');
      expect(await flame.locator('g.frame[data-function="record"]').count()).toBeGreaterThanOrEqual(1);
      expect(await page.locator('#overall').innerText()).toBe('Overall: PASS.');
      expect(await page.locator('table.subjects tbody tr').count()).toBe(report.audits.length);
      // Self-contained: the page asked for nothing but itself.
      expect(requests.filter((url) => !url.startsWith('file:'))).toEqual([]);
      // A screenshot for people, next to the report (reports/ and tmp are not in git).
      await page.screenshot({ path: join(out, 'audit-report.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  });
});
