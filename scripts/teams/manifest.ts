import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Brain } from '../../rules';

export const MANIFEST_VERSION = '1.24';
export const SCHEMA_URL = `https://developer.microsoft.com/en-us/json-schemas/teams/v${MANIFEST_VERSION}/MicrosoftTeams.schema.json`;

const https = z.url({ protocol: /^https$/, error: 'must be an https:// URL' });
export const PackageConfigSchema = z.object({
  MicrosoftAppId: z.guid({ error: 'set MicrosoftAppId to the bot\'s Azure app (client) id, a GUID' }),
  /** The Teams app's own id; defaults to the bot id (one app, one bot). */
  TEAMS_APP_ID: z.guid().optional(),
  TEAMS_APP_VERSION: z.string().regex(/^\d+\.\d+\.\d+$/).optional(),
  // Lengths and formats beyond these are the Teams schema's to check (the build fails on them).
  TEAMS_DEVELOPER_NAME: z.string().min(1).default('Kartra Support'),
  TEAMS_WEBSITE_URL: https,
  TEAMS_PRIVACY_URL: https,
  TEAMS_TERMS_URL: https,
  TEAMS_ACCENT_COLOR: z.string().regex(/^#[0-9a-fA-F]{6}$/).default('#0A66C2'),
});
export type PackageConfig = z.infer<typeof PackageConfigSchema>;

/** The app manifest: the bot in personal, team and group chat scopes, its main topics as commands. */
export function buildManifest(c: PackageConfig, brain: Brain, version: string) {
  const commands = brain.rules.topics.map((t) => ({
    title: brain.rules.intents[t].label.slice(0, 32),
    description: `Get help with: ${brain.rules.intents[t].label}`,
  }));
  return {
    $schema: SCHEMA_URL,
    manifestVersion: MANIFEST_VERSION,
    version: c.TEAMS_APP_VERSION ?? version,
    id: c.TEAMS_APP_ID ?? c.MicrosoftAppId,
    developer: { name: c.TEAMS_DEVELOPER_NAME, websiteUrl: c.TEAMS_WEBSITE_URL, privacyUrl: c.TEAMS_PRIVACY_URL, termsOfUseUrl: c.TEAMS_TERMS_URL },
    name: { short: 'Kartra Support', full: 'Kartra Support Assistant' },
    description: {
      short: 'Answers Kartra questions and opens support tickets for you.',
      full: 'The Kartra support assistant helps with login trouble, blocked IP addresses, purchases from sellers who use Kartra, custom domains and billing. It answers from the help center, collects what the support team needs, opens a ticket, and hands you to a person when you ask.',
    },
    icons: { color: 'color.png', outline: 'outline.png' },
    accentColor: c.TEAMS_ACCENT_COLOR,
    bots: [{
      botId: c.MicrosoftAppId,
      scopes: ['personal', 'team', 'groupChat'],
      supportsFiles: false,
      isNotificationOnly: false,
      commandLists: [{ scopes: ['personal', 'team', 'groupChat'], commands }],
    }],
    permissions: ['identity', 'messageTeamMembers'],
    validDomains: [new URL(c.TEAMS_WEBSITE_URL).host],
  };
}

/** The JSON schema shipped in @microsoft/app-manifest, read from disk: validation never goes online. */
export function localSchema(): Record<string, unknown> {
  const pkg = path.dirname(require.resolve('@microsoft/app-manifest/package.json'));
  return JSON.parse(fs.readFileSync(path.join(pkg, 'build', 'json-schemas', 'teams', `v${MANIFEST_VERSION}`, 'MicrosoftTeams.schema.json'), 'utf8')) as Record<string, unknown>;
}
