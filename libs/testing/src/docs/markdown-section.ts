/**
 * The text under a page's `## <title>` heading, up to the next `## ` heading, or undefined when
 * the page has no such heading: what the tests that hold a page's section to the code read.
 */
export function markdownSection(page: string, title: string): string | undefined {
  const text = `\n${page}`;
  const heading = `\n## ${title}\n`;
  const start = text.indexOf(heading);
  if (start === -1) return undefined;
  const body = text.slice(start + heading.length);
  const end = body.indexOf('\n## ');
  return end === -1 ? body : body.slice(0, end);
}
