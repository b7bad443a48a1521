/** What `npm run tenant:new` writes where only a person can know the value. */
export const SCAFFOLD_PLACEHOLDER = 'CHANGE-ME';

// A whole word, in any case: `change-me@example.com` is a placeholder, "change-meeting" is not.
const PLACEHOLDER_WORD = new RegExp(`\\b${SCAFFOLD_PLACEHOLDER}\\b`, 'i');

/** Every field of a parsed config file whose text still holds the scaffold placeholder, with its path. */
export function placeholderFields(input: unknown, path: readonly PropertyKey[] = []): { path: PropertyKey[]; value: string }[] {
  if (typeof input === 'string') return PLACEHOLDER_WORD.test(input) ? [{ path: [...path], value: input }] : [];
  if (Array.isArray(input)) return input.flatMap((item, index) => placeholderFields(item, [...path, index]));
  if (typeof input === 'object' && input !== null) {
    return Object.entries(input).flatMap(([key, value]) => placeholderFields(value, [...path, key]));
  }
  return [];
}
