/** Ends every `switch (msg.type)`: the compiler proves the switch is exhaustive. */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}
