// The widget through a real load balancer: nginx from Debian's packages, with the configuration the
// README shows (deploy/nginx.conf), round-robin over two instances on one PostgreSQL, WebSocket upgrade
// included. Every request may land on either instance; the customer doesn't notice.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { freePort } from '../../scripts/soak/serverProcess';
import { startServer, type ServerProcess } from '../serverProcess';
import { freshLocation } from '../store/engines';
import { tempDir } from '../tmp';
import { bubble, launch, OUT, step, ticketsIn, type } from '../browser/widgetPage';

const NGINX = process.env.NGINX_PATH ?? '/usr/sbin/nginx';

/** deploy/nginx.conf with this run's ports, in a folder of its own, and a log of which instance served what. */
function nginxConfig(dir: string, listen: number, upstreams: number[]): string {
  const site = fs.readFileSync(path.resolve(__dirname, '../../deploy/nginx.conf'), 'utf8')
    .replace(/server 127\.0\.0\.1:3978;\s*server 127\.0\.0\.1:3979;/, upstreams.map((p) => `server 127.0.0.1:${p};`).join(' '))
    .replace('listen 80;', `listen 127.0.0.1:${listen};`);
  for (const d of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) fs.mkdirSync(path.join(dir, d), { recursive: true });
  const conf = `worker_processes 1; daemon off; pid ${dir}/nginx.pid; error_log ${dir}/error.log warn;
events { worker_connections 512; }
http {
  log_format upstream '$upstream_addr $request_method $uri $status';
  access_log ${dir}/access.log upstream;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  ${site}
}`;
  const file = path.join(dir, 'nginx.conf');
  fs.writeFileSync(file, conf);
  return file;
}

describe('behind nginx, round-robin over two instances', () => {
  let a: ServerProcess;
  let b: ServerProcess;
  let nginx: ChildProcess;
  let browser: Browser;
  let url = '';
  let databaseUrl = '';
  const dir = tempDir('kt-nginx-');
  beforeAll(async () => {
    if (!fs.existsSync(NGINX)) throw new Error(`nginx not found at ${NGINX}: apt-get install -y nginx (.ci/run does), or set NGINX_PATH`);
    databaseUrl = (await freshLocation('postgres')).databaseUrl as string;
    const listen = await freePort();
    url = `http://127.0.0.1:${listen}`;
    // Links the bot hands out (the stream URL) are the balancer's, never an instance's own.
    const env = { DATABASE_URL: databaseUrl, PUBLIC_URL: url, LOG_LEVEL: 'warn' };
    [a, b, browser] = await Promise.all([startServer({ ...env, DATA_DIR: tempDir() }), startServer({ ...env, DATA_DIR: tempDir() }), launch()]);
    nginx = spawn(NGINX, ['-c', nginxConfig(dir, listen, [a.port, b.port]), '-p', dir], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      if ((await fetch(`${url}/healthz`).then((r) => r.status, () => 0)) === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }, 60_000);
  afterAll(async () => {
    nginx?.kill('SIGTERM');
    await browser?.close();
    await a?.stop();
    await b?.stop();
  });

  it('the widget works through it: a ticket conversation, the stream upgraded through the proxy, requests served by both instances', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1200, height: 800 } })).newPage();
    await page.goto(url);
    await step(page, () => page.getByRole('button', { name: 'Open chat with Kartra Support' }).click(), 'Tell me in your own words');
    await step(page, () => type(page, 'my ip got blocked'), 'What is your Kartra account username?');
    await step(page, () => type(page, 'jo_k'), 'What is the IP address that is blocked?');
    await step(page, () => type(page, '84.23.112.19'), 'What kind of place is this IP address from?');
    await step(page, () => type(page, 'hotel'), 'speed test');
    await step(page, () => type(page, 'https://www.loom.com/share/speed1'), 'email address of your Kartra account');
    await step(page, () => type(page, 'jo@example.com'), 'last things you did in Kartra');
    await step(page, () => type(page, 'editing a landing page'), 'Do several people use this IP address?');
    await step(page, () => type(page, 'no'), 'screenshot of the IP block');
    await step(page, () => type(page, 'https://www.loom.com/share/block1'), 'VPN');
    await step(page, () => type(page, 'no'), 'Support Code');
    await step(page, () => type(page, 'K9X2Z'), 'Please check your ticket');
    await step(page, () => page.getByRole('button', { name: 'Open the ticket' }).last().click(), /Your ticket is open/);
    await page.screenshot({ path: path.join(OUT, 'widget-behind-nginx.png') });
    const reference = /KT-[A-Z0-9]{6}/.exec((await bubble(page, /KT-[A-Z0-9]{6}/).textContent()) ?? '')?.[0] ?? '';
    expect((await ticketsIn(tempDir(), databaseUrl)).find((t) => t.reference === reference)?.fields).toMatchObject({ username: 'jo_k', ip_address: '84.23.112.19', support_code: 'K9X2Z' });

    // nginx logs a WebSocket when it closes: close the page, then read the log once the upgrade is in it.
    await page.close();
    const readLog = () => fs.readFileSync(path.join(dir, 'access.log'), 'utf8').trim().split('\n');
    const upgraded = (l: string) => / GET \/v3\/directline\/conversations\/[^/]+\/stream 101$/.test(l);
    for (const deadline = Date.now() + 10_000; !readLog().some(upgraded) && Date.now() < deadline;) await new Promise((resolve) => setTimeout(resolve, 50));
    const log = readLog();
    const servedBy = (port: number) => log.filter((l) => l.startsWith(`127.0.0.1:${port} `));
    expect(servedBy(a.port).length).toBeGreaterThan(0);
    expect(servedBy(b.port).length).toBeGreaterThan(0);
    // The widget's stream went through the proxy as a WebSocket upgrade.
    expect(log.filter(upgraded)).not.toEqual([]);
  }, 120_000);
});
