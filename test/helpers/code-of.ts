/** The `code` of what `fn` throws, or 'no error'. Tests compare codes, never message text. */
export function codeOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return (err as { code?: unknown }).code;
  }
  return 'no error';
}
