/** `npm run journey -- --base-url <url>`: see journey.ts. */
import { journeyCommand } from './journey.ts';

process.exitCode = await journeyCommand(process.argv.slice(2), (text) => void process.stdout.write(text));
