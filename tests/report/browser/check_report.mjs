// check_report.mjs -- open a kairos report.html in a real browser and check it.
//
//   node check_report.mjs <report.html> <screenshot.png>
//
// Launches Debian's Chromium (/usr/bin/chromium, or $CHROMIUM) through
// playwright-core, which downloads no browser of its own. The page is opened
// from file:// and every request other than that file fails the check: a
// report must need no network. Console errors and uncaught page errors fail
// it too. Once loaded, the page must hold at least four SVG charts (equity,
// drawdown, a price chart) with drawn lines, a statistics table with its
// metric rows, the monthly heatmap and the trades and settings sections.
// A full-page screenshot is written, one summary line printed, and the exit
// status is 0 only if every check passed.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch (e) {
  console.error('check_report: playwright-core is not installed; run ' +
                '`npm ci --prefix tests/report/browser` (make test does it)');
  process.exit(2);
}

const [, , htmlArg, pngArg] = process.argv;
if (!htmlArg || !pngArg) {
  console.error('usage: node check_report.mjs <report.html> <screenshot.png>');
  process.exit(2);
}
const htmlPath = resolve(htmlArg);
if (!existsSync(htmlPath)) {
  console.error(`check_report: ${htmlPath}: no such file`);
  process.exit(2);
}
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
if (!existsSync(executablePath)) {
  console.error(`check_report: no browser at ${executablePath} (set CHROMIUM)`);
  process.exit(2);
}

const fileUrl = pathToFileURL(htmlPath).href;
const failures = [];
const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.on('console', (msg) => {
    if (msg.type() === 'error') failures.push(`console error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => failures.push(`page error: ${err.message}`));
  // Every request but the report itself is a failure, and is not let out.
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url === fileUrl) return route.continue();
    failures.push(`external request: ${url}`);
    return route.abort();
  });
  page.on('requestfailed', (req) => {
    if (req.url() === fileUrl) failures.push(`the report failed to load: ${req.failure()?.errorText}`);
  });

  await page.goto(fileUrl, { waitUntil: 'load' });
  const facts = await page.evaluate(() => {
    const q = (s) => document.querySelectorAll(s);
    const sections = ['statistics', 'equity', 'drawdown', 'monthly', 'prices', 'trades', 'settings']
      .filter((id) => !document.getElementById(id));
    const lines = [...q('svg.chart polyline')].filter((p) => p.points.numberOfItems > 1).length;
    const charts = [...q('svg.chart')].filter((s) => s.getBoundingClientRect().width > 100).length;
    return {
      title: document.title,
      svgs: q('svg').length,
      charts,
      lines,
      metrics: q('#statistics tr.metric').length,
      metricsShown: [...q('#statistics tr.metric td:last-child')].filter((td) => td.textContent.trim() !== '').length,
      heatCells: q('#monthly td[data-ret]').length,
      trades: q('#trades table tr').length - 1,
      missing: sections,
      width: document.documentElement.scrollWidth,
    };
  });
  if (facts.svgs < 4) failures.push(`only ${facts.svgs} svg elements (want >= 4)`);
  if (facts.charts < 4) failures.push(`only ${facts.charts} charts laid out (want >= 4)`);
  if (facts.lines < 3) failures.push(`only ${facts.lines} chart lines drawn (want >= 3)`);
  if (facts.metrics < 20) failures.push(`statistics table has ${facts.metrics} metric rows (want >= 20)`);
  if (facts.metricsShown !== facts.metrics) failures.push('a statistic has an empty cell');
  if (facts.heatCells < 1) failures.push('monthly heatmap has no cells');
  if (facts.missing.length) failures.push(`missing sections: ${facts.missing.join(', ')}`);
  if (facts.width > 1280) failures.push(`page wider than the viewport (${facts.width}px)`);

  // The hover read-out works (optional feature, but it must not throw).
  const eq = page.locator('svg.chart.equity');
  if (await eq.count()) {
    const box = await eq.boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    const tip = await page.locator('.tip').textContent().catch(() => '');
    if (!tip) failures.push('hover read-out shows nothing');
  }
  await page.mouse.move(0, 0);
  await page.screenshot({ path: resolve(pngArg), fullPage: true });
  const summary = `${facts.svgs} svg, ${facts.lines} lines, ${facts.metrics} metrics, ` +
    `${facts.heatCells} month cells, ${facts.trades} trade rows`;
  if (failures.length) {
    console.log(`check_report: FAIL ${htmlArg}: ${summary}`);
    for (const f of failures) console.log(`  - ${f}`);
  } else {
    console.log(`check_report: ok ${htmlArg}: ${summary}; screenshot ${pngArg}`);
  }
} catch (e) {
  failures.push(e.message);
  console.log(`check_report: FAIL ${htmlArg}: ${e.message}`);
} finally {
  await browser.close();
}
process.exit(failures.length ? 1 : 0);
