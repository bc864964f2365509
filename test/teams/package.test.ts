import { execFile } from 'node:child_process';
import path from 'node:path';
import zlib from 'node:zlib';
import { promisify } from 'node:util';
import AdmZip from 'adm-zip';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { pngSize } from '../../scripts/teams/icons';
import { localSchema } from '../../scripts/teams/manifest';
import { tempDir } from '../tmp';

const run = promisify(execFile);

/** The Teams schema (draft-04, shipped in @microsoft/app-manifest) checked with ajv, as the package does. */
function schemaErrors(manifest: unknown): string[] {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  const validate = ajv.compile(localSchema());
  return validate(manifest) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}
const SCRIPT = path.resolve(__dirname, '../../dist/scripts/teamsPackage.js');
const ENV = {
  MicrosoftAppId: '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b', TEAMS_WEBSITE_URL: 'https://support.example.com',
  TEAMS_PRIVACY_URL: 'https://support.example.com/privacy', TEAMS_TERMS_URL: 'https://support.example.com/terms',
};

/** RGBA pixels of one of our (unfiltered) PNGs. */
function pixels(png: Buffer): Buffer {
  const { width, height } = pngSize(png);
  let at = 8;
  const idat: Buffer[] = [];
  while (at < png.length) {
    const len = png.readUInt32BE(at);
    if (png.subarray(at + 4, at + 8).toString('latin1') === 'IDAT') idat.push(png.subarray(at + 8, at + 8 + len));
    at += 12 + len;
  }
  const raw = zlib.inflateSync(Buffer.concat(idat));
  return Buffer.concat(Array.from({ length: height }, (_, y) => raw.subarray(y * (width * 4 + 1) + 1, (y + 1) * (width * 4 + 1))));
}

describe('npm run teams:package', () => {
  it('builds a zip with a schema-valid manifest and icons of the required sizes', async () => {
    const out = tempDir();
    const { stdout } = await run(process.execPath, [SCRIPT, out], { env: { ...process.env, ...ENV } });
    expect(stdout).toMatch(/valid against the schema/);
    const zip = new AdmZip(path.join(out, 'kartra-support-teams.zip'));
    expect(zip.getEntries().map((e) => e.entryName).sort()).toEqual(['color.png', 'manifest.json', 'outline.png']);

    const manifest = JSON.parse(zip.readAsText('manifest.json')) as Record<string, unknown> & { bots: { botId: string; scopes: string[]; commandLists: { commands: { title: string }[] }[] }[] };
    expect(schemaErrors(manifest)).toEqual([]);
    expect(manifest).toMatchObject({ manifestVersion: '1.24', id: ENV.MicrosoftAppId });
    expect(manifest.bots[0]).toMatchObject({ botId: ENV.MicrosoftAppId, scopes: ['personal', 'team', 'groupChat'] });
    expect(manifest.bots[0]?.commandLists[0]?.commands.map((c) => c.title)).toEqual(expect.arrayContaining(["I can't log in", 'My IP address is blocked']));

    const color = zip.readFile('color.png') as Buffer;
    const outline = zip.readFile('outline.png') as Buffer;
    expect(pngSize(color)).toEqual({ width: 192, height: 192 });
    expect(pngSize(outline)).toEqual({ width: 32, height: 32 });
    // The outline icon: white or fully transparent pixels only, and some of each.
    const px = pixels(outline);
    const kinds = new Set<string>();
    for (let i = 0; i < px.length; i += 4) kinds.add(px[i + 3] === 0 ? 'transparent' : `${px[i]},${px[i + 1]},${px[i + 2]},${px[i + 3]}`);
    expect([...kinds].sort()).toEqual(['255,255,255,255', 'transparent']);
  });

  it('fails with the reason when configuration is missing, and the schema catches an invalid manifest', async () => {
    await expect(run(process.execPath, [SCRIPT, tempDir()], { env: { ...process.env, ...ENV, MicrosoftAppId: 'not-a-guid', TEAMS_TERMS_URL: 'http://plain' } }))
      .rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/MicrosoftAppId: set MicrosoftAppId[\s\S]*TEAMS_TERMS_URL: must be an https:\/\/ URL/) });
    await expect(run(process.execPath, [SCRIPT, tempDir()], { env: { ...process.env, ...ENV, TEAMS_DEVELOPER_NAME: 'A developer name much longer than Teams allows' } }))
      .rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/not valid against the Teams schema v1\.24[\s\S]*developer\/name/) });
    const zip = new AdmZip((await run(process.execPath, [SCRIPT, tempDir()], { env: { ...process.env, ...ENV } })).stdout.match(/: (\S+\.zip)/)?.[1] ?? '');
    const manifest = JSON.parse(zip.readAsText('manifest.json')) as Record<string, unknown>;
    expect(schemaErrors({ ...manifest, name: { short: 'x'.repeat(31), full: 'x' } }).join('\n')).toMatch(/\/name\/short must NOT have more than 30 characters/);
  });
});
