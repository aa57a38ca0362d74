// Messages name things from the domain ("operator", "in_service"); this picks their article.

/** `word` with "a" or "an" before it, by its first letter: "an operator", "a maintainer". */
export function withArticle(word: string): string {
  return `${/^[aeiou]/i.test(word) ? 'an' : 'a'} ${word}`;
}
