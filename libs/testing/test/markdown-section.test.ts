import { describe, expect, it } from 'vitest';
import { markdownSection } from '../src/index.ts';

const PAGE = `# Title

## Configuration

- \`PORT\` (default \`5000\`)

\`\`\`sh
# a shell comment is no heading
\`\`\`

### Details

more

## Error codes

- \`X\` (400)
`;

describe('markdownSection', () => {
  it('reads from under the heading to the next ## heading, code blocks and deeper headings included', () => {
    expect(markdownSection(PAGE, 'Configuration')).toBe(
      '\n- `PORT` (default `5000`)\n\n```sh\n# a shell comment is no heading\n```\n\n### Details\n\nmore\n',
    );
  });

  it('reads the last section to the end of the page, and one on the first line', () => {
    expect(markdownSection(PAGE, 'Error codes')).toBe('\n- `X` (400)\n');
    expect(markdownSection('## First\nbody', 'First')).toBe('body');
  });

  it('finds no section whose title only starts like the one asked, and none that is missing', () => {
    expect(markdownSection(PAGE, 'Error')).toBeUndefined();
    expect(markdownSection(PAGE, 'Metrics')).toBeUndefined();
  });
});
