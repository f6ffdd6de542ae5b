/**
 * An operator configures a service from its documentation: docs/configuration.md (every key) and
 * the `## Configuration` section of the service's README (its own keys). Both are held here to
 * the service's config schema (`apps/<service>/src/config.ts`): the same keys, none missing and
 * none extra, each with the schema's default, its secret mark, the range the page states, and the
 * keys the service requires in production.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '@myshop/config';
import { markdownSection } from '@myshop/testing';
import { repoPath, services } from '@myshop/release';
import { describe, expect, it } from 'vitest';
import { serviceConfig, type ConfigProperty } from '../src/service-config.ts';

/** What a page says of one key, in its bullet: `- \`KEY\` (secret, default \`x\`): …`. */
interface DocumentedKey {
  secret: boolean;
  /** The default as written: a value in backticks, or words (`unset`, `generated`, `empty`…). */
  default: string | undefined;
  /** A range `a–b` the bullet states, if any. */
  range: [number, number] | undefined;
}

/** The text under `## <title>`; a page without that section fails the test, naming both. */
function section(text: string, title: string, page: string): string {
  const found = markdownSection(text, title);
  if (found === undefined) throw new Error(`${page} has no section "## ${title}"`);
  return found;
}

/** A section's bullets, each without the paragraph that may follow it. */
function bullets(text: string): string[] {
  return text
    .split(/\n(?=- )/)
    .filter((bullet) => bullet.startsWith('- `'))
    .map((bullet) => bullet.split('\n\n')[0]!);
}

/** The keys of a section's bullets, with what each bullet says of them (a bullet may name several). */
function documentedKeys(text: string): Map<string, DocumentedKey> {
  const keys = new Map<string, DocumentedKey>();
  for (const bullet of bullets(text)) {
    const head = /^- ((?:`[A-Z0-9_]+`(?:, )?)+) \(([^)]*)\)/.exec(bullet);
    if (!head) continue;
    const names = [...head[1]!.matchAll(/`([A-Z0-9_]+)`/g)].map((match) => match[1]!);
    const remark = head[2]!;
    const defaults = /\bdefaults? (.*)$/.exec(remark)?.[1];
    const values = defaults?.includes('`') ? [...defaults.matchAll(/`([^`]*)`/g)].map((match) => match[1]!) : undefined;
    const range = /\((\d[\d,]*)–(\d[\d,]*)\)/.exec(bullet.replace(/\s+/g, ' '));
    names.forEach((name, index) =>
      keys.set(name, {
        secret: /^secrets?\b/.test(remark),
        default: values ? values[index] : defaults,
        range: range ? [Number(range[1]!.replaceAll(',', '')), Number(range[2]!.replaceAll(',', ''))] : undefined,
      }),
    );
  }
  return keys;
}

/** How a page writes a schema default: as the value itself, or in words when there is none. */
function defaultMatches(property: ConfigProperty & { minimum?: number }, documented: string | undefined): boolean {
  if (property.default === undefined)
    return documented !== undefined && !documented.includes('`') && /^(unset|generated|\d+ per core)$/.test(documented);
  if (property.default === '') return documented === 'empty';
  return documented === String(property.default);
}

/** The keys in backticks of the sentences of `text` that say they are required in production. */
function requiredInProduction(text: string): string[] {
  const flat = text.replace(/\s+/g, ' ');
  const sentences = [...flat.matchAll(/Required in production: ([^.]*)\.|([^.:]*) (?:is|are) required in production/g)];
  const saidInBullets = bullets(text).filter((bullet) => bullet.replace(/\s+/g, ' ').includes('required in production'));
  return [
    ...sentences.flatMap((match) => [...(match[1] ?? match[2]!).matchAll(/`([A-Z0-9_]+)`/g)].map((key) => key[1]!)),
    ...saidInBullets.map((bullet) => /^- `([A-Z0-9_]+)`/.exec(bullet)![1]!),
  ];
}

/** What the schema says of a key, in the words a page uses, for an error message that shows both. */
function fromSchema(property: ConfigProperty & { minimum?: number; maximum?: number }) {
  return { secret: property['x-secret'] === true, default: property.default, minimum: property.minimum, maximum: property.maximum };
}

/** The keys a service requires in production: those it names when started in production with none set. */
async function keysRequiredInProduction(service: string): Promise<string[]> {
  const config = await serviceConfig(service);
  try {
    config.load({ NODE_ENV: 'production' });
  } catch (error) {
    if (error instanceof ConfigError) return error.keys.sort();
    throw error;
  }
  return [];
}

const configurationPage = readFileSync(repoPath('docs', 'configuration.md'), 'utf8');
const shared = documentedKeys(section(configurationPage, 'Shared keys (every service)', 'docs/configuration.md'));
const tokenKeys = documentedKeys(
  section(configurationPage, 'Keys of the services that verify tokens (cart, payment)', 'docs/configuration.md'),
);

/** Whether each documented key agrees with the schema: the problems, one line each. */
function disagreements(documented: Map<string, DocumentedKey>, properties: Record<string, ConfigProperty>): string[] {
  const problems: string[] = [];
  for (const [key, doc] of documented) {
    const property = properties[key] as (ConfigProperty & { minimum?: number; maximum?: number }) | undefined;
    if (!property) {
      problems.push(`${key}: documented, but the schema has no such key`);
      continue;
    }
    const schema = fromSchema(property);
    if (doc.secret !== schema.secret) problems.push(`${key}: documented ${doc.secret ? '' : 'not '}secret, the schema says otherwise`);
    if (!defaultMatches(property, doc.default))
      problems.push(`${key}: documented default ${doc.default}, the schema's ${String(schema.default)}`);
    if (doc.range && (doc.range[0] !== schema.minimum || doc.range[1] !== schema.maximum))
      problems.push(`${key}: documented ${doc.range.join('–')}, the schema's ${schema.minimum}–${schema.maximum}`);
  }
  return problems;
}

describe('docs/configuration.md', () => {
  it('has the shared keys and the token keys, as the sections the services build on', () => {
    expect(shared.size).toBeGreaterThan(10);
    expect([...tokenKeys.keys()].sort()).toEqual(['JWKS_URL', 'JWT_AUDIENCE', 'JWT_ISSUER']);
  });

  it('says DATABASE_URL is required in production for every service', () => {
    expect(configurationPage.replace(/\s+/g, ' ')).toContain('`DATABASE_URL` is required in production for every service.');
  });

  it.each(services())('%s: every key of its schema and no other, with its default, secret mark and range', async (service) => {
    const { schema } = await serviceConfig(service);
    const own = documentedKeys(section(configurationPage, service, 'docs/configuration.md'));
    const verifiesTokens = 'JWKS_URL' in schema.properties;
    const documented = new Map([...shared, ...(verifiesTokens ? tokenKeys : []), ...own]);
    expect([...documented.keys()].sort()).toEqual(Object.keys(schema.properties).sort());
    expect(disagreements(documented, schema.properties)).toEqual([]);
  });

  it.each(services())('%s: the keys it requires in production', async (service) => {
    const own = section(configurationPage, service, 'docs/configuration.md');
    expect(['DATABASE_URL', ...requiredInProduction(own)].sort()).toEqual(await keysRequiredInProduction(service));
  });
});

describe.each(services())('apps/%s/README.md, its Configuration section', (service) => {
  const page = `apps/${service}/README.md`;
  const text = section(readFileSync(repoPath(page), 'utf8'), 'Configuration', page);

  it('lists the keys of the service’s own (those that are neither shared nor token keys), with their defaults', async () => {
    const { schema } = await serviceConfig(service);
    const own = Object.keys(schema.properties).filter(
      (key) => !shared.has(key) && !('JWKS_URL' in schema.properties && tokenKeys.has(key)),
    );
    const documented = documentedKeys(text);
    expect([...documented.keys()].sort()).toEqual(own.sort());
    expect(disagreements(documented, schema.properties)).toEqual([]);
  });

  it('names the keys it requires in production', async () => {
    expect([...new Set(['DATABASE_URL', ...requiredInProduction(text)])].sort()).toEqual(await keysRequiredInProduction(service));
  });
});
