import { projectTestConfig } from '@myshop/vitest-config';
import { defineConfig } from 'vitest/config';

const config = projectTestConfig({
  dir: import.meta.dirname,
  coverage: { lines: 85, functions: 85, branches: 70, statements: 82 },
});
// What needs a Docker engine (the image tests of delivery-tests cover it: `npm run test:images`),
// and entry points that only call what the tests cover (journey-cli: journeyCommand).
config.test!.coverage!.exclude = ['src/docker.ts', 'src/build-images-cli.ts', 'src/journey-cli.ts'];

export default defineConfig(config);
