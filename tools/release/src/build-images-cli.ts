/**
 * `npm run images [-- <service> …]`: builds every service's image (or the ones named) as
 * ghcr.io/myshop/<service>:dev (the name every manifest uses; CI tags the same build with the
 * commit) and prints how much each adds to its base image.
 */
import { runCommand } from './cli.ts';
import {
  assertDockerEngine,
  assertImagePresent,
  baseImageOf,
  buildImage,
  devImage,
  dockerfileOf,
  inspectImage,
  megabytes,
} from './docker.ts';
import { repoPath, services } from './repo.ts';

/** The services named, or all of them; a name that is no service is refused before anything is built. */
function servicesToBuild(args: string[]): string[] {
  const known = services();
  const unknown = args.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new Error(`no service ${unknown.join(', ')}; the services are ${known.join(', ')}\nusage: npm run images [-- <service> …]`);
  }
  return args.length > 0 ? args : known;
}

await runCommand('images', async () => {
  const wanted = servicesToBuild(process.argv.slice(2));
  assertDockerEngine();
  const rows: string[] = [];
  for (const service of wanted) {
    const base = baseImageOf(dockerfileOf(service));
    assertImagePresent(base);
    const started = Date.now();
    process.stdout.write(`building ${devImage(service)} (${dockerfileOf(service)}) …\n`);
    await buildImage(service, devImage(service), { logFile: repoPath('reports', 'images', `${service}-build.log`) });
    const baseSize = inspectImage(base).size;
    const size = inspectImage(devImage(service)).size;
    rows.push(
      `${devImage(service).padEnd(32)} ${String(megabytes(baseSize)).padStart(7)} MB ${String(megabytes(size)).padStart(7)} MB ` +
        `${`+${megabytes(size - baseSize)}`.padStart(7)} MB  ${Math.round((Date.now() - started) / 1000)} s`,
    );
  }
  process.stdout.write(
    `\n${'image'.padEnd(32)} ${'base'.padStart(10)} ${'final'.padStart(10)} ${'added'.padStart(10)}  build\n${rows.join('\n')}\n`,
  );
});
