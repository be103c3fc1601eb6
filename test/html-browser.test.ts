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
        // Three memory series and the fitted slope are drawn.
        expect(await plot.locator('polyline.series').count()).toBe(3);
        expect(await plot.locator('line.fit').count()).toBe(1);
        const caption = await plot.locator('xpath=..').locator('figcaption').innerText();
        expect(caption).toBe(`${audit.id}: ${audit.verdict.toUpperCase()}`);
      }
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
