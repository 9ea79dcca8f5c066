// Opens audit pages in Debian's Chromium through playwright-core, runs axe-core on each,
// measures horizontal overflow at 360 px, and writes screenshots (desktop light, desktop
// dark, 360 px). Prints one JSON object per page on stdout; tests/report_browser.rs judges.
//
// usage: node check_pages.mjs CHROMIUM SCREENSHOT_DIR NAME=FILE...
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const [executablePath, shots, ...pages] = process.argv.slice(2);

const browser = await chromium.launch({
  executablePath,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
try {
  for (const spec of pages) {
    const eq = spec.indexOf('=');
    const name = spec.slice(0, eq);
    const url = pathToFileURL(spec.slice(eq + 1)).href;
    const out = { name };
    const requests = [];
    for (const [label, options] of [
      ['desktop', { viewport: { width: 1280, height: 900 }, colorScheme: 'light' }],
      ['dark', { viewport: { width: 1280, height: 900 }, colorScheme: 'dark' }],
      ['mobile', { viewport: { width: 360, height: 740 }, colorScheme: 'light' }],
    ]) {
      // The page itself runs no script (its CSP forbids it); axe is injected through the
      // DevTools protocol, which CSP does not govern.
      const context = await browser.newContext({ ...options, bypassCSP: true, reducedMotion: 'reduce' });
      const page = await context.newPage();
      page.on('request', (r) => { if (r.url() !== url) requests.push(r.url()); });
      await page.goto(url);
      if (label === 'desktop' || label === 'dark') {
        await page.evaluate(axeSource);
        const axe = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
        out[`${label}_violations`] = axe.violations.map((v) => ({
          id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
        }));
      }
      if (label === 'mobile') {
        out.mobile_overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        // What sticks out, for the failure message (wide tables scroll inside their wrapper).
        out.mobile_overflowing = await page.evaluate(() => [...document.querySelectorAll('body *')]
          .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1
            && e.parentElement.getBoundingClientRect().right <= window.innerWidth + 1)
          .slice(0, 5)
          .map((e) => `${e.tagName}.${e.className}: ${(e.textContent || '').slice(0, 80)}`));
      }
      await page.screenshot({ path: join(shots, `${name}-${label}.png`), fullPage: label !== 'desktop' ? false : true });
      await context.close();
    }
    out.requests = requests;
    console.log(JSON.stringify(out));
  }
} finally {
  await browser.close();
}
