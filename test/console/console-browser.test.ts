// The web console in a real browser (Debian's chromium, driven by playwright-core): `seglog serve
// --http-port` on a copy of the real Kafka data directory in fixtures/, fed by kcat (librdkafka), then
// every page loaded with no console error, the numbers it shows checked against what a Kafka client
// (kafkajs admin) reads from the broker, the charts drawn (their series lines have pixels), the drop
// page decoding the real Kafka segment and showing the bad batch of a corrupted copy, and `seglog ui`
// serving the same pages for a stopped directory. Screenshots go to the folder the test prints.
// chromium and kcat are Debian packages .ci/run installs; when one is missing the test fails.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import kafkajs from 'kafkajs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = join(ROOT, 'dist/lib/cli/main.js');
const FIXTURE = join(ROOT, 'fixtures/kafka-broker');
const FIXTURE_SEGMENT = join(FIXTURE, 'TestTopicPatient-0/00000000000000000000.log');
const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = join(ROOT, 'test-output/console');
/** The messages chart's "in" series colour (app.ts PALETTE[0], #2563eb). */
const SERIES_RGB = [37, 99, 235];
const KCAT = ['kcat', 'kafkacat'].find((name) => spawnSync(name, ['-V']).status === 0);

interface Served {
  child: ChildProcess;
  kafkaPort: number | null;
  consoleUrl: string;
  stop(): Promise<number | null>;
}

/** Runs the CLI and waits for its `console <url>` line (and `listening host:port` for serve). */
function startCli(args: string[]): Promise<Served> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args[0]} did not start: ${stderr}`)), 20_000);
    child.stdout?.on('data', (d) => {
      stdout += d;
      const url = /console (http:\/\/\S+)/.exec(stdout);
      if (url === null) return;
      clearTimeout(timer);
      const kafka = /listening [^:\s]+:(\d+)/.exec(stdout);
      resolve({ child, kafkaPort: kafka === null ? null : Number(kafka[1]), consoleUrl: url[1] as string,
        stop: async () => {
          if (child.exitCode === null) child.kill('SIGTERM');
          return exited;
        } });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${args[0]} exited with ${code}: ${stderr}`));
    });
  });
}

function kcat(args: string[], input?: string): string {
  const result = spawnSync(KCAT as string, args, { input, encoding: 'utf8', timeout: 60_000 });
  assert.is(result.status, 0, `kcat ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

async function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
}

/** A page that records every console error and uncaught exception. */
async function openPage(browser: Browser, errors: string[]): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`page: ${e.message}`));
  return page;
}

async function visit(page: Page, url: string, pageName: string): Promise<void> {
  await page.goto(url);
  await page.waitForSelector(`[data-page="${pageName}"]`, { timeout: 15_000 });
}

async function cardValue(page: Page, testId: string): Promise<string> {
  return ((await page.textContent(`[data-testid="${testId}"] .card-value`)) ?? '').trim();
}

/** Pixels of the series colour in a chart's canvas: its line, not just axes and grid (-1: no such chart). */
function seriesPixels(page: Page, chart: string): Promise<number> {
  // Runs in the page (the tests compile without DOM types): the source text is the function.
  return page.evaluate(`(() => {
    const canvas = document.querySelector('[data-chart="${chart}"] canvas');
    if (canvas === null) return -1;
    const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    const [r, g, b] = ${JSON.stringify(SERIES_RGB)};
    let count = 0;
    for (let i = 0; i < pixels.length; i += 4) {
      const near = Math.abs(pixels[i] - r) < 12 && Math.abs(pixels[i + 1] - g) < 12 && Math.abs(pixels[i + 2] - b) < 12;
      if (near && pixels[i + 3] > 200) count++;
    }
    return count;
  })()`);
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

const format = (n: number): string => n.toLocaleString('en-US');

test.after(() => removeTempDirs());

test('the browser and kcat are installed (Debian chromium and kcat; .ci/run installs them)', () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`);
  assert.ok(KCAT !== undefined, 'kcat is missing: apt-get install -y kcat');
});

test('live console on a served Kafka directory: pages, numbers, charts, segment view', async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  console.log(`console screenshots: ${SCREENSHOTS}`);
  const dataDir = tempDir('seglog-console-live-');
  cpSync(FIXTURE, dataDir, { recursive: true });
  const served = await startCli(['serve', '--data', dataDir, '--port', '0', '--http-port', '0', '--partitions', '2',
    '--initial-rebalance-delay-ms', '200']);
  const browser = await launch();
  const errors: string[] = [];
  try {
    const bootstrap = `127.0.0.1:${served.kafkaPort}`;
    const lines = Array.from({ length: 300 }, (_, i) => `k${i}:value ${i}`);
    kcat(['-P', '-b', bootstrap, '-t', 'web', '-K', ':'], `${lines.join('\n')}\n`);
    const consumed = kcat(['-b', bootstrap, '-G', 'web-readers', '-X', 'auto.offset.reset=earliest', '-e', '-q', '-f', '%k\n', 'web']);
    assert.is(consumed.split('\n').filter((l) => l !== '').length, 300);
    kcat(['-P', '-b', bootstrap, '-t', 'web', '-K', ':'], `${Array.from({ length: 50 }, (_, i) => `late${i}:v`).join('\n')}\n`);

    // The broker's state as a Kafka client reads it.
    const admin = new kafkajs.Kafka({ brokers: [bootstrap], logLevel: kafkajs.logLevel.NOTHING }).admin();
    await admin.connect();
    const webOffsets = await admin.fetchTopicOffsets('web');
    const patientOffsets = await admin.fetchTopicOffsets('TestTopicPatient');
    const committed = (await admin.fetchOffsets({ groupId: 'web-readers', topics: ['web'] }))[0]?.partitions ?? [];
    await admin.disconnect();
    const highOf = (p: number): number => Number(webOffsets.find((o) => o.partition === p)?.high);
    const expectedLag = [0, 1].reduce((sum, p) => sum + highOf(p) - Number(committed.find((c) => c.partition === p)?.offset), 0);
    assert.is(highOf(0) + highOf(1), 350);
    assert.is(expectedLag, 50);

    const page = await openPage(browser, errors);
    await visit(page, served.consoleUrl, 'overview');
    const webCells = await page.locator('[data-testid="topics"] tr', { hasText: 'web' }).first().locator('td').allTextContents();
    assert.equal([webCells[0], webCells[1], webCells[4]], ['web', '2', '350'], 'the overview lists web: 2 partitions, 350 messages');
    const totalMessages = Number(patientOffsets[0]?.high) + 350;
    assert.ok(Number((await cardValue(page, 'total-messages')).replace(/,/g, '')) >= totalMessages,
      'the total counts every topic (and __consumer_offsets)');
    assert.is(await cardValue(page, 'total-groups'), '2', 'the Kafka directory\'s group and web-readers');
    assert.match((await page.textContent('#mode')) ?? '', /^live/);
    // Charts: the sampler takes one sample every 5 s; the line exists from the second.
    let pixels = 0;
    for (let waited = 0; waited < 25_000 && pixels <= 0; waited += 1000) {
      await page.waitForTimeout(1000);
      pixels = await seriesPixels(page, 'messages');
    }
    assert.ok(pixels > 0, `the messages chart draws its series line (${pixels} pixels)`);
    assert.ok(await seriesPixels(page, 'bytes') > 0, 'the bytes chart draws its series line');
    const requests = (await page.textContent('[data-testid="requests"]')) ?? '';
    assert.match(requests, /Produce/, 'produce requests are listed per API');
    assert.match(requests, /Fetch/);
    await shot(page, 'overview');

    await visit(page, `${served.consoleUrl}#/topic/web`, 'topic');
    for (const p of [0, 1]) {
      const cells = await page.locator(`[data-testid="offsets-${p}"] td`).allTextContents();
      assert.is(cells[3], format(highOf(p)), `partition ${p}: the log end shown is the broker's`);
      assert.is(cells[1], format(highOf(p)), `partition ${p}: the high watermark shown is the broker's`);
    }
    await shot(page, 'topic-web');

    await visit(page, `${served.consoleUrl}#/topic/TestTopicPatient`, 'topic');
    const patient = await page.locator('[data-testid="offsets-0"] td').allTextContents();
    assert.is(patient[3], format(Number(patientOffsets[0]?.high)), 'the real Kafka topic shows its log end');
    assert.ok(await page.locator('[data-testid="timeline-0"] a.segment').count() >= 1, 'the segment timeline has the segment');

    await visit(page, `${served.consoleUrl}#/groups`, 'groups');
    assert.match((await page.textContent('[data-testid="groups"]')) ?? '', /web-readers/);
    await visit(page, `${served.consoleUrl}#/group/web-readers`, 'group');
    assert.is(await cardValue(page, 'group-lag'), format(expectedLag), 'the group page shows the lag a Kafka client computes');
    const offsetsTable = (await page.textContent('[data-testid="group-offsets"]')) ?? '';
    for (const c of committed) assert.ok(offsetsTable.includes(format(Number(c.offset))), `committed offset ${c.offset} is shown`);
    let lagPixels = -1;
    for (let waited = 0; waited < 10_000 && lagPixels <= 0; waited += 500) {
      await page.waitForTimeout(500);
      lagPixels = await seriesPixels(page, 'lag');
    }
    assert.ok(lagPixels > 0, 'the lag chart draws');
    await shot(page, 'group');

    await visit(page, `${served.consoleUrl}#/producers`, 'producers');
    await shot(page, 'producers');

    await visit(page, `${served.consoleUrl}#/segment/TestTopicPatient/0/0`, 'segment');
    assert.is(await page.locator('[data-testid="segment-table"] tr.batch').count(), 3);
    assert.is(await page.locator('[data-testid="segment-table"] tr.bad').count(), 0);
    assert.match((await page.textContent('[data-testid="segment-table"]')) ?? '', /resourceType/, 'records are shown');
    await shot(page, 'segment');
    assert.equal(errors, [], 'no console error on any page');
    assert.is(await served.stop(), 0, 'serve stops cleanly with the console attached');
  } finally {
    await browser.close();
    await served.stop();
  }
});

test('the drop page decodes a real Kafka segment in the browser and shows the bad batch of a corrupted one', async () => {
  const dir = tempDir('seglog-console-drop-');
  const good = readFileSync(FIXTURE_SEGMENT);
  const corrupted = Buffer.from(good);
  // A byte inside the second batch's records (position 1901 + 100): its CRC no longer matches.
  corrupted[2001] = (corrupted[2001] as number) ^ 0xff;
  const corruptedPath = join(dir, '00000000000000000000.log');
  writeFileSync(corruptedPath, corrupted);
  const garbagePath = join(dir, '00000000000000000100.log');
  writeFileSync(garbagePath, Buffer.concat([good.subarray(0, 1901), Buffer.alloc(64, 0x7f)]));
  const browser = await launch();
  const errors: string[] = [];
  try {
    const page = await openPage(browser, errors);
    // Opened from disk (file://): the page needs no server.
    await page.goto(`file://${join(ROOT, 'dist/console/drop.html')}`);
    await page.setInputFiles('#files', FIXTURE_SEGMENT);
    await page.waitForSelector('[data-file]');
    assert.is(await page.locator('tr.batch').count(), 3);
    assert.is(await page.locator('tr.bad').count(), 0);
    assert.match((await page.textContent('[data-testid="file-summary"]')) ?? '', /3 batches, 0 with a CRC mismatch, 0 bytes after/);
    assert.match((await page.textContent('.batches')) ?? '', /resourceType/, 'the records are decoded');
    await shot(page, 'drop-real-segment');

    await page.setInputFiles('#files', [corruptedPath, garbagePath]);
    await page.waitForSelector('[data-file$="00000000000000000100.log"]');
    const bad = page.locator('[data-file$="00000000000000000000.log"] tr.bad');
    assert.is(await bad.count(), 1, 'exactly one batch is bad');
    assert.is(await bad.getAttribute('data-offset'), '1', 'the bad batch is the second one, at offset 1');
    assert.match((await bad.textContent()) ?? '', /CRC mismatch \(stored \d+, computed \d+\)/);
    const stopped = (await page.textContent('[data-file$="00000000000000000100.log"] [data-testid="file-stopped"]')) ?? '';
    assert.match(stopped, /SEGLOG_CORRUPT_RECORD.*position 1901/, 'garbage after a batch stops the decode at its byte, with why');
    await shot(page, 'drop-corrupted');

    // A whole partition folder (the folder chooser): its .log files decoded, the side files listed.
    await page.setInputFiles('#folder', join(FIXTURE, 'TestTopicPatient-0'));
    await page.waitForSelector('[data-file$="TestTopicPatient-0/00000000000000000000.log"]');
    assert.is(await page.locator('tr.batch').count(), 3);
    assert.match((await page.textContent('#results')) ?? '', /not decoded here: .*partition\.metadata/);
    assert.equal(errors, []);
  } finally {
    await browser.close();
  }
});

test('seglog ui serves the same pages for a stopped directory, read-only', async () => {
  const dataDir = tempDir('seglog-console-ui-');
  cpSync(FIXTURE, dataDir, { recursive: true });
  const served = await startCli(['ui', '--data', dataDir, '--port', '0']);
  const browser = await launch();
  const errors: string[] = [];
  try {
    const page = await openPage(browser, errors);
    await visit(page, served.consoleUrl, 'overview');
    assert.match((await page.textContent('#mode')) ?? '', /stopped directory \(read-only\)/);
    assert.match((await page.textContent('[data-testid="topics"]')) ?? '', /TestTopicPatient/);
    await shot(page, 'ui-overview');
    await visit(page, `${served.consoleUrl}#/group/DEVSmileCDR`, 'group');
    assert.ok(await page.locator('[data-testid="group-offsets"] tbody tr').count() >= 1, 'the Kafka group\'s committed offsets are shown');
    await visit(page, `${served.consoleUrl}#/topic/TestTopicPatient`, 'topic');
    await visit(page, `${served.consoleUrl}#/segment/TestTopicPatient/0/0`, 'segment');
    assert.is(await page.locator('[data-testid="segment-table"] tr.batch').count(), 3);
    await visit(page, `${served.consoleUrl}#/topic/no-such-topic`, 'error');
    assert.match((await page.textContent('.error')) ?? '', /no topic "no-such-topic"/);
    assert.equal(errors.filter((e) => !e.includes('404')), [], 'no console error but the 404 asked for');
  } finally {
    await browser.close();
    assert.is(await served.stop(), 0);
  }
});

test.run();
