/**
 * The runtime side of a literal union derived from a `const` array
 * (`SLOT_MODES`, `MODE_REASONS`, ...): the check reads the same array the
 * type is made from, so the two cannot drift apart.
 */
export function isOneOf<T extends string>(value: unknown, allowed: readonly T[]): value is T {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value);
}
