// `npm run teams:package`: builds the Teams app package (manifest.json + two generated icons, zipped) and
// validates the manifest offline against Microsoft's schema. Exits 1, saying why, if anything is invalid.
import fs from 'node:fs';
import path from 'node:path';
import AdmZip from 'adm-zip';
import { AppManifestUtils } from '@microsoft/app-manifest';
import { loadBrain } from '../rules';
import { projectRoot } from '../rules/projectRoot';
import { colorIcon, outlineIcon } from './teams/icons';
import { buildManifest, localSchema, PackageConfigSchema } from './teams/manifest';

async function main(): Promise<void> {
  const config = PackageConfigSchema.safeParse(process.env);
  if (!config.success) {
    console.error(`Cannot build the Teams package:\n${config.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`);
    process.exit(1);
  }
  const root = projectRoot();
  const { version } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
  const manifest = buildManifest(config.data, loadBrain(), version);
  const errors = await AppManifestUtils.validateAgainstSchema(manifest as never, localSchema() as never);
  if (errors.length > 0) {
    console.error(`The manifest is not valid against the Teams schema v${manifest.manifestVersion}:\n${errors.map((e) => `  ${e}`).join('\n')}`);
    process.exit(1);
  }
  const outDir = path.resolve(process.argv[2] ?? path.join(root, 'dist', 'teams'));
  fs.mkdirSync(outDir, { recursive: true });
  const zip = new AdmZip();
  zip.addFile('manifest.json', Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`));
  zip.addFile('color.png', colorIcon(manifest.accentColor));
  zip.addFile('outline.png', outlineIcon());
  const file = path.join(outDir, 'kartra-support-teams.zip');
  zip.writeZip(file);
  console.log(`Teams app package: ${file}\n  manifest v${manifest.manifestVersion}, app ${manifest.id}, bot ${manifest.bots[0]?.botId}, valid against the schema\n  icons: color.png 192x192, outline.png 32x32`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
